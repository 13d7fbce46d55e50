// Tables owned by account/: organizations, API keys, client apps and the audit log.
import { bigserial, boolean, customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const orgs = pgTable('orgs', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Org-level defaults (OFAuth's account settings plus ours); see account/settings.ts. */
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    name: text('name').notNull(),
    /** The first characters of the key, shown in lists so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key: the key itself is never stored. */
    hash: text('hash').notNull(),
    scopes: jsonb('scopes').$type<string[]>().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [uniqueIndex('api_keys_hash_uq').on(t.hash), index('api_keys_org_idx').on(t.orgId)],
);

export const clientApps = pgTable(
  'client_apps',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    name: text('name').notNull(),
    integrationType: text('integration_type').$type<'redirect' | 'embed' | 'whitelabel'>().notNull(),
    redirectUris: jsonb('redirect_uris').$type<string[]>().notNull(),
    embedOrigins: jsonb('embed_origins').$type<string[]>().notNull(),
    permissions: jsonb('permissions').$type<string[]>().notNull(),
    /** Shown at consent: description, website, privacy policy URL, terms URL. */
    profile: jsonb('profile').$type<Record<string, string | null>>().notNull().default({}),
    /** Whitelabel apps may opt in to receiving the raw session in the completed Link status. */
    returnsRawSession: boolean('returns_raw_session').notNull().default(false),
    /** Branding on the Link pages: the name end users see (else `name`), a #rrggbb colour, the logo's content hash. */
    displayName: text('display_name'),
    brandColor: text('brand_color'),
    logoHash: text('logo_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('client_apps_org_env_idx').on(t.orgId, t.environment, t.createdAt)],
);

/**
 * A client app's logo, as re-encoded by us (link/branding/logo.ts): the bytes served at /link/logos/<hash>.<ext>.
 * Kept out of client_apps so listing apps never reads images.
 */
export const clientAppLogos = pgTable(
  'client_app_logos',
  {
    appId: text('app_id')
      .primaryKey()
      .references(() => clientApps.id, { onDelete: 'cascade' }),
    orgId: text('org_id').notNull(),
    /** SHA-256 (hex) of the stored bytes: the served URL names it, so the URL changes when the logo does. */
    hash: text('hash').notNull(),
    contentType: text('content_type').$type<'image/png' | 'image/webp'>().notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    bytes: bytea('bytes').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('client_app_logos_hash_idx').on(t.hash)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: text('org_id').notNull(),
    /** Who did it: `key:<apiKeyId>`, `dashboard:<apiKeyId>`, `link:<linkSessionId>`, `cli` or `system`. */
    actor: text('actor').notNull(),
    /** The environment the change belongs to; null for what spans the org (its settings, the vault, its creation). */
    environment: text('environment').$type<'sandbox' | 'live'>(),
    action: text('action').notNull(),
    target: text('target'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('audit_log_org_idx').on(t.orgId, t.createdAt),
    // A connection's (or any target's) entries: its status history, the audit log API's target filter.
    index('audit_log_target_idx').on(t.orgId, t.target, t.id),
  ],
);
