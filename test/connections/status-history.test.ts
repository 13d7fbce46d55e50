// GET /v2/account/connections/{id}/status-history: every change of a connection's status, newest first, with why and
// who acted; calls that changed nothing (an invalidate of an expired connection, a session rotated on an active one)
// are left out. Read from the audit entries each change commits with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('connection status history (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  });
  afterAll(async () => t?.close());

  async function freshOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key: key.secret, body });
    return { orgId, keyId: key.id, key: key.secret, api };
  }

  const importBody = async (email: string) => {
    const session = await mintSandboxSession(t.sandboxUrl, email);
    return { cookie: session.cookie, userAgent: session.userAgent };
  };

  it('lists import, invalidate and a session rotation that reactivated it, newest first, naming who acted', async () => {
    const { keyId, api } = await freshOrg('History');
    const email = `hist${Date.now()}@creator.sandbox.com`;
    const imported = await api('POST', '/v2/account/connections/import', { ...(await importBody(email)), clientReferenceId: 'hist-1' });
    expect(imported.status).toBe(201);
    const id = imported.body.id as string;
    // A rotation on an active connection changes no status: not listed.
    expect((await api('PATCH', `/v2/account/connections/import/${id}`, await importBody(email))).status).toBe(200);
    expect((await api('POST', `/v2/account/connections/${id}/invalidate`)).status).toBe(200);
    // Invalidating it again changes nothing: not listed.
    expect((await api('POST', `/v2/account/connections/${id}/invalidate`)).status).toBe(200);
    expect((await api('PATCH', `/v2/account/connections/import/${id}`, await importBody(email))).status).toBe(200);

    const history = await api('GET', `/v2/account/connections/${id}/status-history`);
    expect(history.status).toBe(200);
    const actor = `key:${keyId}`;
    expect(history.body).toEqual({
      list: [
        { at: expect.any(String), from: 'expired', to: 'active', reason: 'session_rotated', actor },
        { at: expect.any(String), from: 'active', to: 'expired', reason: 'invalidated', actor },
        { at: expect.any(String), from: null, to: 'active', reason: 'imported', actor },
      ],
      hasMore: false,
    });
    const times = history.body.list.map((c: { at: string }) => Date.parse(c.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const first = await api('GET', `/v2/account/connections/${id}/status-history?limit=2`);
    expect(first.body.hasMore).toBe(true);
    expect(first.body.list.map((c: { reason: string }) => c.reason)).toEqual(['session_rotated', 'invalidated']);
    const second = await api('GET', `/v2/account/connections/${id}/status-history?limit=2&offset=2`);
    expect(second.body).toEqual({ list: [expect.objectContaining({ reason: 'imported' })], hasMore: false });
  });

  it('another org sees a 404, as for an unknown id; a disconnected connection is gone too', async () => {
    const { api } = await freshOrg('Owner');
    const imported = await api('POST', '/v2/account/connections/import', await importBody(`own${Date.now()}@creator.sandbox.com`));
    const id = imported.body.id as string;
    const other = await freshOrg('Stranger');
    const foreign = await other.api('GET', `/v2/account/connections/${id}/status-history`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toBe('RESOURCE_NOT_FOUND');
    expect((await other.api('GET', '/v2/account/connections/conn_nope/status-history')).status).toBe(404);
    expect((await api('DELETE', `/v2/account/connections/${id}`)).status).toBe(200);
    expect((await api('GET', `/v2/account/connections/${id}/status-history`)).status).toBe(404);
  });

  it('a bad limit or offset is a 400 naming it; a key without the account scope is refused', async () => {
    const { orgId, api } = await freshOrg('Bad paging');
    for (const [query, field] of [['limit=0', 'limit'], ['limit=101', 'limit'], ['offset=-1', 'offset'], ['limit=x', 'limit']] as const) {
      const res = await api('GET', `/v2/account/connections/conn_any/status-history?${query}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field } });
    }
    const accessOnly = await createKey(t.database.handle, orgId, 'sandbox', ['access']);
    expect((await call(t.url, 'GET', '/v2/account/connections/conn_any/status-history', { key: accessOnly.secret })).status).toBe(403);
  });
});
