// Why a Link attempt failed, as stored on the session (error_code), and what the integrator sees for it: the redirect's
// error_code and a message for people. OFAuth documents session_expired, invalid_credentials, account_locked and
// 2fa_failed (docs/ofauth-wire-contract.md §6.3); ofconnect adds codes of its own where those would send the reader
// the wrong way: account_already_connected, account_mismatch, captcha_required (the operator has no captcha solver
// configured), captcha_failed (the solver could not help this time) and security_check_required (the owner must pass
// a Face ID check on OnlyFans itself).

import type { Logger } from '../platform/logger.ts';
import type { LinkSessionRow } from './store.ts';

export type LinkFailureReason =
  | 'invalid_credentials'
  | 'account_locked'
  | 'security_check'
  | 'captcha_required'
  | 'captcha_failed'
  | 'otp_invalid'
  | 'otp_expired'
  | 'challenge_lost'
  | 'account_already_connected'
  | 'account_mismatch'
  | 'connection_not_found';

export type RedirectErrorCode =
  | 'session_expired'
  | 'invalid_credentials'
  | 'account_locked'
  | '2fa_failed'
  | 'captcha_required'
  | 'captcha_failed'
  | 'security_check_required'
  | 'account_already_connected'
  | 'account_mismatch';

const REDIRECT_CODES: Record<LinkFailureReason, RedirectErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  account_locked: 'account_locked',
  security_check: 'security_check_required',
  captcha_required: 'captcha_required',
  captcha_failed: 'captcha_failed',
  otp_invalid: '2fa_failed',
  otp_expired: '2fa_failed',
  challenge_lost: 'session_expired',
  account_already_connected: 'account_already_connected',
  account_mismatch: 'account_mismatch',
  connection_not_found: 'session_expired',
};

const MESSAGES: Record<LinkFailureReason, string> = {
  invalid_credentials: 'Wrong email or password.',
  account_locked: 'OnlyFans has locked this account. Unlock it on OnlyFans, then try again.',
  security_check:
    'OnlyFans wants to confirm it is you with a security check (Face ID), which only works on OnlyFans itself. Sign in at onlyfans.com or in the OnlyFans app, complete the check there, then start again here.',
  // Read by end users and by the operator who gets their report: the second sentence is the fix.
  captcha_required:
    'OnlyFans asks for a captcha at sign-in and this server has no captcha solver set up, so accounts cannot be connected here yet. The operator must configure one (OFCONNECT_CAPTCHA_PROVIDER, OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY).',
  captcha_failed: 'OnlyFans asked for a captcha and it could not be solved this time. Wait a minute, then start again.',
  otp_invalid: 'That verification code is not right.',
  otp_expired: 'That verification code has expired. Start again to get a new one.',
  challenge_lost: 'The verification step timed out. Start again.',
  account_already_connected: 'This OnlyFans account is already connected. Reconnect the existing connection instead.',
  account_mismatch: 'You signed in to a different OnlyFans account than the one being reconnected.',
  connection_not_found: 'The connection being reconnected no longer exists.',
};

export function isLinkFailureReason(value: string | null | undefined): value is LinkFailureReason {
  return typeof value === 'string' && value in REDIRECT_CODES;
}

export function redirectErrorCodeOf(reason: string | null | undefined): RedirectErrorCode {
  return isLinkFailureReason(reason) ? REDIRECT_CODES[reason] : 'session_expired';
}

export function failureMessageOf(reason: string | null | undefined): string {
  return isLinkFailureReason(reason) ? MESSAGES[reason] : 'The sign-in could not be completed.';
}

/** Statuses a failed attempt leaves a Link session in for good (the others let the user try again). */
const ENDED_STATUSES = new Set(['failed', 'denied']);

/**
 * A failed Link attempt at info, after it is recorded: the session, its org (and the connection it reconnects), the
 * code the integrator's redirect carries and our reason. A session that ended says so; a wrong password or code
 * that may be retried is logged as an attempt. Never the email, password, code or client secret.
 */
export function logLinkFailure(logger: Logger, session: LinkSessionRow): void {
  const hasEnded = ENDED_STATUSES.has(session.status);
  const code = redirectErrorCodeOf(session.errorCode);
  logger.info(
    {
      linkSessionId: session.id,
      orgId: session.orgId,
      ...(session.connectionId ? { connectionId: session.connectionId } : {}),
      clientAppId: session.clientAppId,
      environment: session.environment,
      status: session.status,
      code,
      reason: session.errorCode,
      failedAttempts: session.failedAttempts,
    },
    hasEnded ? `Link session failed: ${code}` : `Link login attempt failed: ${code} (the user may try again)`,
  );
}
