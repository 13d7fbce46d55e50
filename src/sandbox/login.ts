// Login and 2FA (docs/onlyfans-web-api.md §7): guest cookies, POST /users/login, POST /users/otp/check and helpers.
// A pending 2FA challenge lives on the guest session and is bound to its x-bc and user agent; it is stored with
// the session, so the 2FA step may land on another node than the login.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SANDBOX_CAPTCHA_OK_TOKEN, SANDBOX_OTP_CODE, SANDBOX_PASSWORD, SANDBOX_PHONE_LAST4, accountFromEmail, type SandboxAccount } from './accounts.ts';
import { formatSetCookie } from './cookies.ts';
import { OnlyFansError, accessDenied, badRequest } from './onlyfans-error.ts';
import { identityOf, type SandboxState } from './sandbox-state.ts';
import type { GuestSession, OtpChallenge } from './sessions.ts';

const OTP_ATTEMPTS = 5;
const OTP_CHALLENGE_TTL_MS = 10 * 60_000;
const COOKIE_LIFETIME_MS = 365 * 86_400_000;

const captchaRequired = () => new OnlyFansError(400, 102, 'Please complete the captcha');
const wrongEmailOrPassword = () => new OnlyFansError(400, 0, 'Wrong email or password');
// Not documented publicly; the simulator's choice for a locked account (see accounts.ts).
const accountLocked = () => new OnlyFansError(400, 103, 'Your account has been locked. Please contact support.');
const securityCheck = () => new OnlyFansError(400, 105, 'Security check required. Please verify your identity.', { faceOtp: true, forceFaceOtp: true });

function otpRequired(account: SandboxAccount, message: string, attemptsLeft?: number): OnlyFansError {
  // A text-message account is marked by phoneOtp (with the phone's last digits), an emailed code by email, an
  // authenticator app by appOtp.
  const sentBy = account.scenario.otpSentBy;
  const byPhone = sentBy === 'phone';
  return new OnlyFansError(400, 101, message, {
    otpState: { email: sentBy === 'email', phoneOtp: byPhone, appOtp: sentBy === undefined, faceOtp: false, forceFaceOtp: false, phoneLast4: byPhone ? SANDBOX_PHONE_LAST4 : null },
    strong: false,
    ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
    email: account.email,
  });
}

/** The caller's guest session, creating one (and its cookies) when the request has none. */
export function guestFor(req: FastifyRequest, reply: FastifyReply, state: SandboxState): GuestSession {
  const identity = identityOf(req);
  if (identity.guest) return identity.guest;
  const guest = state.sessions.createGuest(identity.xBc, identity.userAgent);
  const expiresAt = state.now() + COOKIE_LIFETIME_MS;
  reply.header('set-cookie', [formatSetCookie('sess', guest.sess, { expiresAt }), formatSetCookie('csrf', guest.csrf, { expiresAt, httpOnly: false })]);
  return guest;
}

/** The guest session holding a pending challenge, or "Access denied." (a different x-bc drops the challenge). */
type ChallengedGuest = GuestSession & { challenge: OtpChallenge };

function pendingChallengeGuest(req: FastifyRequest, state: SandboxState): ChallengedGuest {
  const identity = identityOf(req);
  const guest = identity.guest;
  if (!guest) {
    const stale = state.sessions.find(identity.cookies.sess);
    if (stale?.kind === 'guest') void state.sessions.revoke(stale.sess);
    throw accessDenied();
  }
  if (!guest.challenge) throw accessDenied();
  if (state.now() > guest.challenge.expiresAt) {
    guest.challenge = undefined;
    state.sessions.save(guest);
    throw new OnlyFansError(400, 101, 'The verification code has expired. Please log in again.');
  }
  return guest as ChallengedGuest;
}

/** Needs the account loaded (state.world.load) first. */
function completeLogin(reply: FastifyReply, state: SandboxState, guest: GuestSession, account: SandboxAccount) {
  void state.sessions.revoke(guest.sess);
  const ttl = account.scenario.id === 'expiring' ? state.expiringSessionTtlMs : undefined;
  const session = state.sessions.createAuth(account, guest.xBc, guest.userAgent, ttl);
  const expiresAt = state.now() + COOKIE_LIFETIME_MS;
  const id = account.userId;
  reply.header('set-cookie', [
    formatSetCookie('sess', session.sess, { expiresAt }),
    formatSetCookie('auth_id', String(id), { expiresAt, httpOnly: false }),
    formatSetCookie(`auth_uid_${id}`, session.authUid, { expiresAt }),
    formatSetCookie('fp', session.fp, { expiresAt, httpOnly: false }),
  ]);
  state.world.dataFor(account);
  return { userId: id, id, success: true };
}

function decodedPassword(body: Record<string, unknown>): string | undefined {
  if (typeof body.encodedPassword === 'string') return Buffer.from(body.encodedPassword, 'base64').toString('utf8');
  return typeof body.password === 'string' ? body.password : undefined;
}

export function registerLoginRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post('/api2/v2/users/login', async (req, reply) => {
    const identity = identityOf(req);
    if (identity.session) throw badRequest('You are already logged in');
    const guest = identity.guest;
    // The login page always starts from guest cookies (GET /init or /users/me) made with this same x-bc.
    if (!guest) throw accessDenied();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email : '';
    const password = decodedPassword(body);
    if (!email || password === undefined) throw badRequest('Email and password are required');
    const captcha = body['turnstile-invisible-response'];
    if (typeof captcha !== 'string' || captcha === '') throw captchaRequired();

    const account = accountFromEmail(email);
    // The captcha scenario passes with the test token in either widget: the invisible one, or the managed challenge
    // a 102 asks for (docs/onlyfans-web-api.md §7.5).
    if (account?.scenario.id === 'captcha' && captcha !== SANDBOX_CAPTCHA_OK_TOKEN && body['turnstile-managed-response'] !== SANDBOX_CAPTCHA_OK_TOKEN) {
      throw captchaRequired();
    }
    if (!account || password !== SANDBOX_PASSWORD) throw wrongEmailOrPassword();
    if (account.scenario.id === 'locked') throw accountLocked();
    if (account.scenario.id === 'faceid') throw securityCheck();
    if (account.scenario.hasOtp) {
      guest.challenge = { account, attemptsLeft: OTP_ATTEMPTS, expiresAt: state.now() + OTP_CHALLENGE_TTL_MS };
      state.sessions.save(guest);
      throw otpRequired(account, 'Two-factor authentication is required');
    }
    await state.world.load(account);
    return completeLogin(reply, state, guest, account);
  });

  app.post('/api2/v2/users/otp/check', async (req, reply) => {
    const guest = pendingChallengeGuest(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const code = typeof body.code === 'string' || typeof body.code === 'number' ? String(body.code) : '';
    const { challenge } = guest;
    if (code === SANDBOX_OTP_CODE) {
      delete (guest as GuestSession).challenge;
      await state.world.load(challenge.account);
      return completeLogin(reply, state, guest, challenge.account);
    }
    challenge.attemptsLeft--;
    if (challenge.attemptsLeft <= 0) {
      delete (guest as GuestSession).challenge;
      state.sessions.save(guest);
      throw new OnlyFansError(400, 0, 'Too many attempts. Please log in again.');
    }
    state.sessions.save(guest);
    throw otpRequired(challenge.account, 'Wrong code. Please try again.', challenge.attemptsLeft);
  });

  app.get('/api2/v2/users/otp/code', async (req) => {
    pendingChallengeGuest(req, state);
    return { success: true };
  });

  app.put('/api2/v2/users/otp/alternative', async (req) => {
    pendingChallengeGuest(req, state);
    return { success: true };
  });
}
