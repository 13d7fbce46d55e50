// GET /v2/account/connections?search=: the server-side search the dashboard's connections page uses. Matches the exact
// id, a clientReferenceId prefix (case as typed) or a username prefix (any case, @ optional); org- and
// environment-scoped, paged like the plain list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { insertConnection } from '../../src/connections/store.ts';
import type { Environment } from '../../src/platform/environment.ts';
import { newId } from '../../src/platform/ids.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('connections list search (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  });
  afterAll(async () => t?.close());

  /** A connection row as Link leaves it (the search reads only the row). */
  async function seed(orgId: string, fields: { username: string; clientReferenceId?: string | null; environment?: Environment; status?: string; at?: Date }) {
    const at = fields.at ?? new Date();
    const userId = String(Math.floor(Math.random() * 1e9));
    return insertConnection(t.database.handle.db, {
      id: newId('connection'),
      orgId,
      environment: fields.environment ?? 'sandbox',
      status: fields.status ?? 'active',
      platformUserId: userId,
      userData: { id: userId, name: `Creator ${fields.username}`, username: fields.username, avatar: null },
      permissions: READ_CONNECTION_PERMISSIONS,
      clientReferenceId: fields.clientReferenceId ?? null,
      imported: false,
      createdAt: at,
      updatedAt: at,
    });
  }

  async function freshOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, orgId, 'sandbox', ['account'])).secret;
    const search = async (term: string, extra = '') => {
      const res = await call(t.url, 'GET', `/v2/account/connections?search=${encodeURIComponent(term)}${extra}`, { key });
      expect(res.status).toBe(200);
      return res.body as { list: Array<{ id: string; clientReferenceId: string | null; userData: { username: string } }>; hasMore: boolean };
    };
    return { orgId, key, search };
  }

  it('finds a connection by its exact id, a clientReferenceId prefix and a username prefix in any case', async () => {
    const { orgId, search } = await freshOrg('Search');
    const alice = await seed(orgId, { username: 'AliceCreates', clientReferenceId: 'crm-1001' });
    const bob = await seed(orgId, { username: 'bobby', clientReferenceId: 'crm-2002' });
    await seed(orgId, { username: 'carol', clientReferenceId: 'other-3' });

    expect((await search(alice.id)).list.map((c) => c.id)).toEqual([alice.id]);
    expect((await search('crm-2002')).list.map((c) => c.id)).toEqual([bob.id]);
    expect((await search('crm-')).list.map((c) => c.id).sort()).toEqual([alice.id, bob.id].sort());
    expect((await search('alice')).list.map((c) => c.id)).toEqual([alice.id]);
    expect((await search('@ALICEC')).list.map((c) => c.id)).toEqual([alice.id]);
    // Prefixes only: the middle of a name or reference matches nothing; a part of an id is not an id.
    expect((await search('creates')).list).toEqual([]);
    expect((await search('1001')).list).toEqual([]);
    expect((await search(alice.id.slice(0, -2))).list).toEqual([]);
    // The clientReferenceId match keeps its case.
    expect((await search('CRM-')).list).toEqual([]);
  });

  it('takes LIKE wildcards literally', async () => {
    const { orgId, search } = await freshOrg('Wildcards');
    const percent = await seed(orgId, { username: 'pct', clientReferenceId: '100%_done' });
    await seed(orgId, { username: 'plain', clientReferenceId: '100xxdone' });
    expect((await search('100%')).list.map((c) => c.id)).toEqual([percent.id]);
    expect((await search('100%_')).list.map((c) => c.id)).toEqual([percent.id]);
    expect((await search('%')).list).toEqual([]);
    expect((await search('_')).list).toEqual([]);
  });

  it('combines with the status filter and pages newest first', async () => {
    const { orgId, search } = await freshOrg('Search paging');
    const base = Date.now() - 60_000;
    const rows = [];
    for (let i = 0; i < 5; i += 1) rows.push(await seed(orgId, { username: `page${i}`, clientReferenceId: `team-${i}`, at: new Date(base + i * 1000) }));
    await seed(orgId, { username: 'expiredone', clientReferenceId: 'team-x', status: 'expired', at: new Date(base + 10_000) });
    const newestFirst = rows.map((r) => r.id).reverse();
    const first = await search('team-', '&status=active&limit=2');
    expect(first).toEqual({ list: expect.any(Array), hasMore: true });
    expect(first.list.map((c) => c.id)).toEqual(newestFirst.slice(0, 2));
    const second = await search('team-', '&status=active&limit=2&offset=2');
    expect(second.list.map((c) => c.id)).toEqual(newestFirst.slice(2, 4));
    const last = await search('team-', '&status=active&limit=2&offset=4');
    expect(last).toEqual({ list: [expect.objectContaining({ id: newestFirst[4] })], hasMore: false });
    expect((await search('team-', '&status=expired')).list.map((c) => c.userData.username)).toEqual(['expiredone']);
    // Disconnected connections stay out of a search as out of the list.
    await seed(orgId, { username: 'gone', clientReferenceId: 'team-gone', status: 'disconnected' });
    expect((await search('team-gone')).list).toEqual([]);
  });

  it('another org, or the other environment, finds nothing of this one', async () => {
    const { orgId } = await freshOrg('Owner');
    const own = await seed(orgId, { username: 'isolated', clientReferenceId: 'iso-ref' });
    await seed(orgId, { username: 'isolatedlive', clientReferenceId: 'iso-ref-live', environment: 'live' });
    const other = await freshOrg('Stranger');
    for (const term of [own.id, 'iso-ref', 'isolated']) expect((await other.search(term)).list).toEqual([]);
    const ownKey = (await createKey(t.database.handle, orgId, 'sandbox', ['account'])).secret;
    const res = await call(t.url, 'GET', '/v2/account/connections?search=iso', { key: ownKey });
    expect(res.body.list.map((c: { id: string }) => c.id)).toEqual([own.id]);
  });

  it('an empty or over-long search is a 400 naming search', async () => {
    const { key } = await freshOrg('Bad search');
    for (const term of ['', 'x'.repeat(256)]) {
      const res = await call(t.url, 'GET', `/v2/account/connections?search=${term}`, { key });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'search' } });
    }
    const control = await call(t.url, 'GET', '/v2/account/connections?search=a%0Ab', { key });
    expect(control.status).toBe(400);
    expect(control.body.details.field).toBe('search');
  });
});
