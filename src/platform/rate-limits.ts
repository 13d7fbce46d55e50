// Rate limits with rate-limiter-flexible: in memory by default, in Redis when several nodes must share them.
// A limit is "N per minute with a burst of B": a steady limiter of N/min plus a burst allowance of B−N (the
// library's BurstyRateLimiter), which behaves like a token bucket of size B refilled at N per minute.
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Redis } from 'ioredis';
import { ApiError } from './errors.ts';

export interface LimitSpec {
  /** Tokens refilled per minute. */
  perMinute: number;
  /** Bucket size: what may be spent at once. */
  burst: number;
}

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the bucket is full again. */
  resetAt: number;
  /** Seconds until one token is available (0 when allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiters {
  /** Spends one token of `key` under `spec` (limiters are made once per distinct spec and name). */
  consume(name: string, spec: LimitSpec, key: string): Promise<LimitDecision>;
  readonly backend: 'memory' | 'redis';
  close(): Promise<void>;
}

export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(decision.resetAt),
  };
  if (!decision.allowed) headers['retry-after'] = String(Math.max(1, decision.retryAfterSeconds));
  return headers;
}

export function rateLimitExceeded(decision: LimitDecision, what: string): ApiError {
  return new ApiError('RATE_LIMIT_EXCEEDED', `Rate limit exceeded for ${what}; retry in ${Math.max(1, decision.retryAfterSeconds)} s`, {
    headers: rateLimitHeaders(decision),
    details: { retryAfter: Math.max(1, decision.retryAfterSeconds) },
  });
}

export function createRateLimiters(options: { redisUrl: string | null; keyPrefix?: string }): RateLimiters {
  const redis = options.redisUrl ? new Redis(options.redisUrl, { enableOfflineQueue: true, maxRetriesPerRequest: 2, lazyConnect: false }) : null;
  const prefix = options.keyPrefix ?? 'ofc';
  const limiters = new Map<string, { consume(key: string): Promise<RateLimiterRes> }>();

  function limiterFor(name: string, spec: LimitSpec) {
    const id = `${name}:${spec.perMinute}:${spec.burst}`;
    let limiter = limiters.get(id);
    if (limiter) return limiter;
    const extra = Math.max(0, spec.burst - spec.perMinute);
    const make = (suffix: string, points: number) => {
      const opts = { keyPrefix: `${prefix}:${id}:${suffix}`, points: Math.max(points, 1), duration: 60 };
      return redis ? new RateLimiterRedis({ ...opts, storeClient: redis }) : new RateLimiterMemory(opts);
    };
    const steady = make('rate', Math.min(spec.perMinute, spec.burst));
    limiter = extra > 0 ? new BurstyRateLimiter(steady, make('burst', extra)) : steady;
    limiters.set(id, limiter);
    return limiter;
  }

  return {
    backend: redis ? 'redis' : 'memory',
    async consume(name, spec, key) {
      const limiter = limiterFor(name, spec);
      const now = Date.now();
      try {
        const res = await limiter.consume(key);
        return {
          allowed: true,
          limit: spec.burst,
          remaining: Math.max(0, spec.burst - res.consumedPoints),
          resetAt: Math.ceil((now + res.msBeforeNext) / 1000),
          retryAfterSeconds: 0,
        };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return {
          allowed: false,
          limit: spec.burst,
          remaining: 0,
          resetAt: Math.ceil((now + rejection.msBeforeNext) / 1000),
          retryAfterSeconds: Math.ceil(rejection.msBeforeNext / 1000),
        };
      }
    },
    async close() {
      await redis?.quit().catch(() => {});
    },
  };
}
