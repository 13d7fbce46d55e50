// Recording events: called by other capabilities inside the transaction that made the change, so an event exists
// if and only if its change committed. The same statement fans the message out to the org's subscribed endpoints
// (one delivery row each) and NOTIFYs the workers, which PostgreSQL and PGlite deliver at commit.
// Ordering: a delivery is due now only when it heads its queue (endpoint + connection); behind an earlier pending
// one it waits with no due time, and is promoted when the one before it finishes (see delivery-round.ts).
// Tracing: a message keeps the traceparent of the span active when it was recorded (the request that made the change),
// so its delivery attempts, made later by a worker, join that request's trace.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { Environment } from '../platform/environment.ts';
import { newId } from '../platform/ids.ts';
import { activeTraceparent } from '../platform/tracing.ts';
import { EXPLICIT_ONLY_EVENT_TYPES } from '../realtime/event-types.ts';
import type { WebhookEventType } from './events.ts';
import { webhookEndpoints, webhookMessages } from './tables.ts';

/** The channel workers LISTEN on; any payload means "deliveries may be due". */
export const DELIVERIES_CHANNEL = 'ofconnect_webhook_deliveries';

export interface EventToRecord {
  orgId: string;
  environment: Environment;
  type: WebhookEventType;
  /** Orders deliveries: events of one connection are delivered in the order recorded. */
  connectionId?: string | null;
  data: Record<string, unknown>;
}

export interface BroadcastEventToRecord {
  environment: Environment;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/** A new delivery row's id, made in SQL so the fan-out is one statement. */
export const NEW_DELIVERY_ID = sql`'dlv_' || replace(gen_random_uuid()::text, '-', '')`;

/** A new delivery's due time: now if it heads its queue, none (waiting) behind an earlier pending delivery. */
export function dueUnlessQueued(endpointId: SQL, orderingKey: SQL | string, now: Date): SQL {
  return sql`case when exists (
      select 1 from webhook_deliveries queued
      where queued.endpoint_id = ${endpointId} and queued.ordering_key = ${orderingKey} and queued.status = 'pending'
    ) then null else ${now.toISOString()}::timestamptz end`;
}

/** Endpoints of the org and environment that are enabled and take this event type (an empty filter takes all but
 *  the high-volume realtime kinds, which go only to endpoints that list them). */
export function subscribedEndpointCondition(endpoint: string, eventType: string) {
  if (EXPLICIT_ONLY_EVENT_TYPES.includes(eventType)) {
    return sql`${sql.raw(endpoint)}.enabled and ${sql.raw(endpoint)}.event_types @> jsonb_build_array(${eventType}::text)`;
  }
  return sql`${sql.raw(endpoint)}.enabled and (jsonb_array_length(${sql.raw(endpoint)}.event_types) = 0
    or ${sql.raw(endpoint)}.event_types @> jsonb_build_array(${eventType}::text))`;
}

/** Writes the event to the outbox, creates its deliveries and returns its message id (msg_…). */
export async function recordEvent(ex: Executor, event: EventToRecord, now: Date): Promise<string> {
  const id = newId('message');
  const payload = {
    type: event.type,
    eventType: event.type,
    timestamp: now.toISOString(),
    live: event.environment === 'live',
    data: event.data,
  };
  const at = sql`${now.toISOString()}::timestamptz`;
  // Events without a connection have no order to keep: each is its own queue.
  const orderingKey = event.connectionId ?? id;
  await ex.execute(sql`
    with message as (
      insert into webhook_messages (id, org_id, environment, event_type, connection_id, payload, traceparent, created_at)
      values (${id}, ${event.orgId}, ${event.environment}, ${event.type}, ${event.connectionId ?? null}, ${JSON.stringify(payload)}::jsonb, ${activeTraceparent()}, ${at})
      returning seq
    ), deliveries as (
      insert into webhook_deliveries (id, org_id, message_id, endpoint_id, status, ordering_key, seq, attempt_count, next_attempt_at, created_at, updated_at)
      select ${NEW_DELIVERY_ID}, e.org_id, ${id}, e.id, 'pending', ${orderingKey}, message.seq, 0, ${dueUnlessQueued(sql`e.id`, orderingKey, now)}, ${at}, ${at}
      from webhook_endpoints e, message
      where e.org_id = ${event.orgId} and e.environment = ${event.environment} and ${subscribedEndpointCondition('e', event.type)}
      returning 1
    )
    select pg_notify(${DELIVERIES_CHANNEL}, '') from (select 1 from deliveries limit 1) due`);
  return id;
}

/** An event for every org (rules.updated): one message per org with an endpoint subscribed to it. */
export async function recordBroadcastEvent(ex: Executor, event: BroadcastEventToRecord, now: Date): Promise<string[]> {
  const orgs = await ex
    .selectDistinct({ orgId: webhookEndpoints.orgId })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.environment, event.environment), subscribedEndpointCondition('webhook_endpoints', event.type)));
  const ids: string[] = [];
  for (const { orgId } of orgs) {
    ids.push(await recordEvent(ex, { orgId, environment: event.environment, type: event.type, data: event.data }, now));
  }
  return ids;
}

/** Whether an event of this type whose data has these fields was already broadcast in the environment (to any org):
 *  a change every node notices, such as a new rules revision, is announced once. Callers serialize the check and
 *  the recording themselves (a transaction-scoped advisory lock). */
export async function wasEventBroadcast(
  ex: Executor,
  environment: Environment,
  type: WebhookEventType,
  dataFields: Record<string, string>,
): Promise<boolean> {
  const [already] = await ex
    .select({ id: webhookMessages.id })
    .from(webhookMessages)
    .where(
      and(
        eq(webhookMessages.eventType, type),
        eq(webhookMessages.environment, environment),
        sql`${webhookMessages.payload} -> 'data' @> ${JSON.stringify(dataFields)}::jsonb`,
      ),
    )
    .limit(1);
  return already !== undefined;
}
