// GET /v2/audit-log: the org's audit entries the key's environment may see, newest first, filtered and cursor-paged.
import type { ServiceContext } from '../platform/context.ts';
import { decodeCursor, encodeCursor } from '../platform/http/cursor.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { listAuditEntries, type AuditLogFilter } from './audit.ts';
import type { AuditLogPageReply, AuditLogQueryInput } from './audit-schemas.ts';

export async function listAuditLog(ctx: ServiceContext, scope: TenantScope, query: AuditLogQueryInput): Promise<AuditLogPageReply> {
  const limit = query.limit ?? 50;
  const filter: AuditLogFilter = {
    ...(query.action ? { action: query.action } : {}),
    ...(query.actor ? { actor: query.actor } : {}),
    ...(query.target ? { target: query.target } : {}),
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(query.until ? { until: new Date(query.until) } : {}),
    ...(query.cursor ? { beforeId: decodeCursor(query.cursor, 1)[0] } : {}),
  };
  const rows = await listAuditEntries(ctx.database.db, scope, filter, limit + 1);
  const page = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = page.at(-1);
  return {
    list: page.map((row) => ({
      id: String(row.id),
      createdAt: row.createdAt.toISOString(),
      actor: row.actor,
      action: row.action,
      target: row.target,
      environment: row.environment,
      data: row.data,
    })),
    hasMore,
    nextCursor: hasMore && last ? encodeCursor([last.id]) : null,
  };
}
