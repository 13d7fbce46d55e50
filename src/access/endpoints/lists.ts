// Access: lists — the account's user lists and their members (docs/onlyfans-web-api.md §9, "Notifications,
// lists, misc").
import { Type, type Static } from 'typebox';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, Id, Limit, ListIdParams, ListNameBody, Num, Offset, OffsetQuery, Opt, ResultReply, Str, UserIdParams } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, numberOrString, overUpstream, passedOnArray, str } from './shared/upstream-readers.ts';
import { ListUserRef, shapeListUserRef } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const SortOrder = Type.Object({ direction: Str, order: Str });
export const UserList = Type.Object({
  id: Id,
  name: Str,
  type: Str,
  usersCount: Opt(Num),
  postsCount: Opt(Num),
  canUpdate: Opt(Bool),
  canDelete: Opt(Bool),
  canManageUsers: Opt(Bool),
  canAddUsers: Opt(Bool),
  canPinnedToFeed: Opt(Bool),
  isPinnedToFeed: Opt(Bool),
  sortList: Type.Array(SortOrder),
  users: Type.Array(ListUserRef),
});
export const UserListsReply = Type.Object({ hasMore: Bool, list: Type.Array(UserList), order: Opt(Str), sort: Opt(Str) });
export const ListUsersReply = Type.Object({ hasMore: Bool, list: Type.Array(ListUserRef), nextOffset: Opt(Num) });
export const AddUserToListsReply = Type.Object({
  success: Type.Array(Type.Object({ listId: Num, success: Bool })),
  errors: Opt(Type.Array(Type.Object({ error: Str, listId: Num }))),
});

export const ListUserParams = Type.Object({ listId: Str, userId: Str });
export const UserListsQuery = Type.Object({ limit: Limit(100, 10), offset: Offset, query: Opt(Str) });
export const AddUserToListsBody = Type.Object({ listIds: Type.Array(Num, { minItems: 1 }) });

// ---- shapes -------------------------------------------------------------------------------------------------

export function shapeUserList(value: unknown): Static<typeof UserList> {
  const list = asObject(value);
  return overUpstream(list, {
    id: numberOrString(list.id),
    name: str(list.name),
    type: str(list.type),
    sortList: passedOnArray<Static<typeof SortOrder>>(list.sortList),
    users: asArray(list.users).map(shapeListUserRef),
  });
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: lists';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'lists',
  permissions: ['lists:read', 'lists:write'],
  endpoints: [
    defineEndpoint({
      method: 'POST', url: '/v2/access/users/:userId/lists', tag, summary: 'Add a user to several lists', permission: 'lists:write',
      params: UserIdParams, body: AddUserToListsBody, reply: AddUserToListsReply,
      upstream: ({ params, body }) => ({ method: 'POST', path: '/lists/users', body: { listIds: body.listIds, userIds: [Number(params.userId)] } }),
      shape: (_upstream, { body }) => ({ success: body.listIds.map((listId) => ({ listId, success: true })) }),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/lists', tag, summary: 'User lists', permission: 'lists:read',
      querystring: UserListsQuery, reply: UserListsReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/lists', query: { ...offsetPage(query), query: given(query.query), format: 'infinite' } }),
      shape: shapeOffsetPage(shapeUserList),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/users/lists', tag, summary: 'Create a list', permission: 'lists:write',
      body: ListNameBody, reply: UserList,
      upstream: ({ body }) => ({ method: 'POST', path: '/lists', body: { name: body.name } }),
      shape: shapeUserList,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/lists/:listId', tag, summary: 'One list', permission: 'lists:read',
      params: ListIdParams, reply: UserList,
      upstream: ({ params }) => ({ method: 'GET', path: `/lists/${enc(params.listId)}` }),
      shape: shapeUserList,
    }),
    defineEndpoint({
      method: 'PATCH', url: '/v2/access/users/lists/:listId', tag, summary: 'Rename a list', permission: 'lists:write',
      params: ListIdParams, body: ListNameBody, reply: UserList,
      upstream: ({ params, body }) => ({ method: 'PATCH', path: `/lists/${enc(params.listId)}`, body: { name: body.name } }),
      shape: shapeUserList,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/users/lists/:listId', tag, summary: 'Delete a list', permission: 'lists:write',
      params: ListIdParams, reply: ResultReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/lists/${enc(params.listId)}` }),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/users/lists/:listId/users', tag, summary: 'Members of a list', permission: 'lists:read',
      params: ListIdParams, querystring: OffsetQuery(100, 10), reply: ListUsersReply,
      upstream: ({ params, query }) => ({ method: 'GET', path: `/lists/${enc(params.listId)}/users`, query: { ...offsetPage(query), format: 'infinite' } }),
      shape: shapeOffsetPage(shapeListUserRef),
    }),
    ...(['POST', 'DELETE'] as const).map((method) =>
      defineEndpoint({
        method, url: '/v2/access/users/lists/:listId/users/:userId', tag, summary: method === 'POST' ? 'Add a member' : 'Remove a member', permission: 'lists:write',
        params: ListUserParams, reply: ResultReply,
        upstream: ({ params }) => ({ method, path: `/lists/${enc(params.listId)}/users/${enc(params.userId)}` }),
      }),
    ),
  ],
});
