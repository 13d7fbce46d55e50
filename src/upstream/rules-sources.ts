// Where live signing rules can come from (OFCONNECT_LIVE_RULES_SOURCE, a list): an OFAuth-compatible rules API
// with its key, a rules file in the community format at any URL, or a local file. Parsing the list, fetching one
// source and shape-checking what it gave, and naming a source without its secrets (logs and the status route).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parseDynamicRules, type DynamicRules } from './rules.ts';

export type RulesSourceKind = 'ofauth' | 'url' | 'file';

export interface RulesSourceSpec {
  kind: RulesSourceKind;
  /** What is fetched: the rules API's base URL (without the key), the file's URL, or an absolute file path. */
  location: string;
  /** The OFAuth API key, sent as the `apikey` header (docs/ofauth-wire-contract.md §2). Never logged. */
  apiKey?: string;
  /** The source as it may be shown: keys, passwords and token-like query values replaced. */
  name: string;
}

/**
 * How one source is doing, as GET /v2/dynamic-rules/status shows it.
 * health: `ok` (rules fetched and, for live, accepted by the upstream's signed probe), `stale` (the upstream refused
 * the source's rules), `unverified` (fetched; the probe could not reach a verdict yet), `down` (the last fetch
 * failed), `invalid` (it answered something that is not a rule set), `pending` (not fetched yet).
 */
export interface RulesSourceStatus {
  source: string;
  kind: RulesSourceKind;
  health: 'ok' | 'stale' | 'unverified' | 'down' | 'invalid' | 'pending';
  /** Revision of the last well-formed rules the source gave, or null. */
  revision: string | null;
  /** Whether the rules in use are this source's. */
  isInUse: boolean;
  lastAttemptAt: string | null;
  /** Last fetch that gave well-formed rules. */
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** When the source is fetched next (a failing one backs off). Null when nothing is scheduled. */
  nextAttemptAt: string | null;
}

/** OFAuth's public API; `ofauth:<key>` is short for it. */
export const OFAUTH_API_URL = 'https://api.ofauth.com';
/** OFAuth's rules route under a base URL (docs/ofauth-wire-contract.md §4.3). */
const OFAUTH_RULES_PATH = '/v2/dynamic-rules';
const FETCH_TIMEOUT_MS = 10_000;
/** A rule set is well under 2 KB; anything this large is not one. */
const MAX_RULES_BYTES = 256 * 1024;
const SECRET_QUERY_NAME = /key|token|secret|sig|auth|pass|cred/i;

/**
 * Parses a comma- or whitespace-separated list. Each entry is one of:
 * `ofauth+https://api.ofauth.com?key=<key>` (or `ofauth+http://…`, or `ofauth:<key>` for api.ofauth.com),
 * `https://…` / `http://…` (a rules file in the community format, or an OFAuth-style `{rules}` reply),
 * `file:///…` or a path (a local file, re-read on every refresh). Throws naming the entry that is not understood.
 */
export function parseRulesSources(list: string, cwd: string = process.cwd()): RulesSourceSpec[] {
  const entries = list.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('OFCONNECT_LIVE_RULES_SOURCE is empty: give at least one rules source');
  return entries.map((entry) => parseRulesSource(entry, cwd));
}

function parseRulesSource(entry: string, cwd: string): RulesSourceSpec {
  if (/^ofauth:(?!\/\/)/i.test(entry)) {
    const apiKey = entry.slice('ofauth:'.length);
    if (!apiKey) throw new Error('rules source "ofauth:" needs the OFAuth API key after the colon');
    return { kind: 'ofauth', location: OFAUTH_API_URL, apiKey, name: `ofauth:${redacted(apiKey)}` };
  }
  if (/^ofauth\+https?:\/\//i.test(entry)) return parseOfAuthSource(entry.slice('ofauth+'.length));
  if (/^https?:\/\//i.test(entry)) {
    const url = parseUrl(entry);
    return { kind: 'url', location: url.href, name: displayUrl(url) };
  }
  if (/^file:/i.test(entry)) return { kind: 'file', location: fileURLToPath(entry), name: entry };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    throw new Error(`rules source "${displayUrl(parseUrl(entry))}" has a scheme ofconnect does not read: use https://, http://, file:, a path, or ofauth+https://…?key=…`);
  }
  return { kind: 'file', location: path.resolve(cwd, entry), name: entry };
}

function parseOfAuthSource(text: string): RulesSourceSpec {
  const url = parseUrl(text);
  const apiKey = url.searchParams.get('key') ?? url.searchParams.get('apikey');
  if (!apiKey) throw new Error(`rules source "ofauth+${displayUrl(url)}" needs its API key: ofauth+https://api.ofauth.com?key=<key>`);
  url.searchParams.delete('key');
  url.searchParams.delete('apikey');
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return { kind: 'ofauth', location: base, apiKey, name: `ofauth+${base}?key=${redacted(apiKey)}` };
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new Error(`rules source "${text.replace(/[?#].*$/, '')}" is not a valid URL`);
  }
}

/** A key is shown by its first characters only (enough to tell two keys apart, never enough to use one). */
function redacted(secret: string): string {
  return `${secret.slice(0, Math.min(8, Math.floor(secret.length / 3)))}…`;
}

/** The URL without a password and with token-like query values replaced. */
function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = 'redacted';
  for (const name of [...shown.searchParams.keys()]) {
    if (SECRET_QUERY_NAME.test(name)) shown.searchParams.set(name, 'redacted');
  }
  return shown.href;
}

/** The source answered, but not with a rule set (not JSON, or the wrong shape). */
export class InvalidRulesDocumentError extends Error {
  override readonly name = 'InvalidRulesDocumentError';
}

/**
 * Fetches one source and shape-checks it; throws an Error whose message says what went wrong (no secrets):
 * InvalidRulesDocumentError when the answer is not a rule set.
 */
export async function fetchRulesFromSource(spec: RulesSourceSpec): Promise<DynamicRules> {
  return rulesFromDocument(await fetchDocument(spec));
}

/**
 * The rule set in a fetched document: the community format (one flat rule-set object, docs/onlyfans-web-api.md
 * §1) or a rules API reply that wraps it as `{rules: {…}}` (docs/ofauth-wire-contract.md §4.3).
 */
export function rulesFromDocument(document: unknown): DynamicRules {
  const isWrapped = typeof document === 'object' && document !== null && 'rules' in document && typeof document.rules === 'object';
  try {
    return parseDynamicRules(isWrapped ? (document as { rules: unknown }).rules : document);
  } catch (error) {
    throw new InvalidRulesDocumentError(error instanceof Error ? error.message : String(error));
  }
}

async function fetchDocument(spec: RulesSourceSpec): Promise<unknown> {
  if (spec.kind === 'file') return parseJson(await readFile(spec.location, 'utf8'));
  const url = spec.kind === 'ofauth' ? `${spec.location}${OFAUTH_RULES_PATH}` : spec.location;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (spec.apiKey) headers.apikey = spec.apiKey;
  const { statusCode, text } = await getOnce(url, headers).catch((error: unknown) => {
    // A pooled connection the server closed while it sat idle (sources are read minutes apart): one more try.
    if (isStaleConnectionError(error)) return getOnce(url, headers);
    throw error;
  });
  const reply = { statusCode };
  if (reply.statusCode === 401 || reply.statusCode === 403) {
    throw new Error(`${spec.kind === 'ofauth' ? 'the rules API refused the API key' : 'the source refused access'} (HTTP ${reply.statusCode})`);
  }
  if (reply.statusCode !== 200) throw new Error(`the source answered HTTP ${reply.statusCode}`);
  return parseJson(text);
}

async function getOnce(url: string, headers: Record<string, string>): Promise<{ statusCode: number; text: string }> {
  const reply = await request(url, { method: 'GET', headers, headersTimeout: FETCH_TIMEOUT_MS, bodyTimeout: FETCH_TIMEOUT_MS });
  return { statusCode: reply.statusCode, text: await readLimited(reply.body) };
}

export function isStaleConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

async function readLimited(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_RULES_BYTES) throw new Error(`the source sent more than ${MAX_RULES_BYTES} bytes; a rule set is far smaller`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRulesDocumentError('the source did not answer JSON');
  }
}
