// Vault rotation of connections' secrets, rule by rule: sessions, re-login credentials and proxy URLs encrypted under
// an older key are re-encrypted under the newest one (each counted), only in the org asked for, nothing twice, and
// POST /v2/vault/rotate does it for the key's org with an audit entry.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/account/tables.ts';
import { connectionSessions } from '../../src/connections/tables.ts';
import { insertConnection } from '../../src/connections/store.ts';
import { newId } from '../../src/platform/ids.ts';
import { createVault, parseVaultKeys, type Vault } from '../../src/platform/vault.ts';
import { rotateVaultBlobs } from '../../src/vault-rotation.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const OLD_SPEC = `old1:${Buffer.alloc(32, 1).toString('base64')}`;
const NEW_SPEC = `new1:${Buffer.alloc(32, 2).toString('base64')}`;
const oldVault = createVault(parseVaultKeys(OLD_SPEC));
const newOnly = createVault(parseVaultKeys(NEW_SPEC));

describe.each(BACKENDS)('vault rotation of connection secrets (%s)', (backend) => {
  let t: TestService;
  let ring: Vault;
  const db = () => t.database.handle.db;

  beforeAll(async () => {
    // The service's ring: the new key encrypts, the old one still decrypts.
    t = await startTestService(backend, { config: { vaultKeys: `${NEW_SPEC},${OLD_SPEC}` } });
    ring = t.service.ctx.vault;
  });
  afterAll(async () => t?.close());

  /** A connection whose session (and optionally credentials and proxy URL) are sealed by `vault`. */
  async function connectionWith(
    orgId: string,
    options: { session?: Vault; credentials?: Vault | null; proxy?: Vault | null } = {},
  ): Promise<string> {
    const id = newId('connection');
    const proxyBlob = options.proxy ? options.proxy.encrypt(`http://proxy-${id}.example:8080`, `connection-proxy:${id}`).blob : null;
    await insertConnection(db(), {
      id,
      orgId,
      environment: 'sandbox',
      status: 'active',
      platformUserId: id,
      permissions: [],
      imported: true,
      settings: proxyBlob ? { proxy: { urlBlob: proxyBlob, country: 'US' } } : {},
    });
    const sessionVault = options.session ?? oldVault;
    await db()
      .insert(connectionSessions)
      .values({
        connectionId: id,
        orgId,
        keyId: sessionVault.currentKeyId,
        blob: sessionVault.encryptJson({ cookie: `c-${id}` }, `connection-session:${id}`).blob,
        credentialsBlob: options.credentials ? options.credentials.encryptJson({ email: `${id}@x`, password: 'p' }, `connection-credentials:${id}`).blob : null,
      });
    return id;
  }

  async function stored(id: string) {
    const [row] = await db().select().from(connectionSessions).where(eq(connectionSessions.connectionId, id));
    const { connections } = await import('../../src/connections/tables.ts');
    const [connection] = await db().select().from(connections).where(eq(connections.id, id));
    return { session: row, settings: connection.settings as { proxy?: { urlBlob: string; country: string } } };
  }

  it('re-encrypts an org\'s old sessions, credentials and proxy URLs under the newest key, counting each, other orgs untouched', async () => {
    const orgA = await createOrg(t.database.handle, 'Rotating org');
    const orgB = await createOrg(t.database.handle, 'Other org');
    const full = await connectionWith(orgA, { credentials: oldVault, proxy: oldVault });
    const plain = await connectionWith(orgA);
    const foreign = await connectionWith(orgB, { credentials: oldVault, proxy: oldVault });

    const report = await rotateVaultBlobs(db(), ring, { orgId: orgA });
    expect(report).toEqual({ keyId: 'new1', connectionSessions: 2, reloginCredentials: 1, proxyUrls: 1, webhookSecrets: 0 });

    const after = await stored(full);
    expect(after.session.keyId).toBe('new1');
    expect(newOnly.decryptJson(after.session.blob, `connection-session:${full}`)).toEqual({ cookie: `c-${full}` });
    expect(newOnly.decryptJson(after.session.credentialsBlob!, `connection-credentials:${full}`)).toEqual({ email: `${full}@x`, password: 'p' });
    expect(newOnly.decrypt(after.settings.proxy!.urlBlob, `connection-proxy:${full}`)).toBe(`http://proxy-${full}.example:8080`);
    expect(after.settings.proxy!.country).toBe('US');
    expect(newOnly.decryptJson((await stored(plain)).session.blob, `connection-session:${plain}`)).toEqual({ cookie: `c-${plain}` });
    expect((await stored(plain)).session.credentialsBlob).toBeNull();

    const untouched = await stored(foreign);
    expect(untouched.session.keyId).toBe('old1');
    expect(oldVault.keyIdOf(untouched.session.blob)).toBe('old1');
    expect(oldVault.keyIdOf(untouched.session.credentialsBlob!)).toBe('old1');
    expect(oldVault.keyIdOf(untouched.settings.proxy!.urlBlob)).toBe('old1');

    // Nothing is done twice.
    expect(await rotateVaultBlobs(db(), ring, { orgId: orgA })).toEqual({ keyId: 'new1', connectionSessions: 0, reloginCredentials: 0, proxyUrls: 0, webhookSecrets: 0 });
    // Without an org, every org's old blobs are rotated.
    const everywhere = await rotateVaultBlobs(db(), ring);
    expect(everywhere).toMatchObject({ connectionSessions: expect.any(Number), reloginCredentials: expect.any(Number), proxyUrls: expect.any(Number) });
    expect(everywhere.connectionSessions).toBeGreaterThanOrEqual(1);
    expect(everywhere.reloginCredentials).toBeGreaterThanOrEqual(1);
    expect(everywhere.proxyUrls).toBeGreaterThanOrEqual(1);
    const rotated = await stored(foreign);
    expect(newOnly.decryptJson(rotated.session.credentialsBlob!, `connection-credentials:${foreign}`)).toEqual({ email: `${foreign}@x`, password: 'p' });
    expect(newOnly.decrypt(rotated.settings.proxy!.urlBlob, `connection-proxy:${foreign}`)).toBe(`http://proxy-${foreign}.example:8080`);
  });

  it('old credentials or an old proxy URL are rotated even when the session is already under the newest key', async () => {
    const orgId = await createOrg(t.database.handle);
    const id = await connectionWith(orgId, { session: ring, credentials: oldVault, proxy: oldVault });
    const sessionBefore = (await stored(id)).session.blob;
    expect(await rotateVaultBlobs(db(), ring, { orgId })).toEqual({ keyId: 'new1', connectionSessions: 0, reloginCredentials: 1, proxyUrls: 1, webhookSecrets: 0 });
    const after = await stored(id);
    expect(after.session.blob).toBe(sessionBefore);
    expect(newOnly.decryptJson(after.session.credentialsBlob!, `connection-credentials:${id}`)).toEqual({ email: `${id}@x`, password: 'p' });
    expect(newOnly.decrypt(after.settings.proxy!.urlBlob, `connection-proxy:${id}`)).toBe(`http://proxy-${id}.example:8080`);
  });

  it('a current session with current credentials and proxy is left alone', async () => {
    const orgId = await createOrg(t.database.handle);
    const id = await connectionWith(orgId, { session: ring, credentials: ring, proxy: ring });
    const before = await stored(id);
    expect(await rotateVaultBlobs(db(), ring, { orgId })).toEqual({ keyId: 'new1', connectionSessions: 0, reloginCredentials: 0, proxyUrls: 0, webhookSecrets: 0 });
    expect(await stored(id)).toEqual(before);
  });

  it('POST /v2/vault/rotate rotates the admin key\'s org only, answers the counts and records them in the audit log', async () => {
    const orgId = await createOrg(t.database.handle, 'API rotation');
    const admin = await createKey(t.database.handle, orgId, 'sandbox', ['admin']);
    const account = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const other = await createOrg(t.database.handle);
    const mine = await connectionWith(orgId, { credentials: oldVault });
    const theirs = await connectionWith(other);

    expect((await call(t.url, 'POST', '/v2/vault/rotate')).status).toBe(401);
    const forbidden = await call(t.url, 'POST', '/v2/vault/rotate', { key: account.secret });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.details).toEqual({ requiredScope: 'admin' });

    const res = await call(t.url, 'POST', '/v2/vault/rotate', { key: admin.secret });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ keyId: 'new1', connectionSessions: 1, reloginCredentials: 1, proxyUrls: 0, webhookSecrets: 0 });
    expect((await stored(mine)).session.keyId).toBe('new1');
    expect((await stored(theirs)).session.keyId).toBe('old1');
    const entries = await db().select().from(auditLog).where(eq(auditLog.orgId, orgId));
    const rotation = entries.filter((e) => e.action === 'vault.rotated');
    expect(rotation).toHaveLength(1);
    expect(rotation[0].actor).toBe(`key:${admin.id}`);
    expect(rotation[0].data).toEqual({ keyId: 'new1', connectionSessions: 1, reloginCredentials: 1, proxyUrls: 0, webhookSecrets: 0 });
  });
});
