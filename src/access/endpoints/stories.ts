// Access: stories — a user's live stories and the account's own story items, newest first with upstream's marker
// cursor (docs/onlyfans-web-api.md §8 and §9: users/{id}/stories, stories/archive). OFAuth's SDK declares neither;
// the story shape is the one OFAuth's API reference gives for a user's stories (id, userId, isReady, media, …).
//
// Permissions: OFAuth has a `stories:read` ofconnect's permission list does not. The account's own items are its
// published content, read under `posts:read` as its posts are; another user's stories are part of that user's
// profile, read under `profile:read` as the users family reads their profile and posts.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Media, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Limit, Num, Opt, Str, UserIdParams } from './shared/schema-fields.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { given } from './shared/upstream-query.ts';
import { asArray, asObject, bool, num, numOrNull, overUpstream, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

export const Story = Type.Object({
  id: Num,
  userId: Num,
  isReady: Bool,
  media: Type.Array(Media),
  hasPost: Opt(Bool),
  isWatched: Bool,
  createdAt: Str,
  question: Opt(Type.Unknown()),
  canLike: Bool,
  isLiked: Bool,
});
export const UserStoriesReply = Type.Array(Story);
/** The account's story items, newest first; `marker` (null on the last page) asks for the next, older page. */
export const StoryItemsReply = Type.Object({ list: Type.Array(Story), hasMore: Bool, marker: Nullable(Num) });

export const StoryItemsQuery = Type.Object({
  limit: Limit(50, 10),
  /** The `marker` of the previous page (a Unix time in seconds). */
  marker: Opt(Type.Integer({ minimum: 1 })),
});

// ---- shapes -------------------------------------------------------------------------------------------------

export function shapeStory(value: unknown): Static<typeof Story> {
  const story = asObject(value);
  return overUpstream(story, {
    id: num(story.id),
    userId: num(story.userId),
    isReady: bool(story.isReady, true),
    media: asArray(story.media).map(shapeMedia),
    isWatched: bool(story.isWatched),
    createdAt: str(story.createdAt),
    canLike: bool(story.canLike),
    isLiked: bool(story.isLiked),
  });
}

export function shapeStoryItems(body: unknown): Static<typeof StoryItemsReply> {
  const page = upstreamPage(body);
  return { list: page.list.map(shapeStory), hasMore: page.hasMore, marker: page.hasMore ? numOrNull(page.raw.marker) : null };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: stories';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'stories',
  permissions: ['posts:read', 'profile:read'],
  endpoints: [
    // Beside GET /v2/access/users/:userId (users family): one segment deeper, so the two never match the same path.
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/:userId/stories', tag, summary: 'A user\'s live stories (id or username)', permission: 'profile:read',
      params: UserIdParams, reply: UserStoriesReply,
      upstream: ({ params }) => ({ method: 'GET', path: `/users/${enc(params.userId)}/stories` }),
      shape: (body) => asArray(body).map(shapeStory),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/stories/items', tag, summary: 'The account\'s story items (marker cursor)', permission: 'posts:read',
      querystring: StoryItemsQuery, reply: StoryItemsReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/stories/archive', query: { limit: given(query.limit), marker: given(query.marker) } }),
      shape: shapeStoryItems,
    }),
  ],
});
