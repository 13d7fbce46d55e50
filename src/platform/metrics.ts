// Prometheus metrics. One registry per service instance (tests run several in one process).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Database lookups of API keys by what they found: valid, unknown, revoked (cache hits are not lookups). */
  apiKeyLookups: Counter<'result'>;
  /** Requests refused with 429 because their address made too many failed API key attempts. */
  apiKeyAttemptsThrottled: Counter;
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
