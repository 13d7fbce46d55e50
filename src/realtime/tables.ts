// Tables owned by realtime/: one row per connection whose live channel is relayed (the due work workers claim with
// leases), and the keys of the frames already turned into events (one upstream frame, one event, whichever workers
// saw it).
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A connection's socket as work: held by the worker whose lease is current. */
export const realtimeSockets = pgTable(
  'realtime_sockets',
  {
    connectionId: text('connection_id').primaryKey(),
    orgId: text('org_id').notNull(),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    /** When a worker should next take the socket up; null: not relayed (opted out, or the connection stopped). */
    dueAt: ts('due_at'),
    leaseUntil: ts('lease_until'),
    /** The worker holding the lease (its fencing token with lease_until). */
    workerId: text('worker_id'),
    /** When the holder last completed the connect handshake, and last received a content frame. */
    connectedAt: ts('connected_at'),
    lastFrameAt: ts('last_frame_at'),
    /** Failed connects in a row; the next worker backs off by it. */
    failures: integer('failures').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('realtime_sockets_due_idx').on(t.dueAt).where(sql`due_at is not null`), index('realtime_sockets_org_idx').on(t.orgId)],
);

/** Frames already recorded, by connection and a key derived from the frame (see frame-keys.ts). */
export const realtimeFrames = pgTable(
  'realtime_frames',
  {
    connectionId: text('connection_id').notNull(),
    frameKey: text('frame_key').notNull(),
    receivedAt: ts('received_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectionId, t.frameKey] }), index('realtime_frames_received_idx').on(t.receivedAt)],
);
