// Why a Link attempt failed, as stored on the session (error_code), and what the integrator sees for it: the redirect's
// error_code (OFAuth documents session_expired, invalid_credentials, account_locked, 2fa_failed; ofconnect adds two
// codes of its own, account_already_connected and account_mismatch) and a message for people.

export type LinkFailureReason =
  | 'invalid_credentials'
  | 'account_locked'
  | 'security_check'
  | 'captcha_required'
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
  | 'account_already_connected'
  | 'account_mismatch';

const REDIRECT_CODES: Record<LinkFailureReason, RedirectErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  account_locked: 'account_locked',
  // A Face ID check or a captcha the service cannot pass: the account cannot be linked this way right now.
  security_check: 'account_locked',
  captcha_required: 'session_expired',
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
  security_check: 'OnlyFans asked for a security check (Face ID) that cannot be completed here. Sign in on OnlyFans once, then try again.',
  captcha_required: 'OnlyFans asked for a security check (captcha) that could not be completed. Try again later.',
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
