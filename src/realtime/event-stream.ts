// The realtime events of an org, read back from the webhook outbox (webhook_messages) in the order they were
// recorded, after a position: what GET /v2/realtime/events streams and what Last-Event-ID resumes from. An event's
// id is its outbox sequence number. A sequence number is drawn when a transaction inserts, so a reader that went past
// a newer event could skip an older one committing a moment later; the relay records realtime events under one lock
// (store.ts lockRealtimeEventOrder), so they commit in sequence order and a reader may read up to the newest one.
// (It used to stop short of the last second of events instead, which made every streamed event at least a second
// late and still skipped one whose transaction took longer.) The stream keeps what the webhook log keeps
// (OFCONNECT_WEBHOOK_LOG_RETENTION_DAYS).
import { sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf } from '../platform/db/sql.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { EXPLICIT_ONLY_EVENT_TYPES } from './event-types.ts';

export interface StreamedEvent {
  /** The outbox sequence number, as a string (SSE ids are strings). */
  id: string;
  messageId: string;
  type: string;
  payload: Record<string, unknown>;
}

export interface StreamFilter {
  connectionId?: string;
  /** Only these types; without it every realtime.* and activity.* type except the high-volume ones. */
  types?: string[];
}

/** Up to `limit` of the scope's realtime events after position `after`. */
export async function readRealtimeEvents(
  ex: Executor,
  scope: TenantScope,
  after: number,
  filter: StreamFilter,
  limit: number,
): Promise<StreamedEvent[]> {
  const typeCondition = filter.types?.length
    ? sql`event_type in (${sql.join(filter.types.map((t) => sql`${t}`), sql`, `)})`
    : sql`(event_type like 'realtime.%' or event_type like 'activity.%')
        and event_type not in (${sql.join(EXPLICIT_ONLY_EVENT_TYPES.map((t) => sql`${t}`), sql`, `)})`;
  const result = await ex.execute(sql`
    select seq, id, event_type, payload from webhook_messages
    where org_id = ${scope.orgId} and environment = ${scope.environment} and seq > ${after}
      ${filter.connectionId ? sql`and connection_id = ${filter.connectionId}` : sql``}
      and ${typeCondition}
    order by seq limit ${limit}`);
  return rowsOf<{ seq: string | number; id: string; event_type: string; payload: Record<string, unknown> | string }>(result).map((r) => ({
    id: String(r.seq),
    messageId: r.id,
    type: r.event_type,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
  }));
}

/** The outbox's newest position (any org's, from its sequence, without scanning): where a stream started without
 *  Last-Event-ID begins, so it carries the events recorded from then on. */
export async function latestEventPosition(ex: Executor): Promise<number> {
  const result = await ex.execute(sql`select last_value as seq, is_called from webhook_messages_seq_seq`);
  const row = rowsOf<{ seq: string | number; is_called: boolean }>(result)[0];
  return row?.is_called ? Number(row.seq) : 0;
}
