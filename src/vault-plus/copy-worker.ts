// The Vault+ copy worker: claims due media rows with leases (platform/leases.ts, like webhook deliveries and
// monitor checks) and copies each (copy-media.ts), up to `concurrency` at once. It looks for work when a copy
// finishes and on a polling timer (retries coming due, leases of killed workers running out); any number of
// workers may share a database. It also removes stored copies whose retention has lapsed.
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../platform/context.ts';
import { claimDueRows, type ClaimedRow } from '../platform/leases.ts';
import { copyMediaRow } from './copy-media.ts';
import { releaseUnreferencedBytes, removeRowsIn } from './remove.ts';
import { createVaultPlusRuntime, type VaultPlusRuntime } from './runtime.ts';
import { COPY_QUEUE, lapsedRowsAcrossOrgs } from './store.ts';

export interface VaultPlusWorkerOptions {
  concurrency?: number;
  leaseMs?: number;
  pollMs?: number;
  /** Share the routes' runtime (storage, fetcher); default: the worker's own, closed with it. */
  runtime?: VaultPlusRuntime;
}

export interface VaultPlusWorker {
  stop(): Promise<void>;
}

/** Claims up to `limit` due copies for one worker (exported for tests that play a worker killed after claiming). */
export function claimCopies(ctx: ServiceContext, limit: number, leaseMs: number): Promise<ClaimedRow[]> {
  return claimDueRows(ctx.database.db, COPY_QUEUE, { now: ctx.clock.now(), leaseMs, limit, where: sql`status in ('pending', 'storing')` });
}

const LAPSED_SWEEP_MS = 60_000;

export function startVaultPlusWorker(ctx: ServiceContext, options: VaultPlusWorkerOptions = {}): VaultPlusWorker {
  const concurrency = options.concurrency ?? ctx.config.vaultPlusConcurrency;
  const leaseMs = options.leaseMs ?? ctx.config.vaultPlusLeaseMs;
  const pollMs = options.pollMs ?? ctx.config.vaultPlusPollMs;
  const runtime = options.runtime ?? createVaultPlusRuntime(ctx);
  const ownsRuntime = !options.runtime;
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let looking: Promise<void> | null = null;
  let again = false;
  let lastSweep = 0;

  async function sweepLapsed(): Promise<void> {
    const now = ctx.clock.now();
    if (now.getTime() - lastSweep < LAPSED_SWEEP_MS) return;
    lastSweep = now.getTime();
    for (const row of await lapsedRowsAcrossOrgs(ctx.database.db, now, 100)) {
      const removal = await removeRowsIn(ctx.database.db, { orgId: row.orgId, environment: row.environment }, row.connectionId, [row.id], now);
      await releaseUnreferencedBytes(ctx, runtime, removal.removed.map((r) => r.contentHash));
    }
  }

  async function lookForWork(): Promise<void> {
    do {
      again = false;
      const free = concurrency - inFlight.size;
      if (free <= 0 || stopping.signal.aborted) return;
      const claimed = await claimCopies(ctx, free, leaseMs);
      for (const claim of claimed) {
        const copy: Promise<void> = copyMediaRow({ ctx, runtime, leaseMs, signal: stopping.signal }, claim).finally(() => {
          inFlight.delete(copy);
          wake();
        });
        inFlight.add(copy);
      }
      if (claimed.length === free) again = true;
    } while (again && !stopping.signal.aborted);
  }

  function wake(): void {
    if (stopping.signal.aborted) return;
    if (looking) {
      again = true;
      return;
    }
    looking = lookForWork()
      .then(() => sweepLapsed())
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'vault+ worker round failed'))
      .finally(() => (looking = null));
  }

  const timer = setInterval(wake, pollMs);
  timer.unref();
  wake();

  return {
    async stop() {
      clearInterval(timer);
      stopping.abort();
      await looking?.catch(() => {});
      await Promise.allSettled([...inFlight]);
      if (ownsRuntime) await runtime.close();
    },
  };
}
