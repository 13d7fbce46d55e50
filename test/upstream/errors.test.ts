import { describe, expect, it } from 'vitest';
import {
  classifyUpstreamReply,
  parseRetryAfter,
  upstreamFailureToApiError,
  UpstreamLoginError,
  type UpstreamReply,
} from '../../src/upstream/errors.ts';

const reply = (status: number, body: unknown, headers: Record<string, string> = {}): UpstreamReply => ({
  status,
  body,
  headers: { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers },
  text: typeof body === 'string' ? body : JSON.stringify(body),
  setCookies: [],
});
const envelope = (code: number, message: string, payload?: unknown) => ({ error: { code, message, ...(payload ? { payload } : {}) } });
const toError = (r: UpstreamReply, now = Date.now()) => {
  const failure = classifyUpstreamReply(r, now);
  if (!failure) throw new Error('expected a failure');
  return upstreamFailureToApiError(failure, r);
};

describe('upstream error mapping', () => {
  it('treats 2xx and 3xx as success', () => {
    expect(classifyUpstreamReply(reply(200, {}))).toBeNull();
    expect(classifyUpstreamReply(reply(304, null))).toBeNull();
  });

  it('maps "Please refresh the page" to rules_outdated whether it comes as 400 or 401', () => {
    expect(classifyUpstreamReply(reply(400, envelope(401, 'Please refresh the page')))?.kind).toBe('rules_outdated');
    expect(classifyUpstreamReply(reply(401, envelope(401, 'Please refresh the page')))?.kind).toBe('rules_outdated');
    expect(toError(reply(400, envelope(401, 'Please refresh the page'))).type).toBe('RULES_OUTDATED');
  });

  it('maps "Access denied.", a bare 401 and 301 "Wrong user." to SESSION_EXPIRED with reconnect', () => {
    for (const r of [reply(401, envelope(401, 'Access denied.')), reply(403, envelope(0, 'Access denied.')), reply(401, 'nope'), reply(400, envelope(301, 'Wrong user.'))]) {
      const error = toError(r);
      expect(error.type).toBe('SESSION_EXPIRED');
      expect(error.actionRequired).toBe('reconnect');
    }
    expect(toError(reply(400, envelope(301, 'Wrong user.'))).details?.reason).toBe('wrong_user');
  });

  it('carries Retry-After seconds on a 429, clamped to 1–900', () => {
    const error = toError(reply(429, envelope(429, 'Too many requests'), { 'retry-after': '120' }));
    expect(error.type).toBe('RATE_LIMIT_EXCEEDED');
    expect(error.headers).toEqual({ 'Retry-After': '120' });
    expect(toError(reply(429, {}, { 'retry-after': '5000' })).headers).toEqual({ 'Retry-After': '900' });
    expect(toError(reply(429, {})).headers).toBeUndefined();
  });

  it('reads Retry-After as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:00 GMT', now)).toBe(1);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });

  it('classifies login codes 101 (with otpState), 102 and 105', () => {
    const otpState = { email: false, phoneOtp: false, appOtp: true, faceOtp: false, forceFaceOtp: false, phoneLast4: null };
    expect(classifyUpstreamReply(reply(400, envelope(101, 'otp', { otpState, strong: true })))).toEqual({
      kind: 'two_factor_required',
      otpState,
      strong: true,
    });
    expect(classifyUpstreamReply(reply(400, envelope(102, 'captcha')))?.kind).toBe('captcha_required');
    expect(classifyUpstreamReply(reply(400, envelope(105, 'security')))?.kind).toBe('security_check');
  });

  it('maps 5xx to UPSTREAM_ERROR and a Cloudflare HTML 403 to UPSTREAM_ERROR telling to change proxy', () => {
    expect(toError(reply(502, 'bad gateway')).type).toBe('UPSTREAM_ERROR');
    const blocked = toError(reply(403, '<html><div id="cf-error-details">Sorry, you have been blocked</div></html>', { 'cf-ray': 'abc-AMS' }));
    expect(blocked.type).toBe('UPSTREAM_ERROR');
    expect(blocked.message).toMatch(/Cloudflare.*proxy/);
    expect(blocked.details).toMatchObject({ reason: 'firewall_block', rayId: 'abc-AMS' });
  });

  it('maps other rejections by status, keeping the upstream message', () => {
    expect(toError(reply(400, envelope(0, 'Bad view param')))).toMatchObject({ type: 'BAD_REQUEST', message: 'Bad view param' });
    expect(toError(reply(404, envelope(0, 'User not found')))).toMatchObject({ type: 'RESOURCE_NOT_FOUND', message: 'User not found' });
    expect(toError(reply(403, envelope(0, 'Forbidden')))).toMatchObject({ type: 'FORBIDDEN' });
    expect(toError(reply(409, envelope(0, 'Conflict'))).type).toBe('UPSTREAM_ERROR');
  });

  it('gives each login failure the Link error code OFAuth documents', () => {
    expect(new UpstreamLoginError('invalid_credentials', 'x').linkErrorCode).toBe('invalid_credentials');
    expect(new UpstreamLoginError('account_locked', 'x').linkErrorCode).toBe('account_locked');
    expect(new UpstreamLoginError('otp_invalid', 'x').linkErrorCode).toBe('2fa_failed');
    expect(new UpstreamLoginError('otp_expired', 'x').linkErrorCode).toBe('2fa_failed');
    expect(new UpstreamLoginError('challenge_lost', 'x').linkErrorCode).toBe('session_expired');
  });
});
