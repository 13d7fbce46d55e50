// What the monitor does to connections: claiming due health checks, recording their outcomes, scheduling and the
// expiring warning. Checks are scheduled work on the connections table itself (its monitor columns: next_check_at,
// check_lease_until, check_failures, last_checked_at, expiring_notified_session_at), claimed across orgs by workers;
// every write after a claim is fenced by the lease, so a worker whose lease was taken over changes nothing. The
// schedule, pacing and the worker itself stay in monitor/; the statements live here, with the table they write.
import { and, eq, fillPlaceholders, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { ServiceContext } from '../platform/context.ts';
import { executePrepared, type Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import { claimCteWith, holdsLease, releaseLease, type ClaimedRow, type LeasedTable } from '../platform/leases.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { recordConnectionStatusEvent } from './events.ts';
import type { ConnectionRow } from './store.ts';
import { connections, connectionSessions } from './tables.ts';

const monitorLeases: LeasedTable = {
  table: connections,
  id: connections.id,
  dueAt: connections.nextCheckAt,
  leaseUntil: connections.checkLeaseUntil,
};

/** Connections the monitor looks after: active Link connections. Imported ones are never checked (OFAuth's rule).
 *  Written to match the partial index connections_due_check_idx. */
const monitoredCondition: SQL = sql`${connections.status} = 'active' and ${connections.imported} = false`;

export interface ClaimedCheck {
  lease: ClaimedRow;
  row: ConnectionRow;
  /** The connection's stored session as the claim read it (still encrypted; the checker decrypts it), null when none
   *  is stored. Read with the rows, so a check costs its upstream call and no read of its own. */
  storedSession: StoredSession | null;
}

export interface StoredSession {
  blob: string;
  /** When it was stored (a login, reconnect or rotation): the session's age for connection.expiring. */
  updatedAt: Date;
}

/** The statements the worker runs many times a second, rendered once with placeholders and run as named prepared
 *  statements (executePrepared): parsed and planned once per connection, whatever the batch's size. */
const dialect = new PgDialect();
const placeholders = {
  now: sql`${sql.placeholder('now')}::timestamptz`,
  leaseUntil: sql`${sql.placeholder('leaseUntil')}::timestamptz`,
  limit: sql`${sql.placeholder('limit')}::int`,
};

/** The claim and the read of what checking takes in one round trip. The batch comes back as one JSON text (the
 *  connection rows as to_jsonb gives them, their sessions beside): one value to pass from the embedded database's
 *  thread instead of some twenty fields per row, and no per-row mapping by the query builder. The rows are read as
 *  the statement found them (a data-modifying CTE's changes are not visible to its own statement), so their
 *  check_lease_until is set to the claim's afterwards. Looked up by primary key
 *  (= any(array(…))), which a generic plan cannot turn into a scan. */
const claimStatement = dialect.sqlToQuery(sql`
  with ${claimCteWith(monitorLeases, placeholders, { where: monitoredCondition })}
  select coalesce(json_agg(json_build_array(to_jsonb(c), s.blob, s.updated_at) order by c.next_check_at), '[]')::text as checks
  from ${connections} c
  -- The session of the same org only, as every session read is (session-vault.ts).
  left join ${connectionSessions} s on s.connection_id = c.id and s.org_id = c.org_id
  where c.id = any(array(select id from claimed))`);

/** connections' columns as to_jsonb names them, with the property drizzle gives each and whether it is a time. */
const connectionColumns = Object.entries(getTableColumns(connections)).map(([property, column]) => ({
  property,
  name: column.name,
  isTime: column.dataType === 'date',
}));

function connectionRowOf(json: Record<string, unknown>): ConnectionRow {
  const row: Record<string, unknown> = {};
  for (const { property, name, isTime } of connectionColumns) {
    const value = json[name] ?? null;
    row[property] = isTime && value !== null ? new Date(value as string) : value;
  }
  return row as ConnectionRow;
}

/** Leases up to `limit` checks that are due at `now` (across orgs), with their connections' rows and sessions. */
export async function claimDueChecks(ex: Executor, options: { now: Date; leaseMs: number; limit: number }): Promise<ClaimedCheck[]> {
  if (options.limit <= 0) return [];
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  const params = fillPlaceholders(claimStatement.params, { now: options.now.toISOString(), leaseUntil: leaseUntil.toISOString(), limit: options.limit });
  const result = await executePrepared(ex, 'monitor_claim_due_checks', { sql: claimStatement.sql, params });
  const batch = JSON.parse(rowsOf<{ checks: string }>(result)[0].checks) as Array<[Record<string, unknown>, string | null, string | null]>;
  return batch.map(([json, blob, storedAt]) => {
    // As the claim left it (the JSON is the row before the claim's update).
    const row = { ...connectionRowOf(json), checkLeaseUntil: leaseUntil };
    return {
      lease: { id: row.id, leaseUntil },
      row,
      storedSession: blob !== null && storedAt !== null ? { blob, updatedAt: new Date(storedAt) } : null,
    };
  });
}

/** Hands a claimed check back unchecked (a stopping worker), due again at `dueAt`. */
export async function releaseCheck(ex: Executor, claim: ClaimedRow, dueAt: Date | null): Promise<void> {
  await releaseLease(ex, monitorLeases, claim, dueAt);
}

export interface PassedCheck {
  claim: ClaimedRow;
  checkedAt: Date;
  nextCheckAt: Date;
}

/** The batch travels as one JSON parameter, so the text is the same whatever its size. The rows are looked up by
 *  primary key (= any(array(…))): a JSON record set has no statistics, and a generic plan could scan the table. */
const recordPassedStatement = dialect.sqlToQuery(sql`
  with v as (
    select * from json_to_recordset(${sql.placeholder('checks')}::json) as v(id text, lease_until timestamptz, checked_at timestamptz, next_at timestamptz)
  )
  update ${connections} set last_checked_at = v.checked_at, check_failures = 0, next_check_at = v.next_at, check_lease_until = null
  from v
  where ${connections.id} = any(array(select id from v)) and ${connections.id} = v.id and ${connections.checkLeaseUntil} = v.lease_until
  returning ${connections.id} as id`);

/** Conclusive checks that found their sessions alive, in one statement. Returns the ids whose lease still held (the
 *  others changed nothing). */
export async function recordChecksPassed(ex: Executor, checks: PassedCheck[]): Promise<Set<string>> {
  if (checks.length === 0) return new Set();
  const json = JSON.stringify(
    checks.map((c) => ({ id: c.claim.id, lease_until: c.claim.leaseUntil.toISOString(), checked_at: c.checkedAt.toISOString(), next_at: c.nextCheckAt.toISOString() })),
  );
  const params = fillPlaceholders(recordPassedStatement.params, { checks: json });
  const result = await executePrepared(ex, 'monitor_record_checks_passed', { sql: recordPassedStatement.sql, params });
  return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
}

/** A conclusive check that found the session gone: not scheduled again until a reconnect makes it active. */
export async function recordCheckFoundExpired(ex: Executor, claim: ClaimedRow, checkedAt: Date): Promise<boolean> {
  const rows = await ex
    .update(connections)
    .set({ lastCheckedAt: checkedAt, checkFailures: 0, nextCheckAt: null, checkLeaseUntil: null })
    .where(holdsLease(monitorLeases, claim))
    .returning({ id: connections.id });
  return rows.length === 1;
}

/** An inconclusive check (upstream down, timeout…): nothing about the connection changes but its retry time. */
export async function recordCheckFailed(ex: Executor, claim: ClaimedRow, failures: number, nextCheckAt: Date): Promise<boolean> {
  const rows = await ex
    .update(connections)
    .set({ checkFailures: failures, nextCheckAt, checkLeaseUntil: null })
    .where(holdsLease(monitorLeases, claim))
    .returning({ id: connections.id });
  return rows.length === 1;
}

/**
 * Remembers that connection.expiring went out for the session stored at `sessionStoredAt`. Returns the row only when
 * this call made the change, so concurrent checkers send the warning once per session.
 */
async function markExpiringNotified(ex: Executor, connectionId: string, sessionStoredAt: Date): Promise<ConnectionRow | undefined> {
  const [row] = await ex
    .update(connections)
    .set({ expiringNotifiedSessionAt: sessionStoredAt })
    .where(
      and(
        eq(connections.id, connectionId),
        eq(connections.status, 'active'),
        sql`${connections.expiringNotifiedSessionAt} is distinct from ${timestampAt(sessionStoredAt)}`,
      ),
    )
    .returning();
  return row;
}

/** connection.expiring for the session stored at `sessionStoredAt`, once per session however many checkers race. */
export async function recordSessionAgingWarning(ctx: ServiceContext, connectionId: string, storedAt: Date, now: Date): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    const marked = await markExpiringNotified(tx, connectionId, storedAt);
    if (marked) await recordConnectionStatusEvent(tx, 'connection.expiring', marked, now);
  });
}

/**
 * Active Link connections with no check scheduled (a writer that made one active without scheduling it) get a
 * random first check inside one interval. A safety net: the monitor never silently forgets a connection.
 */
export async function scheduleUnscheduledConnections(ex: Executor, now: Date, intervalMs: number, limit: number): Promise<number> {
  const result = await ex.execute(sql`
    update ${connections} set next_check_at = ${timestampAt(now)} + (floor(random() * ${intervalMs}) * interval '1 millisecond')
    where ${connections.id} in (
      select ${connections.id} from ${connections}
      where ${monitoredCondition} and ${connections.nextCheckAt} is null
      limit ${limit}
      for update skip locked
    )
    returning ${connections.id} as id`);
  return rowsOf(result).length;
}

/** Schedules one connection's checks from scratch (Link after a login or reconnect). False if it is not a Link connection. */
export async function scheduleConnectionChecks(
  ex: Executor,
  scope: TenantScope,
  connectionId: string,
  nextCheckAt: Date,
): Promise<boolean> {
  const rows = await ex
    .update(connections)
    .set({ nextCheckAt, checkFailures: 0, checkLeaseUntil: null })
    .where(
      and(
        eq(connections.orgId, scope.orgId),
        eq(connections.environment, scope.environment),
        eq(connections.id, connectionId),
        eq(connections.imported, false),
      ),
    )
    .returning({ id: connections.id });
  return rows.length === 1;
}

/** The earliest scheduled check of any monitored connection (null: none scheduled). */
export async function earliestScheduledCheck(ex: Executor): Promise<Date | null> {
  const result = await ex.execute(sql`select min(${connections.nextCheckAt}) as earliest from ${connections} where ${monitoredCondition}`);
  const earliest = rowsOf<{ earliest: string | Date | null }>(result)[0]?.earliest ?? null;
  return earliest === null ? null : new Date(earliest);
}
