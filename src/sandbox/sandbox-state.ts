// The simulator's state as one running sandbox sees it, shared by its hooks and routes.
import type { FastifyRequest } from 'fastify';
import type { AccountData } from './data/world.ts';
import { SandboxWorld } from './data/world.ts';
import { PendingWrites } from './pending-writes.ts';
import type { SandboxStore, StoreChange } from './store/store.ts';
import { fixtureAnchor } from './data/fixture-faker.ts';
import { FaultInjector } from './faults.ts';
import { accessDenied } from './onlyfans-error.ts';
import type { RandomSource } from './random.ts';
import type { RateLimitRule } from './rate-limit.ts';
import { RequestRateLimiter } from './rate-limit.ts';
import type { ReceivedRequest } from './request-log.ts';
import { RequestLog } from './request-log.ts';
import { RulesBook } from './rules-rotation.ts';
import type { AuthSession } from './sessions.ts';
import { SessionStore } from './sessions.ts';
import type { RequestIdentity } from './verify-request.ts';

export interface SandboxLimits {
  perSession: RateLimitRule;
  /** false: no per-IP limit (benchmarks and busy in-process use). */
  perIp: RateLimitRule | false;
}

export interface SandboxStateOptions {
  now: () => number;
  random: RandomSource;
  seed: number;
  limits: SandboxLimits;
  expiringSessionTtlMs: number;
  /** Where upload parts are written while in flight (a directory of this sandbox's own, removed on close). */
  uploadDir: string;
  store: SandboxStore;
  /** Whether written account areas are stored (false for the process-local store). */
  persistent: boolean;
}

/**
 * One running simulator's state: a cache of the store (sessions, rules, faults, accounts) kept coherent by the
 * store's change feed, plus what stays per node: the received-requests log and the rate-limit windows.
 */
export class SandboxState {
  readonly now: () => number;
  readonly random: RandomSource;
  readonly seed: number;
  readonly limits: SandboxLimits;
  readonly expiringSessionTtlMs: number;
  readonly uploadDir: string;
  readonly store: SandboxStore;
  readonly writes = new PendingWrites();
  readonly sessions: SessionStore;
  readonly faults: FaultInjector;
  readonly limiter: RequestRateLimiter;
  readonly requestLog = new RequestLog();

  private constructor(
    options: SandboxStateOptions,
    readonly rules: RulesBook,
    readonly world: SandboxWorld,
  ) {
    this.now = options.now;
    this.random = options.random;
    this.seed = options.seed;
    this.limits = options.limits;
    this.expiringSessionTtlMs = options.expiringSessionTtlMs;
    this.uploadDir = options.uploadDir;
    this.store = options.store;
    this.sessions = new SessionStore(options.now, options.store, this.writes);
    this.faults = new FaultInjector(options.random, options.store, this.writes);
    this.limiter = new RequestRateLimiter(options.now);
  }

  static async open(options: SandboxStateOptions): Promise<SandboxState> {
    const { store, seed, now } = options;
    // The anchor is fixed at the first start, so the fixtures are the same after every restart.
    const anchorMs = await store.anchorFor(seed, fixtureAnchor(now()));
    const rules = await RulesBook.open(options.random, now, store, seed);
    const state = new SandboxState(options, rules, new SandboxWorld(seed, anchorMs, store, options.persistent));
    await store.subscribe({ onChange: (change) => state.apply(change), onReset: () => state.dropCaches() });
    await state.faults.reload();
    await state.sessions.sweep();
    return state;
  }

  /** The change feed: what another node changed leaves this node's cache. */
  private apply(change: StoreChange): void {
    switch (change.k) {
      case 's':
        return this.sessions.forget(change.h);
      case 'S':
        return this.sessions.forgetAll();
      case 'a':
        if (change.seed === this.seed) this.world.markStale(change.u);
        return;
      case 'r':
        if (change.seed === this.seed) this.background(this.rules.reload());
        return;
      case 'f':
        return this.background(this.faults.reload());
    }
  }

  private dropCaches(): void {
    this.sessions.forgetAll();
    this.world.markAllStale();
    this.background(this.rules.reload());
    this.background(this.faults.reload());
  }

  /** A reload nobody waits for: a failure leaves the previous copy in place until the next change. */
  private background(work: Promise<void>): void {
    work.catch(() => {});
  }
}

/** Per-request facts the hooks establish for the routes. */
export interface RequestFacts {
  identity?: RequestIdentity;
  /** The account the request acts on (its session's, or a presigned upload's owner), stored after a write. */
  account?: AccountData;
  logEntry?: ReceivedRequest;
}

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export function factsOf(req: FastifyRequest): RequestFacts {
  let found = facts.get(req);
  if (!found) facts.set(req, (found = {}));
  return found;
}

export function identityOf(req: FastifyRequest): RequestIdentity {
  const identity = factsOf(req).identity;
  if (!identity) throw new Error('identityOf called outside /api2/v2');
  return identity;
}

/** The logged-in session, or "Access denied." for anonymous callers. */
export function requireSession(req: FastifyRequest): AuthSession {
  const session = identityOf(req).session;
  if (!session) throw accessDenied();
  return session;
}

export function requireAccountData(req: FastifyRequest, state: SandboxState): AccountData {
  return state.world.dataFor(requireSession(req).account);
}
