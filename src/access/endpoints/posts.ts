// Access: posts — the account's own posts: the page, one post, publishing, editing and deleting
// (docs/onlyfans-web-api.md §9, "Posts"; §8 for the publish-time cursor).
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { ContentFields, ReleaseFormsInput, upstreamContent } from './shared/content-body.ts';
import { Media, ReleaseFormRef } from './shared/media-shapes.ts';
import { Post, PostAuthor, PostsPage, PostsQuery, postsQuery, shapePost, shapePostsPage } from './shared/post-shapes.ts';
import { Bool, Num, Opt, ResultReply, Str } from './shared/schema-fields.ts';
import { asArray, bool, num, passedOnArray } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

export const SinglePost = Type.Object({
  author: Opt(PostAuthor),
  canDelete: Bool,
  canEdit: Bool,
  canEditMedia: Bool,
  canEditSchedule: Bool,
  canEditText: Bool,
  canEditVote: Bool,
  canToggleFavorite: Bool,
  canViewMedia: Bool,
  id: Num,
  isMarkdownDisabled: Bool,
  isMediaReady: Bool,
  isOpened: Bool,
  media: Type.Array(Media),
  mediaCount: Num,
  postedAt: Str,
  postedAtPrecise: Str,
  preview: Type.Array(Num),
  price: Opt(Num),
  releaseForms: Type.Array(ReleaseFormRef),
  responseType: Str,
  tipsAmount: Str,
});

export const PostIdParams = Type.Object({ postId: Str });
export const PostWriteBody = Type.Object({
  ...ContentFields,
  scheduledDate: Opt(Str),
  expireAfter: Opt(Type.Integer({ minimum: 1 })),
  fundRaisingTargetAmount: Opt(Num),
  fundRaisingTipsPresets: Opt(Type.Array(Num)),
  isLockedText: Opt(Nullable(Bool)),
  isMarkdown: Opt(Nullable(Bool)),
  releaseForms: Opt(ReleaseFormsInput),
  userTags: Opt(Type.Array(Num)),
});

// ---- shapes -------------------------------------------------------------------------------------------------

/** GET /posts/{id}: the SDK's single-post shape (edit capabilities, preview ids, release forms). */
export function shapeSinglePost(value: unknown): Static<typeof SinglePost> {
  const post: Post & { [field: string]: unknown } = shapePost(value);
  const canEdit = bool(post.canEdit);
  return {
    ...post,
    canEditMedia: bool(post.canEditMedia, canEdit),
    canEditSchedule: bool(post.canEditSchedule, canEdit),
    canEditText: bool(post.canEditText, canEdit),
    canEditVote: bool(post.canEditVote, canEdit),
    preview: asArray(post.preview).map((p) => num(p)),
    releaseForms: passedOnArray<Static<typeof ReleaseFormRef>>(post.releaseForms),
  };
}

/** The SDK's post body → upstream's (`preview` = the first previewMediaCount media; schedule, expiry, fundraising). */
function upstreamPost(body: Static<typeof PostWriteBody>) {
  const { media, previewCount, lockedText, ...content } = upstreamContent(body);
  return {
    ...content,
    lockedText,
    preview: media.slice(0, previewCount),
    ...(body.scheduledDate ? { postedAt: body.scheduledDate } : {}),
    ...(body.expireAfter ? { expirePeriod: body.expireAfter } : {}),
    ...(body.fundRaisingTargetAmount !== undefined ? { fundRaisingTargetAmount: body.fundRaisingTargetAmount, fundRaisingTipsPresets: body.fundRaisingTipsPresets ?? [] } : {}),
  };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: posts';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'posts',
  permissions: ['posts:read', 'posts:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/posts', tag, summary: 'The account\'s own posts', permission: 'posts:read',
      querystring: PostsQuery, reply: PostsPage,
      upstream: ({ connection, query }) => ({ method: 'GET', path: `/users/${enc(connection.platformUserId ?? 'me')}/posts`, query: postsQuery(query) }),
      shape: shapePostsPage,
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/posts', tag, summary: 'Publish (or schedule) a post', permission: 'posts:write',
      body: PostWriteBody, reply: Post,
      upstream: ({ body }) => ({ method: 'POST', path: '/posts', body: upstreamPost(body) }),
      shape: shapePost,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/posts/:postId', tag, summary: 'One post', permission: 'posts:read',
      params: PostIdParams, reply: SinglePost,
      upstream: ({ params }) => ({ method: 'GET', path: `/posts/${enc(params.postId)}` }),
      shape: shapeSinglePost,
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/posts/:postId', tag, summary: 'Edit a post', permission: 'posts:write',
      params: PostIdParams, body: PostWriteBody, reply: Post,
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/posts/${enc(params.postId)}`, body: upstreamPost(body) }),
      shape: shapePost,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/posts/:postId', tag, summary: 'Delete a post', permission: 'posts:write',
      params: PostIdParams, reply: ResultReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/posts/${enc(params.postId)}` }),
    }),
  ],
});
