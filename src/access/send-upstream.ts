// One Access request's trip upstream: the signed call through the connection's proxy, retried when that is safe,
// counted in metrics, and a dead session turned into an expired connection (once) before the caller hears of it.
//
// Retries: only idempotent methods (RFC 9110: GET, HEAD, OPTIONS, PUT, DELETE), only on network errors, 5xx and 429.
// Backoff 250 ms, 500 ms (±20 %), or upstream's Retry-After when it sent one — but the total added wait stays under
// RETRY_BUDGET_MS: when the next wait would go past it, the request gives up at once and the error carries a
// Retry-After telling the caller when to come back, rather than holding the request (and a pacing slot) for minutes.
// An attempt that itself took longer than that budget (a time limit ran out: a dead proxy, an upstream that does not
// answer) is not retried either: trying again would hold the slot for another full time limit.
//
// Traced (when tracing is on) as one client span per call, a child of the request's span: named after the upstream
// path with its ids replaced, with the request's pacing wait as an event (the pipeline hands it over in the trace
// context, withAdmission) and each retry as an event (reason, upstream status, the wait before the next attempt).
import { setTimeout as sleep } from 'node:timers/promises';
import { context, createContextKey, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { markConnectionExpired } from '../connections/expire.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { UpstreamClient, UpstreamReply, UpstreamRequest } from '../upstream/client.ts';
import type { ConnectionSnapshot, ConnectionSnapshots } from './connection-snapshots.ts';
import type { AccessMetrics, UpstreamOutcome } from './metrics.ts';
import type { Admission } from './pacing.ts';

export const MAX_ATTEMPTS = 3;
export const RETRY_BUDGET_MS = 2_500;
const BASE_BACKOFF_MS = 250;
/** Suggested to callers when a 5xx or network failure outlasted the retries. */
const RETRY_AFTER_UNAVAILABLE_S = 2;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * What one Access request's upstream calls came to, for its request log entry: the pipeline hands one to the work
 * with the connection (`UsableConnection.trip`), and the sender fills it in as attempts finish.
 */
export interface UpstreamTrip {
  /** Upstream's status of the last attempt that got a reply; null while none has. */
  upstreamStatus: number | null;
  /** Attempts repeated (network error, 5xx, 429), over all of the request's upstream calls. */
  retries: number;
}

/** The connection a call is made for, with the request's trip when it has one (a monitor check has none). */
export type SendingConnection = ConnectionSnapshot & { trip?: UpstreamTrip };

/**
 * Both take `route`: the Access route template the call is made for (`/v2/access/chats/:userId/messages`), which
 * labels the latency histogram. Not the upstream path: proxied paths are the caller's and would make a series each.
 */
export interface UpstreamSender {
  /** A managed call: any non-2xx becomes an ApiError. */
  send<T = unknown>(connection: SendingConnection, call: Omit<UpstreamRequest, 'proxyUrl'>, route: string): Promise<UpstreamReply<T>>;
  /** The raw proxy: upstream 4xx come back as sent; what ofconnect owns (session, rules, 429, 5xx, network) still throws. */
  sendRaw(connection: SendingConnection, call: Omit<UpstreamRequest, 'proxyUrl'>, route: string): Promise<UpstreamReply>;
}

export function createUpstreamSender(ctx: ServiceContext, snapshots: ConnectionSnapshots, metrics: AccessMetrics): UpstreamSender {
  // Label children resolved once per status: prom-client hashes the label object on every inc() otherwise.
  const replyCounters = new Map<number, { inc(): void }>();
  function countReply(status: number): void {
    let counter = replyCounters.get(status);
    if (!counter) {
      counter = metrics.upstreamCalls.labels({ outcome: status < 400 ? 'success' : 'client_error', status: String(status) });
      replyCounters.set(status, counter);
    }
    counter.inc();
  }
  // Latency series by route and outcome, resolved once each (routes are the Access API's templates: bounded).
  const durationSeries = new Map<string, { observe(seconds: number): void }>();
  function observeDuration(route: string, outcome: UpstreamOutcome, startedAt: number): void {
    const key = `${outcome} ${route}`;
    let series = durationSeries.get(key);
    if (!series) {
      series = metrics.upstreamDuration.labels({ route, outcome });
      durationSeries.set(key, series);
    }
    series.observe((performance.now() - startedAt) / 1000);
  }

  async function withRetries<T>(
    connection: SendingConnection,
    call: Omit<UpstreamRequest, 'proxyUrl'>,
    route: string,
    attempt: (client: UpstreamClient, session: ConnectionSnapshot['session'], request: UpstreamRequest) => Promise<UpstreamReply<T>>,
  ): Promise<UpstreamReply<T>> {
    const client = ctx.upstreams.forEnvironment(connection.environment);
    const request: UpstreamRequest = { ...call, proxyUrl: connection.proxyUrl };
    const mayRetry = IDEMPOTENT_METHODS.has(call.method.toUpperCase());
    const span = ctx.tracing.isEnabled ? startUpstreamSpan(ctx, client, connection, call, route) : null;
    let waited = 0;
    for (let attemptNumber = 1; ; attemptNumber++) {
      const startedAt = performance.now();
      try {
        const reply = await attempt(client, connection.session, request);
        if (connection.trip) connection.trip.upstreamStatus = reply.status;
        countReply(reply.status);
        observeDuration(route, reply.status < 400 ? 'success' : 'client_error', startedAt);
        if (span) endUpstreamSpan(span, attemptNumber, reply.status, null);
        return reply;
      } catch (error) {
        const outcome = outcomeOf(error);
        if (connection.trip) connection.trip.upstreamStatus = upstreamStatusNumberOf(error);
        metrics.upstreamCalls.inc({ outcome, status: upstreamStatusOf(error) });
        observeDuration(route, outcome, startedAt);
        if (outcome === 'session_expired') {
          if (span) endUpstreamSpan(span, attemptNumber, upstreamStatusOf(error), error);
          await expireConnection(connection);
          throw error;
        }
        const wasQuick = performance.now() - startedAt <= RETRY_BUDGET_MS;
        const wait =
          error instanceof ApiError && isRetryable(outcome) && mayRetry && wasQuick && attemptNumber < MAX_ATTEMPTS ? waitBefore(error, attemptNumber) : null;
        if (wait === null || waited + wait > RETRY_BUDGET_MS) {
          if (span) endUpstreamSpan(span, attemptNumber, upstreamStatusOf(error), error);
          throw error instanceof ApiError && isRetryable(outcome) ? withRetryAdvice(error) : error;
        }
        metrics.upstreamRetries.inc({ reason: outcome });
        if (connection.trip) connection.trip.retries += 1;
        span?.addEvent('retry', {
          'ofconnect.upstream.attempt': attemptNumber,
          'ofconnect.upstream.retry_reason': outcome,
          'ofconnect.upstream.status': upstreamStatusOf(error),
          'ofconnect.upstream.wait_ms': wait,
        });
        waited += wait;
        await sleep(wait);
      }
    }
  }

  async function expireConnection(connection: ConnectionSnapshot): Promise<void> {
    if (!connection.isStored) return; // a raw session's caller owns it: nothing here to expire
    snapshots.forget(connection.id);
    try {
      await markConnectionExpired(ctx, { orgId: connection.orgId, environment: connection.environment }, connection.id);
    } catch (error) {
      ctx.logger.error({ err: error, connectionId: connection.id }, 'could not mark the connection expired');
    }
    snapshots.forget(connection.id);
  }

  return {
    send: <T,>(connection: SendingConnection, call: Omit<UpstreamRequest, 'proxyUrl'>, route: string) => withRetries<T>(connection, call, route, sendChecked),
    sendRaw: (connection, call, route) => withRetries(connection, call, route, sendPassingClientErrors),
  };
}

// Module-level, so a request does not allocate a closure to say which kind of call it makes.
function sendChecked<T>(client: UpstreamClient, session: ConnectionSnapshot['session'], request: UpstreamRequest): Promise<UpstreamReply<T>> {
  return client.request<T>(session, request);
}

function sendPassingClientErrors(client: UpstreamClient, session: ConnectionSnapshot['session'], request: UpstreamRequest): Promise<UpstreamReply> {
  return client.requestRaw(session, request);
}

const ADMISSION = createContextKey('ofconnect.access.admission');

/** The context the request's work runs in when traced: its upstream spans show how long pacing held it. */
export function withAdmission(parent: Context, admission: Admission): Context {
  return parent.setValue(ADMISSION, admission);
}

/** The client span of one call (all its attempts), a child of the active span: the request's. */
function startUpstreamSpan(
  ctx: ServiceContext,
  client: UpstreamClient,
  connection: ConnectionSnapshot,
  call: Omit<UpstreamRequest, 'proxyUrl'>,
  route: string,
): Span {
  const method = call.method.toUpperCase();
  const template = upstreamPathTemplate(call.path);
  const server = new URL(client.baseUrl);
  const span = ctx.tracing.tracer.startSpan(`${method} ${template}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'server.address': server.hostname,
      ...(server.port ? { 'server.port': Number(server.port) } : {}),
      'url.template': template,
      'ofconnect.route': route,
      'ofconnect.environment': connection.environment,
      // A raw session's stand-in id is not a connection anyone could look up.
      ...(connection.isStored ? { 'ofconnect.connection.id': connection.id } : {}),
      'ofconnect.org.id': connection.orgId,
      'ofconnect.upstream.is_proxied': Boolean(connection.proxyUrl),
    },
  });
  const admission = context.active().getValue(ADMISSION) as Admission | undefined;
  if (admission) span.addEvent('pacing', { 'ofconnect.pacing.wait_ms': Math.round(admission.waitedMs * 1000) / 1000, 'ofconnect.pacing.queued': admission.wasQueued });
  return span;
}

function endUpstreamSpan(span: Span, attempts: number, status: number | string, error: unknown): void {
  if (typeof status === 'number' || status !== 'none') span.setAttribute('http.response.status_code', Number(status));
  if (attempts > 1) span.setAttribute('http.request.resend_count', attempts - 1);
  if (error !== null) {
    span.setAttribute('error.type', error instanceof ApiError ? error.type : 'INTERNAL');
    if (error instanceof ApiError && typeof error.details?.reason === 'string') span.setAttribute('ofconnect.upstream.reason', error.details.reason);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof ApiError ? error.type : 'INTERNAL' });
  } else if (typeof status === 'number' && status >= 400) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The upstream path with its ids (any segment holding a digit) as {id}: `/chats/123/messages` → `/chats/{id}/messages`. */
export function upstreamPathTemplate(path: string): string {
  const queryAt = path.indexOf('?');
  const bare = queryAt < 0 ? path : path.slice(0, queryAt);
  return bare.replace(/[^/]*[0-9][^/]*/g, '{id}');
}

function outcomeOf(error: unknown): UpstreamOutcome {
  if (!(error instanceof ApiError)) return 'other_error';
  const reason = error.details?.reason;
  switch (error.type) {
    case 'SESSION_EXPIRED':
      return 'session_expired';
    case 'RULES_OUTDATED':
      return 'rules_outdated';
    case 'RATE_LIMIT_EXCEEDED':
      return 'rate_limited';
    case 'UPSTREAM_UNAVAILABLE':
      return 'network_error';
    case 'UPSTREAM_ERROR':
      return reason === 'upstream_server_error' ? 'server_error' : 'other_error';
    case 'BAD_REQUEST':
    case 'FORBIDDEN':
    case 'RESOURCE_NOT_FOUND':
      return 'client_error';
    default:
      return 'other_error';
  }
}

function isRetryable(outcome: UpstreamOutcome): boolean {
  return outcome === 'rate_limited' || outcome === 'server_error' || outcome === 'network_error';
}

function upstreamStatusOf(error: unknown): string {
  return String(upstreamStatusNumberOf(error) ?? 'none');
}

/** Upstream's status behind a failure; null when upstream never answered (network error, time limit). */
function upstreamStatusNumberOf(error: unknown): number | null {
  const status = error instanceof ApiError ? error.details?.upstreamStatus : undefined;
  return typeof status === 'number' ? status : null;
}

/** Milliseconds to wait before the next attempt: upstream's Retry-After when given, else exponential with jitter. */
function waitBefore(error: ApiError, attemptNumber: number): number {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') return retryAfter * 1000;
  const base = BASE_BACKOFF_MS * 2 ** (attemptNumber - 1);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** The error as the caller gets it once retrying is over: with a Retry-After saying when to try again. */
function withRetryAdvice(error: ApiError): ApiError {
  const headerNames = Object.keys(error.headers ?? {}).map((name) => name.toLowerCase());
  if (headerNames.includes('retry-after')) return error;
  if (error.type !== 'UPSTREAM_UNAVAILABLE' && !(error.type === 'UPSTREAM_ERROR' && error.details?.reason === 'upstream_server_error')) return error;
  return new ApiError(error.type, error.message, {
    details: { ...error.details, retryAfter: RETRY_AFTER_UNAVAILABLE_S },
    actionRequired: error.actionRequired,
    headers: { ...(error.headers ?? {}), 'retry-after': String(RETRY_AFTER_UNAVAILABLE_S) },
    cause: error,
  });
}
