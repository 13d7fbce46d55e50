import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { sandboxCaptchaProvider } from '../../src/upstream/captcha.ts';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import { startLogin, submitOtp } from '../../src/upstream/login.ts';
import { createRulesProvider, fetchRulesJson } from '../../src/upstream/rules-provider.ts';
import { sessionFromImport } from '../../src/upstream/session.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { rejectionOf, startUpstreamFixture, TEST_USER_AGENT, type UpstreamFixture } from './sandbox-fixture.ts';

const logLines: string[] = [];
const logger = createLogger(
  'trace',
  new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

let fx: UpstreamFixture;
beforeAll(async () => {
  fx = await startUpstreamFixture({ logger });
});
afterAll(() => fx.close());
afterEach(async () => {
  await fx.control('DELETE', '/_sandbox/faults');
});

const getMe = { method: 'GET', path: '/users/me' } as const;

describe('upstream client against the simulator', () => {
  it('validates a minted session and returns its profile', async () => {
    const session = await fx.mintSession('mia@creator.sandbox.com');
    const profile = await fx.client.validateSession(session);
    expect(profile).toMatchObject({ id: String(session.userId), isPerformer: true });
    expect(typeof profile.username).toBe('string');
    expect(profile.avatar === null || typeof profile.avatar === 'string').toBe(true);
    expect(profile.raw.isAuth).toBe(true);
  });

  it('works with an imported cookie + user agent, sending x-bc = fp', async () => {
    const minted = await fx.mintSession('imp@creator.sandbox.com', TEST_USER_AGENT);
    const imported = sessionFromImport({ cookie: minted.cookie, userAgent: minted.userAgent });
    const profile = await fx.client.validateSession(imported);
    expect(profile.id).toBe(String(minted.userId));
  });

  it('reads a page of chats with a query, signed exactly as sent', async () => {
    const session = await fx.mintSession('chatty@creator.sandbox.com');
    const reply = await fx.client.request<{ list: unknown[]; hasMore: boolean }>(session, {
      method: 'GET',
      path: '/chats',
      query: { limit: 5, offset: 0, order: 'recent', skip_users: 'all' },
    });
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body.list)).toBe(true);
    expect(reply.revision).toBe(fx.sandbox.currentRules().revision);
  });

  it('sends the browser header set and no user-id under rules that remove it', async () => {
    const session = await fx.mintSession('headers@creator.sandbox.com');
    const { lastSeq } = await fx.control<{ lastSeq: number }>('GET', '/_sandbox/requests');
    await fx.client.request(session, getMe);
    const seen = await fx.control<{ list: Array<{ url: string; headers: Record<string, string> }> }>('GET', `/_sandbox/requests?since=${lastSeq}`);
    const headers = seen.list.find((r) => r.url === '/api2/v2/users/me')?.headers ?? {};
    expect(headers).toMatchObject({ 'x-bc': session.xBc, 'user-agent': session.userAgent, 'x-of-rev': fx.rules.revision() });
    expect(headers.accept).toBe('application/json, text/plain, */*');
    expect(headers.sign).toMatch(/^\d+:[0-9a-f]{40}:[0-9a-f]+:[0-9a-f]{8}$/);
    expect(headers['user-id']).toBeUndefined();
  });

  it('sends user-id when the rules keep it, and the simulator accepts that too', async () => {
    const rules = createRulesProvider({
      source: `${fx.sandbox.url}/dynamic-rules.json`,
      now: fx.now,
      refreshInBackground: false,
      fetcher: async (source) => ({ ...(await fetchRulesJson(source) as object), remove_headers: [] }),
    });
    const client = createUpstreamClient({ baseUrl: fx.sandbox.url, rules, now: fx.now });
    try {
      const session = await fx.mintSession('userid@creator.sandbox.com');
      const { lastSeq } = await fx.control<{ lastSeq: number }>('GET', '/_sandbox/requests');
      await client.validateSession(session);
      const seen = await fx.control<{ list: Array<{ url: string; headers: Record<string, string> }> }>('GET', `/_sandbox/requests?since=${lastSeq}`);
      const me = seen.list.find((r) => r.url === '/api2/v2/users/me');
      expect(me?.headers['user-id']).toBe(String(session.userId));
    } finally {
      rules.close();
      await client.close();
    }
  });

  it('keeps the body text as received for pass-through', async () => {
    const session = await fx.mintSession('text@creator.sandbox.com');
    const reply = await fx.client.requestRaw<{ id: number }>(session, getMe);
    expect(JSON.parse(reply.text)).toEqual(reply.body);
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('treats a guest /users/me as an expired session', async () => {
    const error = await rejectionOf(fx.client.validateSession({ cookie: '', userAgent: TEST_USER_AGENT, xBc: 'a'.repeat(40) }));
    expect(error).toMatchObject({ type: 'SESSION_EXPIRED', actionRequired: 'reconnect' });
  });

  it('maps a session used from another user agent to SESSION_EXPIRED (and upstream kills it)', async () => {
    const session = await fx.mintSession('abuse@creator.sandbox.com');
    const error = await rejectionOf(fx.client.request({ ...session, userAgent: 'curl/8' }, getMe));
    expect(error).toMatchObject({ type: 'SESSION_EXPIRED', details: { reason: 'access_denied' } });
    expect(await rejectionOf(fx.client.validateSession(session))).toMatchObject({ type: 'SESSION_EXPIRED' });
  });

  it('absorbs a rules rotation with exactly one rules fetch, prompted by x-of-rev', async () => {
    const session = await fx.mintSession('rot@creator.sandbox.com');
    await fx.client.request(session, getMe);
    const before = fx.rulesFetches();
    const rotated = await fx.control<{ revision: string }>('POST', '/_sandbox/rules/rotate');
    // Old rules still sign inside the grace period; the reply's x-of-rev tells the client to refresh.
    const replies = await Promise.all([1, 2, 3].map(() => fx.client.request(session, getMe)));
    expect(replies.every((r) => r.revision === rotated.revision)).toBe(true);
    await eventually(() => fx.rules.revision() === rotated.revision, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the rotated rules' });
    for (let i = 0; i < 3; i++) await fx.client.request(session, getMe);
    expect(fx.rulesFetches() - before).toBe(1);
  });

  it('refreshes the rules once and retries once on "Please refresh the page"', async () => {
    const session = await fx.mintSession('stale@creator.sandbox.com');
    await fx.client.request(session, getMe);
    const before = fx.rulesFetches();
    const { lastSeq } = await fx.control<{ lastSeq: number }>('GET', '/_sandbox/requests');
    // Two rotations: the client's rules are now neither current nor the previous revision in grace.
    await fx.control('POST', '/_sandbox/rules/rotate');
    const latest = await fx.control<{ revision: string }>('POST', '/_sandbox/rules/rotate');
    const reply = await fx.client.request(session, getMe);
    expect(reply.status).toBe(200);
    expect(fx.rules.revision()).toBe(latest.revision);
    expect(fx.rulesFetches() - before).toBe(1);
    const seen = await fx.control<{ list: Array<{ url: string; status: number }> }>('GET', `/_sandbox/requests?since=${lastSeq}`);
    expect(seen.list.filter((r) => r.url === '/api2/v2/users/me').map((r) => r.status)).toEqual([400, 200]);
  });

  it('gives RULES_OUTDATED when the rules source cannot supply newer rules', async () => {
    let isSourceDown = false;
    const rules = createRulesProvider({
      source: `${fx.sandbox.url}/dynamic-rules.json`,
      now: fx.now,
      refreshInBackground: false,
      fetcher: async (source) => {
        if (isSourceDown) throw new Error('feed down');
        return fetchRulesJson(source);
      },
    });
    const client = createUpstreamClient({ baseUrl: fx.sandbox.url, rules, now: fx.now });
    try {
      const session = await fx.mintSession('feeddown@creator.sandbox.com');
      await client.request(session, getMe);
      isSourceDown = true;
      await fx.control('POST', '/_sandbox/rules/rotate');
      await fx.control('POST', '/_sandbox/rules/rotate');
      expect(await rejectionOf(client.request(session, getMe))).toMatchObject({ type: 'RULES_OUTDATED', status: 401 });
    } finally {
      rules.close();
      await client.close();
    }
  });

  it('maps an upstream 429 to RATE_LIMIT_EXCEEDED carrying its Retry-After', async () => {
    const session = await fx.mintSession('busy@creator.sandbox.com');
    await fx.control('POST', '/_sandbox/faults', { kind: '429', count: 1, retryAfterSeconds: 42 });
    const error = await rejectionOf(fx.client.request(session, getMe));
    expect(error).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', status: 429, headers: { 'Retry-After': '42' } });
  });

  it("maps the rate-limited scenario's own limit to RATE_LIMIT_EXCEEDED with Retry-After", async () => {
    const session = await fx.mintSession('slow@rate-limited.sandbox.com');
    let error: any;
    for (let i = 0; i < 20 && !error; i++) error = await fx.client.request(session, getMe).then(() => undefined, (e) => e);
    expect(error).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED' });
    expect(Number(error.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
  });

  it('maps upstream 500 and 503 to UPSTREAM_ERROR', async () => {
    const session = await fx.mintSession('down@creator.sandbox.com');
    await fx.control('POST', '/_sandbox/faults', { kind: '500', count: 1 });
    expect(await rejectionOf(fx.client.request(session, getMe))).toMatchObject({ type: 'UPSTREAM_ERROR', status: 502 });
    await fx.control('POST', '/_sandbox/faults', { kind: '503', count: 1 });
    expect(await rejectionOf(fx.client.request(session, getMe))).toMatchObject({ type: 'UPSTREAM_ERROR' });
  });

  it('maps a reset connection to UPSTREAM_UNAVAILABLE', async () => {
    const session = await fx.mintSession('reset@creator.sandbox.com');
    await fx.control('POST', '/_sandbox/faults', { kind: 'reset', count: 1 });
    expect(await rejectionOf(fx.client.request(session, getMe))).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', status: 503 });
  });

  it('maps an upstream that does not answer in time to UPSTREAM_UNAVAILABLE', async () => {
    const client = createUpstreamClient({ baseUrl: fx.sandbox.url, rules: fx.rules, now: fx.now, timeoutMs: 100 });
    try {
      const session = await fx.mintSession('slowpoke@creator.sandbox.com');
      await fx.control('POST', '/_sandbox/faults', { kind: 'latency', count: 1, latencyMs: 1_000 });
      const error = await rejectionOf(client.request(session, getMe));
      expect(error).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'timeout' } });
    } finally {
      await client.close();
    }
  });

  it('maps a closed port to UPSTREAM_UNAVAILABLE, without the network code (it would map what listens where)', async () => {
    const port = await freePort();
    const client = createUpstreamClient({ baseUrl: `http://127.0.0.1:${port}`, rules: fx.rules, now: fx.now });
    try {
      const error = await rejectionOf(client.request(null, getMe));
      expect(error).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'network_error' } });
      expect(error.details).not.toHaveProperty('networkCode');
    } finally {
      await client.close();
    }
  });

  it('passes upstream 4xx replies through requestRaw but throws them from request', async () => {
    const session = await fx.mintSession('raw@creator.sandbox.com');
    const call = { method: 'GET', path: '/chats', query: { search: 'x' } };
    const raw = await fx.client.requestRaw<{ error: { message: string } }>(session, call);
    expect(raw.status).toBe(400);
    expect(raw.body.error.message).toBe('Invalid filter');
    expect(await rejectionOf(fx.client.request(session, call))).toMatchObject({ type: 'BAD_REQUEST', message: 'Invalid filter' });
  });

  it('still throws SESSION_EXPIRED from requestRaw', async () => {
    const session = await fx.mintSession('rawgone@creator.sandbox.com');
    await fx.control('POST', '/_sandbox/sessions/expire', { userId: session.userId });
    expect(await rejectionOf(fx.client.requestRaw(session, getMe))).toMatchObject({ type: 'SESSION_EXPIRED' });
  });

  it('never writes cookies, sess or x-bc to its logs', async () => {
    const session = await fx.mintSession('quiet@creator.sandbox.com');
    await fx.client.request(session, getMe);
    await fx.client.request(session, { method: 'GET', path: '/chats', query: { limit: 1 } }).catch(() => undefined);
    const sess = /sess=([a-z0-9]+)/.exec(session.cookie)?.[1] as string;
    const text = logLines.join('');
    expect(text).toContain('upstream call');
    expect(text).not.toContain(sess);
    expect(text).not.toContain(session.xBc);
  });

  it('headline: logs in with OTP, reads profile and chats, survives a rotation, then sees the session expire', async () => {
    const started = await startLogin(fx.client, {
      email: 'alice@creator-otp.sandbox.com',
      password: 'good-password',
      userAgent: TEST_USER_AGENT,
      captcha: sandboxCaptchaProvider,
    });
    if (started.kind !== 'awaiting_2fa') throw new Error('expected 2FA');
    const { session, profile } = await submitOtp(fx.client, started.challenge, '123456');
    expect(profile.isPerformer).toBe(true);
    expect((await fx.client.validateSession(session)).id).toBe(profile.id);

    const chats = await fx.client.request<{ list: Array<{ withUser: { id: number } }>; hasMore: boolean }>(session, {
      method: 'GET',
      path: '/chats',
      query: { limit: 10, offset: 0, order: 'recent', skip_users: 'all' },
    });
    expect(chats.body.list.length).toBeGreaterThan(0);
    expect(typeof chats.body.hasMore).toBe('boolean');

    const before = fx.rulesFetches();
    const rotated = await fx.control<{ revision: string }>('POST', '/_sandbox/rules/rotate');
    await fx.client.request(session, getMe);
    await eventually(() => fx.rules.revision() === rotated.revision, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the rotated rules' });
    await fx.client.request(session, { method: 'GET', path: '/chats', query: { limit: 10, offset: 10, order: 'recent' } });
    expect(fx.rulesFetches() - before).toBe(1);

    await fx.control('POST', '/_sandbox/sessions/expire', { userId: Number(profile.id) });
    expect(await rejectionOf(fx.client.request(session, getMe))).toMatchObject({
      type: 'SESSION_EXPIRED',
      status: 401,
      actionRequired: 'reconnect',
    });
  });

  // Last: it moves the shared clock.
  it('sees an expiring-scenario session end after its lifetime', async () => {
    const session = await fx.mintSession('brief@expiring.sandbox.com');
    await fx.client.validateSession(session);
    fx.advance(6 * 60_000);
    expect(await rejectionOf(fx.client.validateSession(session))).toMatchObject({ type: 'SESSION_EXPIRED' });
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
