// The retention worker: prunes what the service keeps only for a while (the request log, the webhook log). Each
// task is a row of retention_tasks, claimed with a lease (platform/leases.ts) like the monitor's checks and the
// webhook deliveries, so with several workers one runs a task at a time and a crashed worker's task is taken over
// once its lease runs out. A run deletes in batches, renewing its lease between them and giving the event loop and
// the database a turn, until a batch comes back short; then the task is due again after RETENTION_INTERVAL_MS.
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { Counter, type Registry } from 'prom-client';
import { pruneRequestLog } from '../access/request-log/retention.ts';
import type { Clock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import { oncePerRegistry } from '../platform/metrics.ts';
import { claimDueRows, extendLease, releaseLease, type ClaimedRow, type LeasedTable } from '../platform/leases.ts';
import { pruneWebhookLog } from '../webhooks/retention.ts';
import { retentionTasks } from './tables.ts';

/** How often each task runs once it has caught up. */
export const RETENTION_INTERVAL_MS = 15 * 60_000;
/** Rows one statement deletes: small enough that other statements on the embedded database wait little behind it. */
export const RETENTION_BATCH_SIZE = 1_000;
const LEASE_MS = 5 * 60_000;

export type RetentionTask = 'request_log' | 'webhook_log';

const PRUNERS: Record<RetentionTask, (ctx: ServiceContext, now: Date, limit: number) => Promise<number>> = {
  request_log: pruneRequestLog,
  webhook_log: pruneWebhookLog,
};
const TASKS = Object.keys(PRUNERS) as RetentionTask[];

const leased: LeasedTable = { table: retentionTasks, id: retentionTasks.id, dueAt: retentionTasks.dueAt, leaseUntil: retentionTasks.leaseUntil };

export interface RetentionWorkerOptions {
  /** Ages and leases are measured on this clock (default: the context's); tests move it instead of waiting. */
  clock?: Clock;
  batchSize?: number;
  /** Wake-up period of the running worker (default 60 s). */
  pollIntervalMs?: number;
}

export interface RetentionWorker {
  /** Runs every task that is due now; resolves with the rows each removed (tasks another worker holds are absent). */
  runDue(): Promise<Partial<Record<RetentionTask, number>>>;
  stop(): Promise<void>;
}

export function createRetentionWorker(ctx: ServiceContext, options: RetentionWorkerOptions = {}): RetentionWorker {
  const clock = options.clock ?? ctx.clock;
  const batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  const pruned = prunedCounterOf(ctx.metrics.registry);
  const db = ctx.database.db;
  let stopped = false;

  /** Deletes batch after batch while the lease holds; returns the rows removed and the claim to release (null: lost). */
  async function runTask(task: RetentionTask, claim: ClaimedRow): Promise<{ removed: number; held: ClaimedRow | null }> {
    let held: ClaimedRow | null = claim;
    let removed = 0;
    while (held && !stopped) {
      const count = await PRUNERS[task](ctx, clock.now(), batchSize);
      removed += count;
      pruned.inc({ task }, count);
      if (count < batchSize) break;
      await yieldTurn();
      held = await extendLease(db, leased, held, clock.now(), LEASE_MS);
    }
    return { removed, held };
  }

  return {
    async runDue() {
      const now = clock.now();
      // A task's row is made the first time any worker runs, due at once.
      await db.execute(sql`insert into retention_tasks (id, due_at) values ${sql.join(TASKS.map((task) => sql`(${task}, ${now.toISOString()}::timestamptz)`), sql`, `)}
        on conflict (id) do nothing`);
      const claimed = await claimDueRows(db, leased, { now, leaseMs: LEASE_MS, limit: TASKS.length });
      const summary: Partial<Record<RetentionTask, number>> = {};
      for (const claim of claimed) {
        const task = claim.id as RetentionTask;
        if (!PRUNERS[task]) continue; // a task a newer version added: its own workers run it
        const { removed, held } = await runTask(task, claim);
        summary[task] = removed;
        if (held) await releaseLease(db, leased, held, new Date(clock.now().getTime() + RETENTION_INTERVAL_MS));
      }
      return summary;
    },
    async stop() {
      stopped = true;
    },
  };
}

/** The running worker of a service: a run at start, then one per poll interval (a run still going is not doubled). */
export function startRetentionWorker(ctx: ServiceContext, options: RetentionWorkerOptions = {}): RetentionWorker {
  const worker = createRetentionWorker(ctx, options);
  let running: Promise<unknown> | null = null;
  const run = () => {
    running ??= worker
      .runDue()
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'pruning old request and webhook logs failed; retrying on the next run'))
      .finally(() => (running = null));
  };
  const timer = setInterval(run, options.pollIntervalMs ?? 60_000);
  timer.unref();
  run();
  return {
    runDue: () => worker.runDue(),
    async stop() {
      clearInterval(timer);
      await worker.stop();
      await running;
    },
  };
}

/** One counter per registry: a second worker on the same service (tests) shares it. */
const prunedCounterOf = oncePerRegistry(
  (registry: Registry): Counter<'task'> =>
    new Counter({
      name: 'ofconnect_retention_pruned_total',
      help: 'Rows removed by retention, by task: request_log (request log entries), webhook_log (webhook messages, with their deliveries and attempts)',
      labelNames: ['task'],
      registers: [registry],
    }),
);
