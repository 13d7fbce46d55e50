// Replay: send a message again with its original webhook-id (receivers deduplicate on it), to one endpoint or to
// every endpoint that takes it; or send again everything that finally failed since a time. Each replay is recorded
// in the audit log in its own transaction. The statements below are replay's own.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import type { ActingScope, TenantScope } from '../platform/tenant-scope.ts';
import { DELIVERIES_CHANNEL, NEW_DELIVERY_ID, dueUnlessQueued, subscribedEndpointCondition } from './outbox.ts';
import * as store from './store.ts';
import type { MessageRow } from './store.ts';
import { webhookDeliveries, webhookEndpoints } from './tables.ts';

export async function replayMessage(ctx: ServiceContext, scope: ActingScope, messageId: string, endpointId?: string): Promise<number> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    const message = await store.findMessage(tx, scope, messageId);
    if (!message) throw notFound('Webhook message', messageId);
    let targets: string[];
    if (endpointId) {
      const endpoint = await store.findEndpoint(tx, scope, endpointId);
      if (!endpoint) throw notFound('Webhook endpoint', endpointId);
      if (!endpoint.enabled) throw new ApiError('CONFLICT', `Webhook endpoint ${endpointId} is disabled; enable it before replaying to it`);
      targets = [endpoint.id];
    } else if (isTestMessage(message)) {
      // A test event was sent to one endpoint on purpose: replaying it goes back there, not to every subscriber.
      targets = await enabledEndpointsDeliveredTo(tx, message);
    } else {
      targets = await subscribedEndpointIds(tx, scope, message.eventType);
    }
    const replayed = await replayMessageTo(tx, message, targets, now);
    await recordAuditEntry(tx, {
      orgId: scope.orgId,
      environment: scope.environment,
      actor: scope.actor,
      action: 'webhook_message.replayed',
      target: message.id,
      data: { endpointId: endpointId ?? null, replayed },
    });
    return replayed;
  });
}

export async function replayFailedMessages(ctx: ServiceContext, scope: ActingScope, since: Date, endpointId?: string): Promise<number> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    if (endpointId && !(await store.findEndpoint(tx, scope, endpointId))) throw notFound('Webhook endpoint', endpointId);
    const replayed = await replayFailedSince(tx, scope, since, endpointId ?? null, now);
    await recordAuditEntry(tx, {
      orgId: scope.orgId,
      environment: scope.environment,
      actor: scope.actor,
      action: 'webhook_message.failed_replayed',
      target: endpointId ?? null,
      data: { environment: scope.environment, since: since.toISOString(), endpointId: endpointId ?? null, replayed },
    });
    return replayed;
  });
}

// ----- statements -----

/** Makes a message go out again to the given endpoints, with its original id: a delivery still pending and heading
 *  its queue is made due now; otherwise a new delivery joins the back of its queue. Returns how many endpoints. */
async function replayMessageTo(ex: Executor, message: MessageRow, endpointIds: string[], now: Date): Promise<number> {
  if (endpointIds.length === 0) return 0;
  await ex
    .update(webhookDeliveries)
    .set({ nextAttemptAt: now, updatedAt: now })
    .where(
      and(
        eq(webhookDeliveries.messageId, message.id),
        inArray(webhookDeliveries.endpointId, endpointIds),
        eq(webhookDeliveries.status, 'pending'),
        sql`${webhookDeliveries.leaseUntil} is null and ${webhookDeliveries.nextAttemptAt} is not null`,
      ),
    );
  const orderingKey = message.connectionId ?? message.id;
  const endpointList = sql.join(endpointIds.map((id) => sql`${id}`), sql`, `);
  await ex.execute(sql`
      insert into webhook_deliveries (id, org_id, message_id, endpoint_id, status, ordering_key, seq, attempt_count, next_attempt_at, created_at, updated_at)
      select ${NEW_DELIVERY_ID}, ${message.orgId}, ${message.id}, e.id, 'pending', ${orderingKey},
             nextval(pg_get_serial_sequence('webhook_messages', 'seq')), 0, ${dueUnlessQueued(sql`e.id`, orderingKey, now)}, ${timestampAt(now)}, ${timestampAt(now)}
      from webhook_endpoints e
      where e.id in (${endpointList}) and e.org_id = ${message.orgId}
        and not exists (select 1 from webhook_deliveries p where p.message_id = ${message.id} and p.endpoint_id = e.id and p.status = 'pending')`);
  await ex.execute(sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`);
  return endpointIds.length;
}

/** A message made by POST …/endpoints/{id}/test (its envelope says `test: true`). */
function isTestMessage(message: MessageRow): boolean {
  const payload = message.payload as { test?: unknown } | null;
  return payload?.test === true;
}

/** Enabled endpoints this message already has deliveries to (of its own org). */
async function enabledEndpointsDeliveredTo(ex: Executor, message: MessageRow): Promise<string[]> {
  const rows = await ex
    .selectDistinct({ id: webhookDeliveries.endpointId })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .where(and(eq(webhookDeliveries.messageId, message.id), eq(webhookDeliveries.orgId, message.orgId), eq(webhookEndpoints.enabled, true)));
  return rows.map((r) => r.id);
}

/** Enabled endpoints of the scope that take this event type (where a replay without an endpoint goes). */
async function subscribedEndpointIds(ex: Executor, scope: TenantScope, eventType: string): Promise<string[]> {
  const rows = await ex
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, scope.orgId),
        eq(webhookEndpoints.environment, scope.environment),
        subscribedEndpointCondition('webhook_endpoints', eventType),
      ),
    );
  return rows.map((r) => r.id);
}

/** Every (message, endpoint) whose latest delivery failed, for messages since a time, goes out again in the
 *  original order. Returns how many deliveries were added. */
async function replayFailedSince(ex: Executor, scope: TenantScope, since: Date, endpointId: string | null, now: Date): Promise<number> {
  const result = await ex.execute(sql`
    with latest as (
      select distinct on (d.message_id, d.endpoint_id) d.message_id, d.endpoint_id, d.status, d.ordering_key, m.seq as message_seq
      from webhook_deliveries d join webhook_messages m on m.id = d.message_id
      where d.org_id = ${scope.orgId} and m.environment = ${scope.environment} and m.created_at >= ${timestampAt(since)}
        ${endpointId ? sql`and d.endpoint_id = ${endpointId}` : sql``}
      order by d.message_id, d.endpoint_id, d.seq desc
    ), failed as (
      -- Within one queue only the first replayed message may be due; the rest wait their turn behind it.
      select l.*, row_number() over (partition by l.endpoint_id, l.ordering_key order by l.message_seq) as place
      from latest l join webhook_endpoints e on e.id = l.endpoint_id
      where l.status = 'failed' and e.enabled
    ), ordered as (
      select * from failed order by message_seq
    ), added as (
      insert into webhook_deliveries (id, org_id, message_id, endpoint_id, status, ordering_key, seq, attempt_count, next_attempt_at, created_at, updated_at)
      select ${NEW_DELIVERY_ID}, ${scope.orgId}, f.message_id, f.endpoint_id, 'pending', f.ordering_key,
             nextval(pg_get_serial_sequence('webhook_messages', 'seq')), 0,
             case when f.place > 1 then null else ${dueUnlessQueued(sql`f.endpoint_id`, sql`f.ordering_key`, now)} end,
             ${timestampAt(now)}, ${timestampAt(now)}
      from ordered f
      returning 1
    )
    select count(*)::int as n from added`);
  const added = Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
  if (added > 0) await ex.execute(sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`);
  return added;
}
