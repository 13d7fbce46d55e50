// Tables owned by connections/: the connection record and its encrypted session.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { clientApps, orgs } from '../account/tables.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const connections = pgTable(
  'connections',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    /** pending | awaiting_2fa | active | expired | failed | disconnected */
    status: text('status').notNull(),
    /** The OnlyFans user id (auth_id); null until a login completes. */
    platformUserId: text('platform_user_id'),
    userData: jsonb('user_data').$type<Record<string, unknown>>(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    clientReferenceId: text('client_reference_id'),
    clientAppId: text('client_app_id').references(() => clientApps.id, { onDelete: 'set null' }),
    /** Imported connections are neither monitored nor billed (OFAuth's rule). */
    imported: boolean('imported').notNull(),
    /** Per-connection settings: Vault+ flags, outbound proxy, country label, pacing override. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    lastCheckedAt: ts('last_checked_at'),
    expiredAt: ts('expired_at'),
    disconnectedAt: ts('disconnected_at'),
    /** Monitor schedule and lease (claimed with FOR UPDATE SKIP LOCKED). */
    nextCheckAt: ts('next_check_at'),
    checkLeaseUntil: ts('check_lease_until'),
    checkFailures: integer('check_failures').notNull().default(0),
    /** The stored-at time of the session connection.expiring was sent for: the monitor warns once per session. */
    expiringNotifiedSessionAt: ts('expiring_notified_session_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // One active connection per (org, environment, upstream user): enforced here, not only in code,
    // so two concurrent imports of the same account cannot both win.
    uniqueIndex('connections_one_active_per_user_uq')
      .on(t.orgId, t.environment, t.platformUserId)
      .where(sql`status = 'active'`),
    index('connections_org_list_idx').on(t.orgId, t.environment, t.createdAt),
    // The list's search (store.ts matchesSearch): prefixes of clientReferenceId and of the lower-cased username.
    // text_pattern_ops lets LIKE 'term%' use them whatever the database's collation.
    index('connections_org_reference_idx').on(t.orgId, t.environment, t.clientReferenceId.op('text_pattern_ops')),
    index('connections_org_username_idx').on(t.orgId, t.environment, sql`lower(${t.userData} ->> 'username') text_pattern_ops`),
    index('connections_due_check_idx').on(t.nextCheckAt).where(sql`status = 'active' and imported = false`),
  ],
);

export const connectionSessions = pgTable('connection_sessions', {
  connectionId: text('connection_id')
    .primaryKey()
    .references(() => connections.id, { onDelete: 'cascade' }),
  orgId: text('org_id').notNull(),
  /** Which vault key encrypted the blob (for rotation). */
  keyId: text('key_id').notNull(),
  /** AES-256-GCM envelope of {cookie, userAgent, xBc}; plain session material never sits in a column. */
  blob: text('blob').notNull(),
  /** Optional stored credentials for auto re-login (org opt-in), encrypted the same way. */
  credentialsBlob: text('credentials_blob'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
