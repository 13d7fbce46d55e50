// Minting API keys needs the admin scope: a key without it (an integration's account-scoped key) must not be able to
// create a key, least of all one with admin, nor list or revoke keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/account/scopes.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('API keys: minting needs the admin scope (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('a key with every scope but admin cannot mint a key (403 naming admin), and no key is created', async () => {
    const orgId = await createOrg(t.database.handle, 'Key minting');
    const admin = await createKey(t.database.handle, orgId, 'sandbox', ['admin']);
    const withoutAdmin = await createKey(t.database.handle, orgId, 'sandbox', SCOPES.filter((s) => s !== 'admin'));
    const before = await call(t.url, 'GET', '/v2/api-keys', { key: admin.secret });
    expect(before.status).toBe(200);

    for (const body of [{ name: 'escalate', scopes: ['admin'] }, { name: 'plain' }]) {
      const minted = await call(t.url, 'POST', '/v2/api-keys', { key: withoutAdmin.secret, body });
      expect(minted.status).toBe(403);
      expect(minted.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredScope: 'admin' } });
      expect(minted.body.message).toContain('admin');
    }
    const listed = await call(t.url, 'GET', '/v2/api-keys', { key: withoutAdmin.secret });
    expect(listed.status).toBe(403);
    expect(listed.body.details).toEqual({ requiredScope: 'admin' });
    const revoked = await call(t.url, 'DELETE', `/v2/api-keys/${admin.id}`, { key: withoutAdmin.secret });
    expect(revoked.status).toBe(403);
    expect(revoked.body.details).toEqual({ requiredScope: 'admin' });

    const after = await call(t.url, 'GET', '/v2/api-keys', { key: admin.secret });
    expect(after.body).toEqual(before.body);
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: admin.secret })).status).toBe(403);
  });

  it('a key holding admin alone mints a key', async () => {
    const orgId = await createOrg(t.database.handle, 'Key minting 2');
    const admin = await createKey(t.database.handle, orgId, 'sandbox', ['admin']);
    const minted = await call(t.url, 'POST', '/v2/api-keys', { key: admin.secret, body: { name: 'ok', scopes: ['account'] } });
    expect(minted.status).toBe(201);
  });
});
