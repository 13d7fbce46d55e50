// Queries on access_uploads. Every read and write is scoped by org, environment and connection (an upload of another
// connection does not exist for the caller), except the expiry sweep, which crosses orgs and says so in its name.
import { and, eq, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { accessUploads } from '../tables.ts';

export type UploadRow = typeof accessUploads.$inferSelect;

export interface UploadScope extends TenantScope {
  connectionId: string;
}

function scoped(scope: UploadScope, id: string) {
  return and(
    eq(accessUploads.id, id),
    eq(accessUploads.orgId, scope.orgId),
    eq(accessUploads.environment, scope.environment),
    eq(accessUploads.connectionId, scope.connectionId),
  );
}

export async function insertUploadRow(ex: Executor, row: typeof accessUploads.$inferInsert): Promise<void> {
  await ex.insert(accessUploads).values(row);
}

/** The upload if it exists for this connection (expired or not). */
export async function findUploadRow(ex: Executor, scope: UploadScope, id: string): Promise<UploadRow | null> {
  const [row] = await ex.select().from(accessUploads).where(scoped(scope, id)).limit(1);
  return row ?? null;
}

/** Records upstream's upload once the first bytes arrive; false when another request recorded one first. */
export async function attachUpstreamUpload(ex: Executor, scope: UploadScope, id: string, upstreamUploadId: string, partUrls: string[]): Promise<boolean> {
  const updated = await ex
    .update(accessUploads)
    .set({ upstreamUploadId, partUrls })
    .where(and(scoped(scope, id), sql`${accessUploads.upstreamUploadId} is null`))
    .returning({ id: accessUploads.id });
  return updated.length === 1;
}

/** Stores part `partNumber`'s ETag: appends the next part, or replaces a part sent again. */
export async function recordPartEtag(ex: Executor, scope: UploadScope, id: string, partNumber: number, etag: string): Promise<void> {
  await ex
    .update(accessUploads)
    .set({ etags: sql`jsonb_set(${accessUploads.etags}, ${`{${partNumber - 1}}`}::text[], to_jsonb(${etag}::text), true)` })
    .where(scoped(scope, id));
}

export async function deleteUploadRow(ex: Executor, scope: UploadScope, id: string): Promise<void> {
  await ex.delete(accessUploads).where(scoped(scope, id));
}

/** The sweep: every org's uploads abandoned by `now`. Returns how many were deleted. */
export async function deleteExpiredUploadRowsOfAllOrgs(ex: Executor, now: Date): Promise<number> {
  const deleted = await ex.delete(accessUploads).where(lte(accessUploads.expiresAt, now)).returning({ id: accessUploads.id });
  return deleted.length;
}
