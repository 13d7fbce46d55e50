// Per-connection pacing, so nothing a client does looks like a bot to OnlyFans: a token bucket (default 60/min,
// burst 90; org settings, then the connection's override) shared by every node through ctx.rateLimiters (Redis when
// REDIS_URL is set), and a cap on requests in flight per account (default 2).
//
// The concurrency cap is per node (an in-memory gate): several nodes behind a balancer each allow `concurrency`.
// Requests over the cap wait in a short FIFO queue — a burst of a few calls is normal client behaviour and should
// not fail — but never long: after CONCURRENCY_WAIT_MS, or when QUEUE_LIMIT requests already wait, the request is a
// 429 with Retry-After, like an exhausted bucket. A token is spent before queueing, so a request refused for
// concurrency still counted against the rate (it did arrive).
import { trace } from '@opentelemetry/api';
import type { PacingSettings } from '../account/settings.ts';
import { ApiError } from '../platform/errors.ts';
import { rateLimitExceeded, rateLimitHeaders, type LimitDecision, type RateLimiters } from '../platform/rate-limits.ts';
import type { AccessMetrics } from './metrics.ts';

export const CONCURRENCY_WAIT_MS = 1_000;
export const QUEUE_LIMIT = 32;

export interface Admission {
  /** X-RateLimit-* for the reply. */
  headers: Record<string, string>;
  /** How long admission took (token bucket and any queueing), and whether the request queued for a slot. */
  readonly waitedMs: number;
  readonly wasQueued: boolean;
  /** Frees the in-flight slot; call exactly once. */
  release(): void;
}

export interface ConnectionPacing {
  /** Spends a token and takes an in-flight slot, or throws RATE_LIMIT_EXCEEDED (headers included). */
  admit(connectionId: string, pacing: PacingSettings): Promise<Admission>;
}

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

interface Gate {
  active: number;
  queue: Waiter[];
}

export function createConnectionPacing(rateLimiters: RateLimiters, metrics: AccessMetrics): ConnectionPacing {
  const gates = new Map<string, Gate>();
  // Label children resolved once: prom-client hashes the label object on every observe() otherwise.
  const waited = {
    admitted: metrics.pacingWait.labels({ outcome: 'admitted' }),
    rate: metrics.pacingWait.labels({ outcome: 'rate' }),
    concurrency: metrics.pacingWait.labels({ outcome: 'concurrency' }),
  };

  function release(connectionId: string, gate: Gate): void {
    const next = gate.queue.shift();
    if (next) {
      clearTimeout(next.timer);
      next.grant();
      return;
    }
    gate.active--;
    if (gate.active === 0) gates.delete(connectionId);
  }

  function acquire(connectionId: string, limit: number, decision: LimitDecision): Promise<void> | void {
    let gate = gates.get(connectionId);
    if (!gate) {
      gate = { active: 0, queue: [] };
      gates.set(connectionId, gate);
    }
    if (gate.active < Math.max(1, limit)) {
      gate.active++;
      return;
    }
    if (gate.queue.length >= QUEUE_LIMIT) throw concurrencyExceeded(decision, limit);
    const owner = gate;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        // The releasing request hands its slot over: `active` stays the same.
        grant: resolve,
        timer: setTimeout(() => {
          owner.queue.splice(owner.queue.indexOf(waiter), 1);
          reject(concurrencyExceeded(decision, limit));
        }, CONCURRENCY_WAIT_MS),
      };
      owner.queue.push(waiter);
    });
  }

  return {
    async admit(connectionId, pacing) {
      const startedAt = performance.now();
      const decision = await rateLimiters.consume('access', { perMinute: pacing.requestsPerMinute, burst: pacing.burst }, connectionId);
      if (!decision.allowed) {
        metrics.pacingRejections.inc({ reason: 'rate' });
        notePacing(waited.rate, startedAt, 'rate', false);
        throw rateLimitExceeded(decision, 'this connection');
      }
      // Usually a free slot is taken synchronously: only a queued request waits (and pays for a promise).
      let queued: Promise<void> | void = undefined;
      try {
        queued = acquire(connectionId, pacing.concurrency, decision);
        if (queued) await queued;
      } catch (error) {
        metrics.pacingRejections.inc({ reason: 'concurrency' });
        notePacing(waited.concurrency, startedAt, 'concurrency', Boolean(queued));
        throw error;
      }
      const waitedMs = notePacing(waited.admitted, startedAt, 'admitted', Boolean(queued));
      return new HeldSlot(rateLimitHeaders(decision), waitedMs, Boolean(queued), connectionId, gates, release);
    },
  };
}

/** The wait in the histogram, and on the request's span (when one is recorded) as a `pacing` event. */
function notePacing(histogram: { observe(seconds: number): void }, startedAt: number, outcome: 'admitted' | 'rate' | 'concurrency', wasQueued: boolean): number {
  const waitedMs = performance.now() - startedAt;
  histogram.observe(waitedMs / 1000);
  trace.getActiveSpan()?.addEvent('pacing', { 'ofconnect.pacing.outcome': outcome, 'ofconnect.pacing.wait_ms': Math.round(waitedMs * 1000) / 1000, 'ofconnect.pacing.queued': wasQueued });
  return waitedMs;
}

/** An admitted request's slot (a class, not closures: one allocation per request on the hot path). */
class HeldSlot implements Admission {
  #released = false;
  constructor(
    readonly headers: Record<string, string>,
    readonly waitedMs: number,
    readonly wasQueued: boolean,
    private readonly connectionId: string,
    private readonly gates: Map<string, Gate>,
    private readonly releaseGate: (connectionId: string, gate: Gate) => void,
  ) {}

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const gate = this.gates.get(this.connectionId);
    if (gate) this.releaseGate(this.connectionId, gate);
  }
}

function concurrencyExceeded(decision: LimitDecision, limit: number): ApiError {
  const headers = rateLimitHeaders(decision);
  headers['retry-after'] = '1';
  return new ApiError('RATE_LIMIT_EXCEEDED', `Too many requests in flight for this connection (at most ${limit}); retry in 1 s`, {
    headers,
    details: { retryAfter: 1, reason: 'concurrency', concurrency: limit },
  });
}
