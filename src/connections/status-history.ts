// A connection's status history, newest first: every change of its status, when, why and who acted. Read from the
// audit log, where each change is recorded in the transaction that made it (import, Link login and reconnect,
// session rotation, invalidate, expiry noticed upstream, disconnect), so the history holds exactly what committed.
// An entry that did not change the status (an invalidate of an expired connection, a session rotated on an active
// one) is left out; `from` is what the previous change left (a reconnect's entry names it itself).
import { listAuditEntries, type AuditAction, type AuditLogRow } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { ConnectionStatusHistoryPage, ConnectionStatusHistoryQueryInput } from './schemas.ts';
import type { StatusChangeReason } from './status-log.ts';
import * as store from './store.ts';

export interface ConnectionStatusChangeEntry {
  at: Date;
  from: string | null;
  to: string;
  reason: StatusChangeReason;
  actor: string;
}

/** What each audited connection action did to the status; actions absent here (settings) never change it. */
const STATUS_ACTIONS: Partial<Record<AuditAction, { to: string; reason: StatusChangeReason }>> = {
  'connection.imported': { to: 'active', reason: 'imported' },
  'connection.linked': { to: 'active', reason: 'linked' },
  'connection.reconnected': { to: 'active', reason: 'reconnected' },
  'connection.session_rotated': { to: 'active', reason: 'session_rotated' },
  'connection.invalidated': { to: 'expired', reason: 'invalidated' },
  'connection.expired': { to: 'expired', reason: 'session_rejected_upstream' },
  'connection.disconnected': { to: 'disconnected', reason: 'disconnected' },
};

/** The audit entries read per query, and the most a history reads: a connection changes status a handful of times a
 *  month, and settings edits, the other entries on it, are rarely thousands. */
const AUDIT_BATCH = 500;
const AUDIT_CAP = 5000;

/** The connection's status changes, oldest first, from its audit entries (any order). */
export function statusChangesOf(entries: AuditLogRow[]): ConnectionStatusChangeEntry[] {
  const changes: ConnectionStatusChangeEntry[] = [];
  let current: string | null = null;
  for (const entry of [...entries].sort((a, b) => a.id - b.id)) {
    const effect = STATUS_ACTIONS[entry.action as AuditAction];
    if (!effect) continue;
    // An invalidate audited on every call: only the one that expired the connection changed anything.
    if (entry.action === 'connection.invalidated' && entry.data.hasExpired !== true) continue;
    const named = entry.action === 'connection.reconnected' && typeof entry.data.previousStatus === 'string' ? entry.data.previousStatus : null;
    const from = named ?? current;
    current = effect.to;
    if (from === effect.to) continue;
    changes.push({ at: entry.createdAt, from, to: effect.to, reason: effect.reason, actor: entry.actor });
  }
  return changes;
}

async function readConnectionAuditEntries(ctx: ServiceContext, scope: TenantScope, connectionId: string): Promise<AuditLogRow[]> {
  const entries: AuditLogRow[] = [];
  let beforeId: number | undefined;
  while (entries.length < AUDIT_CAP) {
    const batch = await listAuditEntries(ctx.database.db, scope, { target: connectionId, ...(beforeId === undefined ? {} : { beforeId }) }, AUDIT_BATCH);
    entries.push(...batch);
    if (batch.length < AUDIT_BATCH) break;
    beforeId = batch[batch.length - 1].id;
  }
  return entries;
}

/** GET /v2/account/connections/{id}/status-history: newest first, offset-paged. */
export async function listConnectionStatusHistory(
  ctx: ServiceContext,
  scope: TenantScope,
  connectionId: string,
  query: ConnectionStatusHistoryQueryInput,
): Promise<ConnectionStatusHistoryPage> {
  const connection = await store.findConnection(ctx.database.db, scope, connectionId);
  if (!connection) throw notFound('Connection', connectionId);
  const limit = query.limit ?? 20;
  const offset = query.offset ?? 0;
  const newestFirst = statusChangesOf(await readConnectionAuditEntries(ctx, scope, connectionId)).reverse();
  const page = newestFirst.slice(offset, offset + limit);
  return {
    list: page.map((change) => ({ at: change.at.toISOString(), from: change.from, to: change.to, reason: change.reason, actor: change.actor })),
    hasMore: newestFirst.length > offset + limit,
  };
}
