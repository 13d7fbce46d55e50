// Vault rotation re-encrypts every connection secret, re-login credentials included: after rotating to a new key
// and retiring the old one, the stored Link password (the org's opt-in) still decrypts, as does the session.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReloginCredentials } from '../../src/connections/relogin-credentials.ts';
import { loadConnectionSession } from '../../src/connections/session-vault.ts';
import { createVault, generateVaultKeySpec, parseVaultKeys } from '../../src/platform/vault.ts';
import { rotateVaultBlobs } from '../../src/vault-rotation.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

async function storedBlobsOf(t: TestService, connectionId: string): Promise<{ blob: string; credentials: string | null }> {
  const result = await t.database.handle.db.execute(sql`select blob, credentials_blob from connection_sessions where connection_id = ${connectionId}`);
  const row = (result as unknown as { rows: Array<{ blob: string; credentials_blob: string | null }> }).rows[0];
  return { blob: row.blob, credentials: row.credentials_blob };
}

describe.each(BACKENDS)('vault rotation: re-login credentials (%s)', (backend) => {
  const oldKeySpec = generateVaultKeySpec('old1');
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { vaultKeys: oldKeySpec } });
  });
  afterAll(async () => t?.close());

  it('after rotating to a new key and retiring the old one, stored re-login credentials are still readable', async () => {
    const orgId = await createOrg(t.database.handle, 'Rotation');
    const key = (await createKey(t.database.handle, orgId)).secret;
    expect((await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { storeCredentialsForRelogin: true } })).status).toBe(200);
    expect((await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Headless', integrationType: 'whitelabel' } })).status).toBe(201);
    const started = await call(t.url, 'POST', '/v2/link/init', { key, body: {} });
    const email = sandboxEmail();
    const done = await call(t.url, 'POST', `/v2/link/${started.body.clientSecret}/login`, { key, body: { email, password: 'good-password' } });
    expect(done.body.status).toBe('completed');
    const connectionId: string = done.body.data.id;
    const before = await storedBlobsOf(t, connectionId);
    expect(before.credentials).toMatch(/^v1\.old1\./);

    const newKeySpec = generateVaultKeySpec('new1');
    const rotating = createVault(parseVaultKeys(`${newKeySpec},${oldKeySpec}`));
    const report = await rotateVaultBlobs(t.database.handle.db, rotating, { orgId });
    expect(report).toMatchObject({ keyId: 'new1', connectionSessions: 1, reloginCredentials: 1 });

    const after = await storedBlobsOf(t, connectionId);
    expect(after.credentials).toMatch(/^v1\.new1\./);
    const retired = createVault(parseVaultKeys(newKeySpec));
    expect(readReloginCredentials(retired, connectionId, after.credentials!)).toEqual({ email, password: 'good-password' });
    const session = await loadConnectionSession(t.database.handle.db, retired, { orgId, connectionId });
    expect(session?.cookie).toContain('sess=');

    // Nothing is left under the old key for this org: a second rotation finds nothing to do.
    expect(await rotateVaultBlobs(t.database.handle.db, rotating, { orgId })).toMatchObject({ connectionSessions: 0, reloginCredentials: 0 });
  });
});
