// The request log's statements: the recorder's batch insert, one connection's page (scoped by org and environment),
// and the retention sweep, which crosses orgs and says so in its name.
//
// A row of request_log_batches is one flush of one connection's entries (tables.ts says why), the entries one compact
// JSON document (batch-document.ts). An entry's id is its batch's id × 1024 + its position in the batch: unique and
// stable without being stored (a batch holds at most MAX_BATCH_ENTRIES).
import { sql, type SQL } from 'drizzle-orm';
import { executePrepared, type Executor } from '../../platform/db/database.ts';
import { rowsOf, timestampAt } from '../../platform/db/sql.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';

/** Entries one batch may hold: its entries' ids are batch id × 1024 + position. */
export const MAX_BATCH_ENTRIES = 1024;

/** One connection's entries of one flush. */
export interface RequestLogBatch {
  orgId: string;
  environment: string;
  connectionId: string;
  /** The earliest and latest arrival among the entries, epoch milliseconds. */
  firstAtMs: number;
  lastAtMs: number;
  entryCount: number;
  /** The entries as batch-document.ts serialises them. */
  document: string;
}

/** Rows one insert statement writes: a flush with more connections takes one statement per this many. */
export const ROWS_PER_INSERT = 16;

/**
 * Writes batches as rows, up to ROWS_PER_INSERT rows per statement, and calls `failed` with the batches of a statement
 * the database refused. A statement per flush rather than per connection: on the embedded database each statement
 * costs its thread a commit and a message round trip with the service's thread, which at the ~30 entries per
 * connection of a busy flush cost more than the entries themselves. Each row count has its own statement text,
 * prepared once per database connection; the documents go in as plain text parameters, neither parsed nor compressed
 * (tables.ts).
 */
export async function insertRequestLogBatches(
  ex: Executor,
  batches: readonly RequestLogBatch[],
  failed: (batches: readonly RequestLogBatch[], error: unknown) => void = (_, error) => {
    throw error;
  },
): Promise<void> {
  for (let at = 0; at < batches.length; at += ROWS_PER_INSERT) {
    const chunk = batches.slice(at, at + ROWS_PER_INSERT);
    const params: unknown[] = [];
    for (const batch of chunk) {
      params.push(
        batch.orgId,
        batch.environment,
        batch.connectionId,
        new Date(batch.firstAtMs).toISOString(),
        new Date(batch.lastAtMs).toISOString(),
        batch.entryCount,
        batch.document,
      );
    }
    try {
      await executePrepared(ex, `request_log_insert_${chunk.length}`, { sql: insertText(chunk.length), params });
    } catch (error) {
      failed(chunk, error);
    }
  }
}

const INSERT_TEXTS: string[] = [];

/** The insert of `rows` rows, rendered once per row count. */
function insertText(rows: number): string {
  if (INSERT_TEXTS[rows]) return INSERT_TEXTS[rows];
  const values = Array.from({ length: rows }, (_, row) => {
    const n = row * 7;
    return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}::timestamptz, $${n + 5}::timestamptz, $${n + 6}::int, $${n + 7})`;
  });
  INSERT_TEXTS[rows] = `insert into request_log_batches (org_id, environment, connection_id, first_at, last_at, entry_count, entries)
  values ${values.join(', ')}`;
  return INSERT_TEXTS[rows];
}

export interface RequestLogRow {
  id: number;
  createdAt: Date;
  method: string;
  path: string;
  status: number;
  upstreamStatus: number | null;
  durationMs: number;
  retries: number;
  requestId: string;
  apiKeyId: string;
}

/** Where a page starts: strictly older than this entry (newest first: created_at, then id). */
export interface RequestLogPosition {
  createdAt: Date;
  id: number;
}

export interface RequestLogFilter {
  /** [lowest, highest] status, inclusive. */
  status?: [number, number];
  method?: string;
  since?: Date;
  until?: Date;
  after?: RequestLogPosition;
}

/** A batch as a page walks them, newest last_at first (id breaks ties). */
interface BatchPosition {
  lastAt: Date;
  id: number;
}

/** Batches a page reads in its first round; each further round reads four times as many. */
const FIRST_ROUND_BATCHES = 4;
const MAX_ROUND_BATCHES = 1_024;

/**
 * One connection's log, newest first; `limit + 1` entries are read so the caller knows whether more follow.
 *
 * Batches overlap in time (a slow call is logged after quicker ones that arrived later; several nodes flush on their
 * own), so a page cannot take the newest batches' entries and stop. It reads batches newest last_at first, a round at
 * a time, keeping the best `limit` entries; it stops once the last of those arrived after the last batch read ended:
 * no batch not yet read (last_at no later) can hold a newer entry. Batches outside the page's window (since, until,
 * the cursor) are never expanded.
 */
export async function listConnectionRequestLog(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  filter: RequestLogFilter,
  limit: number,
): Promise<RequestLogRow[]> {
  let found: RequestLogRow[] = [];
  let readTo: BatchPosition | null = null;
  for (let roundSize = FIRST_ROUND_BATCHES; ; roundSize = Math.min(roundSize * 4, MAX_ROUND_BATCHES)) {
    const batches = await nextBatches(ex, scope, connectionId, filter, readTo, roundSize);
    const last = batches.at(-1);
    if (!last) return found;
    const entries = await entriesOfBatches(ex, scope, connectionId, filter, readTo, last, limit);
    found = [...found, ...entries].sort(newestFirst).slice(0, limit);
    if (batches.length < roundSize) return found;
    if (found.length === limit && found[limit - 1].createdAt.getTime() > last.lastAt.getTime()) return found;
    readTo = last;
  }
}

const newestFirst = (a: RequestLogRow, b: RequestLogRow): number => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id;

/** The conditions on a batch: the connection's, and able to hold an entry of the page's window. */
function batchConditions(scope: TenantScope, connectionId: string, filter: RequestLogFilter): SQL[] {
  const conditions: SQL[] = [sql`b.connection_id = ${connectionId}`, sql`b.org_id = ${scope.orgId}`, sql`b.environment = ${scope.environment}`];
  if (filter.since) conditions.push(sql`b.last_at >= ${timestampAt(filter.since)}`);
  if (filter.until) conditions.push(sql`b.first_at < ${timestampAt(filter.until)}`);
  if (filter.after) conditions.push(sql`b.first_at <= ${timestampAt(filter.after.createdAt)}`);
  return conditions;
}

/** Strictly after `position` in the walk (older last_at, or the same and a lower id). */
const batchesAfter = (position: BatchPosition): SQL =>
  sql`b.last_at <= ${timestampAt(position.lastAt)} and (b.last_at, b.id) < (${timestampAt(position.lastAt)}, ${position.id})`;

/** The next `count` batches of the walk after `readTo` (from the newest when null). */
async function nextBatches(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  filter: RequestLogFilter,
  readTo: BatchPosition | null,
  count: number,
): Promise<BatchPosition[]> {
  const conditions = batchConditions(scope, connectionId, filter);
  if (readTo) conditions.push(batchesAfter(readTo));
  const result = await ex.execute(sql`
    select b.id, b.last_at from request_log_batches b where ${sql.join(conditions, sql` and `)}
    order by b.last_at desc, b.id desc limit ${count}`);
  return rowsOf<{ id: unknown; last_at: string | Date }>(result).map((row) => ({ id: Number(row.id), lastAt: new Date(row.last_at) }));
}

/** The page's best `limit` entries among the batches after `readTo` up to and including `through`. */
async function entriesOfBatches(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  filter: RequestLogFilter,
  readTo: BatchPosition | null,
  through: BatchPosition,
  limit: number,
): Promise<RequestLogRow[]> {
  const batches = batchConditions(scope, connectionId, filter);
  if (readTo) batches.push(batchesAfter(readTo));
  batches.push(sql`b.last_at >= ${timestampAt(through.lastAt)} and (b.last_at, b.id) >= (${timestampAt(through.lastAt)}, ${through.id})`);
  const entries: SQL[] = [];
  if (filter.status) entries.push(sql`status between ${filter.status[0]} and ${filter.status[1]}`);
  if (filter.method) entries.push(sql`method = ${filter.method}`);
  if (filter.since) entries.push(sql`at_ms >= ${filter.since.getTime()}`);
  if (filter.until) entries.push(sql`at_ms < ${filter.until.getTime()}`);
  if (filter.after) entries.push(sql`(at_ms, id) < (${filter.after.createdAt.getTime()}::bigint, ${filter.after.id}::bigint)`);
  // Each batch's document is parsed once (the materialised CTE: as a plain subquery the cast would be repeated for
  // every reference to it in every entry's row), as jsonb so an entry's request line and key are looked up by index.
  const result = await ex.execute(sql`
    with documents as materialized (
      select b.id, b.entries::jsonb as doc from request_log_batches b where ${sql.join(batches, sql` and `)})
    select id, at_ms, method, path, status, upstream_status, duration_ms, retries, request_id, api_key_id from (
      select d.id * ${MAX_BATCH_ENTRIES} + e.n - 1 as id, (d.doc->>'t')::bigint + (e.v->>0)::bigint as at_ms,
        d.doc->'p'->((e.v->>1)::int)->>0 as method, d.doc->'p'->((e.v->>1)::int)->>1 as path,
        (e.v->>2)::int as status, (e.v->>3)::int as upstream_status, (e.v->>4)::int as duration_ms, (e.v->>5)::int as retries,
        e.v->>6 as request_id, d.doc->'k'->>((e.v->>7)::int) as api_key_id
      from documents d cross join lateral jsonb_array_elements(d.doc->'e') with ordinality as e(v, n)) entry
    ${entries.length > 0 ? sql`where ${sql.join(entries, sql` and `)}` : sql``}
    order by at_ms desc, id desc
    limit ${limit}`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    id: Number(row.id),
    createdAt: new Date(Number(row.at_ms)),
    method: String(row.method),
    path: String(row.path),
    status: Number(row.status),
    upstreamStatus: row.upstream_status === null ? null : Number(row.upstream_status),
    durationMs: Number(row.duration_ms),
    retries: Number(row.retries),
    requestId: String(row.request_id),
    apiKeyId: String(row.api_key_id),
  }));
}

/**
 * Retention, across every org: deletes the oldest batches that ended before `before`, as many as it takes to remove
 * `limit` entries (the last may take it past), and returns how many entries went: fewer than `limit`, none are left.
 * Whole batches go by their last entry, so a batch straddling the cutoff keeps its older entries (at most a flush
 * interval's worth, or one slow call's duration) until its last one is old enough.
 */
export async function deleteRequestLogBatchesOfEveryOrgBefore(ex: Executor, before: Date, limit: number): Promise<number> {
  const result = await ex.execute(sql`
    with expired as (
      select id, sum(entry_count) over (order by last_at, id) - entry_count as entries_before
      from (select id, last_at, entry_count from request_log_batches where last_at < ${timestampAt(before)} order by last_at, id limit ${limit}) oldest),
    gone as (
      delete from request_log_batches where id in (select id from expired where entries_before < ${limit})
      returning entry_count)
    select coalesce(sum(entry_count), 0)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}
