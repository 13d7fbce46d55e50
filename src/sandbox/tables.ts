// Tables owned by sandbox/: the simulator's state shared by every node's in-process simulator (src/sandbox/store).
// Seeded fixtures are never stored: only sessions, the rules, injected faults and the account areas written to.
import { bigint, customType, doublePrecision, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/** One row per fixture seed: the instant its fixture times lie before, fixed at the first start. */
export const sandboxMeta = pgTable('sandbox_meta', {
  seed: integer('seed').primaryKey(),
  anchorAt: ts('anchor_at').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Guest and logged-in sessions, keyed by the SHA-256 of the sess cookie (the cookie itself is never stored). */
export const sandboxSessions = pgTable(
  'sandbox_sessions',
  {
    sessHash: text('sess_hash').primaryKey(),
    /** guest | auth */
    kind: text('kind').$type<'guest' | 'auth'>().notNull(),
    /** The account's email (auth sessions): the scenario and user id derive from it. */
    email: text('email'),
    userId: bigint('user_id', { mode: 'number' }),
    xBc: text('x_bc').notNull(),
    userAgent: text('user_agent').notNull(),
    fp: text('fp'),
    /** The simulator's fake auth_uid_<id> cookie value, compared when a request sends it. */
    authUid: text('auth_uid'),
    csrf: text('csrf'),
    ip: text('ip'),
    /** A guest's pending 2FA challenge: { email, attemptsLeft, expiresAt (ms) }. */
    challenge: jsonb('challenge').$type<{ email: string; attemptsLeft: number; expiresAt: number }>(),
    createdAt: ts('created_at').notNull(),
    expiresAt: ts('expires_at'),
  },
  (t) => [index('sandbox_sessions_user_idx').on(t.userId), index('sandbox_sessions_kind_created_idx').on(t.kind, t.createdAt)],
);

/** The signing rules per seed: the current set, the previous one (inside its grace) and when it rotated. */
export const sandboxRules = pgTable('sandbox_rules', {
  seed: integer('seed').primaryKey(),
  current: jsonb('current').notNull(),
  previous: jsonb('previous'),
  rotatedAt: ts('rotated_at'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** An account's area (world.ts) once written to, as node:v8 serialize bytes; never-written areas stay derived from the seed. */
export const sandboxAccountAreas = pgTable(
  'sandbox_account_areas',
  {
    seed: integer('seed').notNull(),
    userId: bigint('user_id', { mode: 'number' }).notNull(),
    area: text('area').notNull(),
    /** AREA_SHAPE_VERSION of the code that wrote it; a row of another version is ignored (regenerated). */
    shapeVersion: integer('shape_version').notNull(),
    state: bytea('state').notNull(),
    version: integer('version').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.seed, t.userId, t.area] })],
);

/** Faults injected through the control API; remaining null = until cleared. */
export const sandboxFaults = pgTable('sandbox_faults', {
  id: serial('id').primaryKey(),
  kind: text('kind').notNull(),
  remaining: integer('remaining'),
  probability: doublePrecision('probability').notNull(),
  pathPrefix: text('path_prefix').notNull(),
  latencyMs: integer('latency_ms').notNull(),
  retryAfterSeconds: integer('retry_after_seconds').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});
