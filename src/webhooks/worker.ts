// The webhook delivery worker: claims due deliveries with leases and sends them. It wakes on NOTIFY (a commit that
// recorded events), when a delivery finishes (the next event of that connection may now go), and on a polling
// timer (retries coming due, leases of crashed workers running out). Any number of workers may share a database.
import { Agent } from 'undici';
import type { Clock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { ClaimedRow } from '../platform/leases.ts';
import { createCompletionWriter } from './completion-writer.ts';
import { deliverWebhookMessage, type DeliveryDeps } from './deliver.ts';
import { webhookMetrics } from './metrics.ts';
import { DELIVERIES_CHANNEL } from './outbox.ts';
import { ATTEMPT_TIMEOUT_MS } from './retry-schedule.ts';
import * as store from './store.ts';
import { publicOnlyLookup, urlPolicyAllowsPrivate } from './url-policy.ts';

export interface RunningWorker {
  stop(): Promise<void>;
}

export interface WebhookWorkerOptions {
  /** Schedules and leases run on this clock (default: the context's). */
  clock?: Clock;
  /** Deliveries in flight at once (default 32). */
  concurrency?: number;
  /** Fallback wake-up when no NOTIFY arrives (default 1000 ms). */
  pollIntervalMs?: number;
  /** How long a claim holds a delivery (default config.webhookLeaseMs). */
  leaseMs?: number;
  /** How long stop() lets in-flight attempts finish before abandoning them (default 5000 ms). */
  stopGraceMs?: number;
}

export interface WebhookWorker extends RunningWorker {
  /** Claims and sends everything due now, repeatedly, until nothing is left; resolves with the number sent.
   *  Tests drive the loop with it on a manual clock. */
  drain(): Promise<number>;
  /** Attempts this worker has made (introspection for tests and benchmarks). */
  readonly attemptsMade: number;
}

interface WorkerCore extends WebhookWorker {
  /** From now on, fill free slots whenever woken or a delivery finishes. */
  run(): void;
  pump(): void;
  /** The polling tick: unblock stalled queues, then look for due work. */
  tick(): void;
}

function createWorkerCore(ctx: ServiceContext, options: WebhookWorkerOptions): WorkerCore {
  const clock = options.clock ?? ctx.clock;
  const concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? ctx.config.webhookLeaseMs;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const refillBatch = Math.max(1, Math.floor(concurrency / 8));
  const stopController = new AbortController();
  // Private addresses are refused while connecting (after DNS), unless the configuration allows them.
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    connections: concurrency,
    ...(urlPolicyAllowsPrivate(ctx.config) ? {} : { connect: { lookup: publicOnlyLookup } }),
  });
  const deps: DeliveryDeps = {
    ctx,
    clock,
    dispatcher,
    // An attempt always ends well inside its lease, so a live worker never has its delivery taken over mid-request.
    attemptTimeoutMs: Math.min(ATTEMPT_TIMEOUT_MS, Math.floor(leaseMs / 2)),
    metrics: webhookMetrics(ctx),
    stopSignal: stopController.signal,
    attemptsInFlight: new Set(),
    completions: createCompletionWriter(ctx, clock),
  };
  const inFlight = new Set<Promise<void>>();
  let attemptsMade = 0;
  let stopped = false;
  let running = false;
  let pumping = false;
  let pumpAgain = false;

  function claim(limit: number): Promise<Array<{ lease: ClaimedRow; job: store.DeliveryJob }>> {
    return store.claimDeliveryJobs(ctx.database.db, { now: clock.now(), leaseMs, limit });
  }

  function start(lease: ClaimedRow, job: store.DeliveryJob): Promise<void> {
    const running = deliverWebhookMessage(deps, job, lease)
      .then((outcome) => {
        if (outcome !== 'abandoned') {
          attemptsMade += 1;
          deps.metrics.deliveries.inc({ outcome });
        }
      })
      .catch((error: unknown) => {
        // The lease runs out and another claim retries it; nothing is lost.
        ctx.logger.error({ err: error, deliveryId: lease.id }, 'webhook delivery failed unexpectedly');
      })
      .finally(() => {
        inFlight.delete(running);
        // Claiming costs a round trip whatever its size: refill in batches as deliveries finish, unless the
        // worker ran dry (the next event of this connection may be waiting). NOTIFY and the timer claim at once.
        if (concurrency - inFlight.size >= refillBatch || inFlight.size === 0) pump();
      });
    inFlight.add(running);
    return running;
  }

  /** Fills free slots with due deliveries. Calls while a claim is running coalesce into one more round. */
  function pump(): void {
    if (stopped || !running) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    void (async () => {
      try {
        do {
          pumpAgain = false;
          const free = concurrency - inFlight.size;
          if (free <= 0) break;
          const claimed = await claim(free);
          for (const { lease, job } of claimed) start(lease, job);
          // A full batch means more may be due right now.
          if (claimed.length === free) pumpAgain = true;
        } while (pumpAgain && !stopped);
      } catch (error) {
        ctx.logger.error({ err: error }, 'claiming webhook deliveries failed; retrying on the next wake-up');
      } finally {
        pumping = false;
      }
    })();
  }

  async function promoteStalled(): Promise<void> {
    try {
      if ((await store.promoteStalledDeliveries(ctx.database.db, clock.now())) > 0) pump();
    } catch (error) {
      ctx.logger.error({ err: error }, 'promoting waiting webhook deliveries failed; retrying on the next tick');
    }
  }

  async function drain(): Promise<number> {
    await promoteStalled();
    let sent = 0;
    for (;;) {
      const claimed = await claim(concurrency);
      if (claimed.length === 0) return sent;
      await Promise.all(claimed.map(({ lease, job }) => start(lease, job)));
      sent += claimed.length;
    }
  }

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    const grace = setTimeout(() => {
      const reason = new Error('the webhook worker is stopping');
      stopController.abort(reason);
      for (const attempt of deps.attemptsInFlight) attempt.abort(reason);
    }, stopGraceMs);
    grace.unref();
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    clearTimeout(grace);
    await dispatcher.close().catch(() => {});
  }

  return {
    drain,
    stop,
    pump,
    run() {
      running = true;
      pump();
    },
    tick() {
      void promoteStalled();
      pump();
    },
    get attemptsMade() {
      return attemptsMade;
    },
  };
}

/** A worker that only moves when drain() is called: no LISTEN, no timer (tests on a manual clock). */
export function createWebhookWorker(ctx: ServiceContext, options: WebhookWorkerOptions = {}): WebhookWorker {
  const core = createWorkerCore(ctx, options);
  return {
    drain: () => core.drain(),
    stop: () => core.stop(),
    get attemptsMade() {
      return core.attemptsMade;
    },
  };
}

/** The running worker of a service: LISTENs for new deliveries and polls as a fallback. */
export async function startWebhookWorker(ctx: ServiceContext, options: WebhookWorkerOptions = {}): Promise<WebhookWorker> {
  const worker = createWorkerCore(ctx, options);
  const unlisten = await ctx.database.listen(DELIVERIES_CHANNEL, () => worker.pump());
  const timer = setInterval(() => worker.tick(), options.pollIntervalMs ?? 1000);
  timer.unref();
  worker.run();
  return {
    drain: () => worker.drain(),
    get attemptsMade() {
      return worker.attemptsMade;
    },
    async stop() {
      clearInterval(timer);
      await unlisten().catch(() => {});
      await worker.stop();
    },
  };
}
