// webhooks/' tenant-scoped statements: endpoints, messages, deliveries and attempts as the management API and its use
// cases read and write them. Every statement is filtered by org, and by environment where the row has one
// (deliveries and attempts carry only the org: they are reached through an endpoint or message found in scope).
// The worker's statements, which work across orgs, are in delivery-round.ts; replay's own are in replay.ts.
import { and, asc, desc, eq, gte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookMessages } from './tables.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type MessageRow = typeof webhookMessages.$inferSelect;
export type AttemptRow = typeof webhookAttempts.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export interface Page {
  limit: number;
  offset: number;
}

// ----- endpoints -----

const endpointInScope = (scope: TenantScope, endpointId: string) =>
  and(eq(webhookEndpoints.orgId, scope.orgId), eq(webhookEndpoints.environment, scope.environment), eq(webhookEndpoints.id, endpointId));

export async function insertEndpointRow(ex: Executor, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const [created] = await ex.insert(webhookEndpoints).values(row).returning();
  return created;
}

export async function listEndpointRows(ex: Executor, scope: TenantScope): Promise<EndpointRow[]> {
  return ex
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, scope.orgId), eq(webhookEndpoints.environment, scope.environment)))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

export async function findEndpoint(ex: Executor, scope: TenantScope, endpointId: string): Promise<EndpointRow | undefined> {
  const [row] = await ex.select().from(webhookEndpoints).where(endpointInScope(scope, endpointId));
  return row;
}

export async function updateEndpointRow(
  ex: Executor,
  scope: TenantScope,
  endpointId: string,
  changes: Partial<typeof webhookEndpoints.$inferInsert>,
): Promise<EndpointRow | undefined> {
  const [row] = await ex.update(webhookEndpoints).set(changes).where(endpointInScope(scope, endpointId)).returning();
  return row;
}

/** Deletes the endpoint, its deliveries (by cascade) and its attempt log (which has no key to cascade by). */
export async function deleteEndpointRow(ex: Executor, scope: TenantScope, endpointId: string): Promise<boolean> {
  const result = await ex.execute(sql`
    with gone as (
      delete from webhook_endpoints
      where org_id = ${scope.orgId} and environment = ${scope.environment} and id = ${endpointId}
      returning id
    ), log as (
      delete from webhook_attempts where endpoint_id in (select id from gone)
    )
    select id from gone`);
  return rowsOf(result).length === 1;
}

/** Disables an enabled endpoint; undefined if it was already disabled (someone else got there first). */
export async function disableEndpointRow(ex: Executor, scope: TenantScope, endpointId: string, reason: string, now: Date): Promise<EndpointRow | undefined> {
  const [row] = await ex
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: reason, updatedAt: now })
    .where(and(endpointInScope(scope, endpointId), eq(webhookEndpoints.enabled, true)))
    .returning();
  return row;
}

/** Pending deliveries of a disabled endpoint end as failed; replaying them after re-enabling sends them again. */
export async function failPendingDeliveriesOf(ex: Executor, scope: TenantScope, endpointId: string, now: Date): Promise<void> {
  await ex
    .update(webhookDeliveries)
    .set({ status: 'failed', nextAttemptAt: null, leaseUntil: null, updatedAt: now })
    .where(and(eq(webhookDeliveries.orgId, scope.orgId), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.status, 'pending')));
}

/** Marks the endpoint failing (from the first failure of a run); returns since when it has been failing. */
export async function markEndpointFailing(ex: Executor, scope: TenantScope, endpointId: string, now: Date): Promise<Date | null> {
  const [row] = await ex
    .update(webhookEndpoints)
    .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${timestampAt(now)})` })
    .where(endpointInScope(scope, endpointId))
    .returning({ failingSince: webhookEndpoints.failingSince });
  return row?.failingSince ?? null;
}

export async function clearEndpointFailing(ex: Executor, scope: TenantScope, endpointId: string): Promise<void> {
  await ex
    .update(webhookEndpoints)
    .set({ failingSince: null })
    .where(and(endpointInScope(scope, endpointId), sql`${webhookEndpoints.failingSince} is not null`));
}

// ----- messages -----

export type MessageStatus = 'pending' | 'succeeded' | 'failed' | 'none';

/** A message's status across its endpoints, from each endpoint's latest delivery (a replay supersedes the
 *  delivery before it): pending while any is pending, else failed if any failed, else succeeded; none without one.
 *  The outer table is named in plain SQL: drizzle leaves columns unqualified in single-table selections, and an
 *  unqualified id here would bind to the inner table. */
const messageStatus = sql<MessageStatus>`coalesce((
  select case when count(*) = 0 then null
              when bool_or(latest.status = 'pending') then 'pending'
              when bool_or(latest.status = 'failed') then 'failed'
              else 'succeeded' end
  from (select distinct on (d.endpoint_id) d.status from webhook_deliveries d
        where d.message_id = webhook_messages.id order by d.endpoint_id, d.seq desc) latest
), 'none')`;

export interface MessageWithStatus extends MessageRow {
  status: MessageStatus;
}

export interface MessageFilter {
  eventType?: string;
  status?: MessageStatus;
  connectionId?: string;
  since?: Date;
}

function messageConditions(scope: TenantScope, filter: MessageFilter): SQL {
  const conditions = [eq(webhookMessages.orgId, scope.orgId), eq(webhookMessages.environment, scope.environment)];
  if (filter.eventType) conditions.push(eq(webhookMessages.eventType, filter.eventType));
  if (filter.connectionId) conditions.push(eq(webhookMessages.connectionId, filter.connectionId));
  if (filter.since) conditions.push(gte(webhookMessages.createdAt, filter.since));
  if (filter.status) conditions.push(sql`${messageStatus} = ${filter.status}`);
  return and(...conditions)!;
}

/** Newest first; one extra row tells whether there is a next page. */
export async function listMessageRows(ex: Executor, scope: TenantScope, filter: MessageFilter, page: Page): Promise<{ list: MessageWithStatus[]; hasMore: boolean }> {
  const rows = await ex
    .select({ message: webhookMessages, status: messageStatus })
    .from(webhookMessages)
    .where(messageConditions(scope, filter))
    .orderBy(desc(webhookMessages.seq))
    .limit(page.limit + 1)
    .offset(page.offset);
  const list = rows.slice(0, page.limit).map((r) => ({ ...r.message, status: r.status }));
  return { list, hasMore: rows.length > page.limit };
}

export async function findMessage(ex: Executor, scope: TenantScope, messageId: string): Promise<MessageWithStatus | undefined> {
  const [row] = await ex
    .select({ message: webhookMessages, status: messageStatus })
    .from(webhookMessages)
    .where(and(messageConditions(scope, {}), eq(webhookMessages.id, messageId)));
  return row ? { ...row.message, status: row.status } : undefined;
}

export async function listDeliveriesOfMessage(ex: Executor, orgId: string, messageId: string): Promise<DeliveryRow[]> {
  return ex
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.messageId, messageId)))
    .orderBy(asc(webhookDeliveries.seq));
}

// ----- attempts -----

export interface AttemptFilter {
  messageId?: string;
  endpointId?: string;
  status?: 'succeeded' | 'failed';
}

const attemptSucceeded = sql`${webhookAttempts.statusCode} between 200 and 299`;

export async function listAttempts(ex: Executor, orgId: string, filter: AttemptFilter, page: Page): Promise<{ list: AttemptRow[]; hasMore: boolean }> {
  const conditions = [eq(webhookAttempts.orgId, orgId)];
  if (filter.messageId) conditions.push(eq(webhookAttempts.messageId, filter.messageId));
  if (filter.endpointId) conditions.push(eq(webhookAttempts.endpointId, filter.endpointId));
  if (filter.status === 'succeeded') conditions.push(attemptSucceeded);
  if (filter.status === 'failed') conditions.push(sql`not coalesce(${attemptSucceeded}, false)`);
  const rows = await ex
    .select()
    .from(webhookAttempts)
    .where(and(...conditions))
    .orderBy(desc(webhookAttempts.createdAt), desc(webhookAttempts.attempt))
    .limit(page.limit + 1)
    .offset(page.offset);
  return { list: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}
