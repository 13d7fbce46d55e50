import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { SignedBrowser, control, newXBc, testClock } from './signed-browser.ts';

const REFRESH = { error: { code: 401, message: 'Please refresh the page' } };
const DENIED = { error: { code: 401, message: 'Access denied.' } };

describe('request verification on /api2/v2', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  const minted = async (email = 'verify@creator.sandbox.com') => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email })).body;
    return SignedBrowser.fromSession(sandbox.url, clock.now, session);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ now: clock.now, seed: 7 });
  });
  afterAll(() => sandbox.close());

  it('publishes realistic rules at /dynamic-rules.json', async () => {
    const browser = new SignedBrowser(sandbox.url, clock.now);
    const reply = await browser.get('/dynamic-rules.json');
    const rules = reply.body;
    expect(rules.is_current).toBe(true);
    expect(rules.app_token).toBe('33d57ade8c02dbc5a333db99ff9ae26a');
    expect(rules.static_param).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(rules.prefix).toMatch(/^\d{4,5}$/);
    expect(rules.start).toBe(rules.prefix);
    expect(rules.end).toBe(rules.suffix);
    expect(rules.format).toBe(`${rules.prefix}:{}:{:x}:${rules.suffix}`);
    expect(rules.checksum_indexes).toHaveLength(32);
    expect(rules.checksum_indexes.every((i: number) => i >= 0 && i <= 39)).toBe(true);
    expect(rules.checksum_constant).toBeLessThan(0);
    expect(rules.revision).toMatch(/^\d{12}-[a-f0-9]{10}$/);
    // suffix = build time (Unix seconds, hex) and the revision carries the same minute in UTC
    const built = new Date(parseInt(rules.suffix, 16) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 12);
    expect(rules.revision.slice(0, 12)).toBe(built);
    expect(parseDynamicRules(rules).revision).toBe(sandbox.currentRules().revision);
  });

  it('answers a correctly signed logged-in request', async () => {
    const browser = await minted();
    const reply = await browser.get('/api2/v2/users/me');
    expect(reply.status).toBe(200);
    expect(reply.body.isAuth).toBe(true);
  });

  it('rejects a wrong sign with 400 "Please refresh the page"', async () => {
    const browser = await minted();
    const reply = await browser.get('/api2/v2/users/me', { signPath: '/api2/v2/users/other' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual(REFRESH);
  });

  it('rejects a sign without four colon fields', async () => {
    const browser = await minted();
    const reply = await browser.get('/api2/v2/users/me', { headers: { sign: 'abc:def' } });
    expect(reply.body).toEqual(REFRESH);
  });

  it('verifies the query exactly as received, not re-serialised', async () => {
    const browser = await minted();
    const ok = await browser.get('/api2/v2/chats?offset=0&limit=5&order=recent');
    expect(ok.status).toBe(200);
    const reordered = await browser.get('/api2/v2/chats?offset=0&limit=5&order=recent', { signPath: '/api2/v2/chats?limit=5&offset=0&order=recent' });
    expect(reordered.body).toEqual(REFRESH);
  });

  it('rejects a time more than 5 minutes off and a time in seconds', async () => {
    const browser = await minted();
    expect((await browser.get('/api2/v2/users/me', { time: clock.now() - 5 * 60_000 - 1 })).body).toEqual(REFRESH);
    expect((await browser.get('/api2/v2/users/me', { time: clock.now() + 5 * 60_000 + 1 })).body).toEqual(REFRESH);
    expect((await browser.get('/api2/v2/users/me', { time: clock.now() - 4 * 60_000 })).status).toBe(200);
    expect((await browser.get('/api2/v2/users/me', { time: Math.floor(clock.now() / 1000) })).body).toEqual(REFRESH);
  });

  it('rejects a missing or wrong app-token', async () => {
    const browser = await minted();
    expect((await browser.get('/api2/v2/users/me', { headers: { 'app-token': undefined } })).body).toEqual(REFRESH);
    expect((await browser.get('/api2/v2/users/me', { headers: { 'app-token': '0'.repeat(32) } })).body).toEqual(REFRESH);
  });

  it('rejects missing sign or time', async () => {
    const browser = await minted();
    expect((await browser.get('/api2/v2/users/me', { headers: { sign: undefined } })).body).toEqual(REFRESH);
    expect((await browser.get('/api2/v2/users/me', { headers: { time: undefined } })).body).toEqual(REFRESH);
  });

  it('accepts a sign made with user id 0 or the auth_id when no user-id header is sent', async () => {
    const browser = await minted();
    expect((await browser.get('/api2/v2/init', { signUserId: 0 })).status).toBe(200);
    expect((await browser.get('/api2/v2/init', { signUserId: browser.cookies.get('auth_id') })).status).toBe(200);
    expect((await browser.get('/api2/v2/init', { signUserId: 12345 })).body).toEqual(REFRESH);
  });

  it('checks the sign against the user-id header when one is sent', async () => {
    const browser = await minted();
    const authId = browser.cookies.get('auth_id')!;
    expect((await browser.get('/api2/v2/users/me', { userIdHeader: authId })).status).toBe(200);
    expect((await browser.get('/api2/v2/users/me', { userIdHeader: authId, signUserId: 0 })).body).toEqual(REFRESH);
  });

  it('answers 400 code 301 "Wrong user." when the user-id header differs from auth_id', async () => {
    const browser = await minted();
    const reply = await browser.get('/api2/v2/users/me', { userIdHeader: '999999' });
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { code: 301, message: 'Wrong user.' } });
  });

  it('denies an unknown sess, and an auth_id that is not the session owner', async () => {
    const browser = await minted();
    const realSess = browser.cookies.get('sess')!;
    browser.cookies.set('sess', 'a'.repeat(26));
    const unknown = await browser.get('/api2/v2/users/me');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(DENIED);
    browser.cookies.set('sess', realSess);
    const other = await minted('someone-else@creator.sandbox.com');
    browser.cookies.set('auth_id', other.cookies.get('auth_id')!);
    browser.cookies.delete(`auth_uid_${other.cookies.get('auth_id')}`);
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
  });

  it('denies a session the control API expired', async () => {
    const browser = await minted();
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
    await control(sandbox.url, 'POST', '/_sandbox/sessions/expire', { sess: browser.cookies.get('sess') });
    const reply = await browser.get('/api2/v2/users/me');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(DENIED);
  });

  it('revokes the session when it is used with another user agent', async () => {
    const browser = await minted();
    const original = browser.userAgent;
    browser.userAgent = 'Mozilla/5.0 (Macintosh) Safari/605.1.15';
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
    browser.userAgent = original;
    const after = await browser.get('/api2/v2/users/me');
    expect(after.status).toBe(401);
    expect(after.body).toEqual(DENIED);
  });

  it('revokes the session when it is used with another x-bc', async () => {
    const browser = await minted();
    const original = browser.xBc;
    browser.xBc = newXBc();
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
    browser.xBc = original;
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
  });

  it('denies (and revokes) a logged-in request whose x-bc is not 40 hex', async () => {
    const browser = await minted();
    const original = browser.xBc;
    browser.xBc = 'not-hex';
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
    browser.xBc = original;
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
  });

  it('denies a mismatching fp cookie without killing the session', async () => {
    const browser = await minted();
    const fp = browser.cookies.get('fp')!;
    browser.cookies.set('fp', newXBc());
    expect((await browser.get('/api2/v2/users/me')).body).toEqual(DENIED);
    browser.cookies.set('fp', fp);
    expect((await browser.get('/api2/v2/users/me')).status).toBe(200);
  });

  it('denies anonymous callers on account endpoints', async () => {
    const browser = new SignedBrowser(sandbox.url, clock.now);
    const reply = await browser.get('/api2/v2/chats?limit=10');
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual(DENIED);
  });

  it('accepts the previous revision for 10 minutes after a rotation, then refuses it', async () => {
    const browser = await minted();
    const old = await browser.loadRules();
    const rotated = (await control(sandbox.url, 'POST', '/_sandbox/rules/rotate')).body;
    expect(rotated.revision).not.toBe(old.revision);
    expect(sandbox.currentRules().revision).toBe(rotated.revision);
    const current = parseDynamicRules(rotated);
    expect((await browser.get('/api2/v2/users/me', { rules: old })).status).toBe(200);
    expect((await browser.get('/api2/v2/users/me', { rules: current })).status).toBe(200);
    clock.advance(10 * 60_000 + 1);
    const stale = await browser.get('/api2/v2/users/me', { rules: old });
    expect(stale.status).toBe(400);
    expect(stale.body).toEqual(REFRESH);
    expect((await browser.get('/api2/v2/users/me', { rules: current })).status).toBe(200);
    expect((await browser.get('/dynamic-rules.json')).body.revision).toBe(rotated.revision);
  });

  it('sends x-of-rev with the current revision on every response, errors and control routes included', async () => {
    const browser = await minted();
    const rev = sandbox.currentRules().revision;
    for (const reply of [
      await browser.get('/api2/v2/users/me'),
      await browser.get('/api2/v2/users/me', { headers: { sign: 'x' } }),
      await browser.get('/api2/v2/no/such/path'),
      await browser.get('/dynamic-rules.json'),
      await control(sandbox.url, 'GET', '/_sandbox/accounts'),
    ]) {
      expect(reply.headers['x-of-rev']).toBe(rev);
    }
  });

  it('answers unknown paths with a 404 error envelope', async () => {
    const browser = await minted();
    const reply = await browser.get('/api2/v2/no/such/path');
    expect(reply.status).toBe(404);
    expect(reply.body.error).toMatchObject({ code: 0, message: 'Not found' });
  });
});

describe('request verification edge cases', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ now: clock.now });
  });
  afterAll(() => sandbox.close());

  it('an empty JSON body is read as {} (clients send DELETE/POST with a content-type and no body)', async () => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'json@creator.sandbox.com' })).body;
    const browser = SignedBrowser.fromSession(sandbox.url, clock.now, session);
    const reply = await browser.send('PATCH', '/api2/v2/users/me', { headers: { 'content-type': 'application/json' } });
    expect(reply.body).toEqual({ success: true });
  });

  it('a malformed JSON body gets the error envelope and x-of-rev', async () => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'json@creator.sandbox.com' })).body;
    const browser = SignedBrowser.fromSession(sandbox.url, clock.now, session);
    const { request } = await import('undici');
    await browser.loadRules();
    const { signUpstreamRequest } = await import('../../src/upstream/signing.ts');
    const time = clock.now();
    const signed = signUpstreamRequest(browser.rules, { path: '/api2/v2/posts', time, userId: session.userId });
    const bad = await request(`${sandbox.url}/api2/v2/posts`, {
      method: 'POST',
      headers: { 'app-token': browser.rules.app_token, sign: signed.sign, time: String(time), 'x-bc': session.xBc, 'user-agent': session.userAgent, cookie: session.cookie, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['x-of-rev']).toBe(sandbox.currentRules().revision);
    expect(await bad.body.json()).toEqual({ error: { code: 0, message: 'Invalid JSON body' } });
  });

  it('an anonymous login signed with a non-zero user id is refused', async () => {
    const browser = new SignedBrowser(sandbox.url, clock.now);
    await browser.get('/api2/v2/init');
    const reply = await browser.post('/api2/v2/users/login', { email: 'a@creator.sandbox.com', password: 'good-password', 'turnstile-invisible-response': 'x' }, { signUserId: 123456 });
    expect(reply.body).toEqual(REFRESH);
  });

  it('an anonymous request without a 40-hex x-bc is denied', async () => {
    const browser = new SignedBrowser(sandbox.url, clock.now, undefined, 'XYZ');
    expect((await browser.get('/api2/v2/init')).body).toEqual(DENIED);
  });

  it('the request log names the user a refused request claimed to be', async () => {
    const session = (await control(sandbox.url, 'POST', '/_sandbox/sessions', { email: 'claim@creator.sandbox.com' })).body;
    const browser = SignedBrowser.fromSession(sandbox.url, clock.now, session);
    await browser.loadRules();
    const since = (await control(sandbox.url, 'GET', '/_sandbox/requests')).body.lastSeq;
    await browser.get('/api2/v2/users/me', { headers: { sign: 'bad' } });
    const [entry] = (await control(sandbox.url, 'GET', `/_sandbox/requests?since=${since}`)).body.list;
    expect(entry).toMatchObject({ userId: session.userId, status: 400 });
  });
});
