// The one place upstream replies become errors (docs/onlyfans-web-api.md §5): a reply is classified once, then
// either mapped to the public ApiError or, in the login flow, to an UpstreamLoginError.
import { ApiError } from '../platform/errors.ts';
import type { OtpState, PendingChallenge } from './pending-challenge.ts';

export type { OtpState } from './pending-challenge.ts';

/** One upstream reply, decoded. Set-Cookie is kept apart so it never leaks through `headers`. */
export interface UpstreamReply<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Decoded JSON (or the text when it is not JSON; null when empty). */
  body: T;
  /** The body exactly as received: a pass-through can send it on without re-serialising. */
  text: string;
  /** The web build revision upstream reported (`x-of-rev`), when it did. */
  revision?: string;
  setCookies: string[];
}

/** OnlyFans' error envelope `{"error":{"code","message","payload?"}}`. */
export interface UpstreamErrorEnvelope {
  code: number | null;
  message: string;
  payload?: Record<string, unknown>;
}

export type UpstreamFailure =
  | { kind: 'rules_outdated' }
  | { kind: 'session_expired'; reason: 'access_denied' | 'unauthorized' | 'wrong_user' }
  | { kind: 'two_factor_required'; otpState: OtpState; strong: boolean }
  | { kind: 'captcha_required' }
  | { kind: 'security_check' }
  | { kind: 'rate_limited'; retryAfterSeconds: number | null }
  | { kind: 'firewall_block'; rayId: string | null }
  | { kind: 'server_error' }
  | { kind: 'rejected'; code: number | null; message: string };

export const UPSTREAM_CODES = {
  twoFactorRequired: 101,
  captchaRequired: 102,
  /** Not in the public sources; the simulator's choice for a locked account, matched alongside the message. */
  accountLocked: 103,
  securityCheck: 105,
  wrongUser: 301,
} as const;

const RETRY_AFTER_MIN_S = 1;
const RETRY_AFTER_MAX_S = 900;

export function readUpstreamError(body: unknown): UpstreamErrorEnvelope | null {
  if (!isObject(body) || !isObject(body.error)) return null;
  const { code, message, payload } = body.error;
  const numericCode = typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : null;
  return {
    code: numericCode,
    message: typeof message === 'string' ? message : '',
    ...(isObject(payload) ? { payload } : {}),
  };
}

/** Retry-After as seconds (delta-seconds or an HTTP date), clamped to 1–900; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) seconds = Math.ceil(Number(trimmed));
  else {
    const at = Date.parse(trimmed);
    if (!Number.isFinite(at)) return null;
    seconds = Math.ceil((at - now) / 1000);
  }
  return Math.min(RETRY_AFTER_MAX_S, Math.max(RETRY_AFTER_MIN_S, seconds));
}

/** Classifies a reply; null means success (2xx/3xx). */
export function classifyUpstreamReply(reply: UpstreamReply, now: number = Date.now()): UpstreamFailure | null {
  if (reply.status < 400) return null;
  const envelope = readUpstreamError(reply.body);
  const message = envelope?.message.trim() ?? '';
  // "Please refresh the page" comes as 400 (2025) or 401 (2021–23) and must be told apart from a dead session.
  if (/please refresh the page/i.test(message)) return { kind: 'rules_outdated' };
  if (message === 'Access denied.' || /^access denied\.?$/i.test(message)) return { kind: 'session_expired', reason: 'access_denied' };
  if (envelope?.code === UPSTREAM_CODES.wrongUser) return { kind: 'session_expired', reason: 'wrong_user' };
  if (envelope?.code === UPSTREAM_CODES.twoFactorRequired) {
    const payload = envelope.payload ?? {};
    return {
      kind: 'two_factor_required',
      otpState: isObject(payload.otpState) ? (payload.otpState as OtpState) : {},
      strong: payload.strong === true,
    };
  }
  if (envelope?.code === UPSTREAM_CODES.captchaRequired) return { kind: 'captcha_required' };
  if (envelope?.code === UPSTREAM_CODES.securityCheck) return { kind: 'security_check' };
  if (reply.status === 429) return { kind: 'rate_limited', retryAfterSeconds: parseRetryAfter(reply.headers['retry-after'], now) };
  if (isFirewallPage(reply)) return { kind: 'firewall_block', rayId: reply.headers['cf-ray'] ?? null };
  if (reply.status === 401) return { kind: 'session_expired', reason: 'unauthorized' };
  if (reply.status >= 500) return { kind: 'server_error' };
  return { kind: 'rejected', code: envelope?.code ?? null, message: message || `HTTP ${reply.status}` };
}

/** Cloudflare answers blocks and challenges with HTML (403, sometimes 503), never with the JSON envelope. */
function isFirewallPage(reply: UpstreamReply): boolean {
  if (reply.headers['cf-mitigated']) return true;
  if (reply.status !== 403 && reply.status !== 503) return false;
  const isHtml = (reply.headers['content-type'] ?? '').includes('text/html');
  const text = typeof reply.body === 'string' ? reply.body : '';
  return isHtml && /cloudflare|cf-error-details|you have been blocked|attention required/i.test(text);
}

/**
 * The public error for a failure. Decisions (docs/onlyfans-web-api.md §5, §6):
 * - "Access denied." / 401 / 301 "Wrong user." → SESSION_EXPIRED + reconnect: resending cannot fix a session
 *   whose cookies, user id and x-bc do not belong together (details.reason says which).
 * - 101 / 105 outside the login flow → SESSION_EXPIRED + reconnect with reason verification_required: the
 *   account needs the owner (2FA, Face ID) and re-using the session cannot pass it.
 * - 102 outside login (not expected) → UPSTREAM_ERROR.
 */
export function upstreamFailureToApiError(failure: UpstreamFailure, reply: Pick<UpstreamReply, 'status'>): ApiError {
  const upstream = { upstreamStatus: reply.status };
  switch (failure.kind) {
    case 'rules_outdated':
      return new ApiError('RULES_OUTDATED', 'Dynamic rules are outdated; retry shortly', {
        details: { ...upstream, reason: 'rules_outdated' },
      });
    case 'session_expired':
      return new ApiError('SESSION_EXPIRED', 'Session has expired', {
        actionRequired: 'reconnect',
        details: { ...upstream, reason: failure.reason },
      });
    case 'two_factor_required':
    case 'security_check':
      return new ApiError('SESSION_EXPIRED', 'The account requires verification by its owner', {
        actionRequired: 'reconnect',
        details: { ...upstream, reason: 'verification_required', upstreamCode: failure.kind === 'security_check' ? 105 : 101 },
      });
    case 'captcha_required':
      return new ApiError('UPSTREAM_ERROR', 'OnlyFans asked for a captcha', { details: { ...upstream, reason: 'captcha_required' } });
    case 'rate_limited': {
      const seconds = failure.retryAfterSeconds;
      return new ApiError(
        'RATE_LIMIT_EXCEEDED',
        seconds === null ? 'OnlyFans rate limit reached' : `OnlyFans rate limit reached; retry after ${seconds} s`,
        {
          details: { ...upstream, reason: 'upstream_rate_limited', retryAfterSeconds: seconds },
          ...(seconds === null ? {} : { headers: { 'Retry-After': String(seconds) } }),
        },
      );
    }
    case 'firewall_block':
      return new ApiError(
        'UPSTREAM_ERROR',
        "OnlyFans' firewall (Cloudflare) blocked the request from this egress IP; use a different proxy for this connection",
        { details: { ...upstream, reason: 'firewall_block', rayId: failure.rayId } },
      );
    case 'server_error':
      return new ApiError('UPSTREAM_ERROR', `OnlyFans answered HTTP ${reply.status}`, { details: { ...upstream, reason: 'upstream_server_error' } });
    case 'rejected':
      return rejectionToApiError(failure, reply.status);
  }
}

function rejectionToApiError(failure: { code: number | null; message: string }, status: number): ApiError {
  const details = { upstreamStatus: status, upstreamCode: failure.code, upstreamMessage: failure.message };
  if (status === 400) return new ApiError('BAD_REQUEST', failure.message, { details });
  if (status === 403) return new ApiError('FORBIDDEN', failure.message, { details });
  if (status === 404) return new ApiError('RESOURCE_NOT_FOUND', failure.message, { details });
  return new ApiError('UPSTREAM_ERROR', `OnlyFans answered HTTP ${status}: ${failure.message}`, { details });
}

/** Failures a raw pass-through must still turn into our errors (the rest go back to the caller as sent). */
export function isFailureOwnedByUs(failure: UpstreamFailure): boolean {
  return failure.kind !== 'rejected';
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'OUTBOUND_DEADLINE_TIMEOUT']);

/**
 * Connection refused, reset, DNS, timeouts: upstream, or the connection's proxy in front of it, could not be
 * reached. The reply says which of the two was tried and nothing more: no network code, address or port, since a
 * customer chooses the proxy URL and the difference between "refused", "reset" and "timed out" would map what
 * listens where on the inside of our network. The log keeps the cause.
 */
export function networkErrorToApiError(error: unknown, via: { isProxied?: boolean; hasTimedOut?: boolean } = {}): ApiError {
  if (via.isProxied) {
    return new ApiError('UPSTREAM_UNAVAILABLE', "The connection's proxy could not be reached, or did not answer in time", {
      details: { reason: 'proxy_unreachable' },
      cause: error,
    });
  }
  const code = isObject(error) && typeof error.code === 'string' ? error.code : undefined;
  const isTimeout = via.hasTimedOut === true || (code !== undefined && TIMEOUT_CODES.has(code));
  return new ApiError('UPSTREAM_UNAVAILABLE', isTimeout ? 'OnlyFans did not answer in time' : 'OnlyFans could not be reached', {
    details: { reason: isTimeout ? 'timeout' : 'network_error' },
    cause: error,
  });
}

// ---- login outcomes -------------------------------------------------------------------------------

export type LoginFailureReason =
  | 'invalid_credentials'
  | 'account_locked'
  /** A captcha was needed and no solver is configured: the operator's to fix. */
  | 'captcha_required'
  /** The solver failed (its error, a timeout) or upstream refused the token it gave. */
  | 'captcha_failed'
  | 'security_check'
  | 'otp_invalid'
  | 'otp_expired'
  | 'challenge_lost';

/**
 * Link's redirect error codes: OFAuth documents session_expired, invalid_credentials, account_locked and 2fa_failed
 * (docs/ofauth-wire-contract.md §6.3); captcha_required, captcha_failed and security_check_required are ofconnect's,
 * for outcomes those four would misname (a captcha is not an expired session, a Face ID check not a locked account).
 */
export type LinkErrorCode =
  | 'invalid_credentials'
  | 'account_locked'
  | '2fa_failed'
  | 'session_expired'
  | 'captcha_required'
  | 'captcha_failed'
  | 'security_check_required';

const LINK_ERROR_CODES: Record<LoginFailureReason, LinkErrorCode> = {
  invalid_credentials: 'invalid_credentials',
  account_locked: 'account_locked',
  captcha_required: 'captcha_required',
  captcha_failed: 'captcha_failed',
  security_check: 'security_check_required',
  otp_invalid: '2fa_failed',
  otp_expired: '2fa_failed',
  challenge_lost: 'session_expired',
};

/** A login that upstream refused, with a reason the Link flow maps to OFAuth's error_code. */
export class UpstreamLoginError extends Error {
  readonly reason: LoginFailureReason;
  readonly linkErrorCode: LinkErrorCode;
  /** OTP attempts left, when upstream said. */
  readonly attemptsLeft?: number;
  readonly upstreamCode?: number | null;
  /** For otp_invalid / otp_expired: the challenge to retry with (upstream may have renewed its cookies). */
  readonly challenge?: PendingChallenge;

  constructor(
    reason: LoginFailureReason,
    message: string,
    extra: { attemptsLeft?: number; upstreamCode?: number | null; challenge?: PendingChallenge } = {},
  ) {
    super(message);
    this.name = 'UpstreamLoginError';
    this.reason = reason;
    this.linkErrorCode = LINK_ERROR_CODES[reason];
    if (extra.attemptsLeft !== undefined) this.attemptsLeft = extra.attemptsLeft;
    if (extra.upstreamCode !== undefined) this.upstreamCode = extra.upstreamCode;
    if (extra.challenge !== undefined) this.challenge = extra.challenge;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
