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
 * The per-connection request log (request-log/): each row is one flush of one connection's Access calls by one API
 * node, its entries one compact JSON document (request-log/batch-document.ts says its shape). One row per batch rather
 * than per call: on the embedded database a row per call, with its index entries, cost ~37 µs of CPU, more than a
 * tenth of the proxied request it logged. Entry ids are derived, not stored: the batch's id × 1024 + the entry's
 * position. Pruned by whole batches after OFCONNECT_REQUEST_LOG_RETENTION_DAYS. The path keeps query keys only unless
 * configured otherwise: values may carry personal data.
 */
export const requestLogBatches = pgTable(
  'request_log_batches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    orgId: text('org_id').notNull(),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    connectionId: text('connection_id').notNull(),
    /** The earliest and latest arrival among the entries: a page reads only the batches its window can reach. */
    firstAt: ts('first_at').notNull(),
    lastAt: ts('last_at').notNull(),
    entryCount: integer('entry_count').notNull(),
    /**
     * The entries as one JSON document, in a text column stored uncompressed (STORAGE EXTERNAL, migration 0013): written
     * far more often than read, so the write is made as cheap as it goes. Measured on PGlite per entry: a json column
     * validated every document (~15% of the write) and TOAST's pglz compression of it cost most of the rest; the
     * compact document uncompressed costs ~0.6 µs against ~2 µs for the former compressed json tuples, for ~35% more
     * disk. Reads cast it to jsonb once per batch.
     */
    entries: text('entries').notNull(),
  },
  (t) => [
    // The API reads one connection's batches newest first; pruning finds old batches by last_at. With one row per
    // flush both are small: the index costs a few entries per second, not one per call.
    index('request_log_batches_connection_idx').on(t.connectionId, t.lastAt, t.id),
    index('request_log_batches_last_brin').using('brin', t.lastAt),
  ],
);
