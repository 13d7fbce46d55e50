import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CAPTCHA_OK_TOKEN, startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { SignedBrowser, newXBc, testClock } from './signed-browser.ts';

describe('login and 2FA against the simulator', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  const browser = () => new SignedBrowser(sandbox.url, clock.now);

  beforeAll(async () => {
    sandbox = await startSandbox({ now: clock.now, sessionTtlMinutesForExpiringScenario: 3 });
  });
  afterAll(() => sandbox.close());

  it('an anonymous /users/me signed with user 0 returns a guest and sets sess and csrf', async () => {
    const b = browser();
    const reply = await b.get('/api2/v2/users/me');
    expect(reply.status).toBe(200);
    expect(reply.body.isAuth).toBe(false);
    expect(b.cookies.get('sess')).toMatch(/^[a-z0-9]{26}$/);
    expect(b.cookies.get('csrf')).toBeTruthy();
  });

  it('an anonymous /init works and sets guest cookies', async () => {
    const b = browser();
    const reply = await b.get('/api2/v2/init');
    expect(reply.status).toBe(200);
    expect(reply.body.isAuth).toBe(false);
    expect(b.cookies.has('sess')).toBe(true);
  });

  it('a creator without 2FA logs in and gets sess, auth_id, auth_uid_<id> and fp = x-bc', async () => {
    const b = browser();
    const reply = await b.login('alice@creator.sandbox.com');
    expect(reply.status).toBe(200);
    const userId = reply.body.userId;
    expect(String(userId)).toMatch(/^\d{6,9}$/);
    expect(b.cookies.get('auth_id')).toBe(String(userId));
    expect(b.cookies.get(`auth_uid_${userId}`)).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(b.cookies.get('fp')).toBe(b.xBc);
    const me = await b.get('/api2/v2/users/me');
    expect(me.body).toMatchObject({ id: userId, isAuth: true, isPerformer: true, email: 'alice@creator.sandbox.com' });
  });

  it('the same email is the same user id across logins, and the login accepts a plain password field', async () => {
    const b = browser();
    await b.get('/api2/v2/init');
    const reply = await b.post('/api2/v2/users/login', { email: 'alice@creator.sandbox.com', password: 'good-password', 'turnstile-invisible-response': 'x' });
    const first = await browser().login('alice@creator.sandbox.com');
    expect(reply.body.userId).toBe(first.body.userId);
  });

  it('a fan logs in and is not a performer', async () => {
    const b = browser();
    expect((await b.login('bob@fan.sandbox.com')).status).toBe(200);
    expect((await b.get('/api2/v2/users/me')).body.isPerformer).toBe(false);
  });

  it('a missing captcha token is code 102', async () => {
    const b = browser();
    const reply = await b.login('alice@creator.sandbox.com', 'good-password', '');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(102);
  });

  it('a wrong password is 400 "Wrong email or password"', async () => {
    const reply = await browser().login('alice@creator.sandbox.com', 'bad');
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toBe('Wrong email or password');
  });

  it('an email outside the sandbox scenarios is "Wrong email or password"', async () => {
    const reply = await browser().login('someone@gmail.com');
    expect(reply.body.error.message).toBe('Wrong email or password');
  });

  it('the locked scenario answers code 103 "account has been locked"', async () => {
    const reply = await browser().login('x@locked.sandbox.com');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(103);
    expect(reply.body.error.message).toMatch(/locked/);
  });

  it('the captcha scenario answers 102 unless the token is the sandbox test token', async () => {
    expect((await browser().login('x@captcha.sandbox.com', 'good-password', 'any-token')).body.error.code).toBe(102);
    const ok = await browser().login('x@captcha.sandbox.com', 'good-password', SANDBOX_CAPTCHA_OK_TOKEN);
    expect(ok.status).toBe(200);
  });

  it('the faceid scenario answers code 105', async () => {
    const reply = await browser().login('x@faceid.sandbox.com');
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(105);
  });

  it('a login without guest cookies is denied', async () => {
    const b = browser();
    const reply = await b.post('/api2/v2/users/login', { email: 'a@creator.sandbox.com', password: 'good-password', 'turnstile-invisible-response': 'x' });
    expect(reply.status).toBe(401);
  });

  it('a login with an x-bc other than the guest session\'s is denied', async () => {
    const b = browser();
    await b.get('/api2/v2/init');
    b.xBc = newXBc();
    const reply = await b.post('/api2/v2/users/login', { email: 'a@creator.sandbox.com', password: 'good-password', 'turnstile-invisible-response': 'x' });
    expect(reply.status).toBe(401);
  });

  it('a 2FA creator gets 101 with otpState, then 123456 on /users/otp/check logs in', async () => {
    const b = browser();
    const first = await b.login('carol@creator-otp.sandbox.com');
    expect(first.status).toBe(400);
    expect(first.body.error.code).toBe(101);
    expect(first.body.error.payload.otpState).toEqual({ email: false, phoneOtp: false, appOtp: true, faceOtp: false, forceFaceOtp: false, phoneLast4: null });
    expect(typeof first.body.error.payload.strong).toBe('boolean');
    expect(b.cookies.has('auth_id')).toBe(false);
    expect((await b.get('/api2/v2/users/otp/code')).body).toEqual({ success: true });
    const ok = await b.post('/api2/v2/users/otp/check', { code: '123456', rememberMe: true });
    expect(ok.status).toBe(200);
    expect(b.cookies.get('auth_id')).toBe(String(ok.body.userId));
    expect(b.cookies.get('fp')).toBe(b.xBc);
    expect((await b.get('/api2/v2/users/me')).body).toMatchObject({ isAuth: true, isOtpEnabled: true });
  });

  it('a wrong OTP is 101 again with attempts left, and the right one still works after it', async () => {
    const b = browser();
    await b.login('dave@fan-otp.sandbox.com');
    const wrong = await b.post('/api2/v2/users/otp/check', { code: '000000' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe(101);
    expect(wrong.body.error.payload.attemptsLeft).toBe(4);
    expect((await b.post('/api2/v2/users/otp/check', { code: '123456' })).status).toBe(200);
  });

  it('an OTP check from a different x-bc finds no pending challenge (401), even with the original x-bc afterwards', async () => {
    const b = browser();
    await b.login('erin@creator-otp.sandbox.com');
    const original = b.xBc;
    b.xBc = newXBc();
    expect((await b.post('/api2/v2/users/otp/check', { code: '123456' })).status).toBe(401);
    b.xBc = original;
    expect((await b.post('/api2/v2/users/otp/check', { code: '123456' })).status).toBe(401);
  });

  it('the expiring scenario\'s session dies after N minutes of the injected clock', async () => {
    const b = browser();
    expect((await b.login('x@expiring.sandbox.com')).status).toBe(200);
    clock.advance(2 * 60_000);
    expect((await b.get('/api2/v2/users/me')).status).toBe(200);
    clock.advance(60_000);
    const expired = await b.get('/api2/v2/users/me');
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: { code: 401, message: 'Access denied.' } });
  });

  it('logout ends the session', async () => {
    const b = browser();
    await b.login('frank@creator.sandbox.com');
    const saved = b.cookieHeader();
    expect((await b.post('/api2/v2/users/logout')).status).toBe(200);
    const again = SignedBrowser.fromSession(sandbox.url, clock.now, { cookie: saved, userAgent: b.userAgent, xBc: b.xBc });
    expect((await again.get('/api2/v2/users/me')).status).toBe(401);
  });

  it('a session exported from a login keeps working when imported with cookie + UA only (x-bc = fp)', async () => {
    const b = browser();
    await b.login('gina@creator.sandbox.com');
    const imported = SignedBrowser.fromSession(sandbox.url, clock.now, { cookie: b.cookieHeader(), userAgent: b.userAgent });
    expect((await imported.get('/api2/v2/users/me')).status).toBe(200);
  });
});
