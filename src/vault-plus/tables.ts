// Tables owned by vault-plus/: one row per media item and quality of a connection (its state, where its bytes are,
// and the copy queue: due_at/lease_until make the row the unit of due work), and each org's proxy URL signing key.
import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgs } from '../account/tables.ts';

export type VaultPlusStatus = 'edge_only' | 'pending' | 'storing' | 'stored' | 'removed';
export type VaultPlusSource = 'vault' | 'messages' | 'posts' | 'stories';
export type VaultPlusMediaType = 'image' | 'video' | 'audio';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const vaultPlusMedia = pgTable(
  'vault_plus_media',
  {
    /** vpm_…: the proxy URL names this row. */
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    connectionId: text('connection_id').notNull(),
    /** The upstream media id. */
    mediaId: text('media_id').notNull(),
    /** OFAuth's quality name: thumb, preview, full (images); preview, 240p, 720p, full (videos). */
    quality: text('quality').notNull(),
    type: text('type').$type<VaultPlusMediaType>().notNull(),
    /** Seconds, videos and audio only. */
    duration: integer('duration'),
    source: text('source').$type<VaultPlusSource>().notNull(),
    status: text('status').$type<VaultPlusStatus>().notNull(),
    /** The upstream CDN URL last seen (signed; expires); refreshed through the upstream when it has. */
    sourceUrl: text('source_url'),
    /**
     * Where the item is read again for a fresh URL: the upstream path (and query) of the post or message it was seen
     * in; null for vault media, read by id (GET /vault/media/{mediaId}).
     */
    sourceRef: text('source_ref'),
    contentType: text('content_type'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull().default(0),
    /** SHA-256 (hex) of the stored bytes: the storage key, so a file stored twice takes space once. */
    contentHash: text('content_hash'),
    accessCount: integer('access_count').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** When the copy is next due (null: not queued). */
    dueAt: ts('due_at'),
    leaseUntil: ts('lease_until'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    storedAt: ts('stored_at'),
    lastAccessedAt: ts('last_accessed_at'),
    /** When the stored copy lapses (retention), null when not stored. */
    expiresAt: ts('expires_at'),
  },
  (t) => [
    uniqueIndex('vault_plus_media_item_idx').on(t.orgId, t.environment, t.connectionId, t.mediaId, t.quality),
    index('vault_plus_media_conn_idx').on(t.orgId, t.environment, t.connectionId, t.status),
    index('vault_plus_media_due_idx').on(t.dueAt).where(sql`${t.dueAt} is not null`),
    index('vault_plus_media_hash_idx').on(t.contentHash),
  ],
);

/** Each org's key for signing its proxy URLs (encrypted by the vault): a URL names its org and item, and only that org's key signs it. */
export const vaultPlusUrlKeys = pgTable('vault_plus_url_keys', {
  orgId: text('org_id').primaryKey().references(() => orgs.id, { onDelete: 'cascade' }),
  secretBlob: text('secret_blob').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
