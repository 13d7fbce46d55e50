// Prometheus series for the Access API: every upstream attempt by outcome and status, retries, and requests the
// pacing turned away (by reason), registered on the service's registry.
import { Counter } from 'prom-client';
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
  upstreamRetries: Counter<'reason'>;
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
    upstreamRetries: new Counter({
      name: 'ofconnect_access_upstream_retries_total',
      help: 'Upstream attempts repeated after a network error, 5xx or 429, by reason',
      labelNames: ['reason'],
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
