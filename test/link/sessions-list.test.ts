// GET /v2/link/sessions: the recent Link sessions of the key's org and environment, newest first, and how each ended
// (open, completed, failed, denied, cancelled, expired), with filters and paging; never the client secret.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `ls${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BACKENDS)('link: recent sessions list (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  });
  afterAll(async () => t?.close());

  async function freshOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, orgId, 'sandbox')).secret;
    const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key, body });
    const app = await api('POST', '/v2/client-apps', { name: `${name} app`, integrationType: 'whitelabel' });
    expect(app.status).toBe(201);
    const init = async (body: Record<string, unknown> = {}) => {
      const res = await api('POST', '/v2/link/init', { clientAppId: app.body.id, ...body });
      expect(res.status).toBe(200);
      return res.body.clientSecret as string;
    };
    const login = (secret: string, email: string, password = 'good-password') => api('POST', `/v2/link/${secret}/login`, { email, password });
    const list = async (query = '') => {
      const res = await api('GET', `/v2/link/sessions${query}`);
      expect(res.status).toBe(200);
      return res.body as { list: Array<Record<string, any>>; hasMore: boolean };
    };
    return { orgId, key, api, appId: app.body.id as string, init, login, list };
  }

  it('shows each session\'s outcome, newest first: completed with its connection, failed and retrying with the redirect code, cancelled, expired, open', async () => {
    const org = await freshOrg('Outcomes');
    const completed = await org.init({ clientReferenceId: 'ref-done' });
    const done = await org.login(completed, uniqueEmail('creator'));
    expect(done.body.status).toBe('completed');
    const failed = await org.init({ clientReferenceId: 'ref-locked' });
    expect((await org.login(failed, uniqueEmail('locked'))).body.status).toBe('failed');
    const retrying = await org.init();
    expect((await org.login(retrying, uniqueEmail('creator'), 'wrong-password')).body.status).toBe('invalid_credentials');
    const cancelled = await org.init();
    expect((await org.api('DELETE', `/v2/link/${cancelled}`)).status).toBe(200);
    await org.init({ clientReferenceId: 'ref-expired' });
    // The last session's 30 minutes have passed (set on the row: the flow itself never waits that long).
    await t.database.handle.db.execute(
      sql`update link_sessions set expires_at = now() - interval '1 minute' where org_id = ${org.orgId} and client_reference_id = 'ref-expired'`,
    );
    await org.init({ clientReferenceId: 'ref-open' });

    const page = await org.list();
    expect(page.hasMore).toBe(false);
    expect(page.list.map((s) => s.outcome)).toEqual(['open', 'expired', 'cancelled', 'open', 'failed', 'completed']);
    const [open, expired, , retry, lockedOut, complete] = page.list;
    expect(open).toMatchObject({ status: 'initialized', clientReferenceId: 'ref-open', clientAppId: org.appId, errorCode: null, connectionId: null });
    expect(expired).toMatchObject({ status: 'initialized', clientReferenceId: 'ref-expired' });
    expect(retry).toMatchObject({ status: 'invalid_credentials', errorCode: 'invalid_credentials', failedAttempts: 1 });
    expect(lockedOut).toMatchObject({ status: 'failed', errorCode: 'account_locked', clientReferenceId: 'ref-locked' });
    expect(lockedOut.errorMessage).toMatch(/locked/);
    expect(complete).toMatchObject({ status: 'completed', errorCode: null, connectionId: done.body.data.id, clientReferenceId: 'ref-done' });
    expect(complete.id).toMatch(/^link_[A-Za-z0-9]+$/);
    // Nothing that would let a reader drive the flow.
    const text = JSON.stringify(page);
    for (const secret of [completed, failed, retrying, cancelled]) expect(text).not.toContain(secret);
    expect(Object.keys(complete).sort()).toEqual(
      ['clientAppId', 'clientReferenceId', 'connectionId', 'createdAt', 'errorCode', 'errorMessage', 'expiresAt', 'failedAttempts', 'id', 'outcome', 'reconnectConnectionId', 'status', 'updatedAt'],
    );

    expect((await org.list('?outcome=expired')).list.map((s) => s.clientReferenceId)).toEqual(['ref-expired']);
    expect((await org.list('?outcome=open')).list.map((s) => s.status)).toEqual(['initialized', 'invalid_credentials']);
    expect((await org.list('?outcome=completed')).list.map((s) => s.clientReferenceId)).toEqual(['ref-done']);
    expect((await org.list('?outcome=cancelled')).list).toHaveLength(1);
    expect((await org.list('?outcome=denied')).list).toEqual([]);
    expect((await org.list('?clientReferenceId=ref-locked')).list.map((s) => s.outcome)).toEqual(['failed']);
  });

  it('pages with limit and offset, and filters by client app', async () => {
    const org = await freshOrg('Paging');
    for (let i = 0; i < 5; i += 1) await org.init({ clientReferenceId: `page-${i}` });
    const other = await org.api('POST', '/v2/client-apps', { name: 'Second app', integrationType: 'whitelabel' });
    await org.api('POST', '/v2/link/init', { clientAppId: other.body.id, clientReferenceId: 'second-app' });

    const first = await org.list(`?clientAppId=${org.appId}&limit=2`);
    expect(first.hasMore).toBe(true);
    const second = await org.list(`?clientAppId=${org.appId}&limit=2&offset=2`);
    const third = await org.list(`?clientAppId=${org.appId}&limit=2&offset=4`);
    expect(third.hasMore).toBe(false);
    const refs = [...first.list, ...second.list, ...third.list].map((s) => s.clientReferenceId);
    expect(refs).toEqual(['page-4', 'page-3', 'page-2', 'page-1', 'page-0']);
    expect((await org.list(`?clientAppId=${other.body.id}`)).list.map((s) => s.clientReferenceId)).toEqual(['second-app']);
  });

  it('another org, and the other environment, see none of them', async () => {
    const owner = await freshOrg('Owner');
    await owner.init({ clientReferenceId: 'private-ref' });
    const stranger = await freshOrg('Stranger');
    expect(await stranger.list()).toEqual({ list: [], hasMore: false });
    expect((await stranger.list('?clientReferenceId=private-ref')).list).toEqual([]);
    const liveKey = (await createKey(t.database.handle, owner.orgId, 'live')).secret;
    const live = await call(t.url, 'GET', '/v2/link/sessions', { key: liveKey });
    expect(live.body).toEqual({ list: [], hasMore: false });
  });

  it('bad filters are a 400 naming the field; it needs the link scope', async () => {
    const org = await freshOrg('Bad input');
    for (const [query, field] of [
      ['outcome=finished', 'outcome'],
      ['clientAppId=nope', 'clientAppId'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['offset=-3', 'offset'],
      ['clientReferenceId=', 'clientReferenceId'],
    ] as const) {
      const res = await org.api('GET', `/v2/link/sessions?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ type: 'BAD_REQUEST', details: { field } });
    }
    const withoutLink = (await createKey(t.database.handle, org.orgId, 'sandbox', ['admin', 'account', 'access'])).secret;
    expect((await call(t.url, 'GET', '/v2/link/sessions', { key: withoutLink })).status).toBe(403);
    const linkOnly = (await createKey(t.database.handle, org.orgId, 'sandbox', ['link'])).secret;
    expect((await call(t.url, 'GET', '/v2/link/sessions', { key: linkOnly })).status).toBe(200);
  });
});
