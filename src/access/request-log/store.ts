// The request log's statements: the recorder's batched insert, one connection's page (scoped by org and environment),
// and the retention sweep, which crosses orgs and says so in its name.
import { sql, type SQL } from 'drizzle-orm';
import { executePrepared, type Executor } from '../../platform/db/database.ts';
import { rowsOf, timestampAt } from '../../platform/db/sql.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';

/** A row as the insert takes it (snake_case: the batch travels as one JSON parameter). */
export interface RequestLogInsert {
  org_id: string;
  environment: string;
  connection_id: string;
  created_at: string;
  method: string;
  path: string;
  status: number;
  upstream_status: number | null;
  duration_ms: number;
  retries: number;
  request_id: string;
  api_key_id: string;
}

// The whole batch is one parameter, expanded by json_to_recordset: one statement text whatever the batch size, so it
// is prepared once per connection, and nothing is built per row on our side but the JSON.
const INSERT_BATCH = sql`
  insert into request_log (org_id, environment, connection_id, created_at, method, path, status, upstream_status, duration_ms, retries, request_id, api_key_id)
  select org_id, environment, connection_id, created_at, method, path, status, upstream_status, duration_ms, retries, request_id, api_key_id
  from json_to_recordset(`;
const INSERT_BATCH_END = sql`::json) as r(
    org_id text, environment text, connection_id text, created_at timestamptz, method text, path text, status int,
    upstream_status int, duration_ms int, retries int, request_id text, api_key_id text)`;

export async function insertRequestLogRows(ex: Executor, rows: RequestLogInsert[]): Promise<void> {
  if (rows.length === 0) return;
  await executePrepared(ex, 'request_log_insert', sql`${INSERT_BATCH}${JSON.stringify(rows)}${INSERT_BATCH_END}`);
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

/** Where a page starts: strictly older than this row (newest first: created_at, then id). */
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

/** One connection's log, newest first; `limit + 1` rows are read so the caller knows whether more follow. */
export async function listConnectionRequestLog(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  filter: RequestLogFilter,
  limit: number,
): Promise<RequestLogRow[]> {
  const conditions: SQL[] = [sql`org_id = ${scope.orgId}`, sql`environment = ${scope.environment}`, sql`connection_id = ${connectionId}`];
  if (filter.status) conditions.push(sql`status between ${filter.status[0]} and ${filter.status[1]}`);
  if (filter.method) conditions.push(sql`method = ${filter.method}`);
  if (filter.since) conditions.push(sql`created_at >= ${timestampAt(filter.since)}`);
  if (filter.until) conditions.push(sql`created_at < ${timestampAt(filter.until)}`);
  if (filter.after) conditions.push(sql`(created_at, id) < (${timestampAt(filter.after.createdAt)}, ${filter.after.id})`);
  const result = await ex.execute(sql`
    select id, created_at, method, path, status, upstream_status, duration_ms, retries, request_id, api_key_id
    from request_log where ${sql.join(conditions, sql` and `)}
    order by created_at desc, id desc
    limit ${limit}`);
  return rowsOf<Record<string, unknown>>(result).map((row) => ({
    id: Number(row.id),
    createdAt: new Date(row.created_at as string | Date),
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

/** Retention, across every org: deletes up to `limit` rows older than `before`; returns how many went. */
export async function deleteRequestLogRowsOfEveryOrgBefore(ex: Executor, before: Date, limit: number): Promise<number> {
  const result = await ex.execute(sql`
    with gone as (
      delete from request_log where id in (select id from request_log where created_at < ${timestampAt(before)} limit ${limit})
      returning 1)
    select count(*)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}
