import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { request } from 'undici';
import { BACKENDS } from '../support/databases.ts';
import { listEvents } from '../support/events.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

async function credentialsBlobOf(t: TestService, connectionId: string): Promise<string | null> {
  const result = await t.database.handle.db.execute(sql`select credentials_blob from connection_sessions where connection_id = ${connectionId}`);
  return (result as unknown as { rows: Array<{ credentials_blob: string | null }> }).rows[0]?.credentials_blob ?? null;
}

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `api${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BACKENDS)('link: init, whitelabel flow, limits, CSRF and page weight (%s)', (backend) => {
  let t: TestService;
  let whitelabelAppId: string;
  let redirectAppId: string;
  const redirectUri = 'http://127.0.0.1:4555/callback';

  beforeAll(async () => {
    t = await startTestService(backend);
    const whitelabel = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Headless CRM', integrationType: 'whitelabel', returnsRawSession: true, permissions: ['profile:read', 'messages:read'] },
    });
    expect(whitelabel.status).toBe(201);
    whitelabelAppId = whitelabel.body.id;
    const redirect = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Redirect CRM', integrationType: 'redirect', redirectUris: [redirectUri, 'https://app.example.com/cb'] },
    });
    expect(redirect.status).toBe(201);
    redirectAppId = redirect.body.id;
  });
  afterAll(async () => t?.close());

  const init = (body: Record<string, unknown>, key = t.adminKey) => call(t.url, 'POST', '/v2/link/init', { key, body });
  const status = (secret: string, key = t.adminKey) => call(t.url, 'GET', `/v2/link/${secret}`, { key });
  const login = (secret: string, email: string, password = 'good-password') =>
    call(t.url, 'POST', `/v2/link/${secret}/login`, { key: t.adminKey, body: { email, password } });
  const twoFactor = (secret: string, code: string, path = '2fa') => call(t.url, 'POST', `/v2/link/${secret}/${path}`, { key: t.adminKey, body: { code } });

  it('init without a client app id uses the first app of the environment and answers a hosted URL on this host, 30 minutes out', async () => {
    const res = await init({ clientReferenceId: 'user_1' });
    expect(res.status).toBe(200);
    expect(res.body.mode).toBe('hosted');
    expect(res.body.url).toMatch(new RegExp(`^${t.url}/link/cs_[A-Za-z0-9]{20,}$`));
    const minutes = (Date.parse(res.body.expiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30.1);
    const secret = res.body.url.split('/link/')[1];
    expect((await status(secret)).body).toMatchObject({ status: 'initialized' });
  });

  it('the deprecated mode picks the first app of that integration type; whitelabel apps get the client secret instead of a URL', async () => {
    const byMode = await init({ mode: 'whitelabel', options: { returnRawSession: true } });
    expect(byMode.status).toBe(200);
    expect(byMode.body).toMatchObject({ mode: 'whitelabel' });
    expect(byMode.body.clientSecret).toMatch(/^cs_[A-Za-z0-9]+$/);
    const byId = await init({ clientAppId: whitelabelAppId });
    expect(byId.body.mode).toBe('whitelabel');
  });

  it('init refuses an unknown app (404), a redirect URL the app does not list (400 naming redirectUrl) and a foreign connection (404)', async () => {
    const unknownApp = await init({ clientAppId: 'app_doesnotexist1' });
    expect(unknownApp.status).toBe(404);
    expect(unknownApp.body.type).toBe('RESOURCE_NOT_FOUND');

    const badRedirect = await init({ clientAppId: redirectAppId, redirectUrl: 'https://evil.example.com/cb' });
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'redirectUrl' } });

    // Loopback callbacks may pick another port (RFC 8252), but not another path.
    expect((await init({ clientAppId: redirectAppId, redirectUrl: 'http://127.0.0.1:9999/callback' })).status).toBe(200);
    expect((await init({ clientAppId: redirectAppId, redirectUrl: 'http://127.0.0.1:4555/other' })).status).toBe(400);

    // A connection of another org is as unknown as a made-up id.
    const otherOrg = await createOrg(t.database.handle, 'Other');
    const otherKey = await createKey(t.database.handle, otherOrg);
    const otherApp = await call(t.url, 'POST', '/v2/client-apps', { key: otherKey.secret, body: { name: 'Other', integrationType: 'whitelabel' } });
    expect(otherApp.status).toBe(201);
    const otherInit = await init({}, otherKey.secret);
    const email = uniqueEmail('creator');
    const done = await call(t.url, 'POST', `/v2/link/${otherInit.body.clientSecret}/login`, { key: otherKey.secret, body: { email, password: 'good-password' } });
    expect(done.body.status).toBe('completed');
    const foreign = await init({ connectionId: done.body.data.id });
    expect(foreign.status).toBe(404);
    expect(foreign.body.details).toMatchObject({ field: 'connectionId' });
    // …and that org's client secret reads as not_found here.
    expect((await status(otherInit.body.clientSecret)).body).toEqual({ status: 'not_found' });
  });

  it('whitelabel end to end: login → awaiting_2fa → wrong code → 2fa → completed with the raw session; the connection exists and connection.created is recorded', async () => {
    const started = await init({ clientAppId: whitelabelAppId, clientReferenceId: 'crm-user-7' });
    const secret = started.body.clientSecret;
    const email = uniqueEmail('creator-otp');

    const waiting = await login(secret, email);
    expect(waiting.status).toBe(200);
    expect(waiting.body.status).toBe('awaiting_2fa');
    expect(waiting.body.data.twoFactorState.options).toContain('app');
    expect(waiting.body.data.twoFactorState.attemptsLeft).toBe(5);
    expect((await status(secret)).body.status).toBe('awaiting_2fa');

    const wrong = await twoFactor(secret, '000000');
    expect(wrong.body.status).toBe('awaiting_2fa');
    expect(wrong.body.data.twoFactorState.attemptsLeft).toBe(4);
    expect(wrong.body.error.code).toBe('2fa_failed');

    const completed = await twoFactor(secret, '123456', 'otp');
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('completed');
    const connectionId = completed.body.data.id;
    expect(connectionId).toMatch(/^conn_/);
    expect(completed.body.data.userData.username).not.toBe('');
    expect(completed.body.data.session).toMatchObject({ 'user-id': completed.body.data.userData.id });
    expect(completed.body.data.session.cookie).toContain('sess=');

    const connection = await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key: t.adminKey });
    expect(connection.body).toMatchObject({ id: connectionId, status: 'active', imported: false, clientReferenceId: 'crm-user-7', permissions: ['profile:read', 'messages:read'] });
    const events = await listEvents(t.url, t.adminKey, { connectionId });
    expect(events.map((e) => e.eventType)).toEqual(['connection.created']);
    expect(events[0].payload.data).toMatchObject({ clientReferenceId: 'crm-user-7', connection: { id: connectionId, status: 'active' } });

    const next = await t.database.handle.db.execute(sql`select next_check_at from connections where id = ${connectionId}`);
    const nextCheck = new Date((next as unknown as { rows: Array<{ next_check_at: string }> }).rows[0].next_check_at).getTime();
    // The monitor's first check lands somewhere within one interval (6 h by default), spreading new connections out.
    const hours = (nextCheck - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(0);
    expect(hours).toBeLessThanOrEqual(6.6);

    // The session is spent: a second login is refused.
    expect((await login(secret, email)).status).toBe(409);
    // The password went to upstream and nowhere else: not in the logs, not stored (the org did not opt in).
    expect(t.logs.join('\n')).not.toContain('good-password');
    expect(await credentialsBlobOf(t, connectionId)).toBeNull();
  });

  it('five failed logins deny the Link session; the next attempt is refused', async () => {
    const secret = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    const email = uniqueEmail('creator');
    for (let i = 1; i <= 4; i++) {
      const res = await login(secret, email, 'wrong-password');
      expect(res.body.status).toBe('invalid_credentials');
      expect(res.body.error).toMatchObject({ code: 'invalid_credentials', attemptsLeft: 5 - i });
    }
    const fifth = await login(secret, email, 'wrong-password');
    expect(fifth.body.status).toBe('denied');
    const sixth = await login(secret, email);
    expect(sixth.status).toBe(409);
    expect((await status(secret)).body.status).toBe('denied');
  });

  it('the same upstream account is limited across Link sessions (it would get flagged): a sixth attempt within the minute is a 429', async () => {
    const email = uniqueEmail('creator');
    for (let i = 0; i < 5; i++) {
      const secret = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
      expect((await login(secret, email, 'wrong-password')).body.status).toBe('invalid_credentials');
    }
    const secret = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    const limited = await login(secret, email);
    expect(limited.status).toBe(429);
    expect(limited.body.type).toBe('RATE_LIMIT_EXCEEDED');
    // Retry-After in whole seconds, within the minute the limit counts.
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    // The refused attempt did not touch the session.
    expect((await status(secret)).body.status).toBe('initialized');
  });

  it('a locked account fails the session with account_locked, a Face ID one with security_check_required; a second Link of a connected account fails with account_already_connected', async () => {
    const locked = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    const lockedRes = await login(locked, uniqueEmail('locked'));
    expect(lockedRes.body).toMatchObject({ status: 'failed', error: { code: 'account_locked' } });
    const face = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    expect((await login(face, uniqueEmail('faceid'))).body).toMatchObject({ status: 'failed', error: { code: 'security_check_required' } });

    const email = uniqueEmail('creator');
    const first = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    expect((await login(first, email)).body.status).toBe('completed');
    const second = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    expect((await login(second, email)).body).toMatchObject({ status: 'failed', error: { code: 'account_already_connected' } });
  });

  it('DELETE cancels: the status reads not_found and the flow refuses to continue', async () => {
    const secret = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
    const deleted = await call(t.url, 'DELETE', `/v2/link/${secret}`, { key: t.adminKey });
    expect(deleted.body).toEqual({ success: true });
    expect((await status(secret)).body).toEqual({ status: 'not_found' });
    expect((await login(secret, uniqueEmail('creator'))).status).toBe(409);
    expect((await call(t.url, 'DELETE', '/v2/link/cs_unknownsecret', { key: t.adminKey })).status).toBe(404);
  });

  it('with storeCredentialsForRelogin the password is kept encrypted on the connection session (and only then)', async () => {
    expect((await call(t.url, 'PATCH', '/v2/account/settings', { key: t.adminKey, body: { storeCredentialsForRelogin: true } })).status).toBe(200);
    try {
      const secret = (await init({ clientAppId: whitelabelAppId })).body.clientSecret;
      const email = uniqueEmail('creator-otp');
      await login(secret, email, 'good-password');
      const done = await twoFactor(secret, '123456');
      expect(done.body.status).toBe('completed');
      const blob = await credentialsBlobOf(t, done.body.data.id);
      expect(blob).toMatch(/^v1\./);
      expect(blob).not.toContain('good-password');
      const plain = t.service.ctx.vault.decryptJson<{ email: string; password: string }>(blob!, `connection-credentials:${done.body.data.id}`);
      expect(plain).toEqual({ email, password: 'good-password' });
    } finally {
      await call(t.url, 'PATCH', '/v2/account/settings', { key: t.adminKey, body: { storeCredentialsForRelogin: false } });
    }
  });

  it('hosted page forms without the CSRF token (or from another site) are refused with 403 and change nothing', async () => {
    const started = await init({ clientAppId: redirectAppId });
    const url = started.body.url as string;
    const secret = url.split('/link/')[1];
    const post = (body: string, headers: Record<string, string> = {}) =>
      request(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    const missing = await post(new URLSearchParams({ email: uniqueEmail('creator'), password: 'good-password' }).toString());
    expect(missing.statusCode).toBe(403);
    expect(await missing.body.text()).toContain('could not be accepted');

    const page = await (await request(url)).body.text();
    const token = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const forged = await post(new URLSearchParams({ csrf: token + 'x', email: uniqueEmail('creator'), password: 'good-password' }).toString());
    expect(forged.statusCode).toBe(403);
    await forged.body.dump();
    const crossSite = await post(new URLSearchParams({ csrf: token, email: uniqueEmail('creator'), password: 'good-password' }).toString(), {
      origin: 'https://evil.example.com',
    });
    expect(crossSite.statusCode).toBe(403);
    await crossSite.body.dump();
    expect((await status(secret)).body.status).toBe('initialized');

    const accepted = await post(new URLSearchParams({ csrf: token, email: uniqueEmail('creator'), password: 'good-password' }).toString(), {
      origin: new URL(url).origin,
    });
    expect(accepted.statusCode).toBe(303);
    expect(accepted.headers.location).toMatch(/^http:\/\/127\.0\.0\.1:4555\/callback\?status=success&connection_id=conn_/);
    await accepted.body.dump();
  });

  it('Link pages carry strict security headers and the first load (HTML + CSS + JS) weighs under 30 KB', async () => {
    const started = await init({ clientAppId: redirectAppId });
    const page = await request(started.body.url);
    const html = await page.body.text();
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-frame-options']).toBe('DENY');

    const assets = [...html.matchAll(/(?:href|src)="(\/link\/assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.sort()).toEqual(['/link/assets/link.css', '/link/assets/link.js']);
    let total = Buffer.byteLength(html);
    for (const asset of assets) {
      const res = await request(`${t.url}${asset}`);
      total += (await res.body.arrayBuffer()).byteLength;
    }
    const embed = await request(`${t.url}/link/embed.js`);
    const embedBytes = (await embed.body.arrayBuffer()).byteLength;
    console.log(`link page first load: ${total} bytes (HTML ${Buffer.byteLength(html)}); embed.js ${embedBytes} bytes`);
    expect(total).toBeLessThan(30 * 1024);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('the OpenAPI document lists the Link API routes and hides the HTML pages', async () => {
    const doc = (await call(t.url, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v2/link/init', '/v2/link/{clientSecret}', '/v2/link/{clientSecret}/login', '/v2/link/{clientSecret}/2fa', '/v2/link/{clientSecret}/otp']),
    );
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/link/'))).toBe(false);
  });
});
