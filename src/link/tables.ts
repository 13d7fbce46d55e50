// Tables owned by link/: Link sessions (hosted, embed and whitelabel login flows).
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { clientApps, orgs } from '../account/tables.ts';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const linkSessions = pgTable(
  'link_sessions',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    clientAppId: text('client_app_id').notNull().references(() => clientApps.id, { onDelete: 'cascade' }),
    /** SHA-256 of the cs_… client secret: the secret is a bearer token and is not stored. */
    secretHash: text('secret_hash').notNull(),
    redirectUrl: text('redirect_url'),
    clientReferenceId: text('client_reference_id'),
    /** Set when the session reconnects an existing connection. */
    connectionId: text('connection_id'),
    geolocation: jsonb('geolocation').$type<Record<string, string>>(),
    /** initialized | pending | awaiting_2fa | denied | completed | invalid_credentials | failed | cancelled */
    status: text('status').notNull(),
    /** The 2FA challenge state shown to the user (options, attempts left): no secrets. */
    twoFactorState: jsonb('two_factor_state').$type<Record<string, unknown>>(),
    /** Encrypted pending upstream challenge (guest cookies, x-bc) between login and OTP. */
    challengeBlob: text('challenge_blob'),
    failedAttempts: integer('failed_attempts').notNull().default(0),
    errorCode: text('error_code'),
    resultConnectionId: text('result_connection_id'),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('link_sessions_secret_uq').on(t.secretHash),
    index('link_sessions_org_idx').on(t.orgId),
    // The recent sessions list (sessions-list.ts): an org and environment's sessions, newest first.
    index('link_sessions_org_recent_idx').on(t.orgId, t.environment, t.createdAt),
  ],
);
