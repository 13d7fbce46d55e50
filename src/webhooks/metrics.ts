// Webhook metrics on the service's registry: deliveries by outcome, attempt latency, queue depth and the age of
// the oldest pending message (the last two read from the database at scrape time, so any node reports the truth).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ServiceContext } from '../platform/context.ts';
import { oncePerRegistry } from '../platform/metrics.ts';
import { readQueueStatsAcrossOrgs, type QueueStats } from './delivery-round.ts';

export type DeliveryOutcomeLabel = 'succeeded' | 'retrying' | 'failed' | 'endpoint_disabled' | 'lease_lost';

export interface WebhookMetrics {
  deliveries: Counter<'outcome'>;
  attemptDuration: Histogram;
}

/** One set per registry: several workers in one process (tests, benchmarks) share it. */
export function webhookMetrics(ctx: ServiceContext): WebhookMetrics {
  return webhookMetricsOf(ctx.metrics.registry, ctx);
}

const webhookMetricsOf = oncePerRegistry((registry: Registry, ctx: ServiceContext): WebhookMetrics => {
  const metrics: WebhookMetrics = {
    deliveries: new Counter({
      name: 'ofconnect_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (succeeded, retrying, failed = retries exhausted, endpoint_disabled, lease_lost)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptDuration: new Histogram({
      name: 'ofconnect_webhook_attempt_duration_seconds',
      help: 'Time from sending a webhook to the receiver\'s reply (or failure)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
  // Both gauges come from one query; a scrape collects them concurrently, so they share the read in flight.
  let reading: Promise<QueueStats> | null = null;
  const readStats = () => {
    reading ??= readQueueStatsAcrossOrgs(ctx.database.db).finally(() => (reading = null));
    return reading;
  };
  new Gauge({
    name: 'ofconnect_webhook_queue_depth',
    help: 'Webhook deliveries waiting to be sent (due now or retrying later)',
    registers: [registry],
    async collect() {
      this.set((await readStats()).pending);
    },
  });
  new Gauge({
    name: 'ofconnect_webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest message with a delivery still pending (0 when none)',
    registers: [registry],
    async collect() {
      const oldest = (await readStats()).oldestPendingAt;
      this.set(oldest ? Math.max(0, (ctx.clock.now().getTime() - oldest.getTime()) / 1000) : 0);
    },
  });
  return metrics;
});
