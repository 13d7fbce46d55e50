// vault-plus/'s queries. Every statement a request makes is scoped by org and environment (and connection); the
// ones the copy worker and the media proxy make across orgs say so in their names.
import { and, asc, count, desc, eq, gt, inArray, isNotNull, lte, ne, sql, sum, type SQL } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { randomBase62 } from '../platform/ids.ts';
import type { LeasedTable } from '../platform/leases.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamMediaFile } from './media-files.ts';
import { connections } from '../connections/tables.ts';
import { vaultPlusMedia, vaultPlusUrlKeys, type VaultPlusSource, type VaultPlusStatus } from './tables.ts';

export type MediaRow = typeof vaultPlusMedia.$inferSelect;

export const COPY_QUEUE: LeasedTable = { table: vaultPlusMedia, id: vaultPlusMedia.id, dueAt: vaultPlusMedia.dueAt, leaseUntil: vaultPlusMedia.leaseUntil };

export const newMediaRowId = () => `vpm_${randomBase62(22)}`;

const ofConnection = (scope: TenantScope, connectionId: string): SQL =>
  and(eq(vaultPlusMedia.orgId, scope.orgId), eq(vaultPlusMedia.environment, scope.environment), eq(vaultPlusMedia.connectionId, connectionId)) as SQL;

/**
 * Queues files for copying: new ones as pending and due now; ones already known take the fresh URL, and are queued
 * again when they had been removed or left at the edge. Returns how many are queued now (new or again).
 */
export async function queueMediaFiles(ex: Executor, scope: TenantScope, connectionId: string, files: UpstreamMediaFile[], source: VaultPlusSource, now: Date): Promise<number> {
  if (files.length === 0) return 0;
  const rows = files.map((file) => ({
    id: newMediaRowId(),
    orgId: scope.orgId,
    environment: scope.environment,
    connectionId,
    mediaId: file.mediaId,
    quality: file.quality,
    type: file.type,
    duration: file.duration,
    source,
    status: 'pending' as const,
    sourceUrl: file.url,
    sourceRef: file.sourceRef,
    dueAt: now,
    createdAt: now,
    updatedAt: now,
  }));
  const requeue = sql`${vaultPlusMedia.status} in ('removed', 'edge_only')`;
  const result = await ex
    .insert(vaultPlusMedia)
    .values(rows)
    .onConflictDoUpdate({
      target: [vaultPlusMedia.orgId, vaultPlusMedia.environment, vaultPlusMedia.connectionId, vaultPlusMedia.mediaId, vaultPlusMedia.quality],
      set: {
        sourceUrl: sql`excluded.source_url`,
        updatedAt: now,
        status: sql`case when ${requeue} then 'pending' else ${vaultPlusMedia.status} end`,
        dueAt: sql`case when ${requeue} then excluded.due_at else ${vaultPlusMedia.dueAt} end`,
        attempts: sql`case when ${requeue} then 0 else ${vaultPlusMedia.attempts} end`,
        lastError: sql`case when ${requeue} then null else ${vaultPlusMedia.lastError} end`,
        // A row queued again holds no bytes until its copy finishes.
        storedAt: sql`case when ${requeue} then null else ${vaultPlusMedia.storedAt} end`,
        contentHash: sql`case when ${requeue} then null else ${vaultPlusMedia.contentHash} end`,
        sizeBytes: sql`case when ${requeue} then 0 else ${vaultPlusMedia.sizeBytes} end`,
      },
    })
    .returning({ status: vaultPlusMedia.status, createdAt: vaultPlusMedia.createdAt, dueAt: vaultPlusMedia.dueAt });
  return result.filter((r) => r.status === 'pending' && r.dueAt !== null && r.dueAt.getTime() === now.getTime()).length;
}

/**
 * Media seen in an Access reply: a row per file (edge_only when new) with one more sighting and the fresh URL. Rows
 * at the edge that have now been seen `minAccessCount` times are queued when `queue` is set. Returns the rows.
 */
export async function recordMediaSightings(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  files: UpstreamMediaFile[],
  source: VaultPlusSource,
  now: Date,
  queue: { minAccessCount: number } | null,
): Promise<MediaRow[]> {
  if (files.length === 0) return [];
  const rows = files.map((file) => ({
    id: newMediaRowId(),
    orgId: scope.orgId,
    environment: scope.environment,
    connectionId,
    mediaId: file.mediaId,
    quality: file.quality,
    type: file.type,
    duration: file.duration,
    source,
    status: 'edge_only' as const,
    sourceUrl: file.url,
    sourceRef: file.sourceRef,
    accessCount: 1,
    lastAccessedAt: now,
    createdAt: now,
    updatedAt: now,
  }));
  const seen = await ex
    .insert(vaultPlusMedia)
    .values(rows)
    .onConflictDoUpdate({
      target: [vaultPlusMedia.orgId, vaultPlusMedia.environment, vaultPlusMedia.connectionId, vaultPlusMedia.mediaId, vaultPlusMedia.quality],
      set: {
        sourceUrl: sql`excluded.source_url`,
        sourceRef: sql`coalesce(excluded.source_ref, ${vaultPlusMedia.sourceRef})`,
        accessCount: sql`${vaultPlusMedia.accessCount} + 1`,
        lastAccessedAt: now,
        updatedAt: now,
      },
    })
    .returning();
  if (!queue) return seen;
  const due = seen.filter((row) => row.status === 'edge_only' && row.lastError === null && row.accessCount >= queue.minAccessCount).map((row) => row.id);
  if (due.length === 0) return seen;
  const queued = await ex
    .update(vaultPlusMedia)
    .set({ status: 'pending', dueAt: now, updatedAt: now, storedAt: null, contentHash: null, sizeBytes: 0 })
    .where(and(inArray(vaultPlusMedia.id, due), eq(vaultPlusMedia.status, 'edge_only')))
    .returning();
  const byId = new Map(queued.map((row) => [row.id, row]));
  return seen.map((row) => byId.get(row.id) ?? row);
}

/** The rows of one media item (every quality) of a connection. */
export function findMediaRows(ex: Executor, scope: TenantScope, connectionId: string, mediaIds: string[]): Promise<MediaRow[]> {
  if (mediaIds.length === 0) return Promise.resolve([]);
  return ex
    .select()
    .from(vaultPlusMedia)
    .where(and(ofConnection(scope, connectionId), inArray(vaultPlusMedia.mediaId, mediaIds)))
    .orderBy(asc(vaultPlusMedia.mediaId), asc(vaultPlusMedia.quality));
}

export interface MediaFilter {
  status?: VaultPlusStatus;
  source?: VaultPlusSource;
  contentType?: string;
}

function filterOf(scope: TenantScope, connectionId: string, filter: MediaFilter): SQL {
  const conditions = [ofConnection(scope, connectionId)];
  if (filter.status) conditions.push(eq(vaultPlusMedia.status, filter.status));
  if (filter.source) conditions.push(eq(vaultPlusMedia.source, filter.source));
  if (filter.contentType) {
    // "image", "video/mp4" or "image/*": a whole type matches its subtypes.
    const type = filter.contentType.replace(/\/\*$/, '');
    conditions.push(type.includes('/') ? eq(vaultPlusMedia.contentType, type) : sql`${vaultPlusMedia.contentType} like ${`${type}/%`}`);
  }
  return and(...conditions) as SQL;
}

/** A page of media items (by media id, ascending) with their rows matching the filter; the cursor is the last id. */
export async function listMediaPage(ex: Executor, scope: TenantScope, connectionId: string, filter: MediaFilter, limit: number, after: string | null): Promise<{ rows: MediaRow[]; nextCursor: string | null }> {
  const where = and(filterOf(scope, connectionId, filter), after === null ? undefined : gt(vaultPlusMedia.mediaId, after));
  const ids = await ex.selectDistinct({ mediaId: vaultPlusMedia.mediaId }).from(vaultPlusMedia).where(where).orderBy(asc(vaultPlusMedia.mediaId)).limit(limit + 1);
  const page = ids.slice(0, limit).map((r) => r.mediaId);
  if (page.length === 0) return { rows: [], nextCursor: null };
  const rows = await ex
    .select()
    .from(vaultPlusMedia)
    .where(and(filterOf(scope, connectionId, filter), inArray(vaultPlusMedia.mediaId, page)))
    .orderBy(asc(vaultPlusMedia.mediaId), asc(vaultPlusMedia.quality));
  return { rows, nextCursor: ids.length > limit ? page[page.length - 1] : null };
}

export async function connectionTotals(ex: Executor, scope: TenantScope, connectionId: string) {
  const [row] = await ex
    .select({
      totalMedia: sql<number>`count(distinct ${vaultPlusMedia.mediaId})::int`,
      storedCount: sql<number>`(count(*) filter (where ${vaultPlusMedia.status} = 'stored'))::int`,
      pendingCount: sql<number>`(count(*) filter (where ${vaultPlusMedia.status} in ('pending', 'storing')))::int`,
      totalSizeBytes: sql<string>`coalesce(sum(${vaultPlusMedia.sizeBytes}) filter (where ${vaultPlusMedia.status} = 'stored'), 0)`,
    })
    .from(vaultPlusMedia)
    .where(and(ofConnection(scope, connectionId), ne(vaultPlusMedia.status, 'removed')));
  return { totalMedia: row?.totalMedia ?? 0, storedCount: row?.storedCount ?? 0, pendingCount: row?.pendingCount ?? 0, totalSizeBytes: Number(row?.totalSizeBytes ?? 0) };
}

/** Org totals: storage and stored media over every connection of the environment. */
export async function orgTotals(ex: Executor, scope: TenantScope) {
  const [row] = await ex
    .select({
      totalStorageBytes: sum(vaultPlusMedia.sizeBytes),
      totalMediaCount: count(),
      connections: sql<number>`count(distinct ${vaultPlusMedia.connectionId})::int`,
    })
    .from(vaultPlusMedia)
    .where(and(eq(vaultPlusMedia.orgId, scope.orgId), eq(vaultPlusMedia.environment, scope.environment), eq(vaultPlusMedia.status, 'stored')));
  return { totalStorageBytes: Number(row?.totalStorageBytes ?? 0), totalMediaCount: row?.totalMediaCount ?? 0, connectionsWithMedia: row?.connections ?? 0 };
}

/** Bytes a connection holds in storage now. */
export async function storedBytesOf(ex: Executor, scope: TenantScope, connectionId: string): Promise<number> {
  const [row] = await ex.select({ total: sum(vaultPlusMedia.sizeBytes) }).from(vaultPlusMedia).where(and(ofConnection(scope, connectionId), eq(vaultPlusMedia.status, 'stored')));
  return Number(row?.total ?? 0);
}

export type EvictionOrder = 'purge_oldest' | 'purge_largest' | 'purge_smallest';

/** Stored rows of a connection in the order a purge strategy evicts them (never `exceptId`). */
export function evictionCandidates(ex: Executor, scope: TenantScope, connectionId: string, order: EvictionOrder, exceptId: string): Promise<MediaRow[]> {
  const orderBy =
    order === 'purge_largest'
      ? [desc(vaultPlusMedia.sizeBytes), asc(vaultPlusMedia.storedAt)]
      : order === 'purge_smallest'
        ? [asc(vaultPlusMedia.sizeBytes), asc(vaultPlusMedia.storedAt)]
        : [asc(vaultPlusMedia.storedAt), asc(vaultPlusMedia.id)];
  return ex
    .select()
    .from(vaultPlusMedia)
    .where(and(ofConnection(scope, connectionId), eq(vaultPlusMedia.status, 'stored'), ne(vaultPlusMedia.id, exceptId)))
    .orderBy(...orderBy);
}

/** Marks rows removed (bytes no longer counted; the blob goes once nothing refers to it). Returns the rows removed. */
export function markRemoved(ex: Executor, scope: TenantScope, connectionId: string, where: SQL | undefined, now: Date): Promise<MediaRow[]> {
  return ex
    .update(vaultPlusMedia)
    .set({ status: 'removed', dueAt: null, leaseUntil: null, updatedAt: now, expiresAt: null })
    .where(and(ofConnection(scope, connectionId), ne(vaultPlusMedia.status, 'removed'), where))
    .returning();
}

/** Whether any row (any org) still keeps these bytes stored or is storing them now. */
export async function isHashReferenced(ex: Executor, hash: string): Promise<boolean> {
  const [row] = await ex
    .select({ n: count() })
    .from(vaultPlusMedia)
    .where(and(eq(vaultPlusMedia.contentHash, hash), inArray(vaultPlusMedia.status, ['stored', 'storing'])));
  return (row?.n ?? 0) > 0;
}

/** The proxy's lookup by row id, across orgs: the URL's signature is checked with the row's own org key after. */
export async function findMediaRowAcrossOrgs(ex: Executor, id: string): Promise<MediaRow | undefined> {
  const [row] = await ex.select().from(vaultPlusMedia).where(eq(vaultPlusMedia.id, id)).limit(1);
  return row;
}

/** Adds batched proxy reads to their rows (by row id, across orgs: the ids come from verified URLs). */
export async function addAccessCounts(ex: Executor, counts: Map<string, number>, now: Date): Promise<void> {
  for (const [id, n] of counts) {
    await ex.update(vaultPlusMedia).set({ accessCount: sql`${vaultPlusMedia.accessCount} + ${n}`, lastAccessedAt: now }).where(eq(vaultPlusMedia.id, id));
  }
}

/** The worker's read of a claimed row, across orgs. */
export async function findClaimedRow(ex: Executor, id: string): Promise<MediaRow | undefined> {
  return findMediaRowAcrossOrgs(ex, id);
}

/** Rows whose stored copy lapsed (retention), across orgs, for the worker to remove. */
export function lapsedRowsAcrossOrgs(ex: Executor, now: Date, limit: number): Promise<MediaRow[]> {
  return ex
    .select()
    .from(vaultPlusMedia)
    .where(and(eq(vaultPlusMedia.status, 'stored'), isNotNull(vaultPlusMedia.expiresAt), lte(vaultPlusMedia.expiresAt, now)))
    .limit(limit);
}

export async function findUrlKeyBlob(ex: Executor, orgId: string): Promise<string | null> {
  const [row] = await ex.select({ blob: vaultPlusUrlKeys.secretBlob }).from(vaultPlusUrlKeys).where(eq(vaultPlusUrlKeys.orgId, orgId));
  return row?.blob ?? null;
}

/** Stores the org's key unless another node stored one first; returns the one that is stored. */
export async function insertUrlKeyBlob(ex: Executor, orgId: string, blob: string): Promise<string> {
  await ex.insert(vaultPlusUrlKeys).values({ orgId, secretBlob: blob }).onConflictDoNothing();
  return (await findUrlKeyBlob(ex, orgId)) ?? blob;
}


/**
 * The org's connections and how many have Vault+ switched on (GET /v2/vault-plus/store/stats). Reads the connections
 * table directly: one aggregate over the settings JSON, which connections/ offers no count of.
 */
export async function orgConnectionCounts(ex: Executor, scope: TenantScope): Promise<{ total: number; withVaultPlus: number }> {
  const [row] = await ex
    .select({
      total: count(),
      withVaultPlus: sql<number>`(count(*) filter (where (${connections.settings} -> 'vaultPlus' ->> 'enabled') = 'true'))::int`,
    })
    .from(connections)
    .where(and(eq(connections.orgId, scope.orgId), eq(connections.environment, scope.environment), inArray(connections.status, ['active', 'expired', 'awaiting_2fa'])));
  return { total: row?.total ?? 0, withVaultPlus: row?.withVaultPlus ?? 0 };
}
