// The webhook delivery worker: claims due deliveries with leases and sends them. It works in rounds: one statement
// (delivery-round.ts) records the attempts that finished since the last round and claims deliveries for the free
// slots, so a busy worker makes one round trip per batch. A round runs when NOTIFY says a commit recorded events,
// when a delivery finishes (the next event of that connection may now go), and on a polling timer (retries coming
// due, leases of crashed workers running out). Any number of workers may share a database.
import { Agent } from 'undici';
import type { Clock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import { releaseLease, type ClaimedRow } from '../platform/leases.ts';
import { deliverWebhookMessage, type CompletionWriter, type DeliveryDeps } from './deliver.ts';
import { webhookMetrics } from './metrics.ts';
import { DELIVERIES_CHANNEL } from './outbox.ts';
import { ATTEMPT_TIMEOUT_MS } from './retry-schedule.ts';
import * as deliveryRound from './delivery-round.ts';
import { publicOnlyLookup, urlPolicyAllowsPrivate } from '../platform/outbound.ts';

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
  /** Statements its rounds and drain()'s claims have run, each recording a batch of attempts and/or claiming the
   *  next (the benchmark reports them per delivery); failed attempts' own transactions and the polling sweep aside. */
  readonly roundTripsMade: number;
}

interface WorkerCore extends WebhookWorker {
  /** From now on, fill free slots whenever woken or a delivery finishes. */
  run(): void;
  pump(): void;
  /** The polling tick: unblock stalled queues, then look for due work. */
  tick(): void;
}

interface FinishedAttempt {
  completion: deliveryRound.Completion;
  resolve(held: boolean): void;
  reject(error: unknown): void;
}

function createWorkerCore(ctx: ServiceContext, options: WebhookWorkerOptions): WorkerCore {
  const clock = options.clock ?? ctx.clock;
  const concurrency = options.concurrency ?? 32;
  const leaseMs = options.leaseMs ?? ctx.config.webhookLeaseMs;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  // Rounds running at once: while one waits for the database, the next gathers finished attempts and free slots.
  const maxLanes = 2;
  const stopController = new AbortController();
  // Private addresses are refused while connecting (after DNS), unless the configuration allows them.
  const dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    connections: concurrency,
    ...(urlPolicyAllowsPrivate(ctx.config) ? {} : { connect: { lookup: publicOnlyLookup } }),
  });
  /** Successful attempts waiting for the next round to record them. */
  let finished: FinishedAttempt[] = [];
  const completions: CompletionWriter = {
    write(completion) {
      return new Promise<boolean>((resolve, reject) => {
        finished.push({ completion, resolve, reject });
        // Its request is over: the slot is free now, not once the round has recorded it.
        freeSlot(completion.lease.id);
      });
    },
  };
  const deps: DeliveryDeps = {
    ctx,
    clock,
    dispatcher,
    // An attempt always ends well inside its lease, so a live worker never has its delivery taken over mid-request.
    attemptTimeoutMs: Math.min(ATTEMPT_TIMEOUT_MS, Math.floor(leaseMs / 2)),
    metrics: webhookMetrics(ctx),
    stopSignal: stopController.signal,
    attemptsInFlight: new Set(),
    completions,
  };
  const inFlight = new Set<Promise<void>>();
  /** Deliveries whose request is still going (the worker's concurrency limit counts these). */
  const sending = new Set<string>();
  /** Claimed ahead, waiting for a slot: a slot that frees starts one at once instead of waiting for a round trip.
   *  Each is the head of its queue, so holding it ahead never reorders a connection's events. */
  const ready: Array<{ lease: ClaimedRow; job: deliveryRound.DeliveryJob }> = [];
  /** As many claimed ahead as in flight: a round (recording what finished, claiming what is next) takes a few ms on
   *  the embedded database, in which a busy worker finishes dozens of requests; half as many left slots idle,
   *  measured 49 of 64 busy on average in the webhooks benchmark. */
  const prefetch = concurrency;
  let attemptsMade = 0;
  let roundTripsMade = 0;
  let stopped = false;
  let running = false;
  let lanes = 0;
  let laneStarting = false;
  let reserved = 0;
  let wakeUp = false;
  /** Lanes running rounds right now: stop() waits for them, since a claim in flight may still add to `ready`. */
  const lanesRunning = new Set<Promise<void>>();

  function startReady(): void {
    while (sending.size < concurrency && ready.length > 0 && !stopped) {
      const next = ready.shift()!;
      start(next.lease, next.job);
    }
  }

  /** A delivery's request is over: a delivery claimed ahead takes its slot, and a round records what finished. */
  function freeSlot(deliveryId: string): void {
    if (!sending.delete(deliveryId)) return;
    startReady();
    pump(false);
  }

  function start(lease: ClaimedRow, job: deliveryRound.DeliveryJob): Promise<void> {
    sending.add(lease.id);
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
        // Successes freed their slot when they were queued for writing; other outcomes free it here.
        freeSlot(lease.id);
      });
    inFlight.add(running);
    return running;
  }

  /** Asks for a round. Rounds start on the next turn of the event loop, so every attempt finishing in this turn is
   *  recorded by the same statement. A lane runs rounds while there is work; up to `maxLanes` run at once, so one
   *  round's round trip overlaps the next. `wake` (new work may be due: NOTIFY, the timer, recorded attempts that
   *  promoted the next event of their connection) lets rounds claim; without it they only record finished attempts.
   *  Finished attempts are recorded even while the worker is stopping or only draining; only a running worker claims. */
  function pump(wake = true): void {
    if (wake) wakeUp = true;
    if (lanes >= maxLanes || laneStarting) return;
    laneStarting = true;
    lanes += 1;
    setImmediate(() => {
      laneStarting = false;
      const lane = runRounds();
      lanesRunning.add(lane);
      void lane.finally(() => lanesRunning.delete(lane));
    });
  }

  async function runRounds(): Promise<void> {
    try {
      for (;;) {
        const batch = finished;
        // Slots another lane is claiming for right now are not free.
        const free = running && !stopped ? concurrency + prefetch - sending.size - ready.length - reserved : 0;
        // Claim only when work may be due (wakeUp). A claim that comes back short ends the wake-up: claiming again
        // before something changes would find nothing.
        const limit = wakeUp && free > 0 ? free : 0;
        if (limit > 0) wakeUp = false;
        if (batch.length === 0 && limit === 0) return;
        finished = [];
        reserved += limit;
        let round: Awaited<ReturnType<typeof deliveryRound.completeAndClaimAcrossOrgs>>;
        try {
          roundTripsMade += 1;
          round = await deliveryRound.completeAndClaimAcrossOrgs(ctx.database.db, batch.map((f) => f.completion), { now: clock.now(), leaseMs, limit });
        } catch (error) {
          for (const f of batch) f.reject(error);
          throw error;
        } finally {
          reserved -= limit;
        }
        for (const f of batch) f.resolve(round.held.has(f.completion.lease.id));
        ready.push(...round.claimed);
        startReady();
        // A full claim means more may be due right now; recorded attempts may have promoted the next event of
        // their connections, which this statement's own claim could not see yet.
        if ((limit > 0 && round.claimed.length === limit) || batch.length > 0) wakeUp = true;
      }
    } catch (error) {
      ctx.logger.error({ err: error }, 'a webhook worker round failed; retrying on the next wake-up');
    } finally {
      lanes -= 1;
    }
  }

  async function promoteStalled(): Promise<void> {
    try {
      if ((await deliveryRound.sweepStalledQueuesAcrossOrgs(ctx.database.db, clock.now())) > 0) pump();
    } catch (error) {
      ctx.logger.error({ err: error }, 'promoting waiting webhook deliveries failed; retrying on the next tick');
    }
  }

  async function drain(): Promise<number> {
    await promoteStalled();
    let sent = 0;
    for (;;) {
      roundTripsMade += 1;
      const claimed = await deliveryRound.claimDueDeliveriesAcrossOrgs(ctx.database.db, { now: clock.now(), leaseMs, limit: concurrency });
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
    // A round may be claiming right now: once it returns, what it claimed is in `ready` (a stopped worker's later
    // rounds only record finished attempts, never claim).
    while (lanesRunning.size > 0) await Promise.allSettled([...lanesRunning]);
    // Deliveries claimed ahead but never started go back to the queue now rather than when their lease runs out.
    const unstarted = ready.splice(0);
    await Promise.all(unstarted.map(({ lease }) => releaseLease(ctx.database.db, deliveryRound.deliveryLeases, lease, clock.now()).catch(() => false)));
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
    get roundTripsMade() {
      return roundTripsMade;
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
    get roundTripsMade() {
      return core.roundTripsMade;
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
    get roundTripsMade() {
      return worker.roundTripsMade;
    },
    async stop() {
      clearInterval(timer);
      await unlisten().catch(() => {});
      await worker.stop();
    },
  };
}
