// The embedded database runs PostgreSQL in single-user mode, where autovacuum never runs: without this, dead rows
// pile up in busy tables (webhook deliveries, connection checks) and the planner never gets statistics (every
// table reports -1 rows). A periodic VACUUM (ANALYZE) does autovacuum's job. PostgreSQL servers have their own.
import type { Logger } from '../logger.ts';
import type { DatabaseHandle } from './database.ts';

export const EMBEDDED_MAINTENANCE_INTERVAL_MS = 10 * 60_000;

export interface EmbeddedMaintenance {
  /** One pass now (also what the timer runs). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startEmbeddedMaintenance(database: DatabaseHandle, logger: Logger, intervalMs = EMBEDDED_MAINTENANCE_INTERVAL_MS): EmbeddedMaintenance {
  if (database.kind !== 'pglite') return { runOnce: async () => {}, stop: async () => {} };
  let running: Promise<void> = Promise.resolve();
  const runOnce = () => {
    running = running.then(async () => {
      const started = Date.now();
      await database.vacuumAnalyze();
      logger.debug({ ms: Date.now() - started }, 'embedded database vacuumed and analysed');
    }).catch((error: unknown) => logger.warn({ err: error }, 'embedded database maintenance failed; retrying next interval'));
    return running;
  };
  // First pass soon after start (not during it: start-up time matters), then on the interval.
  const first = setTimeout(runOnce, 30_000);
  const timer = setInterval(runOnce, intervalMs);
  first.unref();
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
