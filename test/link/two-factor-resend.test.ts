// POST /v2/link/{clientSecret}/2fa/resend: asks OnlyFans for a new code (GET /users/otp/code on the pending
// challenge), keeps the session waiting for it, allows three per session, and only while a code is awaited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

let emailSeq = 0;
const uniqueEmail = (scenario: string) => `resend${process.pid}x${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BACKENDS)('link: 2FA code resend (%s)', (backend) => {
  let t: TestService;

  // A service start under this machine's load can take longer than the default 60 s hook timeout.
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  }, 180_000);
  afterAll(async () => t?.close());

  /** A fresh org with a whitelabel app, so each test's Link sessions and limits are its own. */
  async function whitelabelOrg(): Promise<{ key: string; start(): Promise<string> }> {
    const orgId = await createOrg(t.database.handle, 'Resending org');
    const key = (await createKey(t.database.handle, orgId)).secret;
    const app = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Headless', integrationType: 'whitelabel' } });
    expect(app.status).toBe(201);
    return {
      key,
      async start() {
        const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: app.body.id } });
        expect(init.status).toBe(200);
        return init.body.clientSecret as string;
      },
    };
  }

  /** The simulator's count of "send me a new code" calls so far. */
  async function codeRequests(): Promise<number> {
    const log = await call<{ list: Array<{ method: string; url: string }> }>(t.sandboxUrl, 'GET', '/_sandbox/requests');
    return log.body.list.filter((r) => r.method === 'GET' && r.url.startsWith('/api2/v2/users/otp/code')).length;
  }

  it('while awaiting a code it asks upstream for a new one, stays awaiting_2fa, and the code then completes the login', async () => {
    const org = await whitelabelOrg();
    const secret = await org.start();
    const waiting = await call(t.url, 'POST', `/v2/link/${secret}/login`, { key: org.key, body: { email: uniqueEmail('creator-otp'), password: 'good-password' } });
    expect(waiting.body.status).toBe('awaiting_2fa');

    const before = await codeRequests();
    const resent = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: org.key });
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    expect(resent.body).toMatchObject({ status: 'awaiting_2fa', data: { twoFactorState: { options: ['app'], attemptsLeft: 5 } }, expiresAt: waiting.body.expiresAt });
    expect(resent.body.error).toBeUndefined();
    expect(await codeRequests()).toBe(before + 1);
    expect((await call(t.url, 'GET', `/v2/link/${secret}`, { key: org.key })).body.status).toBe('awaiting_2fa');

    const completed = await call(t.url, 'POST', `/v2/link/${secret}/2fa`, { key: org.key, body: { code: '123456' } });
    expect(completed.body.status, JSON.stringify(completed.body)).toBe('completed');
    expect(completed.body.data.id).toMatch(/^conn_/);
  });

  it('three new codes per session; the fourth request is a 429 saying the resends are used up, and asks upstream nothing', async () => {
    const org = await whitelabelOrg();
    const secret = await org.start();
    await call(t.url, 'POST', `/v2/link/${secret}/login`, { key: org.key, body: { email: uniqueEmail('creator-otp'), password: 'good-password' } });
    const before = await codeRequests();
    for (let i = 0; i < 3; i++) {
      const resent = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: org.key });
      expect(resent.body.status, `resend ${i + 1}: ${JSON.stringify(resent.body)}`).toBe('awaiting_2fa');
    }
    const exhausted = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: org.key });
    expect(exhausted.status).toBe(429);
    expect(exhausted.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', details: { reason: 'resends_exhausted' } });
    expect(await codeRequests()).toBe(before + 3);
    // The last code still works.
    expect((await call(t.url, 'POST', `/v2/link/${secret}/2fa`, { key: org.key, body: { code: '123456' } })).body.status).toBe('completed');
  });

  it('before a code is awaited it is a 409 naming the session\'s status; after completion too', async () => {
    const org = await whitelabelOrg();
    const secret = await org.start();
    const early = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: org.key });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ type: 'CONFLICT', details: { status: 'initialized' } });

    const done = await call(t.url, 'POST', `/v2/link/${secret}/login`, { key: org.key, body: { email: uniqueEmail('creator'), password: 'good-password' } });
    expect(done.body.status).toBe('completed');
    const late = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: org.key });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ type: 'CONFLICT', details: { status: 'completed' } });
  });

  it('another org\'s client secret is a 404 naming clientSecret, and sends it no code; a key without the link scope is a 403', async () => {
    const owner = await whitelabelOrg();
    const secret = await owner.start();
    await call(t.url, 'POST', `/v2/link/${secret}/login`, { key: owner.key, body: { email: uniqueEmail('creator-otp'), password: 'good-password' } });
    const stranger = await whitelabelOrg();
    const before = await codeRequests();

    const foreign = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: stranger.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ type: 'RESOURCE_NOT_FOUND', details: { field: 'clientSecret' } });

    const orgId = await createOrg(t.database.handle, 'No link scope');
    const accessOnly = await createKey(t.database.handle, orgId, 'sandbox', ['access']);
    const refused = await call(t.url, 'POST', `/v2/link/${secret}/2fa/resend`, { key: accessOnly.secret });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredScope: 'link' } });

    expect(await codeRequests()).toBe(before);
    expect((await call(t.url, 'GET', `/v2/link/${secret}`, { key: owner.key })).body.status).toBe('awaiting_2fa');
  });
});
