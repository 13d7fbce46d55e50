// Posts as the SDK declares them in a page of posts (the account's own, or another user's), the page itself, and
// the upstream query both pages use (docs/onlyfans-web-api.md §8: publish-time cursor).
import { Type, type Static } from 'typebox';
import { Media, shapeMedia } from './media-shapes.ts';
import { given } from './upstream-query.ts';
import { Bool, Direction, Limit, literalUnion, Num, Opt, Str } from './schema-fields.ts';
import { asArray, asObject, bool, num, overUpstream, str } from './upstream-readers.ts';

export const PostAuthor = Type.Object({ _view: Str, id: Num });

export const Post = Type.Object({
  author: Opt(PostAuthor),
  canComment: Bool,
  canDelete: Bool,
  canEdit: Bool,
  canToggleFavorite: Bool,
  canViewMedia: Bool,
  favoritesCount: Num,
  id: Num,
  isFavorite: Bool,
  isMarkdownDisabled: Bool,
  isMediaReady: Bool,
  isOpened: Bool,
  media: Type.Array(Media),
  mediaCount: Num,
  postedAt: Str,
  postedAtPrecise: Str,
  rawText: Str,
  responseType: Str,
  text: Str,
  tipsAmount: Str,
});

export const PostsPage = Type.Object({
  counters: Type.Object({
    archivedPostsCount: Num,
    audiosCount: Num,
    mediasCount: Num,
    photosCount: Num,
    postsCount: Num,
    privateArchivedPostsCount: Num,
    streamsCount: Num,
    videosCount: Num,
  }),
  hasMore: Bool,
  headMarker: Str,
  list: Type.Array(Post),
  tailMarker: Str,
});

export const PostsQuery = Type.Object({
  limit: Limit(10, 10),
  sortBy: Opt(literalUnion(['publish_date', 'tips', 'favorites_count'])),
  sortDirection: Opt(Direction),
  pinned: Opt(Bool),
  includePostCounts: Opt(Bool),
  beforePublishTime: Opt(Str),
});

export type Post = Static<typeof Post>;

export function postsQuery(query: Static<typeof PostsQuery>) {
  const direction = given(query.sortDirection) ?? 'desc';
  const sortBy = given(query.sortBy) ?? 'publish_date';
  return {
    limit: given(query.limit),
    order: `${sortBy}_${direction}`,
    skip_users: 'all',
    format: 'infinite',
    beforePublishTime: given(query.beforePublishTime),
    pinned: query.pinned === true ? 1 : undefined,
    counters: query.includePostCounts === true ? 1 : undefined,
  };
}

export function shapePost(value: unknown): Post {
  const post = asObject(value);
  const author = asObject(post.author);
  return overUpstream(post, {
    id: num(post.id),
    ...(post.author ? { author: { id: num(author.id), _view: str(author._view, 'm') } } : {}),
    canComment: bool(post.canComment),
    canDelete: bool(post.canDelete),
    canEdit: bool(post.canEdit),
    canToggleFavorite: bool(post.canToggleFavorite, true),
    canViewMedia: bool(post.canViewMedia, true),
    favoritesCount: num(post.favoritesCount),
    isFavorite: bool(post.isFavorite),
    isMarkdownDisabled: bool(post.isMarkdownDisabled),
    isMediaReady: bool(post.isMediaReady, true),
    isOpened: bool(post.isOpened, true),
    media: asArray(post.media).map(shapeMedia),
    mediaCount: num(post.mediaCount, asArray(post.media).length),
    postedAt: str(post.postedAt),
    postedAtPrecise: str(post.postedAtPrecise),
    rawText: str(post.rawText),
    responseType: str(post.responseType, 'post'),
    text: str(post.text),
    tipsAmount: str(post.tipsAmount, '0'),
  });
}

export function shapePostsPage(body: unknown): Static<typeof PostsPage> {
  const raw = asObject(body);
  const counters = asObject(raw.counters);
  const counter = (name: string) => num(counters[name]);
  return {
    list: asArray(raw.list).map(shapePost),
    hasMore: bool(raw.hasMore),
    headMarker: str(raw.headMarker),
    tailMarker: str(raw.tailMarker),
    counters: {
      archivedPostsCount: counter('archivedPostsCount'),
      audiosCount: counter('audiosCount'),
      mediasCount: counter('mediasCount'),
      photosCount: counter('photosCount'),
      postsCount: counter('postsCount'),
      privateArchivedPostsCount: counter('privateArchivedPostsCount'),
      streamsCount: counter('streamsCount'),
      videosCount: counter('videosCount'),
    },
  };
}
