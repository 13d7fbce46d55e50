// The raw proxy: `<method> /v2/access/proxy/<path after /api2/v2>?<query>` becomes the same call upstream, signed for
// the connection. The path and query are taken from the URL exactly as received (not decoded and re-encoded),
// because upstream verifies the sign over the path + query it receives; the body goes through as bytes with its
// content type. Upstream's status and body come back; of its headers only content description (type, caching)
// does: hop-by-hop headers, cookies and anything identifying upstream (server, cf-*, x-of-rev …) are dropped.
//
// A proxy call may carry a raw session instead of `x-connection-id` (OFAuth's newer docs): the four RAW_SESSION_HEADERS.
// Their names are ofconnect's (OFAuth's docs and SDKs, as far as we could read them, do not name them).
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError } from '../platform/errors.ts';
import type { UpstreamReply } from '../upstream/client.ts';
import { missingSessionCookies, parseSessionCookie, type UpstreamSession } from '../upstream/session.ts';
import type { UsableConnection } from './access-pipeline.ts';
import type { UpstreamSender } from './send-upstream.ts';

export const PROXY_PREFIX = '/v2/access/proxy';
/** The proxy's route template, as metrics and traces name it. */
export const PROXY_ROUTE = `${PROXY_PREFIX}/*`;

/** Upstream reply headers the caller may see; everything else stays on our side. */
const FORWARDED_REPLY_HEADERS = ['content-type', 'content-language', 'cache-control', 'etag', 'last-modified', 'expires'];

export interface ProxyCall {
  method: string;
  /** The request URL as received, e.g. /v2/access/proxy/users/me?x=1 */
  rawUrl: string;
  body?: Uint8Array;
  contentType?: string;
}

export interface ProxiedReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export async function forwardToUpstream(sender: UpstreamSender, connection: UsableConnection, call: ProxyCall): Promise<ProxiedReply> {
  const { path, query } = splitProxyUrl(call.rawUrl);
  const hasBody = call.body !== undefined && call.body.length > 0;
  const reply = await sender.sendRaw(
    connection,
    { method: call.method, path, query, ...(hasBody ? { body: call.body, contentType: call.contentType ?? 'application/json' } : {}) },
    PROXY_ROUTE,
  );
  return { status: reply.status, headers: forwardedHeadersOf(reply), body: reply.text };
}

/** `/v2/access/proxy/users/me?a=1` → path `/users/me`, query `a=1` (both as sent). */
export function splitProxyUrl(rawUrl: string): { path: string; query: string } {
  const queryAt = rawUrl.indexOf('?');
  const pathPart = (queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)).slice(PROXY_PREFIX.length);
  const query = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
  if (pathPart.length <= 1) {
    throw new ApiError('BAD_REQUEST', 'Give the OnlyFans path after /v2/access/proxy, e.g. /v2/access/proxy/users/me', { details: { field: 'path' } });
  }
  // The path is appended to /api2/v2 on the upstream origin: dot segments could climb out of the API.
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(pathPart) || pathPart.includes('\\')) {
    throw new ApiError('BAD_REQUEST', 'The proxied path may not contain . or .. segments', { details: { field: 'path' } });
  }
  return { path: pathPart, query };
}

function forwardedHeadersOf(reply: UpstreamReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REPLY_HEADERS) {
    const value = reply.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/** The request headers of a raw-session proxy call, with the longest value each may have. */
export const RAW_SESSION_HEADERS = {
  userId: { name: 'x-session-user-id', maxLength: 20 },
  cookie: { name: 'x-session-cookie', maxLength: 8192 },
  xBc: { name: 'x-session-xbc', maxLength: 256 },
  userAgent: { name: 'x-session-user-agent', maxLength: 512 },
} as const;

/** A session the caller sent with the call: used for it, never stored, never logged. */
export interface RawSession {
  /** The OnlyFans user id the session belongs to (its auth_id cookie). */
  userId: string;
  session: UpstreamSession;
}

/** Whether the call names a raw session (any of its headers), rather than a connection. */
export function hasRawSession(headers: IncomingHttpHeaders): boolean {
  return Object.values(RAW_SESSION_HEADERS).some(({ name }) => headers[name] !== undefined);
}

/**
 * The raw session of a proxy call, checked before anything goes upstream: each header present once, within its
 * length, without control characters (a CR/LF would split the upstream request's headers), the cookie holding
 * auth_id, sess and fp, and auth_id naming the user id sent (upstream signs as the cookie's user). A 400 names the
 * header; its value is never echoed.
 */
export function readRawSession(headers: IncomingHttpHeaders): RawSession {
  if (headers['x-connection-id'] !== undefined) {
    throw badHeader('x-connection-id', 'Send either x-connection-id or the x-session-* headers of a raw session, not both', 'ambiguous_session');
  }
  const userId = headerValue(headers, RAW_SESSION_HEADERS.userId);
  const cookie = headerValue(headers, RAW_SESSION_HEADERS.cookie);
  const xBc = headerValue(headers, RAW_SESSION_HEADERS.xBc);
  const userAgent = headerValue(headers, RAW_SESSION_HEADERS.userAgent);
  if (!/^[0-9]+$/.test(userId)) throw badHeader(RAW_SESSION_HEADERS.userId.name, 'x-session-user-id must be the numeric OnlyFans user id', 'invalid_format');
  const missing = missingSessionCookies(cookie);
  if (missing.length) {
    throw badHeader(RAW_SESSION_HEADERS.cookie.name, `x-session-cookie lacks the cookie(s) ${missing.join(', ')}`, 'cookies_missing', { missing });
  }
  if (parseSessionCookie(cookie).authId !== userId) {
    throw badHeader(RAW_SESSION_HEADERS.userId.name, 'x-session-user-id is not the auth_id of x-session-cookie', 'user_id_mismatch');
  }
  return { userId, session: { cookie, xBc, userAgent } };
}

function headerValue(headers: IncomingHttpHeaders, header: { name: string; maxLength: number }): string {
  const raw = headers[header.name];
  if (Array.isArray(raw)) throw badHeader(header.name, `Send ${header.name} once`, 'header_repeated');
  const value = raw?.trim();
  if (!value) throw badHeader(header.name, `A raw-session proxy call needs the ${header.name} header`, 'header_missing');
  if (value.length > header.maxLength) throw badHeader(header.name, `${header.name} is longer than ${header.maxLength} characters`, 'too_long');
  if (/[\u0000-\u001f\u007f]/.test(value)) throw badHeader(header.name, `${header.name} may not contain control characters (CR, LF …)`, 'control_characters');
  return value;
}

function badHeader(field: string, message: string, reason: string, extra: Record<string, unknown> = {}): ApiError {
  return new ApiError('BAD_REQUEST', message, { details: { field, reason, ...extra } });
}
