// Posts: the publish-time cursor (tailMarker → beforePublishTime), single posts, create/edit/delete/pin.
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime, preciseSeconds, stripHtml } from '../data/formats.ts';
import { mediaView } from '../data/media.ts';
import type { Post } from '../data/posts.ts';
import { postsByPublishDate } from '../data/posts.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound, userNotFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { resolveMediaFiles } from './media-files.ts';
import { pageOf, queryOf, queryString } from './paging.ts';
import { slimUser } from './user-view.ts';

function postView(post: Post, authorId: number) {
  return {
    responseType: 'post',
    id: post.id,
    postedAt: isoTime(post.postedAtMs),
    postedAtPrecise: preciseSeconds(post.postedAtMs),
    expiredAt: null,
    author: slimUser(authorId),
    text: htmlText(post.text),
    rawText: stripHtml(post.text),
    lockedText: false,
    isFavorite: false,
    canReport: false,
    canDelete: true,
    canComment: true,
    canEdit: true,
    isPinned: post.isPinned,
    favoritesCount: post.favoritesCount,
    mediaCount: post.media.length,
    isMediaReady: true,
    isOpened: true,
    canViewMedia: true,
    price: post.price,
    isArchived: post.isArchived,
    isDeleted: false,
    commentsCount: post.commentsCount,
    tipsAmount: `$${post.tipsAmount}`,
    tipsAmountRaw: post.tipsAmount,
    media: post.media.map((m) => mediaView(m)),
    preview: [],
  };
}

function findPost(data: AccountData, id: string): Post {
  const post = data.posts.posts.find((p) => p.id === Number(id));
  if (!post) throw notFound('Post not found');
  return post;
}

function applyPostBody(post: Post, body: Record<string, unknown>): void {
  if (body.text !== undefined) {
    if (typeof body.text !== 'string') throw badRequest('text must be a string');
    post.text = body.text;
  }
  if (body.price !== undefined) {
    if (typeof body.price !== 'number' || body.price < 0) throw badRequest('price must be a non-negative number');
    post.price = body.price;
  }
}

export function registerPostRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get<{ Params: { user: string } }>('/api2/v2/users/:user/posts', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const { limit } = pageOf(query, 10);
    const isMine = req.params.user === String(data.profile.id) || req.params.user === data.profile.username;
    if (!isMine && !state.world.directory.find(req.params.user)) throw userNotFound();
    let posts = isMine ? postsByPublishDate(data.posts) : [];
    if (queryString(query, 'pinned') === '1') posts = posts.filter((p) => p.isPinned);
    const order = queryString(query, 'order') ?? 'publish_date_desc';
    if (order !== 'publish_date_desc' && order !== 'publish_date_asc') throw badRequest('Invalid order');
    const before = Number(queryString(query, 'beforePublishTime'));
    const after = Number(queryString(query, 'afterPublishTime'));
    if (order === 'publish_date_asc') posts = posts.slice().reverse();
    if (Number.isFinite(before) && before > 0) posts = posts.filter((p) => p.postedAtMs / 1000 < before);
    if (Number.isFinite(after) && after > 0) posts = posts.filter((p) => p.postedAtMs / 1000 > after);
    const list = posts.slice(0, limit);
    const first = list[0];
    const last = list.at(-1);
    return {
      list: list.map((p) => postView(p, data.profile.id)),
      hasMore: posts.length > list.length,
      headMarker: first ? preciseSeconds(first.postedAtMs) : null,
      tailMarker: last ? preciseSeconds(last.postedAtMs) : null,
      ...(queryString(query, 'counters') === '1'
        ? { counters: { postsCount: data.posts.posts.length, archivedPostsCount: data.posts.posts.filter((p) => p.isArchived).length, mediasCount: data.posts.posts.reduce((n, p) => n + p.media.length, 0) } }
        : {}),
    };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/posts/:id', async (req) => {
    const data = requireAccountData(req, state);
    return postView(findPost(data, req.params.id), data.profile.id);
  });

  app.post('/api2/v2/posts', async (req) => {
    const data = requireAccountData(req, state);
    if (!data.profile.isPerformer) throw badRequest('Only creators can post');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const book = data.posts;
    const media = resolveMediaFiles(data, body.mediaFiles);
    const post: Post = { id: (book.nextPostId += 1 + (state.now() % 991)), text: '', postedAtMs: state.now(), price: 0, media, favoritesCount: 0, commentsCount: 0, tipsAmount: 0, isPinned: false, isArchived: false };
    applyPostBody(post, body);
    if (post.text.trim() === '' && media.length === 0) throw badRequest('Post is empty');
    book.posts.push(post);
    return postView(post, data.profile.id);
  });

  app.put<{ Params: { id: string } }>('/api2/v2/posts/:id', async (req) => {
    const data = requireAccountData(req, state);
    const post = findPost(data, req.params.id);
    applyPostBody(post, (req.body ?? {}) as Record<string, unknown>);
    return postView(post, data.profile.id);
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/posts/:id', async (req) => {
    const data = requireAccountData(req, state);
    const post = findPost(data, req.params.id);
    data.posts.posts = data.posts.posts.filter((p) => p !== post);
    return { success: true };
  });

  for (const method of ['post', 'delete'] as const) {
    app[method]<{ Params: { id: string } }>('/api2/v2/posts/:id/pin', async (req) => {
      const post = findPost(requireAccountData(req, state), req.params.id);
      post.isPinned = method === 'post';
      return { success: true, isPinned: post.isPinned };
    });
  }
}
