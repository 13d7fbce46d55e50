// The OnlyFans web API client: one for live and sandbox, only the base URL differs. Signs with the current
// dynamic rules, sends over keep-alive (optionally proxied) connections, absorbs one rules rotation per
// call, watches `x-of-rev`, and maps failures to ApiError through errors.ts.
import type { Dispatcher } from 'undici';
import { Deadline } from '../platform/deadline.ts';
import type { Logger } from '../platform/logger.ts';
import {
  classifyUpstreamReply,
  isFailureOwnedByUs,
  networkErrorToApiError,
  upstreamFailureToApiError,
  type UpstreamReply,
} from './errors.ts';
import { outboundDeadlineMs } from '../platform/outbound.ts';
import { createUpstreamDispatchers, type UpstreamDispatchers } from './http-pool.ts';
import { buildUpstreamRequest, type UpstreamCall } from './request-builder.ts';
import type { RulesProvider } from './rules-provider.ts';
import type { DynamicRules } from './rules.ts';
import type { UpstreamSession } from './session.ts';
import { parseUpstreamProfile, type UpstreamProfile } from './profile.ts';

export type { UpstreamReply } from './errors.ts';
export type { UpstreamProfile } from './profile.ts';

export interface UpstreamRequest extends UpstreamCall {
  /** The connection's outbound proxy (http(s):// or socks5://), or direct when absent. */
  proxyUrl?: string | null;
  signal?: AbortSignal;
}

export interface UpstreamClient {
  readonly baseUrl: string;
  readonly rules: RulesProvider;
  /** Any non-2xx reply becomes an ApiError. */
  request<T = unknown>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>>;
  /**
   * For the raw proxy: upstream 4xx replies (bad params, not found…) come back as sent; what ofconnect owns
   * still throws — session expired / verification, rules outdated, 429, firewall blocks, 5xx, network.
   */
  requestRaw<T = unknown>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>>;
  /** Every reply comes back, whatever its status (the login flow reads 101/102/105 itself). Rules and network errors still throw. */
  exchange<T = unknown>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>>;
  /** GET /users/me: the profile of a live session, or SESSION_EXPIRED. */
  validateSession(session: UpstreamSession, options?: { proxyUrl?: string | null; signal?: AbortSignal }): Promise<UpstreamProfile>;
  close(): Promise<void>;
}

export interface UpstreamClientOptions {
  /** https://onlyfans.com for live; the simulator's URL for sandbox. */
  baseUrl: string;
  rules: RulesProvider;
  /** Headers and body timeout per call. Default 30 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
  /** For the client's own dispatchers: whether a proxy may be on a private or loopback address (default no). */
  mayProxyThroughPrivateAddresses?: boolean;
  /** Share dispatchers between clients (e.g. live and sandbox); the client then does not close them. */
  dispatchers?: UpstreamDispatchers;
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const origin = new URL(options.baseUrl).origin;
  const now = options.now ?? Date.now;
  const provider = options.rules;
  const ownsDispatchers = !options.dispatchers;
  const dispatchers =
    options.dispatchers ??
    createUpstreamDispatchers({
      headersTimeoutMs: options.timeoutMs ?? 30_000,
      bodyTimeoutMs: options.timeoutMs ?? 30_000,
      connectTimeoutMs: options.connectTimeoutMs ?? Math.min(options.timeoutMs ?? 10_000, 10_000),
      mayProxyThroughPrivateAddresses: options.mayProxyThroughPrivateAddresses ?? false,
    });

  // Every leg has its own limit in the dispatchers; this bounds the whole call as well, whatever undici does.
  const deadlineMs = outboundDeadlineMs(dispatchers.timeouts);

  async function send<T>(session: UpstreamSession | null, req: UpstreamRequest, rules: DynamicRules): Promise<UpstreamReply<T>> {
    const dispatcher = dispatchers.dispatcherFor(req.proxyUrl);
    const built = buildUpstreamRequest(session, req, { rules, origin, now: now() });
    const startedAt = performance.now();
    // The caller's signal (when it gave one) plus a time limit on the whole call.
    const deadline = new Deadline(deadlineMs, req.signal, () => new UpstreamDeadlineError(deadlineMs));
    const isProxied = Boolean(req.proxyUrl);
    const unreachable = (error: unknown) => {
      options.logger?.warn({ method: built.method, path: logPath(built.pathWithQuery), isProxied, err: describe(error) }, 'upstream unreachable');
      return networkErrorToApiError(error, { isProxied, hasTimedOut: deadline.hasExpired });
    };
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      try {
        response = await dispatcher.request({
          origin,
          path: built.pathWithQuery,
          method: built.method as Dispatcher.HttpMethod,
          headers: built.headers,
          body: built.body,
          signal: deadline.signal,
        });
      } catch (error) {
        if (req.signal?.aborted) throw error;
        throw unreachable(error);
      }
      try {
        text = await response.body.text();
      } catch (error) {
        if (req.signal?.aborted) throw error;
        throw unreachable(error);
      }
    } finally {
      deadline.clear();
    }
    const reply = replyOf<T>(response, text);
    if (options.logger?.isLevelEnabled('debug')) {
      options.logger.debug(
        { method: built.method, path: logPath(built.pathWithQuery), status: reply.status, ms: Math.round(performance.now() - startedAt) },
        'upstream call',
      );
    }
    if (reply.revision) provider.observeRevision(reply.revision);
    return reply;
  }

  // Retrying after "Please refresh the page" is safe for any method: upstream rejected the sign before acting.
  async function exchange<T>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>> {
    const rules = await provider.current();
    const reply = await send<T>(session, req, rules);
    if (classifyUpstreamReply(reply, now())?.kind !== 'rules_outdated') return reply;
    const fresher = await rulesNewerThan(rules);
    const retried = await send<T>(session, req, fresher);
    const failure = classifyUpstreamReply(retried, now());
    if (failure?.kind === 'rules_outdated') throw upstreamFailureToApiError(failure, retried);
    return retried;
  }

  /** Rules to retry with after "Please refresh the page": never the same ones again (docs/onlyfans-web-api.md §6). */
  async function rulesNewerThan(used: DynamicRules): Promise<DynamicRules> {
    const outdated = () => upstreamFailureToApiError({ kind: 'rules_outdated' }, { status: 400 });
    // Another call (or an x-of-rev hint) may already have refreshed since this one was signed.
    const cached = await provider.current();
    if (!isSameRuleSet(cached, used)) return cached;
    let refreshed: DynamicRules;
    try {
      refreshed = await provider.refresh();
    } catch (error) {
      options.logger?.warn({ err: describe(error) }, 'dynamic rules refresh failed after "Please refresh the page"');
      throw outdated();
    }
    if (isSameRuleSet(refreshed, used)) throw outdated();
    return refreshed;
  }

  async function request<T>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>> {
    const reply = await exchange<T>(session, req);
    const failure = classifyUpstreamReply(reply, now());
    if (failure) throw upstreamFailureToApiError(failure, reply);
    return reply;
  }

  async function requestRaw<T>(session: UpstreamSession | null, req: UpstreamRequest): Promise<UpstreamReply<T>> {
    const reply = await exchange<T>(session, req);
    const failure = classifyUpstreamReply(reply, now());
    if (failure && isFailureOwnedByUs(failure)) throw upstreamFailureToApiError(failure, reply);
    return reply;
  }

  async function validateSession(
    session: UpstreamSession,
    validateOptions: { proxyUrl?: string | null; signal?: AbortSignal } = {},
  ): Promise<UpstreamProfile> {
    const reply = await request(session, { method: 'GET', path: '/users/me', ...validateOptions });
    return parseUpstreamProfile(reply.body);
  }

  return {
    baseUrl: options.baseUrl,
    rules: provider,
    request,
    requestRaw,
    exchange,
    validateSession,
    close: async () => {
      if (ownsDispatchers) await dispatchers.close();
    },
  };
}

class UpstreamDeadlineError extends Error {
  readonly code = 'OUTBOUND_DEADLINE_TIMEOUT';
  constructor(ms: number) {
    super(`the call took longer than ${ms} ms`);
    this.name = 'UpstreamDeadlineError';
  }
}

/** Bodies decoded so far (by reply object), so a reply is parsed at most once and only if someone reads `body`. */
const decodedBodies = new WeakMap<object, unknown>();

function replyOf<T>(response: Dispatcher.ResponseData, text: string): UpstreamReply<T> {
  const headers: Record<string, string> = {};
  let setCookies: string[] = [];
  const received = response.headers;
  for (const name in received) {
    const value = received[name];
    if (value === undefined) continue;
    if (name === 'set-cookie') setCookies = Array.isArray(value) ? value : [value];
    else headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Decoded on first read: the raw proxy forwards `text` and never pays for JSON.parse on success.
  const reply: UpstreamReply = {
    status: response.statusCode,
    headers,
    get body(): unknown {
      if (!decodedBodies.has(this)) decodedBodies.set(this, decodeBody(text, headers['content-type']));
      return decodedBodies.get(this);
    },
    text,
    setCookies,
  };
  const revision = headers['x-of-rev'];
  if (revision) reply.revision = revision;
  return reply as UpstreamReply<T>;
}

function decodeBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return null;
  const looksJson = (contentType ?? '').includes('json') || /^\s*[[{]/.test(text);
  if (!looksJson) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isSameRuleSet(a: DynamicRules, b: DynamicRules): boolean {
  return a.revision === b.revision && a.static_param === b.static_param && a.prefix === b.prefix && a.suffix === b.suffix;
}

/** Paths only: query strings can carry search text and ids the logs need not keep. */
function logPath(pathWithQuery: string): string {
  const q = pathWithQuery.indexOf('?');
  return q < 0 ? pathWithQuery : pathWithQuery.slice(0, q);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
