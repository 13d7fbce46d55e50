// What every /api2/v2 request must carry to be answered (docs/onlyfans-web-api.md §10, §11): app-token, a fresh
// millisecond time, a sign over the exact path+query as received, a consistent user id, and for logged-in
// requests cookies naming a live session used from the same x-bc and user agent it was created with.
// Constant work per request: at most four SHA-1s (two rule sets × two candidate user ids).
import type { IncomingHttpHeaders } from 'node:http';
import type { DynamicRules } from '../upstream/rules.ts';
import { signUpstreamRequest } from '../upstream/signing.ts';
import { parseCookieHeader } from './cookies.ts';
import { accessDenied, pleaseRefreshThePage, wrongUser } from './onlyfans-error.ts';
import type { AuthSession, GuestSession, SessionStore } from './sessions.ts';

export const ALLOWED_TIME_SKEW_MS = 5 * 60_000;
const X_BC = /^[0-9a-f]{40}$/;
const DIGITS = /^\d+$/;

export interface RequestIdentity {
  cookies: Record<string, string>;
  xBc: string;
  userAgent: string;
  /** The logged-in session the cookies name (absent for anonymous requests). */
  session?: AuthSession;
  /** The caller's guest session, when its cookie names one bound to this x-bc and user agent. */
  guest?: GuestSession;
}

export interface VerifyDeps {
  acceptedRules: () => DynamicRules[];
  now: () => number;
  sessions: SessionStore;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function verifyOnlyFansRequest(
  url: string,
  headers: IncomingHttpHeaders,
  deps: VerifyDeps,
  cookies: Record<string, string> = parseCookieHeader(headers.cookie),
): RequestIdentity {
  const accepted = deps.acceptedRules();
  if (header(headers, 'app-token') !== accepted[0].app_token) throw pleaseRefreshThePage();

  const time = header(headers, 'time');
  // Milliseconds only: a seconds value is ~56 years off and fails the skew check.
  if (!time || !DIGITS.test(time) || Math.abs(Number(time) - deps.now()) > ALLOWED_TIME_SKEW_MS) throw pleaseRefreshThePage();

  const authId = cookies.auth_id;
  const userIdHeader = header(headers, 'user-id');
  verifySign(url, time, header(headers, 'sign'), signUserIdCandidates(userIdHeader, authId), accepted);
  if (userIdHeader !== undefined && authId !== undefined && userIdHeader !== authId) throw wrongUser();

  const xBc = header(headers, 'x-bc') ?? '';
  const userAgent = header(headers, 'user-agent') ?? '';
  if (authId !== undefined) {
    return { cookies, xBc, userAgent, session: verifySession(cookies, authId, xBc, userAgent, deps.sessions) };
  }
  if (!X_BC.test(xBc) || !userAgent) throw accessDenied();
  const found = deps.sessions.find(cookies.sess);
  const guest = found?.kind === 'guest' && found.xBc === xBc && found.userAgent === userAgent ? found : undefined;
  return { cookies, xBc, userAgent, guest };
}

/** The user-id header if sent; otherwise 0 (how the browser signs /init) or the auth_id cookie (how scrapers sign). */
function signUserIdCandidates(userIdHeader: string | undefined, authId: string | undefined): string[] {
  if (userIdHeader !== undefined) return [userIdHeader];
  return authId !== undefined && authId !== '0' ? ['0', authId] : ['0'];
}

function verifySign(url: string, time: string, sign: string | undefined, userIds: string[], accepted: DynamicRules[]): void {
  if (!sign) throw pleaseRefreshThePage();
  const fields = sign.split(':');
  if (fields.length !== 4) throw pleaseRefreshThePage();
  for (const rules of accepted) {
    if (fields[0] !== rules.prefix || fields[3] !== rules.suffix) continue;
    for (const userId of userIds) {
      if (signUpstreamRequest(rules, { path: url, time, userId }).sign === sign) return;
    }
  }
  throw pleaseRefreshThePage();
}

function verifySession(
  cookies: Record<string, string>,
  authId: string,
  xBc: string,
  userAgent: string,
  sessions: SessionStore,
): AuthSession {
  const session = sessions.find(cookies.sess);
  if (!session || session.kind !== 'auth' || String(session.account.userId) !== authId) throw accessDenied();
  // The anti-abuse binding: a valid session used from another browser is killed, logging the owner out too.
  if (session.xBc !== xBc || session.userAgent !== userAgent) {
    void sessions.revoke(session.sess);
    throw accessDenied();
  }
  if (cookies.fp !== undefined && cookies.fp !== session.fp) throw accessDenied();
  const authUid = cookies[`auth_uid_${authId}`];
  if (authUid !== undefined && authUid !== session.authUid) throw accessDenied();
  return session;
}
