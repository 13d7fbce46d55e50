// An OnlyFans web session as ofconnect stores it (cookie header, user agent, x-bc), and the cookie
// arithmetic around it: parsing imported cookie headers and folding Set-Cookie replies into a jar.
import { ApiError } from '../platform/errors.ts';

/** What one upstream session is: the browser's cookie header plus the UA and x-bc it is bound to (docs/onlyfans-web-api.md §4). */
export interface UpstreamSession {
  cookie: string;
  userAgent: string;
  xBc: string;
}

export interface ParsedSessionCookie {
  authId: string | null;
  sess: string | null;
  fp: string | null;
  /** Value of `auth_uid_<authId>` (2FA / remembered-device accounts), when present. */
  authUid?: string;
  /** Every other cookie, by name, in header order. */
  others: Record<string, string>;
}

/** The cookies an imported session cannot work without (docs/onlyfans-web-api.md §4: sess, auth_id and fp, plus the UA). */
export const REQUIRED_SESSION_COOKIES = ['auth_id', 'sess', 'fp'] as const;

/** Parses a `Cookie` header (as pasted from a browser; a leading "cookie:" is tolerated) into ordered pairs. */
export function parseCookieHeader(cookieHeader: string): Map<string, string> {
  const jar = new Map<string, string>();
  const text = cookieHeader.trim().replace(/^cookie:\s*/i, '');
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name) jar.set(name, value);
  }
  return jar;
}

/** Writes cookie pairs back as one `Cookie` header value, in the given order. */
export function serialiseCookie(cookies: Map<string, string> | Record<string, string>): string {
  const entries = cookies instanceof Map ? [...cookies.entries()] : Object.entries(cookies);
  return entries.map(([name, value]) => `${name}=${value}`).join('; ');
}

export function parseSessionCookie(cookieHeader: string): ParsedSessionCookie {
  const jar = parseCookieHeader(cookieHeader);
  const authId = nonEmpty(jar.get('auth_id'));
  const parsed: ParsedSessionCookie = {
    authId,
    sess: nonEmpty(jar.get('sess')),
    fp: nonEmpty(jar.get('fp')),
    others: {},
  };
  const authUidName = authId ? `auth_uid_${authId}` : null;
  for (const [name, value] of jar) {
    if (name === 'auth_id' || name === 'sess' || name === 'fp') continue;
    if (authUidName && name === authUidName) {
      if (value) parsed.authUid = value;
      continue;
    }
    parsed.others[name] = value;
  }
  return parsed;
}

/** Which of auth_id, sess and fp are absent or empty in a cookie header. */
export function missingSessionCookies(cookieHeader: string): string[] {
  const parsed = parseSessionCookie(cookieHeader);
  const present: Record<(typeof REQUIRED_SESSION_COOKIES)[number], string | null> = {
    auth_id: parsed.authId,
    sess: parsed.sess,
    fp: parsed.fp,
  };
  return REQUIRED_SESSION_COOKIES.filter((name) => !present[name]);
}

/** The user id a session signs with: its auth_id cookie, or "0" while anonymous (docs/onlyfans-web-api.md §2.1). */
export function sessionUserId(session: Pick<UpstreamSession, 'cookie'> | null): string {
  if (!session) return '0';
  const authId = parseCookieHeader(session.cookie).get('auth_id');
  return authId && /^\d+$/.test(authId) ? authId : '0';
}

/**
 * Builds the session for an imported cookie + user agent. OFAuth's import carries no x-bc, so the
 * session is sent with x-bc = fp: the simulator sets fp to the login's x-bc, and a browser's fp is the
 * closest value it has (docs/onlyfans-web-api.md §4, §11). Throws BAD_REQUEST naming what is missing.
 */
export function sessionFromImport(input: { cookie: string; userAgent: string }): UpstreamSession {
  const missing = missingSessionCookies(input.cookie ?? '');
  if (missing.length > 0) {
    throw new ApiError('BAD_REQUEST', `The cookie is missing ${missing.join(', ')}`, {
      details: { field: 'cookie', missing },
    });
  }
  const jar = parseCookieHeader(input.cookie);
  // auth_id goes into every sign and must be the numeric user id (docs/onlyfans-web-api.md §4).
  if (!/^\d+$/.test(jar.get('auth_id') as string)) {
    throw new ApiError('BAD_REQUEST', 'The cookie auth_id must be the numeric OnlyFans user id', {
      details: { field: 'cookie', invalid: ['auth_id'] },
    });
  }
  const userAgent = (input.userAgent ?? '').trim();
  if (!userAgent) {
    throw new ApiError('BAD_REQUEST', 'The user agent the session was created with is required', {
      details: { field: 'userAgent' },
    });
  }
  return { cookie: serialiseCookie(jar), userAgent, xBc: jar.get('fp') as string };
}

/**
 * Folds Set-Cookie headers into a cookie header, as a browser's jar would for one site: a new value
 * replaces the old one, an expiry in the past (Max-Age<=0, Expires before now) or a "deleted" value
 * removes it. Attributes (Path, Domain, HttpOnly…) are dropped: every cookie goes back to the same host.
 */
export function mergeSetCookies(cookieHeader: string, setCookies: string[], now: number = Date.now()): string {
  const jar = parseCookieHeader(cookieHeader);
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (!name) continue;
    if (isRemoval(value, attributes, now)) jar.delete(name);
    else jar.set(name, value);
  }
  return serialiseCookie(jar);
}

function isRemoval(value: string, attributes: string[], now: number): boolean {
  if (value === '' || value === 'deleted') return true;
  for (const attribute of attributes) {
    const eq = attribute.indexOf('=');
    const key = (eq < 0 ? attribute : attribute.slice(0, eq)).trim().toLowerCase();
    const attrValue = eq < 0 ? '' : attribute.slice(eq + 1).trim();
    if (key === 'max-age' && Number(attrValue) <= 0) return true;
    if (key === 'expires') {
      const at = Date.parse(attrValue);
      if (Number.isFinite(at) && at <= now) return true;
    }
  }
  return false;
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}
