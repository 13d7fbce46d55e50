// The request log's retention: rows older than OFCONNECT_REQUEST_LOG_RETENTION_DAYS go, a batch at a time, when the
// retention worker (src/retention) runs the request_log task.
import type { ServiceContext } from '../../platform/context.ts';
import { deleteRequestLogRowsOfEveryOrgBefore } from './store.ts';

const DAY_MS = 86_400_000;

/** Deletes up to `limit` expired rows, every org's; returns how many went (fewer than `limit`: none are left). */
export function pruneRequestLog(ctx: ServiceContext, now: Date, limit: number): Promise<number> {
  const before = new Date(now.getTime() - ctx.config.requestLogRetentionDays * DAY_MS);
  return deleteRequestLogRowsOfEveryOrgBefore(ctx.database.db, before, limit);
}
