// The account's own release forms and the users it may tag in posts. GET /posts/tagged-friend-users answers in the
// {items, hasMore} style (docs/onlyfans-web-api.md §8); GET /release-forms is the simulator's choice of path
// (not confirmed upstream).
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../data/formats.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';
import { userView } from './user-view.ts';

export function registerSelfRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/release-forms', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.releaseForms, limit, offset);
    return {
      list: page.list.map((form) => {
        const relation = form.userId === null ? undefined : data.relationsById.get(form.userId);
        return { id: form.id, name: form.name, type: form.type, status: form.status, createdAt: isoTime(form.createdAtMs), user: relation ? userView(relation.person, data) : null };
      }),
      hasMore: page.hasMore,
    };
  });

  // Taggable: the account's friends and the creators whose release-form invite was approved.
  app.get('/api2/v2/posts/tagged-friend-users', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const friends = data.userLists.lists.find((l) => l.id === 'friends')?.userIds ?? [];
    const invited = data.releaseForms.filter((f) => f.type === 'invite' && f.status === 'approved' && f.userId !== null).map((f) => f.userId as number);
    const people = [...new Set([...friends, ...invited])].map((id) => data.relationsById.get(id)).filter((r) => r !== undefined);
    const page = offsetPage(people, limit, offset);
    return { items: page.list.map((r) => userView(r.person, data)), hasMore: page.hasMore };
  });
}
