// The request log's retention: entries older than OFCONNECT_REQUEST_LOG_RETENTION_DAYS go, whole batches at a time,
// when the retention worker (src/retention) runs the request_log task.
import type { ServiceContext } from '../../platform/context.ts';
import { deleteRequestLogBatchesOfEveryOrgBefore } from './store.ts';

const DAY_MS = 86_400_000;

/**
 * Deletes expired batches holding about `limit` entries, every org's; returns how many entries went (fewer than
 * `limit`: none are left). A batch goes when its newest entry has expired, so a few older entries of a batch that
 * straddles the cutoff stay until then.
 */
export function pruneRequestLog(ctx: ServiceContext, now: Date, limit: number): Promise<number> {
  const before = new Date(now.getTime() - ctx.config.requestLogRetentionDays * DAY_MS);
  return deleteRequestLogBatchesOfEveryOrgBefore(ctx.database.db, before, limit);
}
