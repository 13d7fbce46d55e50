import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noCaptchaProvider, sandboxCaptchaProvider, type CaptchaProvider } from '../../src/upstream/captcha.ts';
import { UpstreamLoginError } from '../../src/upstream/errors.ts';
import { resendOtp, startLogin, submitOtp, type PendingChallenge } from '../../src/upstream/login.ts';
import { parseSessionCookie } from '../../src/upstream/session.ts';
import { rejectionOf, startUpstreamFixture, TEST_USER_AGENT, type UpstreamFixture } from './sandbox-fixture.ts';

let fx: UpstreamFixture;
beforeAll(async () => {
  fx = await startUpstreamFixture();
});
afterAll(() => fx.close());

const login = (email: string, captcha: CaptchaProvider = sandboxCaptchaProvider, password = 'good-password') =>
  startLogin(fx.client, { email, password, userAgent: TEST_USER_AGENT, captcha });

async function challengeFor(email: string): Promise<PendingChallenge> {
  const started = await login(email);
  if (started.kind !== 'awaiting_2fa') throw new Error(`expected 2FA for ${email}`);
  return started.challenge;
}

async function loginError(promise: Promise<unknown>): Promise<UpstreamLoginError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(UpstreamLoginError);
  return error;
}

describe('login against the simulator', () => {
  it('logs in to a creator without 2FA and returns a working session bound to its UA and x-bc', async () => {
    const result = await login('nina@creator.sandbox.com');
    if (result.kind !== 'done') throw new Error('expected done');
    expect(result.profile).toMatchObject({ isPerformer: true, username: expect.any(String) });
    expect(result.profile.id).toMatch(/^\d+$/);
    const cookie = parseSessionCookie(result.session.cookie);
    expect(cookie.authId).toBe(result.profile.id);
    expect(cookie.sess).toMatch(/^[a-z0-9]{26}$/);
    expect(cookie.fp).toBe(result.session.xBc);
    expect(result.session.userAgent).toBe(TEST_USER_AGENT);
    const again = await fx.client.validateSession(result.session);
    expect(again.id).toBe(result.profile.id);
  });

  it('logs in to a fan account as a non-performer', async () => {
    const result = await login('fred@fan.sandbox.com');
    // The login must finish: a result that stopped short is a failure, not a non-performer.
    if (result.kind !== 'done') throw new Error(`expected done, got ${result.kind}`);
    expect(result.profile.isPerformer).toBe(false);
    expect(result.profile.id).toMatch(/^\d+$/);
  });

  it('stops at 2FA with the otpState, then finishes with the right code', async () => {
    const started = await login('olga@creator-otp.sandbox.com');
    if (started.kind !== 'awaiting_2fa') throw new Error('expected 2FA');
    expect(started.otpState).toMatchObject({ appOtp: true });
    // The challenge survives serialisation (Link stores it between requests).
    const challenge = JSON.parse(JSON.stringify(started.challenge)) as PendingChallenge;
    const done = await submitOtp(fx.client, challenge, '123456');
    expect(done.profile.isPerformer).toBe(true);
    expect(parseSessionCookie(done.session.cookie).authId).toBe(done.profile.id);
    expect(done.session.xBc).toBe(challenge.xBc);
  });

  it('rejects a wrong code as otp_invalid with the attempts left, and the same challenge still accepts the right one', async () => {
    const challenge = await challengeFor('omar@fan-otp.sandbox.com');
    const error = await loginError(submitOtp(fx.client, challenge, '000000'));
    expect(error.reason).toBe('otp_invalid');
    expect(error.linkErrorCode).toBe('2fa_failed');
    expect(error.attemptsLeft).toBe(4);
    const done = await submitOtp(fx.client, error.challenge ?? challenge, '123456');
    expect(done.profile.isPerformer).toBe(false);
  });

  it('reports an expired code as otp_expired', async () => {
    const challenge = await challengeFor('old@creator-otp.sandbox.com');
    fx.advance(11 * 60_000);
    const error = await loginError(submitOtp(fx.client, challenge, '123456'));
    expect(error.reason).toBe('otp_expired');
  });

  it('loses the challenge when the code is sent from another browser token', async () => {
    const challenge = await challengeFor('lost@creator-otp.sandbox.com');
    const error = await loginError(submitOtp(fx.client, { ...challenge, xBc: 'f'.repeat(40) }, '123456'));
    expect(error.reason).toBe('challenge_lost');
    expect(error.linkErrorCode).toBe('session_expired');
  });

  it('resends a code for a pending challenge', async () => {
    const challenge = await challengeFor('resend@creator-otp.sandbox.com');
    const renewed = await resendOtp(fx.client, challenge);
    const done = await submitOtp(fx.client, renewed, '123456');
    expect(done.kind).toBe('done');
  });

  it('maps a wrong password to invalid_credentials', async () => {
    const error = await loginError(login('nina@creator.sandbox.com', sandboxCaptchaProvider, 'bad-password'));
    expect(error.reason).toBe('invalid_credentials');
    expect(error.linkErrorCode).toBe('invalid_credentials');
  });

  it('maps a locked account to account_locked', async () => {
    const error = await loginError(login('lou@locked.sandbox.com'));
    expect(error.reason).toBe('account_locked');
    expect(error.linkErrorCode).toBe('account_locked');
  });

  it('passes the captcha scenario with the simulator token', async () => {
    const result = await login('cat@captcha.sandbox.com');
    expect(result.kind).toBe('done');
  });

  it('fails the captcha scenario as captcha_failed when the solver returns a bad token, after trying the managed challenge once', async () => {
    const asked: string[] = [];
    const wrongSolver: CaptchaProvider = {
      solve: async (kind) => {
        asked.push(kind);
        return 'not-the-token';
      },
    };
    const error = await loginError(login('cat@captcha.sandbox.com', wrongSolver));
    expect(error.reason).toBe('captcha_failed');
    expect(asked).toEqual(['invisible', 'managed']);
  });

  it('fails as captcha_required when no solver is configured', async () => {
    const error = await loginError(login('nina@creator.sandbox.com', noCaptchaProvider));
    expect(error.reason).toBe('captcha_required');
  });

  it('maps a Face ID security check to security_check', async () => {
    const error = await loginError(login('face@faceid.sandbox.com'));
    expect(error.reason).toBe('security_check');
  });
});
