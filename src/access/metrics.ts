// Prometheus series for the Access API: every upstream attempt by outcome and status and its latency by route, retries,
// how long pacing held requests, and requests the pacing turned away (by reason), registered on the service's registry.
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

export type UpstreamOutcome =
  | 'success'
  | 'client_error'
  | 'session_expired'
  | 'rules_outdated'
  | 'rate_limited'
  | 'server_error'
  | 'network_error'
  | 'other_error';

export interface AccessMetrics {
  upstreamCalls: Counter<'outcome' | 'status'>;
  /** One observation per upstream attempt, labelled with the Access route template that made it (bounded). */
  upstreamDuration: Histogram<'route' | 'outcome'>;
  upstreamRetries: Counter<'reason'>;
  /** Time from arriving at pacing to being admitted (or refused): the token bucket plus any wait for an in-flight slot. */
  pacingWait: Histogram<'outcome'>;
  pacingRejections: Counter<'reason'>;
}

export function createAccessMetrics(registry: Registry): AccessMetrics {
  return {
    upstreamCalls: new Counter({
      name: 'ofconnect_access_upstream_calls_total',
      help: 'Upstream (OnlyFans) attempts made for Access API requests, by outcome and upstream HTTP status',
      labelNames: ['outcome', 'status'],
      registers: [registry],
    }),
    upstreamDuration: new Histogram({
      name: 'ofconnect_access_upstream_duration_seconds',
      help: 'Latency of each upstream (OnlyFans) attempt made for an Access request, by the Access route template and outcome',
      labelNames: ['route', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    upstreamRetries: new Counter({
      name: 'ofconnect_access_upstream_retries_total',
      help: 'Upstream attempts repeated after a network error, 5xx or 429, by reason',
      labelNames: ['reason'],
      registers: [registry],
    }),
    pacingWait: new Histogram({
      name: 'ofconnect_access_pacing_wait_seconds',
      help: 'Time an Access request spent in per-connection pacing before it was admitted or refused (outcome admitted, rate or concurrency)',
      labelNames: ['outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    pacingRejections: new Counter({
      name: 'ofconnect_access_pacing_rejections_total',
      help: 'Access API requests refused by per-connection pacing: rate (token bucket) or concurrency (queue full or wait too long)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
