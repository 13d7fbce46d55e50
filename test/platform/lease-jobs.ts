// The leased table the lease tests claim from: jobs with a due time and a lease, as the outbox and the monitor have.
import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { DatabaseHandle } from '../../src/platform/db/database.ts';
import type { LeasedTable } from '../../src/platform/leases.ts';

export const jobs = pgTable('lease_test_jobs', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }),
  leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
});
export const leased: LeasedTable = { table: jobs, id: jobs.id, dueAt: jobs.dueAt, leaseUntil: jobs.leaseUntil };

export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const after = (ms: number) => new Date(T0.getTime() + ms);

export async function createJobsTable(database: DatabaseHandle): Promise<void> {
  await database.db.execute(sql`create table lease_test_jobs (id text primary key, kind text not null, due_at timestamptz, lease_until timestamptz)`);
}

export async function deleteAllJobs(database: DatabaseHandle): Promise<void> {
  await database.db.execute(sql`delete from lease_test_jobs`);
}
