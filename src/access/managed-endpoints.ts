// The managed Access endpoints as data: OFAuth's route and schemas → the connection permission it needs → the
// upstream call (protocol notes §9) → the SDK reply shape. One generic handler in routes.ts serves them all; an
// entry only says what differs. Families covered: self, chats/messages, subscribers, subscriptions, users (+ lists,
// blocked, restricted), posts, vault, earnings. Not yet: analytics, promotions (bundles, tracking/trial links),
// mass messages, uploads (the raw proxy reaches those upstream endpoints meanwhile).
//
// Permission areas (ofconnect's choice, ofauth-api.md §11): profile (self, notifications, other users' profiles and
// posts), messages (chats), subscribers (fans, own subscriptions, blocked/restricted users), lists, posts, vault,
// earnings; `:read` for GET, `:write` for anything that changes the account.
import type { TSchema } from 'typebox';
import type { UpstreamQuery } from '../upstream/request-builder.ts';
import type { UsableConnection } from './access-pipeline.ts';
import * as S from './schemas.ts';
import * as shape from './sdk-shapes.ts';

type Query = Record<string, unknown>;

export interface EndpointInput {
  params: Record<string, string>;
  /** Validated query, plus any deep-object keys (filter[online]=1) as received. */
  query: Query;
  body: Record<string, unknown>;
  connection: UsableConnection;
}

export interface UpstreamCallSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: UpstreamQuery;
  body?: unknown;
}

export type SendUpstream = (call: UpstreamCallSpec) => Promise<unknown>;

export interface ManagedEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  tag: string;
  summary: string;
  permission: string;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  reply: TSchema;
  /** The upstream call, when one call answers the operation. */
  upstream?: (input: EndpointInput) => UpstreamCallSpec;
  /** Upstream reply → SDK shape (default: as upstream sent it). */
  shape?: (body: unknown, input: EndpointInput) => unknown;
  /** For operations that need several upstream calls. */
  run?: (input: EndpointInput, send: SendUpstream) => Promise<unknown>;
}

const enc = encodeURIComponent;
const q = (query: Query, name: string) => {
  const value = query[name];
  return value === undefined || value === null || value === '' ? undefined : (value as string | number | boolean);
};
const page = (query: Query) => ({ limit: q(query, 'limit'), offset: q(query, 'offset') });
/** Deep-object filters as received (filter[online]=1 …); the SDK's broken "filter=[object Object]" is dropped. */
const deepFilters = (query: Query) =>
  Object.fromEntries(Object.entries(query).filter(([key, value]) => /^filter\[[A-Za-z_]+\]$/.test(key) && typeof value === 'string')) as Record<string, string>;
const flag = (value: unknown) => (value === true || value === 'true' || value === '1' ? 1 : value === undefined ? undefined : 0);

/** OnlyFans statistics take `YYYY-MM-DD HH:MM:SS` (UTC); the SDK documents ISO 8601. */
function upstreamDate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return value;
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

const listOf = (mapItem: (item: unknown) => unknown) => (body: unknown) => {
  const p = shape.upstreamPage(body);
  const nextOffset = p.raw.nextOffset;
  return { list: p.list.map(mapItem), hasMore: p.hasMore, ...(typeof nextOffset === 'number' ? { nextOffset } : {}) };
};

/** SDK notification types → upstream's singular past tense (protocol notes §9). */
const NOTIFICATION_TYPE: Record<string, string> = {
  subscribed: 'subscribed',
  tip: 'tipped',
  commented: 'commented',
  mentioned: 'mentioned',
  favorited: 'liked',
  message: 'message',
  purchases: 'purchased',
  post: 'post',
};

/** The SDK's message/post body → OnlyFans' (mediaFiles, previews, rf* release-form tags). */
function upstreamContent(body: Record<string, unknown>) {
  const media = (body.mediaItems as Array<string | number> | undefined) ?? [];
  const previewCount = typeof body.previewMediaCount === 'number' ? body.previewMediaCount : 0;
  const releaseForms = (body.releaseForms ?? {}) as { users?: number[]; guests?: number[]; partners?: number[] };
  return {
    text: body.text ?? '',
    lockedText: body.isLockedText ?? false,
    mediaFiles: media,
    price: body.price ?? 0,
    rfTag: releaseForms.users ?? [],
    rfGuest: releaseForms.guests ?? [],
    rfPartner: releaseForms.partners ?? [],
    ...(body.userTags ? { userTags: body.userTags } : {}),
    ...(typeof body.isMarkdown === 'boolean' ? { isMarkdown: body.isMarkdown } : {}),
    media,
    previewCount,
  };
}

function messageBody(body: Record<string, unknown>) {
  const { media, previewCount, ...content } = upstreamContent(body);
  return { ...content, previews: media.slice(0, previewCount), isForward: body.isForwardedMessage ?? false };
}

function postBody(body: Record<string, unknown>) {
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

function postsQuery(query: Query) {
  const direction = q(query, 'sortDirection') ?? 'desc';
  const sortBy = q(query, 'sortBy') ?? 'publish_date';
  return {
    limit: q(query, 'limit'),
    order: `${sortBy}_${direction}`,
    skip_users: 'all',
    format: 'infinite',
    beforePublishTime: q(query, 'beforePublishTime'),
    pinned: query.pinned === true ? 1 : undefined,
    counters: query.includePostCounts === true ? 1 : undefined,
  };
}

function vaultMediaQuery(query: Query, listId: unknown) {
  const sortBy = q(query, 'sortBy') ?? 'recent';
  return {
    ...page(query),
    field: sortBy === 'most-liked' ? 'likes' : sortBy === 'highest-tips' ? 'tips' : 'recent',
    sort: q(query, 'sortDirection') ?? 'desc',
    list: listId === undefined ? 'all' : String(listId),
    type: q(query, 'mediaType'),
    query: q(query, 'query'),
  };
}

const SELF: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/self', tag: 'Access: self', summary: 'The connected account', permission: 'profile:read',
    reply: S.SelfReply,
    upstream: () => ({ method: 'GET', path: '/users/me' }),
    shape: shape.shapeSelf,
  },
  {
    method: 'PATCH', url: '/v2/access/self', tag: 'Access: self', summary: 'Update name or about', permission: 'profile:write',
    body: S.SelfUpdateBody, reply: S.UserProfile,
    // Upstream answers a profile update with {success}; the SDK expects the profile, so it is read back.
    run: async ({ body }, send) => {
      await send({ method: 'PATCH', path: '/users/me', body: { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.about !== undefined ? { about: body.about } : {}) } });
      return shape.shapeUserProfile(await send({ method: 'GET', path: '/users/me' }));
    },
  },
  {
    method: 'GET', url: '/v2/access/self/notifications', tag: 'Access: self', summary: 'Notifications', permission: 'profile:read',
    querystring: S.NotificationsQuery, reply: S.NotificationsReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/users/notifications',
      query: { ...page(query), skip_users: 'all', format: 'infinite', type: query.type ? NOTIFICATION_TYPE[String(query.type)] : undefined, relatedUsername: q(query, 'relatedUsername') },
    }),
    shape: listOf(shape.shapeNotification),
  },
];

const CHATS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/chats', tag: 'Access: chats', summary: 'Inbox', permission: 'messages:read',
    querystring: S.ChatsQuery, reply: S.ChatsReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/chats',
      query: { ...page(query), order: q(query, 'order') ?? 'recent', skip_users: 'all', filter: q(query, 'filter'), query: q(query, 'query'), list_id: q(query, 'userListId') },
    }),
    shape: listOf(shape.shapeChat),
  },
  {
    method: 'GET', url: '/v2/access/chats/:userId/messages', tag: 'Access: chats', summary: 'Messages with one user (newest first; `id` = older than)', permission: 'messages:read',
    params: S.UserIdParams, querystring: S.ChatMessagesQuery, reply: S.ChatMessagesReply,
    upstream: ({ params, query }) => ({
      method: 'GET',
      path: `/chats/${enc(params.userId)}/messages`,
      query: { ...page(query), order: 'desc', skip_users: 'all', id: q(query, 'id'), firstId: q(query, 'first_id'), query: q(query, 'query') },
    }),
    shape: listOf(shape.shapeChatMessage),
  },
  {
    method: 'POST', url: '/v2/access/chats/:userId/messages', tag: 'Access: chats', summary: 'Send a message', permission: 'messages:write',
    params: S.UserIdParams, body: S.SendMessageBody, reply: S.ChatMessage,
    upstream: ({ params, body }) => ({ method: 'POST', path: `/chats/${enc(params.userId)}/messages`, body: messageBody(body) }),
    shape: shape.shapeChatMessage,
  },
  {
    method: 'DELETE', url: '/v2/access/chats/:userId/messages/:messageId', tag: 'Access: chats', summary: 'Unsend a message', permission: 'messages:write',
    params: S.MessageParams, body: S.DeleteMessageBody, reply: S.DeleteMessageReply,
    upstream: ({ params, body }) => ({ method: 'DELETE', path: `/messages/${enc(params.messageId)}`, body: { withUserId: body.withUserId ?? params.userId } }),
    shape: (body) => ({ ...shape.asObject(body), success: shape.asObject(body).success !== false }),
  },
  {
    method: 'GET', url: '/v2/access/chats/:userId/media', tag: 'Access: chats', summary: 'Media exchanged with one user', permission: 'messages:read',
    params: S.UserIdParams, querystring: S.ChatMediaQuery, reply: S.ChatMessagesReply,
    upstream: ({ params, query }) => ({
      method: 'GET',
      path: `/chats/${enc(params.userId)}/media`,
      query: { ...page(query), skip_users: q(query, 'skip_users') ?? 'all', last_id: q(query, 'last_id'), opened: q(query, 'opened'), type: q(query, 'type') },
    }),
    shape: listOf(shape.shapeChatMediaItem),
  },
];

const SUBSCRIBERS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/subscribers', tag: 'Access: subscribers', summary: 'Fans (type=latest: new and renewed in a date range)', permission: 'subscribers:read',
    querystring: S.SubscribersQuery, reply: S.SubscribersReply,
    upstream: ({ query }) =>
      query.type === 'latest'
        ? {
            method: 'GET',
            path: '/subscriptions/subscribers/latest',
            query: { ...page(query), format: 'infinite', type: q(query, 'latestType'), startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate) },
          }
        : {
            method: 'GET',
            path: '/subscriptions/subscribers',
            query: { ...page(query), type: q(query, 'type') ?? 'active', query: q(query, 'query'), format: 'infinite', ...deepFilters(query) },
          },
    shape: listOf(shape.shapeSubscriber),
  },
  ...(
    [
      ['custom-name', 'Set the fan\'s display name', S.CustomNameBody, (b: Record<string, unknown>) => ({ displayName: b.displayName })],
      ['note', 'Set the private note about the fan', S.NoteBody, (b: Record<string, unknown>) => ({ notice: b.notice })],
    ] as const
  ).map(([suffix, summary, body, upstreamBody]): ManagedEndpoint => ({
    method: 'PUT', url: `/v2/access/subscribers/:userId/${suffix}`, tag: 'Access: subscribers', summary, permission: 'subscribers:write',
    params: S.UserIdParams, body, reply: S.ResultReply,
    upstream: ({ params, body: input }) => ({ method: 'PUT', path: `/subscriptions/${enc(params.userId)}`, body: upstreamBody(input) }),
  })),
  {
    method: 'PUT', url: '/v2/access/subscribers/:userId/discount', tag: 'Access: subscribers', summary: 'Give the fan a renewal discount', permission: 'subscribers:write',
    params: S.UserIdParams, body: S.DiscountBody, reply: S.ResultReply,
    // Upstream path not confirmed by the protocol notes (guess; the simulator has no such endpoint).
    upstream: ({ params, body }) => ({ method: 'PUT', path: `/subscriptions/${enc(params.userId)}/discount`, body: { discount: body.discount, period: body.period } }),
  },
];

const SUBSCRIPTIONS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/subscriptions', tag: 'Access: subscriptions', summary: 'Creators the account subscribes to', permission: 'subscribers:read',
    querystring: S.SubscriptionsQuery, reply: S.SubscriptionsReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/subscriptions/subscribes',
      query: { ...page(query), type: q(query, 'type') ?? 'all', query: q(query, 'query'), format: 'infinite', ...deepFilters(query) },
    }),
    shape: listOf(shape.shapeSubscription),
  },
  {
    method: 'GET', url: '/v2/access/subscriptions/count', tag: 'Access: subscriptions', summary: 'Subscriber and subscription counts', permission: 'subscribers:read',
    reply: S.SubscriptionCountReply,
    upstream: () => ({ method: 'GET', path: '/subscriptions/count/all' }),
    shape: shape.shapeSubscriptionCount,
  },
  {
    method: 'GET', url: '/v2/access/subscriptions/:subscriptionId/history', tag: 'Access: subscriptions', summary: 'Subscription periods with one user (id or username)', permission: 'subscribers:read',
    params: S.SubscriptionIdParams, querystring: S.SubscriptionHistoryQuery, reply: S.SubscriptionHistoryReply,
    // The periods are the `subscribes` of the user's subscribedByData/subscribedOnData (protocol notes §9).
    upstream: ({ params }) => ({ method: 'GET', path: `/users/${enc(params.subscriptionId)}` }),
    shape: shape.shapeSubscriptionHistory,
  },
];

const USERS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/users/list', tag: 'Access: users', summary: 'Several users by id', permission: 'profile:read',
    querystring: S.UsersLookupQuery, reply: S.UsersLookupReply,
    upstream: ({ query }) => {
      const raw = query.userIds;
      const ids = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
      return { method: 'GET', path: '/users/list', query: { 'm[]': ids } };
    },
    shape: (body) => ({ users: (Array.isArray(body) ? body : Object.values(shape.asObject(body))).map(shape.shapeUserProfile) }),
  },
  {
    method: 'GET', url: '/v2/access/users/search', tag: 'Access: users', summary: 'Search users', permission: 'profile:read',
    querystring: S.UserSearchQuery, reply: S.UserSearchReply,
    // Upstream path not confirmed by the protocol notes (guess; the simulator has no search).
    upstream: ({ query }) => ({ method: 'GET', path: '/users/search', query: { ...page(query), query: q(query, 'query'), skip_users: 'all' } }),
    shape: (body) => shape.upstreamPage(body).list.map(shape.shapeUserProfile),
  },
  ...(['blocked', 'restrict'] as const).map(
    (kind): ManagedEndpoint => ({
      method: 'GET', url: `/v2/access/users/${kind}`, tag: 'Access: users', summary: kind === 'blocked' ? 'Blocked users' : 'Restricted users', permission: 'subscribers:read',
      querystring: S.OffsetQuery(20, 10), reply: S.UsersPage,
      upstream: ({ query }) => ({ method: 'GET', path: `/users/${kind}`, query: { ...page(query), format: 'infinite' } }),
      shape: listOf(shape.shapeUserProfile),
    }),
  ),
  {
    method: 'GET', url: '/v2/access/users/:userId', tag: 'Access: users', summary: 'A user\'s profile (id or username)', permission: 'profile:read',
    params: S.UserIdParams, reply: S.UserProfile,
    upstream: ({ params }) => ({ method: 'GET', path: `/users/${enc(params.userId)}` }),
    shape: shape.shapeUserProfile,
  },
  {
    method: 'GET', url: '/v2/access/users/:userId/posts', tag: 'Access: users', summary: 'A user\'s posts (publish-time cursor: beforePublishTime = tailMarker)', permission: 'profile:read',
    params: S.UserIdParams, querystring: S.PostsQuery, reply: S.PostsPage,
    upstream: ({ params, query }) => ({ method: 'GET', path: `/users/${enc(params.userId)}/posts`, query: postsQuery(query) }),
    shape: shape.shapePostsPage,
  },
  ...(['POST', 'DELETE'] as const).map(
    (method): ManagedEndpoint => ({
      method, url: '/v2/access/users/:userId/restrict', tag: 'Access: users', summary: method === 'POST' ? 'Restrict a user' : 'Unrestrict a user', permission: 'subscribers:write',
      params: S.UserIdParams, reply: S.ResultReply,
      upstream: ({ params }) => ({ method, path: `/users/${enc(params.userId)}/restrict` }),
    }),
  ),
  {
    method: 'POST', url: '/v2/access/users/:userId/lists', tag: 'Access: lists', summary: 'Add a user to several lists', permission: 'lists:write',
    params: S.UserIdParams, body: S.AddUserToListsBody, reply: S.AddUserToListsReply,
    upstream: ({ params, body }) => ({ method: 'POST', path: '/lists/users', body: { listIds: body.listIds, userIds: [Number(params.userId)] } }),
    shape: (_body, { body }) => ({ success: (body.listIds as number[]).map((listId) => ({ listId, success: true })) }),
  },
];

const LISTS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/users/lists', tag: 'Access: lists', summary: 'User lists', permission: 'lists:read',
    querystring: S.UserListsQuery, reply: S.UserListsReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/lists', query: { ...page(query), query: q(query, 'query'), format: 'infinite' } }),
    shape: listOf(shape.shapeUserList),
  },
  {
    method: 'POST', url: '/v2/access/users/lists', tag: 'Access: lists', summary: 'Create a list', permission: 'lists:write',
    body: S.ListNameBody, reply: S.UserList,
    upstream: ({ body }) => ({ method: 'POST', path: '/lists', body: { name: body.name } }),
    shape: shape.shapeUserList,
  },
  {
    method: 'GET', url: '/v2/access/users/lists/:listId', tag: 'Access: lists', summary: 'One list', permission: 'lists:read',
    params: S.ListIdParams, reply: S.UserList,
    upstream: ({ params }) => ({ method: 'GET', path: `/lists/${enc(params.listId)}` }),
    shape: shape.shapeUserList,
  },
  {
    method: 'PATCH', url: '/v2/access/users/lists/:listId', tag: 'Access: lists', summary: 'Rename a list', permission: 'lists:write',
    params: S.ListIdParams, body: S.ListNameBody, reply: S.UserList,
    upstream: ({ params, body }) => ({ method: 'PATCH', path: `/lists/${enc(params.listId)}`, body: { name: body.name } }),
    shape: shape.shapeUserList,
  },
  {
    method: 'DELETE', url: '/v2/access/users/lists/:listId', tag: 'Access: lists', summary: 'Delete a list', permission: 'lists:write',
    params: S.ListIdParams, reply: S.ResultReply,
    upstream: ({ params }) => ({ method: 'DELETE', path: `/lists/${enc(params.listId)}` }),
  },
  {
    method: 'GET', url: '/v2/access/users/lists/:listId/users', tag: 'Access: lists', summary: 'Members of a list', permission: 'lists:read',
    params: S.ListIdParams, querystring: S.OffsetQuery(100, 10), reply: S.ListUsersReply,
    upstream: ({ params, query }) => ({ method: 'GET', path: `/lists/${enc(params.listId)}/users`, query: { ...page(query), format: 'infinite' } }),
    shape: listOf(shape.shapeListUserRef),
  },
  ...(['POST', 'DELETE'] as const).map(
    (method): ManagedEndpoint => ({
      method, url: '/v2/access/users/lists/:listId/users/:userId', tag: 'Access: lists', summary: method === 'POST' ? 'Add a member' : 'Remove a member', permission: 'lists:write',
      params: S.ListUserParams, reply: S.ResultReply,
      upstream: ({ params }) => ({ method, path: `/lists/${enc(params.listId)}/users/${enc(params.userId)}` }),
    }),
  ),
];

const POSTS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/posts', tag: 'Access: posts', summary: 'The account\'s own posts', permission: 'posts:read',
    querystring: S.PostsQuery, reply: S.PostsPage,
    upstream: ({ connection, query }) => ({ method: 'GET', path: `/users/${enc(connection.platformUserId ?? 'me')}/posts`, query: postsQuery(query) }),
    shape: shape.shapePostsPage,
  },
  {
    method: 'POST', url: '/v2/access/posts', tag: 'Access: posts', summary: 'Publish (or schedule) a post', permission: 'posts:write',
    body: S.PostWriteBody, reply: S.Post,
    upstream: ({ body }) => ({ method: 'POST', path: '/posts', body: postBody(body) }),
    shape: shape.shapePost,
  },
  {
    method: 'GET', url: '/v2/access/posts/:postId', tag: 'Access: posts', summary: 'One post', permission: 'posts:read',
    params: S.PostIdParams, reply: S.SinglePost,
    upstream: ({ params }) => ({ method: 'GET', path: `/posts/${enc(params.postId)}` }),
    shape: shape.shapeSinglePost,
  },
  {
    method: 'PUT', url: '/v2/access/posts/:postId', tag: 'Access: posts', summary: 'Edit a post', permission: 'posts:write',
    params: S.PostIdParams, body: S.PostWriteBody, reply: S.Post,
    upstream: ({ params, body }) => ({ method: 'PUT', path: `/posts/${enc(params.postId)}`, body: postBody(body) }),
    shape: shape.shapePost,
  },
  {
    method: 'DELETE', url: '/v2/access/posts/:postId', tag: 'Access: posts', summary: 'Delete a post', permission: 'posts:write',
    params: S.PostIdParams, reply: S.ResultReply,
    upstream: ({ params }) => ({ method: 'DELETE', path: `/posts/${enc(params.postId)}` }),
  },
];

const VAULT: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/vault/lists', tag: 'Access: vault', summary: 'Vault lists', permission: 'vault:read',
    querystring: S.VaultListsQuery, reply: S.VaultListsReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/vault/lists', query: { view: 'main', ...page(query), query: q(query, 'query') } }),
    shape: shape.shapeVaultLists,
  },
  {
    method: 'POST', url: '/v2/access/vault/lists', tag: 'Access: vault', summary: 'Create a vault list', permission: 'vault:write',
    body: S.ListNameBody, reply: S.VaultList,
    upstream: ({ body }) => ({ method: 'POST', path: '/vault/lists', body: { name: body.name } }),
    shape: shape.shapeVaultList,
  },
  {
    method: 'PATCH', url: '/v2/access/vault/lists/:listId', tag: 'Access: vault', summary: 'Rename (or empty) a vault list', permission: 'vault:write',
    params: S.ListIdParams, body: S.VaultListUpdateBody, reply: S.VaultList,
    upstream: ({ params, body }) => ({ method: 'PATCH', path: `/vault/lists/${enc(params.listId)}`, body }),
    shape: shape.shapeVaultList,
  },
  {
    method: 'DELETE', url: '/v2/access/vault/lists/:listId', tag: 'Access: vault', summary: 'Delete a vault list', permission: 'vault:write',
    params: S.ListIdParams, reply: S.ResultReply,
    upstream: ({ params }) => ({ method: 'DELETE', path: `/vault/lists/${enc(params.listId)}` }),
  },
  {
    method: 'GET', url: '/v2/access/vault/lists/:listId/media', tag: 'Access: vault', summary: 'Media in a vault list', permission: 'vault:read',
    params: S.ListIdParams, querystring: S.VaultListMediaQuery, reply: S.VaultMediaReply,
    upstream: ({ params, query }) => ({ method: 'GET', path: '/vault/media', query: vaultMediaQuery(query, params.listId) }),
    shape: listOf(shape.shapeVaultMedia),
  },
  {
    method: 'POST', url: '/v2/access/vault/lists/:listId/media', tag: 'Access: vault', summary: 'Add media to a vault list', permission: 'vault:write',
    params: S.ListIdParams, body: S.VaultListAddMediaBody, reply: S.VaultList,
    upstream: ({ params, body }) => ({ method: 'POST', path: `/vault/lists/${enc(params.listId)}/media`, body: { mediaIds: body.mediaIds } }),
    shape: shape.shapeVaultList,
  },
  {
    method: 'GET', url: '/v2/access/vault/media', tag: 'Access: vault', summary: 'Vault media', permission: 'vault:read',
    querystring: S.VaultMediaQuery, reply: S.VaultMediaReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/vault/media', query: vaultMediaQuery(query, query.listId) }),
    shape: listOf(shape.shapeVaultMedia),
  },
];

const EARNINGS: ManagedEndpoint[] = [
  {
    method: 'GET', url: '/v2/access/earnings/chart', tag: 'Access: earnings', summary: 'Earnings over time for one category', permission: 'earnings:read',
    querystring: S.EarningsChartQuery, reply: S.EarningsChartReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/earnings/chart',
      query: { startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate), withTotal: 'true', monthlyTotal: flag(query.monthlyTotal) },
    }),
    shape: (body, { query }) => shape.shapeEarningsChart(body, query.by as string | undefined),
  },
  {
    method: 'GET', url: '/v2/access/earnings/transactions', tag: 'Access: earnings', summary: 'Transactions (marker pagination: pass nextMarker back as marker)', permission: 'earnings:read',
    querystring: S.TransactionsQuery, reply: S.TransactionsReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/payouts/transactions',
      query: { startDate: upstreamDate(query.startDate), marker: q(query, 'marker'), type: q(query, 'type'), tipsSource: q(query, 'tipsSource') },
    }),
    shape: (body, { query }) => {
      const p = shape.upstreamPage(body);
      const nextMarker = p.raw.nextMarker;
      return {
        list: p.list.map((t) => shape.shapeTransaction(t, (query.type as string | undefined) ?? null)),
        hasMore: p.hasMore,
        nextMarker: typeof nextMarker === 'number' ? nextMarker : nextMarker == null ? null : Number(nextMarker),
      };
    },
  },
  {
    method: 'GET', url: '/v2/access/earnings/chargebacks', tag: 'Access: earnings', summary: 'Chargebacks (marker pagination)', permission: 'earnings:read',
    querystring: S.ChargebacksQuery, reply: S.ChargebacksReply,
    upstream: ({ query }) => ({
      method: 'GET',
      path: '/payouts/chargebacks',
      query: { startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate), marker: q(query, 'marker') },
    }),
    // Upstream answers {list, marker} (marker = where the next page starts, null at the end).
    shape: (body) => {
      const p = shape.upstreamPage(body);
      const marker = p.raw.nextMarker ?? p.raw.marker;
      const nextMarker = marker === null || marker === undefined ? null : Number(marker);
      return { list: p.list.map(shape.shapeChargeback), hasMore: p.hasMore || nextMarker !== null, nextMarker };
    },
  },
];

export const MANAGED_ENDPOINTS: ManagedEndpoint[] = [...SELF, ...CHATS, ...SUBSCRIBERS, ...SUBSCRIPTIONS, ...USERS, ...LISTS, ...POSTS, ...VAULT, ...EARNINGS];
