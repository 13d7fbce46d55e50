// Tables owned by retention/: one row per pruning task, due work claimed with a lease (platform/leases.ts), so any
// number of workers share the pruning without two running the same task at once.
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const retentionTasks = pgTable('retention_tasks', {
  /** The task's name: request_log, webhook_log. */
  id: text('id').primaryKey(),
  dueAt: ts('due_at'),
  leaseUntil: ts('lease_until'),
});
