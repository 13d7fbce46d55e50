// POST /v2/vault/rotate as an operator uses it: a node started with the new key first in OFCONNECT_VAULT_KEYS
// re-encrypts the org's stored secrets; afterwards a node holding only the new key reads all of them (the imported
// session is used upstream, the proxy URL carries the calls, the webhook secret and re-login password decrypt).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReloginCredentials } from '../../src/connections/relogin-credentials.ts';
import { createVault, generateVaultKeySpec, parseVaultKeys } from '../../src/platform/vault.ts';
import { rotateVaultBlobs } from '../../src/vault-rotation.ts';
import { startHttpProxy, type LoopbackProxy } from '../upstream/loopback-proxy.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startPeerNode, startTestService, type TestService } from '../support/service.ts';

const OLD_KEYS = generateVaultKeySpec('old1');
const NEW_KEYS = generateVaultKeySpec('new2');

let emailSeq = 0;
const uniqueEmail = () => `rot${process.pid}x${Date.now().toString(36)}${emailSeq++}@creator.sandbox.com`;

interface OrgSecrets {
  orgId: string;
  adminKey: string;
  importedId: string;
  linkedId: string;
  endpointId: string;
  webhookSecret: string;
}

/** Each test starts one or two more nodes; under this machine's load a start alone can take 20 s. */
const NODE_STARTS_BUDGET_MS = 120_000;

describe.each(BACKENDS)('POST /v2/vault/rotate (%s)', (backend) => {
  let t: TestService;
  let proxy: LoopbackProxy;

  // A service start under this machine's load can take longer than the default 60 s hook timeout.
  beforeAll(async () => {
    t = await startTestService(backend, { config: { vaultKeys: OLD_KEYS, role: 'api' } });
    proxy = await startHttpProxy();
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  /** A fresh org holding one secret of each kind, all written under the old key. */
  async function orgWithEverySecret(): Promise<OrgSecrets> {
    const orgId = await createOrg(t.database.handle, 'Rotating org');
    const adminKey = (await createKey(t.database.handle, orgId)).secret;
    const as = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key: adminKey, body });

    const session = await mintSandboxSession(t.sandboxUrl, uniqueEmail());
    const imported = await as('POST', '/v2/account/connections/import', { cookie: session.cookie, userAgent: session.userAgent, permissions: ['profile:read'] });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const proxied = await as('PATCH', `/v2/account/connections/${imported.body.id}/settings`, { proxy: { url: proxy.url } });
    expect(proxied.status, JSON.stringify(proxied.body)).toBe(200);

    expect((await as('PATCH', '/v2/account/settings', { storeCredentialsForRelogin: true })).status).toBe(200);
    const app = await as('POST', '/v2/client-apps', { name: 'Headless', integrationType: 'whitelabel' });
    expect(app.status).toBe(201);
    const init = await as('POST', '/v2/link/init', { clientAppId: app.body.id });
    const linked = await as('POST', `/v2/link/${init.body.clientSecret}/login`, { email: uniqueEmail(), password: 'good-password' });
    expect(linked.body.status, JSON.stringify(linked.body)).toBe('completed');

    const endpoint = await as('POST', '/v2/webhooks/endpoints', { url: 'http://127.0.0.1:9/hook' });
    expect(endpoint.status).toBe(201);
    const secret = await as('GET', `/v2/webhooks/endpoints/${endpoint.body.id}/secret`);
    expect(secret.body.key).toMatch(/^whsec_/);
    return { orgId, adminKey, importedId: imported.body.id, linkedId: linked.body.data.id, endpointId: endpoint.body.id, webhookSecret: secret.body.key };
  }

  async function keyIdsOf(orgId: string): Promise<string[]> {
    const result = await t.database.handle.db.execute(sql`
      select split_part(blob, '.', 2) as k from connection_sessions where org_id = ${orgId}
      union all select split_part(credentials_blob, '.', 2) from connection_sessions where org_id = ${orgId} and credentials_blob is not null
      union all select split_part(settings -> 'proxy' ->> 'urlBlob', '.', 2) from connections where org_id = ${orgId} and settings -> 'proxy' ->> 'urlBlob' is not null`);
    return (result as unknown as { rows: Array<{ k: string }> }).rows.map((r) => r.k).sort();
  }

  it('needs the admin scope: an account-scoped key of the org is refused with 403 naming it, and nothing is re-encrypted', async () => {
    const org = await orgWithEverySecret();
    const accountKey = await createKey(t.database.handle, org.orgId, 'sandbox', ['account']);
    const rotating = await startPeerNode(t, { vaultKeys: `${NEW_KEYS},${OLD_KEYS}` });
    try {
      const refused = await call(rotating.url, 'POST', '/v2/vault/rotate', { key: accountKey.secret });
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredScope: 'admin' } });
      expect(await keyIdsOf(org.orgId)).toEqual(['old1', 'old1', 'old1', 'old1']);
    } finally {
      await rotating.close();
    }
  }, NODE_STARTS_BUDGET_MS);

  it('answers the new key id and what it re-encrypted in the calling org only; a second call finds nothing left', async () => {
    const org = await orgWithEverySecret();
    const other = await orgWithEverySecret();
    const rotating = await startPeerNode(t, { vaultKeys: `${NEW_KEYS},${OLD_KEYS}` });
    try {
      const res = await call(rotating.url, 'POST', '/v2/vault/rotate', { key: org.adminKey });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toEqual({ keyId: 'new2', connectionSessions: 2, reloginCredentials: 1, proxyUrls: 1, webhookSecrets: 1 });
      expect(await keyIdsOf(org.orgId)).toEqual(['new2', 'new2', 'new2', 'new2']);
      // Org-scoped: another org's secrets wait for its own call.
      expect(await keyIdsOf(other.orgId)).toEqual(['old1', 'old1', 'old1', 'old1']);

      const again = await call(rotating.url, 'POST', '/v2/vault/rotate', { key: org.adminKey });
      expect(again.body).toEqual({ keyId: 'new2', connectionSessions: 0, reloginCredentials: 0, proxyUrls: 0, webhookSecrets: 0 });
    } finally {
      await rotating.close();
    }
  }, NODE_STARTS_BUDGET_MS);

  it('after rotating, a node holding only the new key serves the connection through its proxy and reads every secret', async () => {
    const org = await orgWithEverySecret();
    const rotating = await startPeerNode(t, { vaultKeys: `${NEW_KEYS},${OLD_KEYS}` });
    try {
      expect((await call(rotating.url, 'POST', '/v2/vault/rotate', { key: org.adminKey })).status).toBe(200);
    } finally {
      await rotating.close();
    }
    expect(await keyIdsOf(org.orgId)).toEqual(['new2', 'new2', 'new2', 'new2']);
    // A node refuses to start while any org's secrets need a key it lacks (vault-canary.ts), and the route is
    // org-scoped: the other orgs in this database (the other tests') are rotated the way the CLI does it.
    await rotateVaultBlobs(t.database.handle.db, createVault(parseVaultKeys(`${NEW_KEYS},${OLD_KEYS}`)));

    const retired = await startPeerNode(t, { vaultKeys: NEW_KEYS });
    try {
      const as = (path: string, headers: Record<string, string> = {}) => call(retired.url, 'GET', path, { key: org.adminKey, headers });
      const tunnelsBefore = proxy.targets.length;
      const me = await as('/v2/access/proxy/users/me', { 'x-connection-id': org.importedId });
      expect(me.status, JSON.stringify(me.body)).toBe(200);
      expect(proxy.targets.length).toBeGreaterThan(tunnelsBefore);
      expect(proxy.targets.at(-1)).toBe(new URL(t.sandboxUrl).host);

      const settings = await as(`/v2/account/connections/${org.importedId}/settings`);
      expect(settings.body.proxy.url).toBe(`${proxy.url}/`);
      expect((await as(`/v2/webhooks/endpoints/${org.endpointId}/secret`)).body.key).toBe(org.webhookSecret);

      const stored = await t.database.handle.db.execute(sql`select credentials_blob from connection_sessions where connection_id = ${org.linkedId}`);
      const blob = (stored as unknown as { rows: Array<{ credentials_blob: string }> }).rows[0].credentials_blob;
      expect(readReloginCredentials(createVault(parseVaultKeys(NEW_KEYS)), org.linkedId, blob)).toMatchObject({ password: 'good-password' });
    } finally {
      await retired.close();
    }
  }, NODE_STARTS_BUDGET_MS);
});
