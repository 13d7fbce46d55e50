// GET …/connections/{id}/requests: one connection's request log, newest first, filtered and cursor-paged. The
// connection must be the caller's (org and environment): another's is a 404 like one that does not exist.
import { findConnection } from '../../connections/store.ts';
import type { ServiceContext } from '../../platform/context.ts';
import { notFound } from '../../platform/errors.ts';
import { decodeCursor, encodeCursor } from '../../platform/http/cursor.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import type { RequestLogPageReply, RequestLogQueryInput } from './schemas.ts';
import { listConnectionRequestLog, type RequestLogFilter } from './store.ts';

export async function listRequestLog(
  ctx: ServiceContext,
  scope: TenantScope,
  connectionId: string,
  query: RequestLogQueryInput,
): Promise<RequestLogPageReply> {
  const db = ctx.database.db;
  if (!(await findConnection(db, scope, connectionId))) throw notFound('Connection', connectionId);
  const limit = query.limit ?? 50;
  const filter: RequestLogFilter = {
    ...(query.status ? { status: statusRangeOf(query.status) } : {}),
    ...(query.method ? { method: query.method } : {}),
    ...(query.since ? { since: new Date(query.since) } : {}),
    ...(query.until ? { until: new Date(query.until) } : {}),
    ...(query.cursor ? { after: positionOf(query.cursor) } : {}),
  };
  const rows = await listConnectionRequestLog(db, scope, connectionId, filter, limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rows.length > limit;
  return {
    list: page.map((row) => ({
      id: String(row.id),
      requestId: row.requestId,
      createdAt: row.createdAt.toISOString(),
      method: row.method,
      path: row.path,
      status: row.status,
      upstreamStatus: row.upstreamStatus,
      durationMs: row.durationMs,
      retries: row.retries,
      apiKeyId: row.apiKeyId,
    })),
    hasMore,
    nextCursor: hasMore && last ? encodeCursor([last.createdAt.getTime(), last.id]) : null,
  };
}

/** `4xx` → [400, 499]; `404` → [404, 404] (the schema has already checked the shape). */
function statusRangeOf(status: string): [number, number] {
  if (status.endsWith('xx')) {
    const base = Number(status[0]) * 100;
    return [base, base + 99];
  }
  return [Number(status), Number(status)];
}

function positionOf(cursor: string): { createdAt: Date; id: number } {
  const [createdAtMs, id] = decodeCursor(cursor, 2);
  return { createdAt: new Date(createdAtMs), id };
}
