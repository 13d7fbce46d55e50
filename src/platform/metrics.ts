// Prometheus metrics. One registry per service instance (tests run several in one process).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.ts';
import { ApiError } from './errors.ts';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Database lookups of API keys by what they found: valid, unknown, revoked (cache hits are not lookups). */
  apiKeyLookups: Counter<'result'>;
  /** Requests refused with 429 because their address made too many failed API key attempts. */
  apiKeyAttemptsThrottled: Counter;
}

/**
 * A capability's metrics made once per registry: prom-client refuses a second metric of one name on a registry, and
 * several workers or recorders of one service (tests, benchmarks) ask for them, so they share the first set.
 */
export function oncePerRegistry<T, Args extends unknown[] = []>(
  make: (registry: Registry, ...args: Args) => T,
): (registry: Registry, ...args: Args) => T {
  const made = new WeakMap<Registry, T>();
  return (registry, ...args) => {
    let metrics = made.get(registry);
    if (metrics === undefined) {
      metrics = make(registry, ...args);
      made.set(registry, metrics);
    }
    return metrics;
  };
}

export function createMetrics(options: { collectProcessMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'ofconnect_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'ofconnect_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'ofconnect_http_request_duration_seconds',
      help: 'HTTP request latency, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    apiKeyLookups: new Counter({
      name: 'ofconnect_api_key_lookups_total',
      help: 'API key database lookups by result (valid, unknown, revoked); cached answers are not counted',
      labelNames: ['result'],
      registers: [registry],
    }),
    apiKeyAttemptsThrottled: new Counter({
      name: 'ofconnect_api_key_attempts_throttled_total',
      help: 'Requests refused (429) because their client address made too many failed API key attempts',
      registers: [registry],
    }),
  };
}

/**
 * Who may read /metrics (it names routes, queue depths and process details): with config.metricsToken, only a request
 * bearing it; without one, anyone in development and nobody in production, where the route answers like an unknown
 * one. Throws the refusal.
 */
export function assertMetricsAccess(config: Pick<Config, 'isProduction' | 'metricsToken'>, authorization: string | undefined): void {
  if (config.metricsToken) {
    if (isBearerOf(config.metricsToken, authorization)) return;
    throw new ApiError('UNAUTHORIZED', 'Metrics need the bearer token configured in OFCONNECT_METRICS_TOKEN', {
      headers: { 'www-authenticate': 'Bearer realm="metrics"' },
      details: { field: 'authorization' },
    });
  }
  if (config.isProduction) throw new ApiError('ROUTE_NOT_FOUND', 'Route GET /metrics not found');
}

function isBearerOf(token: string, authorization: string | undefined): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return false;
  // Equal-length digests so the comparison takes the same time whatever was sent.
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(match[1]), digest(token));
}
