// Tables owned by webhooks/: endpoints, the outbox of messages, per-endpoint deliveries (the due work) and attempts.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { orgs } from '../account/tables.ts';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types delivered; empty means every event. */
    eventTypes: jsonb('event_types').$type<string[]>().notNull().default([]),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    /** whsec_ secret, encrypted by the vault. */
    secretBlob: text('secret_blob').notNull(),
    /** During rotation the previous secret keeps signing alongside the new one until it expires. */
    previousSecretBlob: text('previous_secret_blob'),
    previousSecretExpiresAt: ts('previous_secret_expires_at'),
    /** Start of the current run of failures (an endpoint failing for 5 days is disabled). */
    failingSince: ts('failing_since'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId, t.environment)],
);

/** The outbox: one row per event, written in the same transaction as the change that caused it. */
export const webhookMessages = pgTable(
  'webhook_messages',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    eventType: text('event_type').notNull(),
    /** Deliveries for one connection go out in order; null for org-wide events. */
    connectionId: text('connection_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** The W3C traceparent of the request that recorded the event (when traced): its deliveries' spans join that trace. */
    traceparent: text('traceparent'),
    /** Insertion order, used for per-connection ordering. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_messages_org_idx').on(t.orgId, t.createdAt),
    index('webhook_messages_conn_idx').on(t.connectionId, t.seq),
    // Retention finds old messages across orgs by time (retention/webhook-log.ts).
    index('webhook_messages_created_idx').on(t.createdAt),
  ],
);

/** One message to one endpoint: the unit of due work, claimed with a lease. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    messageId: text('message_id')
      .notNull()
      .references(() => webhookMessages.id, { onDelete: 'cascade' }),
    endpointId: text('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    /** pending | succeeded | failed */
    status: text('status').$type<DeliveryStatus>().notNull(),
    /** Ordering key: the message's connection id, or the message id for org-wide events. */
    orderingKey: text('ordering_key').notNull(),
    /** Position in the ordering key's queue: the message's seq, or a fresh value from the same sequence on replay. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at'),
    leaseUntil: ts('lease_until'),
    lastStatusCode: integer('last_status_code'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    // The in-order check looks for an earlier pending delivery of the same endpoint and ordering key.
    index('webhook_deliveries_order_idx').on(t.endpointId, t.orderingKey, t.seq).where(sql`status = 'pending'`),
    index('webhook_deliveries_message_idx').on(t.messageId),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    /** No foreign key: the log is written once per delivery at the worker's full rate, and the key's check (a
     *  trigger and a row lock per attempt) was an eighth of the worker's database time on PGlite. The one way a
     *  delivery goes, deleting its endpoint, deletes the endpoint's attempts in the same statement
     *  (store.deleteEndpointRow), and the worker logs only attempts whose delivery still exists. */
    deliveryId: text('delivery_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    messageId: text('message_id').notNull(),
    attempt: integer('attempt').notNull(),
    statusCode: integer('status_code'),
    durationMs: integer('duration_ms').notNull(),
    /** First few KB of the receiver's reply. */
    responseSnippet: text('response_snippet'),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  // The log is read by message and by endpoint (listAttempts), newest first.
  (t) => [index('webhook_attempts_message_idx').on(t.messageId), index('webhook_attempts_endpoint_idx').on(t.endpointId, t.createdAt)],
);
