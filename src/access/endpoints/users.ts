// Access: users — other users' profiles and posts, several users by id, search, and the blocked and restricted
// lists (docs/onlyfans-web-api.md §9, "Account and session" and "Subscribers and subscriptions").
import { Type } from 'typebox';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { PostsPage, PostsQuery, postsQuery, shapePostsPage } from './shared/post-shapes.ts';
import { Limit, Offset, OffsetQuery, ResultReply, sdkPage, Str, UserIdParams } from './shared/schema-fields.ts';
import { shapeOffsetPage, upstreamPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asObject } from './shared/upstream-readers.ts';
import { RestrictedUser, shapeUserProfile, UserProfile } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

export const UsersPage = sdkPage(RestrictedUser);
export const UsersLookupReply = Type.Object({ users: Type.Array(UserProfile) });
export const UserSearchReply = Type.Array(UserProfile);

export const UserSearchQuery = Type.Object({ limit: Limit(100, 20), offset: Offset, query: Str });
export const UsersLookupQuery = Type.Object({ userIds: Type.Union([Type.Array(Str), Str]) });

/** `userIds` repeated (userIds=1&userIds=2) or comma-separated (userIds=1,2), as SDK versions send it. */
function userIdsOf(userIds: string | string[]): string[] {
  return (Array.isArray(userIds) ? userIds : [userIds]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** /users/list answers an array, or an object keyed by user id. */
function usersOf(body: unknown): unknown[] {
  return Array.isArray(body) ? body : Object.values(asObject(body));
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: users';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'users',
  permissions: ['profile:read', 'subscribers:read', 'subscribers:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/list', tag, summary: 'Several users by id', permission: 'profile:read',
      querystring: UsersLookupQuery, reply: UsersLookupReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/users/list', query: { 'm[]': userIdsOf(query.userIds) } }),
      shape: (body) => ({ users: usersOf(body).map(shapeUserProfile) }),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/search', tag, summary: 'Search users', permission: 'profile:read',
      querystring: UserSearchQuery, reply: UserSearchReply,
      // Upstream path not confirmed by docs/onlyfans-web-api.md §9 (a guess; the simulator serves it).
      upstream: ({ query }) => ({ method: 'GET', path: '/users/search', query: { ...offsetPage(query), query: given(query.query), skip_users: 'all' } }),
      shape: (body) => upstreamPage(body).list.map(shapeUserProfile),
    }),
    ...(['blocked', 'restrict'] as const).map((kind) =>
      defineEndpoint({
        method: 'GET', url: `/v2/access/users/${kind}`, tag, summary: kind === 'blocked' ? 'Blocked users' : 'Restricted users', permission: 'subscribers:read',
        querystring: OffsetQuery(20, 10), reply: UsersPage,
        upstream: ({ query }) => ({ method: 'GET', path: `/users/${kind}`, query: { ...offsetPage(query), format: 'infinite' } }),
        shape: shapeOffsetPage(shapeUserProfile),
      }),
    ),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/:userId', tag, summary: 'A user\'s profile (id or username)', permission: 'profile:read',
      params: UserIdParams, reply: UserProfile,
      upstream: ({ params }) => ({ method: 'GET', path: `/users/${enc(params.userId)}` }),
      shape: shapeUserProfile,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/:userId/posts', tag, summary: 'A user\'s posts (publish-time cursor: beforePublishTime = tailMarker)', permission: 'profile:read',
      params: UserIdParams, querystring: PostsQuery, reply: PostsPage,
      upstream: ({ params, query }) => ({ method: 'GET', path: `/users/${enc(params.userId)}/posts`, query: postsQuery(query) }),
      shape: shapePostsPage,
    }),
    ...(['POST', 'DELETE'] as const).map((method) =>
      defineEndpoint({
        method, url: '/v2/access/users/:userId/restrict', tag, summary: method === 'POST' ? 'Restrict a user' : 'Unrestrict a user', permission: 'subscribers:write',
        params: UserIdParams, reply: ResultReply,
        upstream: ({ params }) => ({ method, path: `/users/${enc(params.userId)}/restrict` }),
      }),
    ),
  ],
});
