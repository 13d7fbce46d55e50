// User search: GET /users/search?query=… matches usernames and names among the users the account knows
// (its fans and the creators it follows). No match is an empty page, never a 404.
import type { FastifyInstance } from 'fastify';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';
import { userView } from './user-view.ts';

export function registerUserSearchRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/users/search', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const text = (queryString(query, 'query') ?? queryString(query, 'q') ?? '').trim().toLowerCase();
    const { limit, offset } = pageOf(query, 10);
    const matches = text === '' ? [] : data.relations.filter((r) => r.person.username.includes(text) || r.person.name.toLowerCase().includes(text));
    const page = offsetPage(matches, limit, offset);
    // Results are whole users even with skip_users=all: a search result is what the caller came to read.
    return { list: page.list.map((r) => userView(r.person, data)), hasMore: page.hasMore };
  });
}
