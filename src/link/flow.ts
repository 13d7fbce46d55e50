// The Link state machine, shared by the hosted pages and the whitelabel API:
//
//   initialized ─login→ pending ─┬→ completed
//        ▲                       ├→ awaiting_2fa ─code→ pending ─→ completed | awaiting_2fa | failed | denied
//        └── invalid_credentials ┤
//                                ├→ failed (locked, security check, duplicate, mismatch)
//                                └→ denied (5 failed attempts in this Link session)
//   any open state ─cancel→ cancelled;  an open state past expires_at reads as expired.
//
// `pending` is a claim: a conditional update lets exactly one request talk to upstream for a session at a time.
// The password goes to upstream and is dropped, unless the org opted in to re-login (then it is kept encrypted).
// Every ApiError thrown from here can reach an end user on a Link page, so each carries a plain-words userMessage;
// the developer message stays what the whitelabel API returns.
import { createHash } from 'node:crypto';
import { readOrgSettings } from '../account/settings.ts';
import { findClientApp, findOrg, type ClientAppRow } from '../account/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { rateLimitHeaders } from '../platform/rate-limits.ts';
import { CAPTCHA_SETUP_HINT, noCaptchaProvider, sandboxCaptchaProvider, type CaptchaProvider } from '../upstream/captcha.ts';
import { captchaProviderFromConfig } from '../upstream/captcha/from-config.ts';
import { UpstreamLoginError } from '../upstream/errors.ts';
import { resendOtp, startLogin, submitOtp, type LoginResult, type OtpState, type PendingChallenge } from '../upstream/login.ts';
import { hashClientSecret } from './client-secret.ts';
import { completeLinkLogin } from './complete.ts';
import { recordLinkEvent, recordLinkExit, recordLinkFailure, recordLinkRefusal } from './events/record.ts';
import { logLinkFailure, type LinkFailureReason } from './outcomes.ts';
import type { ReloginCredentials } from '../connections/linked-connections.ts';
import { findLinkSessionBySecretHash, transitionLinkSession, type LinkSessionRow } from './store.ts';

/** Failed password and code attempts a Link session allows before it is denied. */
export const MAX_FAILED_ATTEMPTS = 5;
const MAX_CODE_RESENDS = 3;
/** A `pending` claim older than this belongs to a request that died; the next one may take over. */
const STALE_CLAIM_MS = 2 * 60_000;
/** Per upstream account, across Link sessions: 5 attempts at once, then one a minute (real accounts get flagged). */
const ACCOUNT_ATTEMPTS = { perMinute: 1, burst: MAX_FAILED_ATTEMPTS };

/** A desktop browser UA for whitelabel logins that do not pass the end user's own. */
export const DEFAULT_LINK_USER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export const OPEN_STATUSES = ['initialized', 'invalid_credentials', 'awaiting_2fa', 'pending'] as const;
const LOGIN_FROM = ['initialized', 'invalid_credentials'] as const;

export interface LinkSessionWithApp {
  session: LinkSessionRow;
  app: ClientAppRow;
}

/** What the user is shown about the 2FA step (stored on the session; no secrets). */
export interface StoredTwoFactorState {
  options: Array<'phone' | 'app' | 'face' | 'forceFace'>;
  /**
   * OnlyFans emailed the code (otpState.email): it can be sent again like a text message. OFAuth's options have no
   * email factor (it is listed as 'app'), so this is kept beside them for the pages.
   */
  isCodeByEmail?: boolean;
  phoneLast4?: string;
  attemptsLeft: number;
  resendsLeft: number;
  resendsLimit: number;
}

/** Encrypted on the session between the login reply and the code. */
interface StoredChallenge {
  challenge: PendingChallenge;
  /** Only when the org keeps credentials for re-login: needed again when the code completes the login. */
  relogin?: ReloginCredentials;
}

export function isOpen(session: LinkSessionRow): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(session.status);
}

export function hasExpired(session: LinkSessionRow, now: Date): boolean {
  return isOpen(session) && now.getTime() >= session.expiresAt.getTime();
}

export async function findLinkSession(ctx: ServiceContext, clientSecret: string): Promise<LinkSessionWithApp | null> {
  const session = await findLinkSessionBySecretHash(ctx.database.db, hashClientSecret(clientSecret));
  if (!session) return null;
  const app = await findClientApp(ctx.database.db, { orgId: session.orgId, environment: session.environment }, session.clientAppId);
  if (!app) return null;
  return { session, app };
}

function expiredError(): ApiError {
  return new ApiError('RESOURCE_NOT_FOUND', 'This Link session has expired; create a new one with POST /v2/link/init', {
    details: { reason: 'link_session_expired' },
    userMessage: 'This sign-in link has expired. Ask the app for a new one.',
  });
}

function wrongStateError(session: LinkSessionRow, action: string): ApiError {
  return new ApiError('CONFLICT', `This Link session cannot ${action} while it is ${session.status}`, {
    details: { status: session.status },
    userMessage: 'This sign-in moved on in another window or tab. Reload the page to see where it stands.',
  });
}

/**
 * An upstream failure on its way to a Link page: upstream/ words it for developers, so the end user gets plain words
 * instead. The type, status, headers and developer message (what the whitelabel API returns) are kept.
 */
function forEndUser(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const userMessage =
    error.type === 'RATE_LIMIT_EXCEEDED'
      ? 'OnlyFans is receiving too many sign-ins right now. Wait a few minutes before trying again.'
      : 'OnlyFans could not be reached. Try again in a moment.';
  return new ApiError(error.type, error.message, {
    details: error.details,
    actionRequired: error.actionRequired,
    headers: error.headers,
    userMessage,
    cause: error,
  });
}

function assertUsable(ctx: ServiceContext, session: LinkSessionRow): Date {
  const now = ctx.clock.now();
  if (hasExpired(session, now)) throw expiredError();
  return now;
}

async function claim(ctx: ServiceContext, session: LinkSessionRow, from: readonly string[], action: string): Promise<LinkSessionRow> {
  const now = ctx.clock.now();
  const claimed = await transitionLinkSession(ctx.database.db, session.id, from, { status: 'pending', updatedAt: now }, new Date(now.getTime() - STALE_CLAIM_MS));
  if (!claimed) throw wrongStateError(session, action);
  return claimed;
}

async function release(ctx: ServiceContext, session: LinkSessionRow, status: string): Promise<void> {
  await transitionLinkSession(ctx.database.db, session.id, ['pending'], { status, updatedAt: ctx.clock.now() });
}

async function spendAccountAttempt(ctx: ServiceContext, session: LinkSessionRow, email: string): Promise<void> {
  const account = createHash('sha256').update(`${session.environment}:${email.trim().toLowerCase()}`).digest('hex');
  const decision = await ctx.rateLimiters.consume('link-login-account', ACCOUNT_ATTEMPTS, account);
  if (decision.allowed) return;
  await recordLinkEvent(ctx, session, { name: 'error', step: 'login', errorCode: 'rate_limited' });
  throw new ApiError('RATE_LIMIT_EXCEEDED', `Too many sign-in attempts for this account; try again in ${Math.max(1, decision.retryAfterSeconds)} s`, {
    headers: rateLimitHeaders(decision),
    details: { reason: 'account_attempts', retryAfter: Math.max(1, decision.retryAfterSeconds) },
    userMessage: 'Too many sign-in attempts for this account. Wait a few minutes before trying again.',
  });
}

function twoFactorOptions(otp: OtpState): StoredTwoFactorState['options'] {
  const options: StoredTwoFactorState['options'] = [];
  if (otp.phoneOtp) options.push('phone');
  if (otp.appOtp || otp.email) options.push('app');
  if (otp.faceOtp) options.push('face');
  if (otp.forceFaceOtp) options.push('forceFace');
  return options.length ? options : ['app'];
}

function challengeAad(session: LinkSessionRow): string {
  return `link-challenge:${session.id}`;
}

/** Credentials → upstream login. Wrong credentials count against the session; upstream outages do not. */
export async function submitCredentials(
  ctx: ServiceContext,
  linked: LinkSessionWithApp,
  input: { email: string; password: string; userAgent: string },
): Promise<LinkSessionRow> {
  const { app } = linked;
  assertUsable(ctx, linked.session);
  if (!(LOGIN_FROM as readonly string[]).includes(linked.session.status) && linked.session.status !== 'pending') {
    throw wrongStateError(linked.session, 'take credentials');
  }
  await spendAccountAttempt(ctx, linked.session, input.email);
  const session = await claim(ctx, linked.session, LOGIN_FROM, 'take credentials');
  await recordLinkEvent(ctx, session, { name: 'credentials_submitted' });
  const previousStatus = linked.session.status;

  let result: LoginResult;
  try {
    result = await startLogin(ctx.upstreams.forEnvironment(session.environment), {
      email: input.email.trim(),
      password: input.password,
      userAgent: input.userAgent,
      captcha: captchaProviderFor(ctx, session.environment),
    });
  } catch (error) {
    if (error instanceof UpstreamLoginError) {
      logLoginRefusal(ctx, session, error);
      return recordLoginFailure(ctx, session, error.reason);
    }
    await release(ctx, session, previousStatus);
    await recordLinkRefusal(ctx, session, 'login', error);
    throw forEndUser(error);
  }

  const relogin = { email: input.email.trim(), password: input.password };
  if (result.kind === 'done') return completeLinkLogin(ctx, session, app, result, relogin);

  const stored: StoredChallenge = { challenge: result.challenge };
  // Kept only for orgs that store credentials anyway; otherwise the password is gone when this function returns.
  if (await orgKeepsCredentials(ctx, session)) stored.relogin = relogin;
  const twoFactorState: StoredTwoFactorState = {
    options: twoFactorOptions(result.otpState),
    ...(result.otpState.email === true && !result.otpState.phoneOtp ? { isCodeByEmail: true } : {}),
    ...(typeof result.otpState.phoneLast4 === 'string' ? { phoneLast4: result.otpState.phoneLast4 } : {}),
    attemptsLeft: MAX_FAILED_ATTEMPTS - session.failedAttempts,
    resendsLeft: MAX_CODE_RESENDS,
    resendsLimit: MAX_CODE_RESENDS,
  };
  const waiting = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
    status: 'awaiting_2fa',
    challengeBlob: ctx.vault.encryptJson(stored, challengeAad(session)).blob,
    twoFactorState: twoFactorState as unknown as Record<string, unknown>,
    errorCode: null,
    updatedAt: ctx.clock.now(),
  });
  if (!waiting) throw wrongStateError(session, 'wait for a code');
  await recordLinkEvent(ctx, waiting, { name: '2fa_requested' });
  return waiting;
}

const liveCaptchaProviders = new WeakMap<ServiceContext['config'], CaptchaProvider>();

/** Sandbox logins carry the simulator's test token; live ones go to the configured solving service, if any. */
function captchaProviderFor(ctx: ServiceContext, environment: LinkSessionRow['environment']): CaptchaProvider {
  if (environment === 'sandbox') return sandboxCaptchaProvider;
  let provider = liveCaptchaProviders.get(ctx.config);
  if (!provider) {
    provider = captchaProviderFromConfig(ctx.config, ctx.logger) ?? noCaptchaProvider;
    liveCaptchaProviders.set(ctx.config, provider);
  }
  return provider;
}

/** What the operator must act on is logged at warn: no solver configured, a solver failing, a Face ID wall. */
function logLoginRefusal(ctx: ServiceContext, session: LinkSessionRow, error: UpstreamLoginError): void {
  const fields = { linkSessionId: session.id, orgId: session.orgId, environment: session.environment, reason: error.reason };
  if (error.reason === 'captcha_required') {
    ctx.logger.warn(fields, `Link login needs a captcha and no captcha solver is configured: ${CAPTCHA_SETUP_HINT}`);
  } else if (error.reason === 'captcha_failed') {
    ctx.logger.warn(fields, `Link login failed at the captcha: ${error.message}`);
  } else if (error.reason === 'security_check') {
    ctx.logger.info(fields, 'Link login stopped at an OnlyFans security check (Face ID) the account owner must pass on OnlyFans');
  }
}

async function orgKeepsCredentials(ctx: ServiceContext, session: LinkSessionRow): Promise<boolean> {
  const org = await findOrg(ctx.database.db, session.orgId);
  return readOrgSettings(org?.settings).storeCredentialsForRelogin;
}

async function recordLoginFailure(ctx: ServiceContext, session: LinkSessionRow, reason: LinkFailureReason): Promise<LinkSessionRow> {
  const now = ctx.clock.now();
  const isRetryable = reason === 'invalid_credentials';
  const failedAttempts = session.failedAttempts + (isRetryable ? 1 : 0);
  const status = !isRetryable ? 'failed' : failedAttempts >= MAX_FAILED_ATTEMPTS ? 'denied' : 'invalid_credentials';
  const row = await transitionLinkSession(ctx.database.db, session.id, ['pending'], { status, errorCode: reason, failedAttempts, updatedAt: now });
  if (row) logLinkFailure(ctx.logger, row);
  if (row) await recordLinkFailure(ctx, row, 'login');
  return row ?? session;
}

/** The 2FA code → upstream. A wrong code keeps the challenge (upstream may renew its cookies) and counts as a failure. */
export async function submitTwoFactorCode(ctx: ServiceContext, linked: LinkSessionWithApp, code: string): Promise<LinkSessionRow> {
  assertUsable(ctx, linked.session);
  const session = await claim(ctx, linked.session, ['awaiting_2fa'], 'take a verification code');
  if (!session.challengeBlob) {
    await release(ctx, session, 'awaiting_2fa');
    throw wrongStateError(session, 'take a verification code');
  }
  await recordLinkEvent(ctx, session, { name: '2fa_submitted' });
  const stored = ctx.vault.decryptJson<StoredChallenge>(session.challengeBlob, challengeAad(session));
  try {
    const done = await submitOtp(ctx.upstreams.forEnvironment(session.environment), stored.challenge, code);
    return await completeLinkLogin(ctx, session, linked.app, done, stored.relogin ?? null);
  } catch (error) {
    if (!(error instanceof UpstreamLoginError)) {
      await release(ctx, session, 'awaiting_2fa');
      await recordLinkRefusal(ctx, session, '2fa', error);
      throw forEndUser(error);
    }
    return recordCodeFailure(ctx, session, stored, error);
  }
}

async function recordCodeFailure(ctx: ServiceContext, session: LinkSessionRow, stored: StoredChallenge, error: UpstreamLoginError): Promise<LinkSessionRow> {
  const now = ctx.clock.now();
  const failedAttempts = session.failedAttempts + 1;
  const state = (session.twoFactorState ?? {}) as unknown as StoredTwoFactorState;
  const upstreamLeft = error.attemptsLeft ?? Number.POSITIVE_INFINITY;
  const attemptsLeft = Math.max(0, Math.min(MAX_FAILED_ATTEMPTS - failedAttempts, upstreamLeft));
  const isRetryable = error.reason === 'otp_invalid' && attemptsLeft > 0;
  const reason: LinkFailureReason = error.reason;
  if (!isRetryable) {
    const status = failedAttempts >= MAX_FAILED_ATTEMPTS && error.reason === 'otp_invalid' ? 'denied' : 'failed';
    const row = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
      status,
      errorCode: reason,
      failedAttempts,
      challengeBlob: null,
      updatedAt: now,
    });
    if (row) logLinkFailure(ctx.logger, row);
    if (row) await recordLinkFailure(ctx, row, '2fa');
    return row ?? session;
  }
  const next: StoredChallenge = { ...stored, challenge: error.challenge ?? stored.challenge };
  const row = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
    status: 'awaiting_2fa',
    errorCode: reason,
    failedAttempts,
    challengeBlob: ctx.vault.encryptJson(next, challengeAad(session)).blob,
    twoFactorState: { ...state, attemptsLeft } as unknown as Record<string, unknown>,
    updatedAt: now,
  });
  if (row) logLinkFailure(ctx.logger, row);
  if (row) await recordLinkFailure(ctx, row, '2fa');
  return row ?? session;
}

/** Asks upstream for a new code (limited per Link session). */
export async function resendTwoFactorCode(ctx: ServiceContext, linked: LinkSessionWithApp): Promise<LinkSessionRow> {
  assertUsable(ctx, linked.session);
  const state = (linked.session.twoFactorState ?? {}) as unknown as StoredTwoFactorState;
  if (linked.session.status === 'awaiting_2fa' && (state.resendsLeft ?? 0) <= 0) {
    throw new ApiError('RATE_LIMIT_EXCEEDED', 'No more new codes can be requested in this Link session', {
      details: { reason: 'resends_exhausted' },
      userMessage: 'No more new codes can be sent for this sign-in. Enter the last code you received, or start again.',
    });
  }
  const session = await claim(ctx, linked.session, ['awaiting_2fa'], 'send a new code');
  const stored = ctx.vault.decryptJson<StoredChallenge>(session.challengeBlob ?? '', challengeAad(session));
  let challenge: PendingChallenge;
  try {
    challenge = await resendOtp(ctx.upstreams.forEnvironment(session.environment), stored.challenge);
  } catch (error) {
    if (error instanceof UpstreamLoginError) return recordCodeFailure(ctx, session, stored, error);
    await release(ctx, session, 'awaiting_2fa');
    throw forEndUser(error);
  }
  const row = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
    status: 'awaiting_2fa',
    errorCode: null,
    challengeBlob: ctx.vault.encryptJson({ ...stored, challenge }, challengeAad(session)).blob,
    twoFactorState: { ...state, resendsLeft: Math.max(0, (state.resendsLeft ?? 1) - 1) } as unknown as Record<string, unknown>,
    updatedAt: ctx.clock.now(),
  });
  return row ?? session;
}

/** The user (or the integrator, via DELETE) ends the session. Completed or failed sessions stay as they are. */
export async function cancelLinkSession(ctx: ServiceContext, session: LinkSessionRow): Promise<LinkSessionRow | undefined> {
  const cancelled = await transitionLinkSession(ctx.database.db, session.id, ['initialized', 'invalid_credentials', 'awaiting_2fa'], {
    status: 'cancelled',
    challengeBlob: null,
    updatedAt: ctx.clock.now(),
  });
  if (cancelled) await recordLinkExit(ctx, session);
  return cancelled;
}
