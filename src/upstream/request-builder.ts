// Turns one logical upstream call into the exact bytes to send: the path + query string (built once,
// signed as-is and sent as-is, since the sign covers the query exactly as on the wire,
// docs/onlyfans-web-api.md §2.1) and the browser's header set (docs/onlyfans-web-api.md §3).
import { signUpstreamRequest } from './signing.ts';
import type { DynamicRules } from './rules.ts';
import { sessionUserId, type UpstreamSession } from './session.ts';
import { DEFAULT_USER_AGENT, newBrowserToken } from './browser-token.ts';

export const API_PREFIX = '/api2/v2';

export type UpstreamQuery = Record<string, string | number | boolean | (string | number)[] | undefined> | string;

export interface UpstreamCall {
  method: string;
  /** Path after /api2/v2, e.g. '/users/me'. May carry its own '?query'. */
  path: string;
  /** An object (encoded here) or a raw query string passed through untouched. */
  query?: UpstreamQuery;
  /** JSON-encoded unless it is a string or bytes, which are sent as they are. */
  body?: unknown;
  /** Content type for a string or bytes body (e.g. a passed-through multipart form); JSON otherwise. */
  contentType?: string;
}

export interface BuiltUpstreamRequest {
  method: string;
  /** Path and query exactly as signed and as to be sent, e.g. /api2/v2/chats?limit=10&offset=0 */
  pathWithQuery: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const REVISION_PATTERN = /^\d{12}-[a-f0-9]{10}$/;

/**
 * Encodes a query object. Keys keep their order; an array repeats its key (write `'m[]'` for PHP-style
 * brackets, as OnlyFans' `/users/list?m[]=1&m[]=2`); brackets stay literal the way the web app's
 * serializer leaves them; undefined values are skipped.
 */
export function encodeUpstreamQuery(query: UpstreamQuery | undefined): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query.startsWith('?') ? query.slice(1) : query;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      parts.push(`${encodeComponent(key)}=${encodeComponent(String(item))}`);
    }
  }
  return parts.join('&');
}

function encodeComponent(text: string): string {
  return encodeURIComponent(text).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

/** `/api2/v2` + path + query, the one string that is both signed and sent. */
export function buildPathWithQuery(path: string, query?: UpstreamQuery): string {
  const normalised = path.startsWith('/') ? path : `/${path}`;
  const full = normalised.startsWith(`${API_PREFIX}/`) ? normalised : `${API_PREFIX}${normalised}`;
  const encoded = encodeUpstreamQuery(query);
  if (!encoded) return full;
  return `${full}${full.includes('?') ? '&' : '?'}${encoded}`;
}

export interface BuildContext {
  rules: DynamicRules;
  /** The upstream origin, for the referer (https://onlyfans.com for live). */
  origin: string;
  now: number;
}

/** What a session contributes to every request, derived once per session object (re-derived if it is changed in place). */
interface SessionHeaderParts {
  cookie: string;
  rawUserAgent: string;
  userId: string;
  userAgent: string;
}

/** What a rule set contributes to every request, derived once per rules object (re-derived if it is changed in place). */
interface RulesHeaderParts {
  removeHeaders: string[];
  rawRevision: string;
  sendsUserId: boolean;
  revision: string | null;
}

const sessionParts = new WeakMap<UpstreamSession, SessionHeaderParts>();
const rulesParts = new WeakMap<DynamicRules, RulesHeaderParts>();
const ANONYMOUS = { userId: '0', userAgent: DEFAULT_USER_AGENT };

function sessionPartsOf(session: UpstreamSession | null): { userId: string; userAgent: string } {
  if (!session) return ANONYMOUS;
  let parts = sessionParts.get(session);
  if (!parts || parts.cookie !== session.cookie || parts.rawUserAgent !== session.userAgent) {
    parts = {
      cookie: session.cookie,
      rawUserAgent: session.userAgent,
      userId: sessionUserId(session),
      userAgent: session.userAgent || DEFAULT_USER_AGENT,
    };
    sessionParts.set(session, parts);
  }
  return parts;
}

function rulesPartsOf(rules: DynamicRules): RulesHeaderParts {
  let parts = rulesParts.get(rules);
  if (!parts || parts.removeHeaders !== rules.remove_headers || parts.rawRevision !== rules.revision) {
    parts = {
      removeHeaders: rules.remove_headers,
      rawRevision: rules.revision,
      sendsUserId: !isHeaderRemoved(rules, 'user-id'),
      revision: REVISION_PATTERN.test(rules.revision) ? rules.revision : null,
    };
    rulesParts.set(rules, parts);
  }
  return parts;
}

export function buildUpstreamRequest(
  session: UpstreamSession | null,
  call: UpstreamCall,
  context: BuildContext,
): BuiltUpstreamRequest {
  const { rules } = context;
  const pathWithQuery = buildPathWithQuery(call.path, call.query);
  const { userId, userAgent } = sessionPartsOf(session);
  const { sendsUserId, revision } = rulesPartsOf(rules);
  // Signed per request, over this request's exact path + query and time.
  const signed = signUpstreamRequest(rules, { path: pathWithQuery, time: context.now, userId });
  const headers: Record<string, string> = {
    accept: 'application/json, text/plain, */*',
    'accept-language': 'en-US,en;q=0.9',
    'app-token': rules.app_token,
    sign: signed.sign,
    time: signed.time,
    'x-bc': session?.xBc || newBrowserToken(userAgent, context.now),
    'user-agent': userAgent,
    referer: `${context.origin}/`,
    'sec-fetch-dest': 'empty',
    'sec-fetch-mode': 'cors',
    'sec-fetch-site': 'same-origin',
  };
  if (session?.cookie) headers.cookie = session.cookie;
  if (sendsUserId) headers['user-id'] = userId;
  if (revision !== null) headers['x-of-rev'] = revision;
  const built: BuiltUpstreamRequest = { method: call.method.toUpperCase(), pathWithQuery, headers };
  if (call.body !== undefined && built.method !== 'GET' && built.method !== 'HEAD') {
    const isPassThrough = typeof call.body === 'string' || call.body instanceof Uint8Array;
    built.body = isPassThrough ? (call.body as string | Uint8Array) : JSON.stringify(call.body);
    headers['content-type'] = (isPassThrough && call.contentType) || 'application/json';
  }
  return built;
}

/** Rule feeds spell header names with underscores ("user_id"); HTTP uses dashes. */
function isHeaderRemoved(rules: DynamicRules, header: string): boolean {
  const wanted = header.toLowerCase().replace(/_/g, '-');
  return rules.remove_headers.some((name) => name.toLowerCase().replace(/_/g, '-') === wanted);
}
