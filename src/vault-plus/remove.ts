// Taking media out of storage: one item (DELETE /v2/vault-plus/{mediaId}), a connection's whole store (purge), and
// the quota's evictions. Rows become `removed` first; bytes no other row keeps (the storage is content-addressed,
// so two items can share a file) are then deleted from the backend. freedBytes counts the bytes the connection
// held in those rows: what its quota gets back.
import { eq, inArray, type SQL } from 'drizzle-orm';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { VaultPlusRuntime } from './runtime.ts';
import { isHashReferenced, markRemoved, type MediaRow } from './store.ts';
import { vaultPlusMedia } from './tables.ts';

export interface Removal {
  removed: MediaRow[];
  freedBytes: number;
}

/** Rows marked removed, and the bytes they held (a row holds bytes once stored; queueing it again clears that). */
async function markRemovedCounting(ex: Executor, scope: TenantScope, connectionId: string, where: SQL | undefined, now: Date): Promise<Removal> {
  const removed = await markRemoved(ex, scope, connectionId, where, now);
  return { removed, freedBytes: removed.filter((row) => row.storedAt !== null).reduce((total, row) => total + row.sizeBytes, 0) };
}

/** Deletes from the backend every hash that no row keeps any more. */
export async function releaseUnreferencedBytes(ctx: ServiceContext, runtime: VaultPlusRuntime, hashes: Iterable<string | null>): Promise<void> {
  const unique = [...new Set([...hashes].filter((hash): hash is string => hash !== null))];
  if (unique.length === 0) return;
  const storage = await runtime.storage();
  for (const hash of unique) {
    if (!(await isHashReferenced(ctx.database.db, hash))) await storage.remove(hash);
  }
}

/** Marks rows removed inside a caller's transaction (quota evictions); the caller releases their bytes after commit. */
export function removeRowsIn(ex: Executor, scope: TenantScope, connectionId: string, ids: string[], now: Date): Promise<Removal> {
  if (ids.length === 0) return Promise.resolve({ removed: [], freedBytes: 0 });
  return markRemovedCounting(ex, scope, connectionId, inArray(vaultPlusMedia.id, ids), now);
}

async function removeAndRelease(ctx: ServiceContext, runtime: VaultPlusRuntime, scope: TenantScope, connectionId: string, where: SQL | undefined): Promise<Removal> {
  const removal = await markRemovedCounting(ctx.database.db, scope, connectionId, where, ctx.clock.now());
  await releaseUnreferencedBytes(ctx, runtime, removal.removed.map((row) => row.contentHash));
  return removal;
}

/** DELETE /v2/vault-plus/{mediaId}: every quality of one item. */
export function removeMediaItem(ctx: ServiceContext, runtime: VaultPlusRuntime, scope: TenantScope, connectionId: string, mediaId: string): Promise<Removal> {
  return removeAndRelease(ctx, runtime, scope, connectionId, eq(vaultPlusMedia.mediaId, mediaId));
}

/** DELETE /v2/vault-plus/purge: everything of the connection. */
export function purgeConnection(ctx: ServiceContext, runtime: VaultPlusRuntime, scope: TenantScope, connectionId: string): Promise<Removal> {
  return removeAndRelease(ctx, runtime, scope, connectionId, undefined);
}
