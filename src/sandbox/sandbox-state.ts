// The simulator's in-memory state, shared by the hooks and routes of one running sandbox.
import type { FastifyRequest } from 'fastify';
import type { AccountData } from './data/world.ts';
import { SandboxWorld } from './data/world.ts';
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

export class SandboxState {
  readonly rules: RulesBook;
  readonly sessions: SessionStore;
  readonly world: SandboxWorld;
  readonly faults: FaultInjector;
  readonly limiter: RequestRateLimiter;
  readonly requestLog = new RequestLog();

  constructor(
    readonly now: () => number,
    readonly random: RandomSource,
    readonly seed: number,
    readonly limits: SandboxLimits,
    readonly expiringSessionTtlMs: number,
    /** Where upload parts are written while in flight (a directory of this sandbox's own, removed on close). */
    readonly uploadDir: string,
  ) {
    this.rules = new RulesBook(random, now);
    this.sessions = new SessionStore(now);
    this.world = new SandboxWorld(seed, fixtureAnchor(now()));
    this.faults = new FaultInjector(random);
    this.limiter = new RequestRateLimiter(now);
  }
}

/** Per-request facts the hooks establish for the routes. */
export interface RequestFacts {
  identity?: RequestIdentity;
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
