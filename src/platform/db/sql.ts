// Small pieces of raw SQL that statements written with drizzle's `sql` tag share, on both databases.
import { sql, type SQL } from 'drizzle-orm';

/** The rows of a raw `execute()` result (node-postgres and PGlite both answer `{rows}`). */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** A Date as a timestamptz literal parameter (raw statements get no column type to infer it from). */
export const timestampAt = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;
