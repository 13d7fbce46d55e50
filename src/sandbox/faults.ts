// Injected upstream failures (control API): 429 with Retry-After, 500, 503, added latency or a reset
// connection, for the next N matching requests or with a probability, optionally under a path prefix.
import { OnlyFansError } from './onlyfans-error.ts';
import type { PendingWrites } from './pending-writes.ts';
import type { RandomSource } from './random.ts';
import type { SandboxStore, StoredFault } from './store/store.ts';

export type FaultKind = '429' | '500' | '503' | 'latency' | 'reset';

export interface FaultSpec {
  kind: FaultKind;
  /** Affect the next N matching requests (default: unlimited when probability is given, else 1). */
  count?: number;
  /** Affect each matching request with this probability (0..1). */
  probability?: number;
  /** Only requests whose path starts with this (default /api2/v2/; '/' includes /dynamic-rules.json). */
  pathPrefix?: string;
  latencyMs?: number;
  retryAfterSeconds?: number;
}

export interface ActiveFault extends Required<Pick<FaultSpec, 'kind'>> {
  id: number;
  remaining: number;
  probability: number;
  pathPrefix: string;
  latencyMs: number;
  retryAfterSeconds: number;
}

/** What a request suffers: an error to answer with, a delay before normal handling, or a dropped socket. */
export type FaultEffect = { error: OnlyFansError } | { delayMs: number } | { reset: true };

/**
 * The faults every node applies: the store holds them, this is the node's copy (reloaded when the change feed says
 * another node changed them). A counted fault's uses are taken from the store as they happen; two nodes taking
 * the last use at the same instant may both apply it.
 */
export class FaultInjector {
  private faults: ActiveFault[] = [];

  constructor(
    private readonly random: RandomSource,
    private readonly store: SandboxStore,
    private readonly writes: PendingWrites,
  ) {}

  async reload(): Promise<void> {
    this.faults = (await this.store.listFaults()).map(activeOf);
  }

  async add(spec: FaultSpec): Promise<ActiveFault> {
    const remaining = spec.count ?? (spec.probability === undefined ? 1 : null);
    const stored = await this.store.addFault({
      kind: spec.kind,
      remaining,
      probability: spec.probability ?? 1,
      pathPrefix: spec.pathPrefix ?? '/api2/v2/',
      latencyMs: spec.latencyMs ?? 1000,
      retryAfterSeconds: spec.retryAfterSeconds ?? 30,
    });
    const fault = activeOf(stored);
    if (!this.faults.some((f) => f.id === fault.id)) this.faults.push(fault);
    await this.store.publish({ k: 'f' });
    return fault;
  }

  async clear(): Promise<void> {
    this.faults = [];
    await this.store.clearFaults();
    await this.store.publish({ k: 'f' });
  }

  list(): ActiveFault[] {
    return this.faults;
  }

  /** The fault this request suffers, if any; consumes one use of it. */
  effectFor(url: string): FaultEffect | undefined {
    if (this.faults.length === 0) return undefined;
    for (const fault of this.faults) {
      if (!url.startsWith(fault.pathPrefix)) continue;
      if (fault.probability < 1 && this.random() >= fault.probability) continue;
      if (Number.isFinite(fault.remaining)) {
        fault.remaining--;
        if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
        this.writes.track(this.store.consumeFault(fault.id).then(() => this.store.publish({ k: 'f' })));
      }
      return effectOf(fault);
    }
    return undefined;
  }
}

function activeOf(stored: StoredFault): ActiveFault {
  return {
    id: stored.id,
    kind: stored.kind,
    remaining: stored.remaining ?? Number.POSITIVE_INFINITY,
    probability: stored.probability,
    pathPrefix: stored.pathPrefix,
    latencyMs: stored.latencyMs,
    retryAfterSeconds: stored.retryAfterSeconds,
  };
}

function effectOf(fault: ActiveFault): FaultEffect {
  switch (fault.kind) {
    case '429':
      return {
        error: new OnlyFansError(429, 429, 'Too many requests', undefined, { 'retry-after': String(fault.retryAfterSeconds) }),
      };
    case '500':
      return { error: new OnlyFansError(500, 500, 'Internal server error') };
    case '503':
      return { error: new OnlyFansError(503, 503, 'Service temporarily unavailable') };
    case 'latency':
      return { delayMs: fault.latencyMs };
    case 'reset':
      return { reset: true };
  }
}
