// The login state machine (docs/onlyfans-web-api.md §7): anonymous bootstrap with a fresh x-bc, captcha, login,
// optional OTP with the same cookies and x-bc, then GET /users/me. Outcomes are typed so Link can map them.
import {
  classifyUpstreamReply,
  readUpstreamError,
  upstreamFailureToApiError,
  UpstreamLoginError,
  UPSTREAM_CODES,
  type UpstreamFailure,
  type UpstreamReply,
} from './errors.ts';
import type { UpstreamClient } from './client.ts';
import type { UpstreamProfile } from './profile.ts';
import { mergeSetCookies, type UpstreamSession } from './session.ts';
import { newBrowserToken } from './browser-token.ts';
import type { CaptchaProvider } from './captcha.ts';
import type { OtpState, PendingChallenge } from './pending-challenge.ts';

export type { OtpState, PendingChallenge } from './pending-challenge.ts';

export interface LoginCredentials {
  email: string;
  password: string;
  /** The UA the session will be bound to for life: the end user's browser's, ideally. */
  userAgent: string;
  proxyUrl?: string | null;
  captcha: CaptchaProvider;
  signal?: AbortSignal;
}

export type LoginDone = { kind: 'done'; session: UpstreamSession; profile: UpstreamProfile };
export type LoginResult = LoginDone | { kind: 'awaiting_2fa'; challenge: PendingChallenge; otpState: OtpState };

const WRONG_CREDENTIALS = /wrong (email|password|login)|incorrect|invalid (email|password|credentials)|user not found/i;
const LOCKED = /lock|block|suspend|ban(ned)?\b|disabled|deactivat|deleted/i;
const EXPIRED = /expire/i;
const TOO_MANY_ATTEMPTS = /too many attempts/i;

export async function startLogin(client: UpstreamClient, credentials: LoginCredentials): Promise<LoginResult> {
  const { userAgent, signal } = credentials;
  const proxyUrl = credentials.proxyUrl ?? null;
  const guest: UpstreamSession = { cookie: '', userAgent, xBc: newBrowserToken(userAgent) };

  // 1. Anonymous bootstrap: signed with user id 0; sets the guest cookies the login must carry.
  const bootstrap = await client.exchange(guest, { method: 'GET', path: '/users/me', proxyUrl, signal });
  throwIfFailed(bootstrap);
  guest.cookie = mergeSetCookies(guest.cookie, bootstrap.setCookies);

  // 2. Captcha, then the login itself; a 102 asks for the managed challenge once (docs/onlyfans-web-api.md §7.5).
  const context = { pageUrl: new URL('/', client.baseUrl).href, userAgent, proxyUrl, signal };
  const body: Record<string, string> = {
    email: credentials.email,
    encodedPassword: Buffer.from(credentials.password, 'utf8').toString('base64'),
    'turnstile-invisible-response': await credentials.captcha.solve('invisible', context),
  };
  let reply = await client.exchange(guest, { method: 'POST', path: '/users/login', body, proxyUrl, signal });
  guest.cookie = mergeSetCookies(guest.cookie, reply.setCookies);
  if (classifyUpstreamReply(reply)?.kind === 'captcha_required') {
    body['turnstile-managed-response'] = await credentials.captcha.solve('managed', context);
    reply = await client.exchange(guest, { method: 'POST', path: '/users/login', body, proxyUrl, signal });
    guest.cookie = mergeSetCookies(guest.cookie, reply.setCookies);
  }

  const failure = classifyUpstreamReply(reply);
  if (!failure) return finishLogin(client, guest, proxyUrl, signal);
  if (failure.kind === 'two_factor_required') {
    if (failure.otpState.forceFaceOtp === true) {
      throw new UpstreamLoginError('security_check', 'The account only accepts Face ID verification, which cannot be automated', {
        upstreamCode: 101,
      });
    }
    const challenge: PendingChallenge = { ...guest, proxyUrl, otpState: failure.otpState, strong: failure.strong };
    return { kind: 'awaiting_2fa', challenge, otpState: failure.otpState };
  }
  throw loginFailureToError(failure, reply);
}

/** Checks the OTP with the challenge's cookies and x-bc (a new x-bc would invalidate it, docs/onlyfans-web-api.md §7.7). */
export async function submitOtp(
  client: UpstreamClient,
  challenge: PendingChallenge,
  code: string,
  options: { signal?: AbortSignal } = {},
): Promise<LoginDone> {
  const session: UpstreamSession = { cookie: challenge.cookie, userAgent: challenge.userAgent, xBc: challenge.xBc };
  const reply = await client.exchange(session, {
    method: 'POST',
    path: '/users/otp/check',
    body: { code: code.trim(), rememberMe: true },
    proxyUrl: challenge.proxyUrl,
    signal: options.signal,
  });
  session.cookie = mergeSetCookies(session.cookie, reply.setCookies);
  const failure = classifyUpstreamReply(reply);
  if (!failure) return finishLogin(client, session, challenge.proxyUrl, options.signal);
  throw otpFailureToError(failure, reply, { ...challenge, cookie: session.cookie });
}

/** Asks upstream to send a new code (GET /users/otp/code). Returns the challenge with any new cookies. */
export async function resendOtp(
  client: UpstreamClient,
  challenge: PendingChallenge,
  options: { signal?: AbortSignal } = {},
): Promise<PendingChallenge> {
  const session: UpstreamSession = { cookie: challenge.cookie, userAgent: challenge.userAgent, xBc: challenge.xBc };
  const reply = await client.exchange(session, { method: 'GET', path: '/users/otp/code', proxyUrl: challenge.proxyUrl, signal: options.signal });
  const updated = { ...challenge, cookie: mergeSetCookies(session.cookie, reply.setCookies) };
  const failure = classifyUpstreamReply(reply);
  if (!failure) return updated;
  if (failure.kind === 'session_expired') throw challengeLost();
  throw upstreamFailureToApiError(failure, reply);
}

async function finishLogin(
  client: UpstreamClient,
  session: UpstreamSession,
  proxyUrl: string | null,
  signal: AbortSignal | undefined,
): Promise<LoginDone> {
  const profile = await client.validateSession(session, { proxyUrl, signal });
  return { kind: 'done', session, profile };
}

function loginFailureToError(failure: UpstreamFailure, reply: UpstreamReply): Error {
  switch (failure.kind) {
    case 'captcha_required':
      // Still 102 after the managed challenge: the solver's tokens do not pass (wrong site key, or an egress IP
      // upstream distrusts).
      return new UpstreamLoginError('captcha_failed', 'OnlyFans rejected the captcha tokens the solver returned', { upstreamCode: 102 });
    case 'security_check':
      return new UpstreamLoginError('security_check', 'OnlyFans requires a security check (Face ID) that cannot be automated', {
        upstreamCode: 105,
      });
    case 'rejected':
      if (failure.code === UPSTREAM_CODES.accountLocked || LOCKED.test(failure.message)) {
        return new UpstreamLoginError('account_locked', failure.message, { upstreamCode: failure.code });
      }
      // Any other 400 to a login is about what the user typed; Link shows it as wrong credentials.
      if (WRONG_CREDENTIALS.test(failure.message) || reply.status === 400) {
        return new UpstreamLoginError('invalid_credentials', failure.message || 'Wrong email or password', { upstreamCode: failure.code });
      }
      return upstreamFailureToApiError(failure, reply);
    default:
      return upstreamFailureToApiError(failure, reply);
  }
}

function otpFailureToError(failure: UpstreamFailure, reply: UpstreamReply, challenge: PendingChallenge): Error {
  if (failure.kind === 'session_expired' || reply.status === 401 || reply.status === 403) return challengeLost();
  if (failure.kind !== 'two_factor_required' && failure.kind !== 'rejected') return upstreamFailureToApiError(failure, reply);
  // A wrong code comes back as another 101 (or a 400); an expired one says so in its message (docs/onlyfans-web-api.md §7.7).
  const envelope = readUpstreamError(reply.body);
  const message = envelope?.message || 'Wrong verification code';
  const isExhausted = TOO_MANY_ATTEMPTS.test(message);
  const attemptsLeft = isExhausted ? 0 : readAttemptsLeft(envelope?.payload);
  return new UpstreamLoginError(EXPIRED.test(message) ? 'otp_expired' : 'otp_invalid', message, {
    upstreamCode: envelope?.code ?? null,
    challenge,
    ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
  });
}

function challengeLost(): UpstreamLoginError {
  return new UpstreamLoginError('challenge_lost', 'The verification step expired; start the login again');
}

/** Attempts left, under whichever name a build uses (not documented; read defensively). */
function readAttemptsLeft(payload: Record<string, unknown> | undefined): number | undefined {
  if (!payload) return undefined;
  const otpState = typeof payload.otpState === 'object' && payload.otpState !== null ? (payload.otpState as Record<string, unknown>) : {};
  for (const value of [payload.attemptsLeft, payload.checkAttemptsLeft, otpState.checkAttemptsLeft, otpState.attemptsLeft]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  return undefined;
}

function throwIfFailed(reply: UpstreamReply): void {
  const failure = classifyUpstreamReply(reply);
  if (failure) throw upstreamFailureToApiError(failure, reply);
}
