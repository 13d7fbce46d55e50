import { errors as undiciErrors } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { SignedBrowser, control, testClock } from './signed-browser.ts';

describe('control API', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  const minted = async (email: string, userAgent?: string) => {
    const reply = await control(sandbox.url, 'POST', '/_sandbox/sessions', { email, userAgent });
    expect(reply.status).toBe(200);
    return { session: reply.body, browser: SignedBrowser.fromSession(sandbox.url, clock.now, reply.body) };
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ now: clock.now });
  });
  afterEach(() => control(sandbox.url, 'DELETE', '/_sandbox/faults'));
  afterAll(() => sandbox.close());

  it('mints a logged-in session whose cookie string, UA and x-bc work as-is', async () => {
    const { session, browser } = await minted('mint@creator.sandbox.com', 'Custom UA/1.0');
    expect(session.cookie).toMatch(/^sess=[a-z0-9]{26}; auth_id=\d{6,9}; auth_uid_\d+=\w{32}; fp=[0-9a-f]{40}$/);
    expect(session.userAgent).toBe('Custom UA/1.0');
    expect(session.xBc).toMatch(/^[0-9a-f]{40}$/);
    expect(session.cookie).toContain(`fp=${session.xBc}`);
    const me = await browser.get('/api2/v2/users/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(session.userId);
  });

  it('refuses to mint for non-sandbox emails', async () => {
    const reply = await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'someone@example.com' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/sandbox/);
  });

  it('expires every session of a user by user id', async () => {
    const a = await minted('twice@creator.sandbox.com');
    const b = await minted('twice@creator.sandbox.com');
    const reply = await control(sandbox.url, 'POST', '/_sandbox/sessions/expire', { userId: a.session.userId });
    expect(reply.body.expired).toBeGreaterThanOrEqual(2);
    expect((await a.browser.get('/api2/v2/users/me')).status).toBe(401);
    expect((await b.browser.get('/api2/v2/users/me')).status).toBe(401);
  });

  it('revokes all sessions', async () => {
    const a = await minted('all1@creator.sandbox.com');
    const b = await minted('all2@fan.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/sessions/revoke-all');
    expect((await a.browser.get('/api2/v2/users/me')).status).toBe(401);
    expect((await b.browser.get('/api2/v2/users/me')).status).toBe(401);
  });

  it('lists the scenarios for the Link page banner', async () => {
    const reply = await control(sandbox.url, 'GET', '/_sandbox/accounts');
    const ids = reply.body.list.map((s: { scenario: string }) => s.scenario);
    expect(ids).toEqual(expect.arrayContaining(['creator', 'creator-otp', 'fan', 'fan-otp', 'locked', 'captcha', 'faceid', 'expiring', 'rate-limited']));
    expect(reply.body.list.find((s: { scenario: string }) => s.scenario === 'creator-otp').otp).toBe('123456');
  });

  it('injects a 429 with Retry-After for the next N requests, then recovers', async () => {
    const { browser } = await minted('fault429@creator.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '429', count: 2, retryAfterSeconds: 17 });
    for (let i = 0; i < 2; i++) {
      const reply = await browser.get('/api2/v2/users/me');
      expect(reply.status).toBe(429);
      expect(reply.headers['retry-after']).toBe('17');
      expect(reply.body).toEqual({ error: { code: 429, message: 'Too many requests' } });
    }
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });

  it('injects 500 and 503 only under the given path prefix', async () => {
    const { browser } = await minted('fault5xx@creator.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '500', count: 1, pathPrefix: '/api2/v2/chats' });
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '503', count: 1, pathPrefix: '/api2/v2/users/me' });
    expect((await browser.get('/api2/v2/subscriptions/count/all')).status).toBe(200);
    const five = await browser.get('/api2/v2/chats?limit=1');
    expect(five.status).toBe(500);
    expect(five.body.error.code).toBe(500);
    expect((await browser.get('/api2/v2/users/me')).status).toBe(503);
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });

  it('a fault with probability 1 and no count stays until cleared', async () => {
    const { browser } = await minted('faultp@creator.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '503', probability: 1 });
    for (let i = 0; i < 3; i++) expect((await browser.get('/api2/v2/users/me')).status).toBe(503);
    expect((await control(sandbox.url, 'GET', '/_sandbox/faults')).body.list).toHaveLength(1);
    await control(sandbox.url, 'DELETE', '/_sandbox/faults');
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });

  it('adds latency', async () => {
    const { browser } = await minted('faultlat@creator.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: 'latency', count: 1, latencyMs: 250 });
    const started = performance.now();
    const reply = await browser.get('/api2/v2/users/me');
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('resets the connection', async () => {
    const { browser } = await minted('faultreset@creator.sandbox.com');
    await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: 'reset', count: 1 });
    const error = await browser.get('/api2/v2/users/me').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof undiciErrors.SocketError || (error as NodeJS.ErrnoException).code === 'ECONNRESET' || /other side closed|socket/i.test(String(error))).toBe(true);
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });

  it('rejects an invalid fault description', async () => {
    const reply = await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '418' });
    expect(reply.status).toBe(400);
  });

  it('records received requests with redacted cookie values, the user id and the status', async () => {
    const { browser, session } = await minted('logged@creator.sandbox.com');
    await browser.loadRules();
    const since = (await control(sandbox.url, 'GET', '/_sandbox/requests')).body.lastSeq;
    await browser.get('/api2/v2/chats?limit=3&offset=0');
    await browser.get('/api2/v2/users/me', { headers: { sign: 'bad' } });
    const log = (await control(sandbox.url, 'GET', `/_sandbox/requests?since=${since}`)).body;
    expect(log.list).toHaveLength(2);
    const [chats, bad] = log.list;
    expect(chats).toMatchObject({ method: 'GET', url: '/api2/v2/chats?limit=3&offset=0', userId: session.userId, status: 200 });
    expect(chats.headers['x-bc']).toBe(session.xBc);
    expect(chats.headers['app-token']).toBe('33d57ade8c02dbc5a333db99ff9ae26a');
    expect(chats.headers.cookie).toBe(`sess=[redacted]; auth_id=[redacted]; auth_uid_${session.userId}=[redacted]; fp=[redacted]`);
    expect(JSON.stringify(log)).not.toContain(browser.cookies.get('sess'));
    expect(bad.status).toBe(400);
    await control(sandbox.url, 'GET', '/_sandbox/requests?clear=1');
    expect((await control(sandbox.url, 'GET', '/_sandbox/requests')).body.list).toHaveLength(0);
  });

  it('the rate-limited scenario gets 429 with Retry-After after 5 requests a minute', async () => {
    const { browser } = await minted('slow@rate-limited.sandbox.com');
    for (let i = 0; i < 5; i++) expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
    const limited = await browser.get('/api2/v2/users/me');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: { code: 429, message: 'Too many requests' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    clock.advance(61_000);
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });
});

describe('configurable rate limits', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({
      now: clock.now,
      rateLimit: { perSession: { requests: 3, windowMs: 60_000, blockMs: 120_000 }, perIp: { requests: 8, windowMs: 60_000, blockMs: 30_000 } },
    });
  });
  afterAll(() => sandbox.close());

  it('limits per session with Retry-After equal to the block time', async () => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'a@creator.sandbox.com' })).body;
    const browser = SignedBrowser.fromSession(sandbox.url, clock.now, session);
    for (let i = 0; i < 3; i++) expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
    const limited = await browser.get('/api2/v2/users/me');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('120');
  });

  it('limits per IP across sessions', async () => {
    await control(sandbox.url, 'POST', '/_sandbox/rate-limits/reset');
    let status = 200;
    for (let i = 0; i < 9 && status === 200; i++) {
      const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: `ip${i}@creator.sandbox.com` })).body;
      status = (await SignedBrowser.fromSession(sandbox.url, clock.now, session).get('/api2/v2/users/me')).status;
    }
    expect(status).toBe(429);
    clock.advance(30_001);
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'after@creator.sandbox.com' })).body;
    expect((await SignedBrowser.fromSession(sandbox.url, clock.now, session).get('/api2/v2/users/me')).status).toBe(200);
  });
});

describe('faults on the rules file', () => {
  it('a fault with pathPrefix /dynamic-rules.json fails the rules fetch', async () => {
    const sandbox = await startSandbox();
    try {
      await control(sandbox.url, 'POST', '/_sandbox/faults', { kind: '503', count: 1, pathPrefix: '/dynamic-rules.json' });
      expect((await control(sandbox.url, 'GET', '/dynamic-rules.json')).status).toBe(503);
      expect((await control(sandbox.url, 'GET', '/dynamic-rules.json')).status).toBe(200);
    } finally {
      await sandbox.close();
    }
  });
});
