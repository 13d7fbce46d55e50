// The monitor worker: claims due checks in batches with leases (FOR UPDATE SKIP LOCKED on connections.next_check_at)
// and runs them with bounded concurrency. Any number of worker processes share one database without checking a
// connection twice in a period; a crashed worker's leases run out and its checks are claimed again.
import { setMaxListeners } from 'node:events';
import { claimDueChecks, releaseCheck, scheduleUnscheduledConnections, type ClaimedCheck } from '../connections/health-checks.ts';
import type { Clock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { ClaimedRow } from '../platform/leases.ts';
import { checkConnection, type CheckDeps } from './check-connection.ts';
import { monitorMetrics, type CheckOutcome } from './metrics.ts';
import { createPassedCheckWriter } from './passed-check-writer.ts';
import { paceLikeAccess, type ConnectionPacer } from './pacing.ts';
import { traceConnectionCheck } from './trace-check.ts';
import { monitorScheduleFrom, type RandomSource } from './schedule.ts';

export interface MonitorWorkerOptions {
  /** Schedules and leases run on this clock (default: the context's). */
  clock?: Clock;
  /** Checks in flight at once (default config.monitorConcurrency). */
  concurrency?: number;
  /** Most checks one claim takes (default 500). */
  batchSize?: number;
  /** How long a claim holds a connection (default config.monitorLeaseMs). */
  leaseMs?: number;
  /** Wake-up period of the running worker (default 1000 ms). */
  pollIntervalMs?: number;
  /** How often the running worker schedules active Link connections that have no check scheduled (default 60 s). */
  sweepIntervalMs?: number;
  /** Spends a token of the connection's pacing per check (default: Access's token bucket, see pacing.ts). */
  pace?: ConnectionPacer;
  /** Jitter source (default Math.random; tests pass a seeded one). */
  random?: RandomSource;
  /** How long stop() lets in-flight checks finish before aborting them (default 5000 ms). */
  stopGraceMs?: number;
}

export type TickSummary = Record<CheckOutcome, number> & { checked: number };

export interface MonitorWorker {
  /** Claims and runs every check due now, repeatedly, until none is left. Tests drive the monitor with it on a
   *  manual clock; it also schedules connections that have no check yet. */
  tick(): Promise<TickSummary>;
  stop(): Promise<void>;
  /** Checks this worker finished (introspection for tests and benchmarks). */
  readonly checksMade: number;
}

const SWEEP_LIMIT = 1000;

function emptySummary(): TickSummary {
  return { checked: 0, active: 0, expired: 0, transient_failure: 0, paced: 0, lease_lost: 0 };
}

/** A worker that only moves when tick() (or pump()) is called: no timer. */
export function createMonitorWorker(ctx: ServiceContext, options: MonitorWorkerOptions = {}): MonitorWorker & { pump(): void; sweep(): Promise<number> } {
  const clock = options.clock ?? ctx.clock;
  const concurrency = options.concurrency ?? ctx.config.monitorConcurrency;
  const batchSize = options.batchSize ?? 500;
  const leaseMs = options.leaseMs ?? ctx.config.monitorLeaseMs;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const writePassed = createPassedCheckWriter(ctx.database.db);
  /** Checks in flight that are only waiting for their passed result to be written: they hold no upstream slot. */
  let recording = 0;
  /** Set by the first pump(): from then on a freed slot claims more. tick() alone (tests) claims only in its loop. */
  let isPumped = false;
  const stopController = new AbortController();
  // Each check in flight listens for the stop (check-connection.ts, platform/deadline.ts): as many listeners as slots.
  setMaxListeners(0, stopController.signal);
  const schedule = monitorScheduleFrom(ctx.config);
  const deps: CheckDeps = {
    ctx,
    clock,
    schedule,
    random: options.random ?? Math.random,
    pace: options.pace ?? paceLikeAccess(ctx),
    timeoutMs: Math.min(30_000, Math.floor(leaseMs / 2)),
    expiringAfterMs: ctx.config.monitorExpiringAfterHours > 0 ? ctx.config.monitorExpiringAfterHours * 3_600_000 : null,
    metrics: monitorMetrics(ctx),
    recordPassed: async (check) => {
      // The check is done with upstream: its slot goes to the next one while its row waits for its group's write.
      recording += 1;
      if (isPumped) refill();
      try {
        return await writePassed(check);
      } finally {
        recording -= 1;
      }
    },
    stopSignal: stopController.signal,
  };
  const inFlight = new Set<Promise<CheckOutcome | null>>();
  const refillAt = Math.max(1, Math.floor(concurrency / 4));
  let checksMade = 0;
  let stopped = false;
  let pumping = false;
  /** The claim round in progress (stop() waits for it). */
  let pumpRound: Promise<void> = Promise.resolve();
  let pumpAgain = false;

  function claim(limit: number) {
    return claimDueChecks(ctx.database.db, { now: clock.now(), leaseMs, limit: Math.min(limit, batchSize) });
  }

  function start(claimed: ClaimedCheck): Promise<CheckOutcome | null> {
    const { lease, row } = claimed;
    const latenessMs = row.nextCheckAt ? Math.max(0, clock.now().getTime() - row.nextCheckAt.getTime()) : 0;
    deps.metrics.checkLateness.observe(latenessMs / 1000);
    const checked = ctx.tracing.isEnabled
      ? traceConnectionCheck(ctx.tracing.tracer, row, latenessMs, () => checkConnection(deps, claimed))
      : checkConnection(deps, claimed);
    const running = checked
      .then((outcome) => {
        checksMade += 1;
        deps.metrics.checks.inc({ outcome });
        return outcome;
      })
      .catch((error: unknown) => {
        // The lease runs out and the check is claimed again; nothing is lost.
        ctx.logger.error({ err: error, connectionId: lease.id }, 'connection check failed unexpectedly');
        return null;
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
    return running;
  }

  /** Upstream slots free: checks in flight hold one until their upstream call has answered. */
  function freeSlots(): number {
    return concurrency - (inFlight.size - recording);
  }

  /** After a check: claim again once a quarter of the slots are free, so a claim (one query) fetches many checks
   *  rather than one per finished check. */
  function refill(): void {
    if (freeSlots() >= refillAt) pump();
  }

  /** Fills free slots with due checks. Calls while a claim is running coalesce into one more round. */
  function pump(): void {
    if (stopped) return;
    isPumped = true;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    pumpRound = (async () => {
      try {
        do {
          pumpAgain = false;
          const free = freeSlots();
          if (free <= 0) break;
          const claimed = await claim(free);
          if (stopped) {
            // Claimed while stopping: hand the checks back at once instead of letting their leases run out.
            await Promise.all(claimed.map(({ lease, row }) => releaseCheck(ctx.database.db, lease, row.nextCheckAt)));
            break;
          }
          for (const check of claimed) void start(check).then(refill);
          // A full batch means more may be due right now.
          if (claimed.length === Math.min(free, batchSize)) pumpAgain = true;
        } while (pumpAgain && !stopped);
      } catch (error) {
        ctx.logger.error({ err: error }, 'claiming connection checks failed; retrying on the next wake-up');
      } finally {
        pumping = false;
      }
    })();
  }

  function sweep(): Promise<number> {
    return scheduleUnscheduledConnections(ctx.database.db, clock.now(), schedule.intervalMs, SWEEP_LIMIT);
  }

  async function tick(): Promise<TickSummary> {
    const summary = emptySummary();
    let scheduled: number;
    do scheduled = await sweep();
    while (scheduled === SWEEP_LIMIT);
    for (;;) {
      const claimed = await claim(concurrency);
      if (claimed.length === 0) return summary;
      const outcomes = await Promise.all(claimed.map(start));
      for (const outcome of outcomes) {
        if (outcome === null) continue;
        summary[outcome] += 1;
        summary.checked += 1;
      }
    }
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    const grace = setTimeout(() => stopController.abort(new Error('the monitor worker is stopping')), stopGraceMs);
    grace.unref();
    await pumpRound;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    clearTimeout(grace);
  }

  return {
    tick,
    stop,
    pump,
    sweep,
    get checksMade() {
      return checksMade;
    },
  };
}

/** The running worker of a service: wakes on a timer, keeps its slots full while checks are due. */
export async function startMonitorWorker(ctx: ServiceContext, options: MonitorWorkerOptions = {}): Promise<MonitorWorker> {
  const worker = createMonitorWorker(ctx, options);
  const timer = setInterval(() => worker.pump(), options.pollIntervalMs ?? 1000);
  timer.unref();
  // Every worker sweeps; SKIP LOCKED keeps concurrent sweeps from waiting on each other.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = worker.sweep().catch((error: unknown) => ctx.logger.error({ err: error }, 'scheduling unscheduled connections failed'));
    return sweeping;
  };
  const sweepTimer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
  sweepTimer.unref();
  await sweep();
  worker.pump();
  return {
    tick: () => worker.tick(),
    get checksMade() {
      return worker.checksMade;
    },
    async stop() {
      clearInterval(timer);
      clearInterval(sweepTimer);
      await sweeping;
      await worker.stop();
    },
  };
}
