// Signing in to the dashboard over HTTP as the browser does (POST /dashboard/session with the key in the apikey
// header), and calling the service with the session cookie and CSRF token instead of a key.
import { call, type ApiReply } from '../support/service.ts';

export const COOKIE_NAME = 'ofconnect_dashboard';

export interface SignedIn {
  /** The Cookie header value to send back. */
  cookie: string;
  /** The sealed session alone. */
  sealed: string;
  csrfToken: string;
  setCookie: string;
  body: any;
}

export function setCookieOf(reply: ApiReply): string {
  const header = reply.headers['set-cookie'];
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new Error(`no Set-Cookie in the reply (${reply.status} ${JSON.stringify(reply.body)})`);
  return value;
}

export async function signIn(base: string, key: string, headers: Record<string, string> = {}): Promise<SignedIn> {
  const reply = await call(base, 'POST', '/dashboard/session', { key, body: {}, headers });
  if (reply.status !== 201) throw new Error(`sign-in failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  const setCookie = setCookieOf(reply);
  const pair = setCookie.split(';')[0];
  return { cookie: pair, sealed: pair.slice(COOKIE_NAME.length + 1), csrfToken: reply.body.csrfToken, setCookie, body: reply.body };
}

/** A call with the session cookie (and the CSRF token unless `csrf: null`), no API key. */
export function sessionCall<T = any>(
  base: string,
  session: Pick<SignedIn, 'cookie' | 'csrfToken'>,
  method: string,
  path: string,
  options: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { cookie: session.cookie, ...(options.headers ?? {}) };
  const csrf = options.csrf === undefined ? session.csrfToken : options.csrf;
  if (csrf !== null) headers['x-csrf-token'] = csrf;
  return call<T>(base, method, path, { body: options.body, headers });
}
