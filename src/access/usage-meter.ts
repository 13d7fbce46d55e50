// Requests per connection per day, counted in memory and written in batches (one upsert per flush, never a write
// per request). A flush that fails puts its counts back, so a database hiccup delays usage rather than losing it.
// What is counted: Access requests that passed pacing and were sent upstream, whatever upstream answered.
import type { ServiceContext } from '../platform/context.ts';
import { addUsage, type UsageIncrement } from './usage-store.ts';

export const USAGE_FLUSH_MS = 10_000;

export interface UsageMeter {
  count(orgId: string, connectionId: string): void;
  flush(): Promise<void>;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export function createUsageMeter(ctx: ServiceContext): UsageMeter {
  let pending = new Map<string, UsageIncrement>();
  let flushing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => void meter.flush().catch((error: unknown) => ctx.logger.warn({ err: error }, 'usage flush failed')), USAGE_FLUSH_MS);
  timer.unref();

  // One UTC day string per calendar day, recomputed only when the day changes (the count path stays cheap).
  let dayStartsAt = 0;
  let dayEndsAt = 0;
  let today = '';
  function currentDay(): string {
    const now = ctx.clock.now().getTime();
    if (now < dayStartsAt || now >= dayEndsAt) {
      dayStartsAt = now - (now % 86_400_000);
      dayEndsAt = dayStartsAt + 86_400_000;
      today = new Date(dayStartsAt).toISOString().slice(0, 10);
    }
    return today;
  }

  async function writePending(): Promise<void> {
    if (pending.size === 0) return;
    const batch = [...pending.values()];
    pending = new Map();
    try {
      await addUsage(ctx.database.db, batch);
    } catch (error) {
      for (const increment of batch) add(increment.orgId, increment.connectionId, increment.day, increment.requests);
      throw error;
    }
  }

  function add(orgId: string, connectionId: string, day: string, requests: number): void {
    const key = `${orgId}|${connectionId}|${day}`;
    const existing = pending.get(key);
    if (existing) existing.requests += requests;
    else pending.set(key, { orgId, connectionId, day, requests });
  }

  const meter: UsageMeter = {
    count(orgId, connectionId) {
      add(orgId, connectionId, currentDay(), 1);
    },
    flush() {
      // Flushes run one after another, so two never race on the same rows' increments.
      flushing = flushing.catch(() => undefined).then(writePending);
      return flushing;
    },
    async close() {
      clearInterval(timer);
      await meter.flush();
    },
  };
  return meter;
}
