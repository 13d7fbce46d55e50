// Tables owned by access/: usage metering, flushed in batches (never a write per request).
import { date, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

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
