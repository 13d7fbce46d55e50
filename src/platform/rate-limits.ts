// Rate limits as token buckets, as OFAuth documents its own (docs/ofauth-wire-contract.md §9.1: "refills at N
// requests a minute with a burst of B"): a bucket holds at most B tokens, refills continuously at N a minute, and
// every request spends one. A full bucket lets B requests through at once; after that one every 60/N seconds.
// In memory by default; in Redis (one Lua script per spend, atomic) when several nodes must share them.
//
// A bucket is keyed by its name and key only, not by its spec: changing a connection's pacing reshapes its bucket
// (capped at the new burst) rather than handing it a fresh, full one.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { ApiError } from './errors.ts';

export interface LimitSpec {
  /** Tokens refilled per minute. */
  perMinute: number;
  /** Bucket size: what may be spent at once. */
  burst: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** The bucket size (X-RateLimit-Limit). */
  limit: number;
  /** Whole tokens left after this request (X-RateLimit-Remaining). */
  remaining: number;
  /** Unix seconds when the bucket is full again (X-RateLimit-Reset). */
  resetAt: number;
  /** Seconds until one token is available (0 when allowed; Retry-After on a 429). */
  retryAfterSeconds: number;
}

export interface RateLimiters {
  /** Spends one token of bucket `key` of limit `name` under `spec`. */
  consume(name: string, spec: LimitSpec, key: string): Promise<LimitDecision>;
  readonly backend: 'memory' | 'redis';
  close(): Promise<void>;
}

export interface RateLimitersOptions {
  redisUrl: string | null;
  keyPrefix?: string;
  /** Milliseconds since the epoch; tests drain and refill buckets on a manual clock. With Redis, every node's
   *  clock is used as is (NTP keeps them close; a node behind never refills a bucket backwards). */
  now?: () => number;
  /** Buckets kept in memory; the least recently used leave first. */
  maxMemoryBuckets?: number;
}

/** A bucket as stored: tokens (fractional) as of `updatedAtMs`. */
interface BucketState {
  tokens: number;
  updatedAtMs: number;
}

// Float refills (e.g. 5/min = 1/12000 per ms) land a hair under a whole token exactly when one is due.
const EPSILON = 1e-9;

function normalised(spec: LimitSpec): { burst: number; perMs: number } {
  const burst = Math.max(1, Math.floor(Number.isFinite(spec.burst) ? spec.burst : 1));
  const perMinute = Number.isFinite(spec.perMinute) && spec.perMinute > 0 ? spec.perMinute : 1;
  return { burst, perMs: perMinute / 60_000 };
}

/** The bucket refilled up to `nowMs` (never backwards) and capped at the burst. */
function refilled(state: BucketState | undefined, burst: number, perMs: number, nowMs: number): BucketState {
  if (!state) return { tokens: burst, updatedAtMs: nowMs };
  if (nowMs <= state.updatedAtMs) return { tokens: Math.min(burst, state.tokens), updatedAtMs: state.updatedAtMs };
  return { tokens: Math.min(burst, state.tokens + (nowMs - state.updatedAtMs) * perMs), updatedAtMs: nowMs };
}

/** What the reply says, from the tokens left after the request (allowed) or before it (refused). */
function decisionOf(allowed: boolean, tokens: number, burst: number, perMs: number, nowMs: number): LimitDecision {
  const toFullMs = Math.max(0, burst - tokens) / perMs;
  return {
    allowed,
    limit: burst,
    remaining: Math.max(0, Math.floor(tokens + EPSILON)),
    resetAt: Math.ceil((nowMs + toFullMs) / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(((1 - tokens) / perMs - EPSILON) / 1000)),
  };
}

/** One spend on a bucket: the new state and the decision. The Redis script below does the same arithmetic. */
export function spendToken(state: BucketState | undefined, spec: LimitSpec, nowMs: number): { state: BucketState; decision: LimitDecision } {
  const { burst, perMs } = normalised(spec);
  const current = refilled(state, burst, perMs, nowMs);
  const allowed = current.tokens >= 1 - EPSILON;
  const next = allowed ? { ...current, tokens: Math.max(0, current.tokens - 1) } : current;
  return { state: next, decision: decisionOf(allowed, next.tokens, burst, perMs, nowMs) };
}

// KEYS[1] bucket; ARGV burst, tokens per ms, now (ms). Returns {allowed (0/1), tokens left as a string} (Redis
// would truncate a Lua number to an integer). Expires once it would be full anyway.
const SPEND_SCRIPT = `
local burst = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local stored = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(stored[1])
local updated = tonumber(stored[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
elseif now > updated then
  tokens = math.min(burst, tokens + (now - updated) * perMs)
  updated = now
else
  tokens = math.min(burst, tokens)
end
local allowed = 0
if tokens >= 1 - ${EPSILON} then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%.17g', updated))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / perMs) + 1000)
return {allowed, string.format('%.17g', tokens)}
`;

type SpendingRedis = Redis & { spendToken(key: string, burst: number, perMs: number, now: number): Promise<[number, string]> };

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

export function createRateLimiters(options: RateLimitersOptions): RateLimiters {
  const now = options.now ?? Date.now;
  const prefix = options.keyPrefix ?? 'ofc';
  if (options.redisUrl) return createRedisRateLimiters(options.redisUrl, prefix, now);
  return createMemoryRateLimiters(now, options.maxMemoryBuckets ?? 100_000);
}

function createMemoryRateLimiters(now: () => number, maxBuckets: number): RateLimiters {
  // Least recently used buckets leave first: they are the ones most likely full again, and a full bucket is the
  // same as an absent one.
  const buckets = new LRUCache<string, BucketState>({ max: maxBuckets });
  return {
    backend: 'memory',
    async consume(name, spec, key) {
      const id = `${name}:${key}`;
      const spent = spendToken(buckets.get(id), spec, now());
      buckets.set(id, spent.state);
      return spent.decision;
    },
    async close() {
      buckets.clear();
    },
  };
}

// ioredis is loaded only when Redis is configured: a node without it does not pay for loading it at start.
const requireModule = createRequire(import.meta.url);

function createRedisRateLimiters(redisUrl: string, prefix: string, now: () => number): RateLimiters {
  const { Redis: RedisClient } = requireModule('ioredis') as typeof import('ioredis');
  const redis = new RedisClient(redisUrl, { enableOfflineQueue: true, maxRetriesPerRequest: 2, lazyConnect: false }) as SpendingRedis;
  redis.defineCommand('spendToken', { numberOfKeys: 1, lua: SPEND_SCRIPT });
  return {
    backend: 'redis',
    async consume(name, spec, key) {
      const { burst, perMs } = normalised(spec);
      const nowMs = Math.floor(now());
      const [allowed, left] = await redis.spendToken(`${prefix}:bucket:${name}:${key}`, burst, perMs, nowMs);
      return decisionOf(allowed === 1, Number(left), burst, perMs, nowMs);
    },
    async close() {
      await redis.quit().catch(() => {});
    },
  };
}
