// Fixed-window request counters with a block period, on the injectable clock (O(1) per request).
// Used per session and per client IP (docs/onlyfans-web-api.md §6, §11).

export interface RateLimitRule {
  requests: number;
  windowMs: number;
  blockMs: number;
}

/** docs/onlyfans-web-api.md §11 defaults: 1,000 requests per 10 minutes, then blocked for 5 minutes. */
export const DEFAULT_RATE_LIMIT: RateLimitRule = { requests: 1000, windowMs: 10 * 60_000, blockMs: 5 * 60_000 };
/** The rate-limited scenario: 5 requests a minute, blocked for a minute. */
export const RATE_LIMITED_SCENARIO_LIMIT: RateLimitRule = { requests: 5, windowMs: 60_000, blockMs: 60_000 };

interface Counter {
  windowStart: number;
  count: number;
  blockedUntil: number;
}

const MAX_KEYS = 200_000;

export class RequestRateLimiter {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly now: () => number) {}

  /** Counts one request; returns the seconds to wait when over the limit, else 0. */
  hit(key: string, rule: RateLimitRule): number {
    const now = this.now();
    let counter = this.counters.get(key);
    if (!counter) {
      if (this.counters.size >= MAX_KEYS) this.counters.clear();
      counter = { windowStart: now, count: 0, blockedUntil: 0 };
      this.counters.set(key, counter);
    }
    if (counter.blockedUntil > now) return Math.ceil((counter.blockedUntil - now) / 1000);
    // A served block starts a fresh window, as the real site lets a blocked client back in after the wait.
    if (now - counter.windowStart >= rule.windowMs || counter.blockedUntil > 0) {
      counter.blockedUntil = 0;
      counter.windowStart = now;
      counter.count = 0;
    }
    counter.count++;
    if (counter.count > rule.requests) {
      counter.blockedUntil = now + rule.blockMs;
      return Math.ceil(rule.blockMs / 1000);
    }
    return 0;
  }

  reset(): void {
    this.counters.clear();
  }
}
