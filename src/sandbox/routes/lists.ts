// User lists: /lists (bare array unless format=infinite), one list, its users, membership, create/rename/delete.
import type { FastifyInstance } from 'fastify';
import type { UserList } from '../data/user-lists.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound, userNotFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString, type Query } from './paging.ts';
import { userView } from './user-view.ts';

function listView(list: UserList) {
  return {
    id: list.id,
    type: list.type,
    name: list.name,
    usersCount: list.userIds.length,
    postsCount: 0,
    canUpdate: !list.isBuiltIn,
    canDelete: !list.isBuiltIn,
    canManageUsers: list.type !== 'fans' && list.type !== 'following',
    canAddUsers: list.type !== 'fans' && list.type !== 'following' && list.type !== 'recent',
    canPinnedToFeed: true,
    isPinnedToFeed: false,
    users: [],
  };
}

function findList(data: AccountData, id: string): UserList {
  const list = data.userLists.lists.find((l) => String(l.id) === id);
  if (!list) throw notFound('List not found');
  return list;
}

/** docs/onlyfans-web-api.md §8: format=infinite forces {list, hasMore}; without it these endpoints return a bare array. */
function paged<T>(query: Query, rows: T[]) {
  const { limit, offset } = pageOf(query, 10);
  const page = offsetPage(rows, limit, offset);
  return queryString(query, 'format') === 'infinite' ? page : page.list;
}

export function registerListRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/lists', async (req) => paged(queryOf(req), requireAccountData(req, state).userLists.lists.map(listView)));

  app.post('/api2/v2/lists', async (req) => {
    const data = requireAccountData(req, state);
    const name = ((req.body ?? {}) as Record<string, unknown>).name;
    if (typeof name !== 'string' || name.trim() === '') throw badRequest('Name is required');
    const list: UserList = { id: data.userLists.nextListId++, type: 'custom', name: name.trim(), userIds: [], isBuiltIn: false };
    data.userLists.lists.push(list);
    return listView(list);
  });

  app.get<{ Params: { id: string } }>('/api2/v2/lists/:id', async (req) => listView(findList(requireAccountData(req, state), req.params.id)));

  app.patch<{ Params: { id: string } }>('/api2/v2/lists/:id', async (req) => {
    const list = findList(requireAccountData(req, state), req.params.id);
    const name = ((req.body ?? {}) as Record<string, unknown>).name;
    if (list.isBuiltIn) throw badRequest('This list cannot be changed');
    if (typeof name !== 'string' || name.trim() === '') throw badRequest('Name is required');
    list.name = name.trim();
    return listView(list);
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/lists/:id', async (req) => {
    const data = requireAccountData(req, state);
    const list = findList(data, req.params.id);
    if (list.isBuiltIn) throw badRequest('This list cannot be deleted');
    data.userLists.lists = data.userLists.lists.filter((l) => l !== list);
    return { success: true };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/lists/:id/users', async (req) => {
    const data = requireAccountData(req, state);
    const list = findList(data, req.params.id);
    const users = list.userIds.map((id) => data.relationsById.get(id)).filter((r) => r !== undefined).map((r) => userView(r.person, data));
    return paged(queryOf(req), users);
  });

  for (const method of ['post', 'delete'] as const) {
    app[method]<{ Params: { id: string; userId: string } }>('/api2/v2/lists/:id/users/:userId', async (req) => {
      const data = requireAccountData(req, state);
      const list = findList(data, req.params.id);
      const userId = Number(req.params.userId);
      if (!data.relationsById.has(userId)) throw userNotFound();
      if (list.type === 'fans' || list.type === 'following') throw badRequest('This list cannot be changed');
      list.userIds = list.userIds.filter((id) => id !== userId);
      if (method === 'post') list.userIds.push(userId);
      return { success: true };
    });
  }

  // Adds users to several lists at once: {listIds:[…], userIds:[…]} (or the single-user form {userId, listIds}).
  app.post('/api2/v2/lists/users', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const listIds = Array.isArray(body.listIds) ? body.listIds.map(String) : [];
    const userIds = Array.isArray(body.userIds) ? body.userIds.map(Number) : body.userId !== undefined ? [Number(body.userId)] : [];
    if (listIds.length === 0 || userIds.length === 0) throw badRequest('listIds and userIds are required');
    for (const listId of listIds) {
      const list = findList(data, listId);
      for (const userId of userIds) if (data.relationsById.has(userId) && !list.userIds.includes(userId)) list.userIds.push(userId);
    }
    return { success: true };
  });
}
