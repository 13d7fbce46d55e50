// Due work as rows: any table with an id, a due time and a lease column can be worked by several processes at once.
// A claim takes due, unleased rows with FOR UPDATE SKIP LOCKED and stamps lease_until in the same statement, so two
// claimers never get the same row; a holder that dies simply lets its lease run out and the row is claimed again.
// The lease_until a claim wrote doubles as a fencing token: a holder whose lease was taken over can no longer
// release or reschedule the row. Works the same on PGlite (one session) and PostgreSQL.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from './db/database.ts';
import { rowsOf, timestampAt } from './db/sql.ts';

export interface LeasedTable {
  table: PgTable;
  id: PgColumn;
  /** When the row is next due; null means never. */
  dueAt: PgColumn;
  leaseUntil: PgColumn;
}

export interface ClaimOptions {
  now: Date;
  leaseMs: number;
  limit: number;
  /** Extra conditions on the table's rows (e.g. status = 'pending', ordering rules). */
  where?: SQL;
}

/** What a statement built around a claim (claimCteWith) may add to it. */
export interface ClaimShape {
  /** Extra conditions on the table's rows. */
  where?: SQL;
  /** Taken off the limit when the statement runs (rows the same statement already leased some other way). */
  alreadyLeased?: SQL;
  /** More columns of the claimed rows for `claimed` to return (the rows as the claim left them), beside id. */
  returning?: SQL;
}

/** A row held by this claimer until leaseUntil. */
export interface ClaimedRow {
  id: string;
  leaseUntil: Date;
}


const columnName = (column: PgColumn) => sql.identifier(column.name);

/** What a claim is made with, as SQL: parameters, or placeholders of a statement built once and run many times. */
export interface ClaimValues {
  now: SQL;
  leaseUntil: SQL;
  limit: SQL;
}

/** The claim as common table expressions, ending in one named `claimed` (column id, and any `returning`), for a
 *  statement that reads what it needs about the claimed rows in the same round trip:
 *  `with ${claimCte} select … from claimed join …`. */
export function claimCteWith(leased: LeasedTable, values: ClaimValues, shape: ClaimShape = {}): SQL {
  // MATERIALIZED: the locking select runs exactly once, so a claim can never lock more rows than its limit.
  return sql`due as materialized (
      select ${leased.id} as id from ${leased.table}
      where ${leased.dueAt} <= ${values.now}
        and (${leased.leaseUntil} is null or ${leased.leaseUntil} <= ${values.now})
        ${shape.where ? sql`and (${shape.where})` : sql``}
      order by ${leased.dueAt}
      limit ${shape.alreadyLeased ? sql`greatest(0, ${values.limit} - (${shape.alreadyLeased}))` : values.limit}
      for update skip locked
    ), claimed as (
      update ${leased.table} set ${columnName(leased.leaseUntil)} = ${values.leaseUntil}
      from due where ${leased.id} = due.id
      returning ${leased.id} as id${shape.returning ? sql`, ${shape.returning}` : sql``}
    )`;
}

/** claimCteWith for one claim now: its values as parameters, and the lease it hands out. */
function claimDueRowsCte(leased: LeasedTable, options: ClaimOptions): { cte: SQL; leaseUntil: Date } {
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  const values = { now: timestampAt(options.now), leaseUntil: timestampAt(leaseUntil), limit: sql`${Math.max(0, options.limit)}` };
  return { cte: claimCteWith(leased, values, { where: options.where }), leaseUntil };
}

/** Claims up to `limit` due, unleased rows, oldest due first, and leases them until now + leaseMs. */
export async function claimDueRows(ex: Executor, leased: LeasedTable, options: ClaimOptions): Promise<ClaimedRow[]> {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: saves the round trip; the statement's own limit is max(0, limit), which claims nothing as well.
  if (options.limit <= 0) return [];
  const claim = claimDueRowsCte(leased, options);
  const result = await ex.execute(sql`with ${claim.cte} select id from claimed`);
  return rowsOf<{ id: string }>(result).map((row) => ({ id: row.id, leaseUntil: claim.leaseUntil }));
}

/** A condition that is true only while the claim still holds the row: use it in the holder's own updates. */
export function holdsLease(leased: LeasedTable, claimed: ClaimedRow): SQL {
  return sql`${leased.id} = ${claimed.id} and ${leased.leaseUntil} = ${timestampAt(claimed.leaseUntil)}`;
}

/** Ends the claim and makes the row due again at nextDueAt (null: not due again). False if the lease was lost. */
export async function releaseLease(ex: Executor, leased: LeasedTable, claimed: ClaimedRow, nextDueAt: Date | null): Promise<boolean> {
  const result = await ex.execute(sql`
    update ${leased.table}
    set ${columnName(leased.leaseUntil)} = null, ${columnName(leased.dueAt)} = ${nextDueAt ? timestampAt(nextDueAt) : sql`null`}
    where ${holdsLease(leased, claimed)}
    returning ${leased.id} as id`);
  return rowsOf(result).length === 1;
}

/** Keeps holding a row for long work; returns the new claim, or null if the lease was already lost. */
export async function extendLease(ex: Executor, leased: LeasedTable, claimed: ClaimedRow, now: Date, leaseMs: number): Promise<ClaimedRow | null> {
  const until = new Date(now.getTime() + leaseMs);
  const result = await ex.execute(sql`
    update ${leased.table} set ${columnName(leased.leaseUntil)} = ${timestampAt(until)}
    where ${holdsLease(leased, claimed)}
    returning ${leased.id} as id`);
  return rowsOf(result).length === 1 ? { id: claimed.id, leaseUntil: until } : null;
}
