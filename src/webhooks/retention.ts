// Webhook log retention: messages older than OFCONNECT_WEBHOOK_LOG_RETENTION_DAYS go with their deliveries (foreign
// key, cascade) and attempts, a batch at a time, when the retention worker (src/retention) runs the webhook_log task.
// Never a message still being delivered: one with a pending delivery (due, retrying or in flight) stays, and so does
// one whose delivery changed within the period (a recent replay of an old message keeps its log readable).
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';

const DAY_MS = 86_400_000;

/** Deletes up to `limit` expired messages, every org's; returns how many went (fewer than `limit`: none are left). */
export function pruneWebhookLog(ctx: ServiceContext, now: Date, limit: number): Promise<number> {
  const before = new Date(now.getTime() - ctx.config.webhookLogRetentionDays * DAY_MS);
  return deleteWebhookLogOfEveryOrgBefore(ctx.database.db, before, limit);
}

/** Crosses orgs: the messages (and their attempts) last touched before `before` with nothing left to deliver. */
export async function deleteWebhookLogOfEveryOrgBefore(ex: Executor, before: Date, limit: number): Promise<number> {
  const cutoff = timestampAt(before);
  // SKIP LOCKED: a message another statement holds (a replay adding a delivery) is left for the next run.
  const result = await ex.execute(sql`
    with doomed as (
      select m.id from webhook_messages m
      where m.created_at < ${cutoff}
        and not exists (
          select 1 from webhook_deliveries d
          where d.message_id = m.id and (d.status = 'pending' or d.updated_at >= ${cutoff}))
      order by m.created_at
      limit ${limit}
      for update of m skip locked
    ), attempts as (
      delete from webhook_attempts a using doomed where a.message_id = doomed.id
    ), gone as (
      delete from webhook_messages m using doomed where m.id = doomed.id returning 1
    )
    select count(*)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}
