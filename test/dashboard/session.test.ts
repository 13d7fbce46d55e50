// The dashboard's sign-in and session over HTTP: the cookie and its flags, what it holds (never the key), CSRF on
// unsafe requests, expiry, revocation, the environment a session is held to, audit entries, and the page's serving.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../src/account/tables.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { importConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { COOKIE_NAME, sessionCall, signIn } from './dashboard-session.ts';

const TWELVE_HOURS_S = 12 * 60 * 60;

describe.each(BACKENDS)('dashboard session (%s)', (backend) => {
  let t: TestService;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    t = await startTestService(backend, { clock, config: { trustProxy: true } });
  });
  afterAll(async () => t?.close());

  /** A new org with an admin sandbox key (every scope): what a test that changes or counts things starts from. */
  async function newOrgKey(name: string, environment: 'sandbox' | 'live' = 'sandbox') {
    const orgId = await createOrg(t.database.handle, name);
    return { orgId, ...(await createKey(t.database.handle, orgId, environment)) };
  }

  it('GET / sends a browser to /dashboard, and /dashboard is one page with a strict CSP that loads only hashed files of this origin', async () => {
    const root = await call(t.url, 'GET', '/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/dashboard');
    const page = await call(t.url, 'GET', '/dashboard/connections/conn_anything');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toContain('text/html');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(page.headers['cache-control']).toBe('no-store');
    const files = [...String(page.body).matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file).toMatch(/-[A-Z0-9]{8}\.(js|css)$/);
      const asset = await call(t.url, 'GET', file, { headers: { 'accept-encoding': 'gzip' } });
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-encoding']).toBe('gzip');
    }
    expect((await call(t.url, 'GET', '/dashboard/assets/dashboard-NOTTHERE.js')).status).toBe(404);
  });

  it('sign-in sets an httpOnly, SameSite=Strict session cookie of 12 hours that holds no key (Secure over https)', async () => {
    const { orgId, id, secret } = await newOrgKey('Cookie org');
    const session = await signIn(t.url, secret);
    expect(session.setCookie).toMatch(new RegExp(`^${COOKIE_NAME}=`));
    const flags = session.setCookie.split(';').map((part) => part.trim());
    expect(flags).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${TWELVE_HOURS_S}`]));
    expect(flags).not.toContain('Secure');
    expect(session.setCookie).not.toContain(secret);
    expect(session.setCookie).not.toContain(secret.slice(-20));
    expect(session.body).toMatchObject({ orgId, keyId: id, environment: 'sandbox', orgName: 'Cookie org' });
    expect(session.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // What the seal holds: the key's id, org, environment, expiry and the CSRF token; nothing else.
    const opened = t.service.ctx.vault.decryptJson<Record<string, unknown>>(session.sealed, 'dashboard-session');
    expect(Object.keys(opened).sort()).toEqual(['c', 'e', 'k', 'o', 'x']);
    expect(opened).toMatchObject({ k: id, o: orgId, e: 'sandbox', c: session.csrfToken, x: clock.now().getTime() + TWELVE_HOURS_S * 1000 });

    const overHttps = await signIn(t.url, secret, { 'x-forwarded-proto': 'https' });
    expect(overHttps.setCookie.split(';').map((part) => part.trim())).toContain('Secure');
    // No secret in any log line: neither the key nor the session.
    expect(t.logs.join('\n')).not.toContain(secret);
    expect(t.logs.join('\n')).not.toContain(session.sealed);
  });

  it('sign-in is refused for a key without the admin scope, a wrong key, a revoked key and no key, and sets no cookie', async () => {
    const orgId = await createOrg(t.database.handle, 'Refusals org');
    const noAdmin = await createKey(t.database.handle, orgId, 'sandbox', ['account', 'link', 'access', 'rules']);
    const attempts = [
      { key: noAdmin.secret, status: 403, type: 'FORBIDDEN' },
      { key: `sk_sandbox_${'x'.repeat(40)}`, status: 401, type: 'UNAUTHORIZED' },
      { key: null, status: 401, type: 'UNAUTHORIZED' },
    ];
    for (const attempt of attempts) {
      const reply = await call(t.url, 'POST', '/dashboard/session', { key: attempt.key, body: {} });
      expect(reply.status, String(attempt.key)).toBe(attempt.status);
      expect(reply.body.type).toBe(attempt.type);
      expect(reply.headers['set-cookie']).toBeUndefined();
    }
    const revoked = await createKey(t.database.handle, orgId, 'sandbox');
    const admin = await createKey(t.database.handle, orgId, 'sandbox');
    expect((await call(t.url, 'DELETE', `/v2/api-keys/${revoked.id}`, { key: admin.secret })).status).toBe(200);
    const reply = await call(t.url, 'POST', '/dashboard/session', { key: revoked.secret, body: {} });
    expect(reply.status).toBe(401);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('the session authenticates /v2 calls as its key, for its org only; an apikey header wins over the cookie', async () => {
    const a = await newOrgKey('Org A');
    const b = await newOrgKey('Org B');
    const connectionA = await importConnection(t, { key: a.secret });
    const connectionB = await importConnection(t, { key: b.secret });
    const session = await signIn(t.url, a.secret);
    const list = await sessionCall(t.url, session, 'GET', '/v2/account/connections?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.list.map((c: { id: string }) => c.id)).toEqual([connectionA.id]);
    expect((await sessionCall(t.url, session, 'GET', `/v2/account/connections/${connectionB.id}`)).status).toBe(404);
    const whoami = await sessionCall(t.url, session, 'GET', '/v2/account/whoami');
    expect(whoami.body.id).toBe(a.orgId);
    const asB = await call(t.url, 'GET', '/v2/account/whoami', { key: b.secret, headers: { cookie: session.cookie } });
    expect(asB.body.id).toBe(b.orgId);
    const current = await sessionCall(t.url, session, 'GET', '/dashboard/session');
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({ orgId: a.orgId, keyId: a.id, csrfToken: session.csrfToken });
  });

  it('an unsafe request without the session\'s CSRF token is refused and changes nothing; with it, the change is audited as the dashboard', async () => {
    const a = await newOrgKey('CSRF org');
    const session = await signIn(t.url, a.secret);
    const body = { name: 'made in the dashboard', scopes: ['account'] };
    for (const csrf of [null, 'wrong-token', `${session.csrfToken}x`]) {
      const refused = await sessionCall(t.url, session, 'POST', '/v2/api-keys', { body, csrf });
      expect(refused.status, String(csrf)).toBe(403);
      expect(refused.body).toMatchObject({ type: 'FORBIDDEN', details: { field: 'x-csrf-token' } });
    }
    const keysBefore = await sessionCall(t.url, session, 'GET', '/v2/api-keys');
    expect(keysBefore.body.list.map((k: { name: string }) => k.name)).not.toContain(body.name);

    const created = await sessionCall(t.url, session, 'POST', '/v2/api-keys', { body });
    expect(created.status).toBe(201);
    const entries = await t.database.handle.db.select().from(auditLog).where(eq(auditLog.orgId, a.orgId));
    const entry = entries.find((e) => e.action === 'api_key.created' && e.target === created.body.id);
    expect(entry?.actor).toBe(`dashboard:${a.id}`);
  });

  it('a session reaches its own environment only: a body naming the other one is refused', async () => {
    const a = await newOrgKey('Environment org');
    const session = await signIn(t.url, a.secret);
    const live = await sessionCall(t.url, session, 'POST', '/v2/api-keys', { body: { name: 'live from sandbox', environment: 'live' } });
    expect(live.status).toBe(403);
    expect(live.body.details).toMatchObject({ field: 'environment', environment: 'sandbox' });
    const keys = await call(t.url, 'GET', '/v2/api-keys', { key: (await createKey(t.database.handle, a.orgId, 'live')).secret });
    expect(keys.body.list.map((k: { name: string }) => k.name)).not.toContain('live from sandbox');
  });

  it('a live session sees the live environment only: live keys, no simulator control', async () => {
    const a = await newOrgKey('Live org', 'live');
    await createKey(t.database.handle, a.orgId, 'sandbox');
    const session = await signIn(t.url, a.secret);
    expect(session.body.environment).toBe('live');
    const keys = await sessionCall(t.url, session, 'GET', '/v2/api-keys');
    expect(keys.body.list.map((k: { environment: string }) => k.environment)).toEqual(['live']);
    const sandboxControl = await sessionCall(t.url, session, 'GET', '/_sandbox/accounts');
    expect(sandboxControl.status).toBe(403);
    const sandboxApp = await sessionCall(t.url, session, 'POST', '/v2/client-apps', { body: { name: 'sandbox app from live', environment: 'sandbox' } });
    expect(sandboxApp.status).toBe(403);
    expect(sandboxApp.body.details).toMatchObject({ field: 'environment', environment: 'live' });
  });

  it('revoking the session\'s key ends the session', async () => {
    const a = await newOrgKey('Revocation org');
    const other = await createKey(t.database.handle, a.orgId, 'sandbox');
    const session = await signIn(t.url, a.secret);
    expect((await sessionCall(t.url, session, 'GET', '/v2/api-keys')).status).toBe(200);
    expect((await call(t.url, 'DELETE', `/v2/api-keys/${a.id}`, { key: other.secret })).status).toBe(200);
    const after = await sessionCall(t.url, session, 'GET', '/v2/api-keys');
    expect(after.status).toBe(401);
    expect(after.body.details).toEqual({ field: 'session' });
  });

  it('a session ends at its expiry, and a cookie altered or sealed for another purpose is refused', async () => {
    const a = await newOrgKey('Expiry org');
    const session = await signIn(t.url, a.secret);
    const sealedAsLinkToken = t.service.ctx.vault.encryptJson({ k: a.id, o: a.orgId, e: 'sandbox', x: Date.now() * 2, c: 'x' }, 'link-form').blob;
    const tampered = session.sealed.slice(0, -2) + (session.sealed.endsWith('AA') ? 'BB' : 'AA');
    for (const sealed of [tampered, sealedAsLinkToken, 'v1.test1.nope']) {
      const reply = await sessionCall(t.url, { cookie: `${COOKIE_NAME}=${sealed}`, csrfToken: session.csrfToken }, 'GET', '/v2/api-keys');
      expect(reply.status).toBe(401);
      expect(reply.body.details).toEqual({ field: 'session' });
    }
    clock.advance(TWELVE_HOURS_S * 1000 - 1000);
    expect((await sessionCall(t.url, session, 'GET', '/v2/api-keys')).status).toBe(200);
    clock.advance(1000);
    const expired = await sessionCall(t.url, session, 'GET', '/v2/api-keys');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toContain('expired');
  });

  it('a session cannot sign in again with itself, and sign-out clears the cookie', async () => {
    const a = await newOrgKey('Sign-out org');
    const session = await signIn(t.url, a.secret);
    const again = await sessionCall(t.url, session, 'POST', '/dashboard/session', { body: {} });
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    const withoutCsrf = await sessionCall(t.url, session, 'DELETE', '/dashboard/session', { csrf: null });
    expect(withoutCsrf.status).toBe(403);
    const out = await sessionCall(t.url, session, 'DELETE', '/dashboard/session');
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ signedOut: true });
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${COOKIE_NAME}=;.*Max-Age=0`));
  });
});
