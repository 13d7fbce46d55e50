import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditRows } from '../../src/account/store.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('account: every mutation writes its audit entry, acting as the calling key (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** A fresh org with an admin key, so the audit log holds only what the test did. */
  async function freshOrg(): Promise<{ orgId: string; key: { id: string; secret: string }; actor: string }> {
    const orgId = await createOrg(t.database.handle, 'Audited org');
    const key = await createKey(t.database.handle, orgId);
    return { orgId, key, actor: `key:${key.id}` };
  }

  /** The newest entry of the org (listAuditRows is newest first). */
  async function lastEntry(orgId: string) {
    const [row] = await listAuditRows(t.database.handle.db, orgId, 1);
    return row;
  }

  it('PATCH /v2/account/settings records settings.updated naming the fields, not their values', async () => {
    const { orgId, key, actor } = await freshOrg();
    const res = await call(t.url, 'PATCH', '/v2/account/settings', { key: key.secret, body: { storeCredentialsForRelogin: true, pacing: { burst: 7 } } });
    expect(res.status).toBe(200);
    const entry = await lastEntry(orgId);
    expect(entry).toMatchObject({ action: 'settings.updated', actor, data: { fields: ['storeCredentialsForRelogin', 'pacing'] } });
    expect(JSON.stringify(entry.data)).not.toContain('7');
  });

  it('creating and revoking an API key record api_key.created and api_key.revoked; the secret is in neither', async () => {
    const { orgId, key, actor } = await freshOrg();
    const created = await call(t.url, 'POST', '/v2/api-keys', { key: key.secret, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    const createdEntry = await lastEntry(orgId);
    expect(createdEntry).toMatchObject({ action: 'api_key.created', actor, target: created.body.id });
    expect(JSON.stringify(createdEntry)).not.toContain(created.body.key);
    expect((await call(t.url, 'DELETE', `/v2/api-keys/${created.body.id}`, { key: key.secret })).status).toBe(200);
    expect(await lastEntry(orgId)).toMatchObject({ action: 'api_key.revoked', actor, target: created.body.id });
  });

  it('creating, updating and deleting a client app record client_app.created, .updated and .deleted', async () => {
    const { orgId, key, actor } = await freshOrg();
    const created = await call(t.url, 'POST', '/v2/client-apps', { key: key.secret, body: { name: 'Audited app', redirectUris: ['https://a.example.com/cb'] } });
    expect(created.status).toBe(201);
    const appId = created.body.id;
    expect(await lastEntry(orgId)).toMatchObject({ action: 'client_app.created', actor, target: appId });
    expect((await call(t.url, 'PATCH', `/v2/client-apps/${appId}`, { key: key.secret, body: { name: 'Renamed' } })).status).toBe(200);
    expect(await lastEntry(orgId)).toMatchObject({ action: 'client_app.updated', actor, target: appId, data: { fields: ['name'] } });
    expect((await call(t.url, 'DELETE', `/v2/client-apps/${appId}`, { key: key.secret })).status).toBe(200);
    expect(await lastEntry(orgId)).toMatchObject({ action: 'client_app.deleted', actor, target: appId });
  });

  it('POST /v2/vault/rotate records vault.rotated with its counts', async () => {
    const { orgId, key, actor } = await freshOrg();
    const res = await call(t.url, 'POST', '/v2/vault/rotate', { key: key.secret });
    expect(res.status).toBe(200);
    expect(await lastEntry(orgId)).toMatchObject({ action: 'vault.rotated', actor, data: res.body });
  });

  it('a refused mutation records nothing: the entry rolls back with the change', async () => {
    const { orgId, key } = await freshOrg();
    const before = await listAuditRows(t.database.handle.db, orgId, 100);
    expect((await call(t.url, 'PATCH', '/v2/client-apps/app_missing', { key: key.secret, body: { name: 'x' } })).status).toBe(404);
    expect((await call(t.url, 'DELETE', '/v2/api-keys/key_missing', { key: key.secret })).status).toBe(404);
    expect(await listAuditRows(t.database.handle.db, orgId, 100)).toEqual(before);
  });
});
