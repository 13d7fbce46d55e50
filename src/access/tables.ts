// Tables owned by access/: usage metering and the per-connection request log, both written in batches (never a write
// per request), and uploads in flight.
import { bigint, bigserial, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const usage = pgTable(
  'usage',
  {
    orgId: text('org_id').notNull(),
    connectionId: text('connection_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.connectionId, t.day] })],
);

/**
 * An upload between init and complete (endpoints/uploads.ts): our mediaUploadId ↔ upstream's upload, the parts
 * stored so far (their ETags, in order) and when it is abandoned. No file bytes: parts stream through to upstream's
 * storage. The row is deleted on completion, on a part that breaks the declared layout, and by the expiry sweep.
 */
export const accessUploads = pgTable(
  'access_uploads',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    connectionId: text('connection_id').notNull(),
    contentType: text('content_type').notNull(),
    filename: text('filename').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    partSize: bigint('part_size', { mode: 'number' }).notNull(),
    partCount: integer('part_count').notNull(),
    /** Set when the first bytes arrive (one upstream part for a single PUT, partCount for parts). */
    upstreamUploadId: text('upstream_upload_id'),
    /** Upstream's presigned storage URL of each part, by part number − 1. */
    partUrls: jsonb('part_urls').$type<string[]>(),
    /** ETags of the parts stored so far, by part number − 1 (parts arrive in order). */
    etags: jsonb('etags').$type<string[]>().notNull().default([]),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('access_uploads_scope_idx').on(t.orgId, t.environment, t.connectionId), index('access_uploads_expiry_idx').on(t.expiresAt)],
);

/**
 * The per-connection request log: one row per Access call made on a stored connection (request-log/), written in
 * batches by each API node and pruned after OFCONNECT_REQUEST_LOG_RETENTION_DAYS. The path keeps query keys only
 * unless configured otherwise: values may carry personal data.
 */
export const requestLog = pgTable(
  'request_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: text('org_id').notNull(),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    connectionId: text('connection_id').notNull(),
    /** When the request arrived (millisecond precision, so a page cursor names a row exactly). */
    createdAt: ts('created_at').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    status: integer('status').notNull(),
    /** Upstream's status of the last upstream call; null when none was made or none answered. */
    upstreamStatus: integer('upstream_status'),
    durationMs: integer('duration_ms').notNull(),
    retries: integer('retries').notNull(),
    requestId: text('request_id').notNull(),
    apiKeyId: text('api_key_id').notNull(),
  },
  (t) => [
    // The API reads one connection's rows newest first.
    index('request_log_connection_idx').on(t.connectionId, t.createdAt, t.id),
    // Pruning finds old rows by time. BRIN: rows arrive in time order, and it costs next to nothing per insert.
    index('request_log_created_brin').using('brin', t.createdAt),
  ],
);
