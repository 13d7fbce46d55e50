// connections/' queries, always scoped by orgId and environment.
import { and, desc, eq, inArray, like, or, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { announceConnectionChange } from './connection-changes.ts';
import { connectionSessions, connections } from './tables.ts';

export type ConnectionRow = typeof connections.$inferSelect;
export type ConnectionSessionRow = typeof connectionSessions.$inferSelect;

/** Statuses the public API shows; pending/failed/disconnected rows stay internal. */
export const VISIBLE_STATUSES = ['active', 'expired', 'awaiting_2fa'] as const;

/** The unique index that keeps one active connection per (org, environment, upstream user). */
const ONE_ACTIVE_PER_USER_INDEX = 'connections_one_active_per_user_uq';

/** Two writers raced to make the same upstream account active twice; the database let one win. */
export function isOneActivePerUserViolation(error: unknown): boolean {
  return isUniqueViolation(error, ONE_ACTIVE_PER_USER_INDEX);
}

export async function insertConnection(ex: Executor, row: typeof connections.$inferInsert): Promise<ConnectionRow> {
  const [created] = await ex.insert(connections).values(row).returning();
  return created;
}

/** The row of a connection the API may show (not disconnected) in this org and environment. */
function visibleConnection(scope: TenantScope, id: string) {
  return and(
    eq(connections.orgId, scope.orgId),
    eq(connections.environment, scope.environment),
    eq(connections.id, id),
    inArray(connections.status, [...VISIBLE_STATUSES]),
  );
}

export async function findConnection(ex: Executor, scope: TenantScope, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await ex.select().from(connections).where(visibleConnection(scope, id));
  return row;
}

/** Locks the row for the rest of the transaction (two concurrent changes to one connection serialise). */
export async function findConnectionForUpdate(ex: Executor, scope: TenantScope, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await ex.select().from(connections).where(visibleConnection(scope, id)).for('update');
  return row;
}

export async function findActiveConnectionForUser(ex: Executor, scope: TenantScope, platformUserId: string): Promise<ConnectionRow | undefined> {
  const [row] = await ex
    .select()
    .from(connections)
    .where(
      and(
        eq(connections.orgId, scope.orgId),
        eq(connections.environment, scope.environment),
        eq(connections.platformUserId, platformUserId),
        eq(connections.status, 'active'),
      ),
    );
  return row;
}

/** LIKE's wildcards and its escape character, taken literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A search term matches a connection by its exact id, a clientReferenceId starting with it (case as typed), or a
 * username starting with it (any case; a leading @ is ignored). Prefixes, not substrings: each arm is answered by an
 * index within the org and environment (the primary key, connections_org_reference_idx, connections_org_username_idx,
 * both text_pattern_ops so LIKE 'term%' uses them under any database collation).
 */
function matchesSearch(term: string) {
  const username = term.replace(/^@/, '').toLowerCase();
  return or(
    eq(connections.id, term),
    like(connections.clientReferenceId, `${escapeLike(term)}%`),
    username ? sql`lower(${connections.userData} ->> 'username') like ${`${escapeLike(username)}%`}` : undefined,
  )!;
}

export async function listConnections(
  ex: Executor,
  scope: TenantScope,
  filter: { status?: string; imported?: boolean; search?: string; limit: number; offset: number },
): Promise<{ rows: ConnectionRow[]; hasMore: boolean }> {
  const conditions = [
    eq(connections.orgId, scope.orgId),
    eq(connections.environment, scope.environment),
    filter.status ? eq(connections.status, filter.status) : inArray(connections.status, [...VISIBLE_STATUSES]),
  ];
  if (filter.imported !== undefined) conditions.push(eq(connections.imported, filter.imported));
  if (filter.search !== undefined) conditions.push(matchesSearch(filter.search));
  // One row more than asked tells whether another page exists, without a count query.
  const rows = await ex
    .select()
    .from(connections)
    .where(and(...conditions))
    .orderBy(desc(connections.createdAt), desc(connections.id))
    .limit(filter.limit + 1)
    .offset(filter.offset);
  return { rows: rows.slice(0, filter.limit), hasMore: rows.length > filter.limit };
}

export async function updateConnection(
  ex: Executor,
  scope: TenantScope,
  id: string,
  changes: Partial<typeof connections.$inferInsert>,
): Promise<ConnectionRow> {
  const [row] = await ex
    .update(connections)
    .set(changes)
    .where(and(eq(connections.orgId, scope.orgId), eq(connections.environment, scope.environment), eq(connections.id, id)))
    .returning();
  // Status, permissions, settings: whatever changed, caches of this connection must not keep the old copy.
  if (row) await announceConnectionChange(ex, id);
  return row;
}

/** Flips an active connection to expired. Returns the row only if this call made the change (exactly-once events). */
export async function expireIfActive(ex: Executor, scope: TenantScope, id: string, at: Date): Promise<ConnectionRow | undefined> {
  const [row] = await ex
    .update(connections)
    .set({ status: 'expired', expiredAt: at, updatedAt: at })
    .where(
      and(
        eq(connections.orgId, scope.orgId),
        eq(connections.environment, scope.environment),
        eq(connections.id, id),
        eq(connections.status, 'active'),
      ),
    )
    .returning();
  if (row) await announceConnectionChange(ex, id);
  return row;
}

export async function upsertSessionBlob(
  ex: Executor,
  row: { connectionId: string; orgId: string; keyId: string; blob: string; updatedAt: Date },
): Promise<void> {
  await ex
    .insert(connectionSessions)
    .values(row)
    .onConflictDoUpdate({ target: connectionSessions.connectionId, set: { keyId: row.keyId, blob: row.blob, updatedAt: row.updatedAt } });
}

export async function findSessionBlob(ex: Executor, orgId: string, connectionId: string): Promise<ConnectionSessionRow | undefined> {
  const [row] = await ex
    .select()
    .from(connectionSessions)
    .where(and(eq(connectionSessions.orgId, orgId), eq(connectionSessions.connectionId, connectionId)));
  return row;
}

export async function deleteSessionBlob(ex: Executor, orgId: string, connectionId: string): Promise<void> {
  await ex.delete(connectionSessions).where(and(eq(connectionSessions.orgId, orgId), eq(connectionSessions.connectionId, connectionId)));
}
