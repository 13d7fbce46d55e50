// Monitor metrics on the service's registry: checks by outcome, how long the upstream call took, how late each check
// started against its schedule, and the lag behind schedule (how overdue the most overdue check is), read from the
// database at scrape time so any node reports it.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ServiceContext } from '../platform/context.ts';
import { oncePerRegistry } from '../platform/metrics.ts';
import { earliestScheduledCheck } from '../connections/health-checks.ts';

export type CheckOutcome = 'active' | 'expired' | 'transient_failure' | 'paced' | 'lease_lost';

export interface MonitorMetrics {
  checks: Counter<'outcome'>;
  checkDuration: Histogram;
  /** Per check: how long after its scheduled time it started (the gauge below is only the worst one, at scrape time). */
  checkLateness: Histogram;
}

/** One set per registry: several monitor workers in one process (tests, benchmarks) share it. */
export function monitorMetrics(ctx: ServiceContext): MonitorMetrics {
  return monitorMetricsOf(ctx.metrics.registry, ctx);
}

const monitorMetricsOf = oncePerRegistry((registry: Registry, ctx: ServiceContext): MonitorMetrics => {
  const metrics: MonitorMetrics = {
    checks: new Counter({
      name: 'ofconnect_monitor_checks_total',
      help: 'Connection health checks by outcome (active, expired, transient_failure = retried with backoff, paced = deferred by the connection\'s pacing, lease_lost)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'ofconnect_monitor_check_duration_seconds',
      help: 'Time the upstream session check took (GET /users/me through the connection\'s session and proxy)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    checkLateness: new Histogram({
      name: 'ofconnect_monitor_check_lateness_seconds',
      help: 'How late each connection check started against its schedule (its next check time), in seconds',
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 24 * 3600],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'ofconnect_monitor_lag_seconds',
    help: 'How far behind schedule the monitor is: age of the oldest overdue check (0 when none is overdue)',
    registers: [registry],
    async collect() {
      const earliest = await earliestScheduledCheck(ctx.database.db);
      this.set(earliest ? Math.max(0, (ctx.clock.now().getTime() - earliest.getTime()) / 1000) : 0);
    },
  });
  return metrics;
});
