// Which committed migrations a database has not applied yet, by name (`ofconnect doctor`). drizzle's migrator records
// each applied migration with its journal timestamp and applies those newer than the newest it recorded, so the
// pending ones are the journal entries after that timestamp.
import { sql } from 'drizzle-orm';
import { committedMigrations, type Database } from './database.ts';
import { rowsOf } from './sql.ts';

async function newestAppliedAt(db: Database): Promise<number | null> {
  const [exists] = rowsOf<{ present: boolean }>(await db.execute(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`));
  if (!exists?.present) return null;
  const [row] = rowsOf<{ at: string | number | null }>(await db.execute(sql`select max(created_at) as at from drizzle.__drizzle_migrations`));
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** The committed migrations' names (e.g. 0005_sandbox_state) the database has not applied, oldest first. */
export async function pendingMigrations(db: Database): Promise<{ pending: string[]; committed: number }> {
  const committed = committedMigrations();
  const appliedAt = await newestAppliedAt(db);
  const pending = committed.filter((entry) => appliedAt === null || entry.when > appliedAt).map((entry) => entry.tag);
  return { pending, committed: committed.length };
}
