// The store in the service's database (PGlite or PostgreSQL, tables in src/sandbox/tables.ts). Every write commits
// and then announces itself on one NOTIFY channel; each node's simulator listens and drops what another node
// changed. On PostgreSQL the listener is a connection of its own that reconnects after an error and, since
// notifications may have been lost meanwhile, tells the simulator to drop all its caches. PGlite is one process
// (its data directory is locked), where the handle's in-process notifications are enough.
import { randomUUID } from 'node:crypto';
import { and, eq, isNotNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../platform/db/database.ts';
import { sandboxAccountAreas, sandboxFaults, sandboxMeta, sandboxRules, sandboxSessions } from '../tables.ts';
import type { DynamicRules } from '../../upstream/rules.ts';
import type { FaultKind } from '../faults.ts';
import type { ChangeListener, SandboxStore, StoreChange, StoredFault, StoredRules, StoredSession } from './store.ts';

export const SANDBOX_CHANNEL = 'ofconnect_sandbox';
const RECONNECT_DELAY_MS = 1000;

type SessionRow = typeof sandboxSessions.$inferSelect;
type FaultRow = typeof sandboxFaults.$inferSelect;

function sessionOf(row: SessionRow): StoredSession {
  return {
    sessHash: row.sessHash,
    kind: row.kind,
    email: row.email,
    userId: row.userId,
    xBc: row.xBc,
    userAgent: row.userAgent,
    fp: row.fp,
    authUid: row.authUid,
    csrf: row.csrf,
    ip: row.ip,
    challenge: row.challenge ?? null,
    createdAt: row.createdAt.getTime(),
    expiresAt: row.expiresAt?.getTime() ?? null,
  };
}

function sessionRow(s: StoredSession): typeof sandboxSessions.$inferInsert & { sessHash: string } {
  return {
    sessHash: s.sessHash,
    kind: s.kind,
    email: s.email,
    userId: s.userId,
    xBc: s.xBc,
    userAgent: s.userAgent,
    fp: s.fp,
    authUid: s.authUid,
    csrf: s.csrf,
    ip: s.ip,
    challenge: s.challenge,
    createdAt: new Date(s.createdAt),
    expiresAt: s.expiresAt === null ? null : new Date(s.expiresAt),
  };
}

function faultOf(row: FaultRow): StoredFault {
  return {
    id: row.id,
    kind: row.kind as FaultKind,
    remaining: row.remaining,
    probability: row.probability,
    pathPrefix: row.pathPrefix,
    latencyMs: row.latencyMs,
    retryAfterSeconds: row.retryAfterSeconds,
  };
}

const rulesOf = (row: typeof sandboxRules.$inferSelect): StoredRules => ({
  current: row.current as DynamicRules,
  previous: (row.previous as DynamicRules | null) ?? null,
  rotatedAt: row.rotatedAt?.getTime() ?? 0,
});

export class DatabaseSandboxStore implements SandboxStore {
  /** Tells this node's own notifications from the others'. */
  private readonly nodeId = randomUUID();
  private listener: ChangeListener | undefined;
  private stopFeed: (() => Promise<void>) | undefined;

  constructor(private readonly database: DatabaseHandle) {}

  private get db() {
    return this.database.db;
  }

  async anchorFor(seed: number, candidateMs: number) {
    await this.db.insert(sandboxMeta).values({ seed, anchorAt: new Date(candidateMs) }).onConflictDoNothing();
    const [row] = await this.db.select().from(sandboxMeta).where(eq(sandboxMeta.seed, seed));
    return row.anchorAt.getTime();
  }

  async findSession(sessHash: string) {
    const [row] = await this.db.select().from(sandboxSessions).where(eq(sandboxSessions.sessHash, sessHash));
    return row ? sessionOf(row) : undefined;
  }

  async saveSession(s: StoredSession) {
    await this.db.insert(sandboxSessions).values(sessionRow(s)).onConflictDoNothing();
  }

  async updateSession(s: StoredSession) {
    const { sessHash, ...rest } = sessionRow(s);
    const updated = await this.db.update(sandboxSessions).set(rest).where(eq(sandboxSessions.sessHash, sessHash)).returning({ h: sandboxSessions.sessHash });
    return updated.length > 0;
  }

  async deleteSession(sessHash: string) {
    const deleted = await this.db.delete(sandboxSessions).where(eq(sandboxSessions.sessHash, sessHash)).returning({ h: sandboxSessions.sessHash });
    return deleted.length > 0;
  }

  async deleteUserSessions(userId: number, exceptHash?: string) {
    const mine = and(eq(sandboxSessions.kind, 'auth'), eq(sandboxSessions.userId, userId));
    const deleted = await this.db
      .delete(sandboxSessions)
      .where(exceptHash === undefined ? mine : and(mine, ne(sandboxSessions.sessHash, exceptHash)))
      .returning({ h: sandboxSessions.sessHash });
    return deleted.map((row) => row.h);
  }

  async deleteAllAuthSessions() {
    const deleted = await this.db.delete(sandboxSessions).where(eq(sandboxSessions.kind, 'auth')).returning({ h: sandboxSessions.sessHash });
    return deleted.length;
  }

  async userSessions(userId: number) {
    const rows = await this.db
      .select()
      .from(sandboxSessions)
      .where(and(eq(sandboxSessions.kind, 'auth'), eq(sandboxSessions.userId, userId)))
      .orderBy(sandboxSessions.createdAt);
    return rows.map(sessionOf);
  }

  async sweepSessions(guestsBefore: number, nowMs: number) {
    await this.db
      .delete(sandboxSessions)
      .where(
        or(
          and(eq(sandboxSessions.kind, 'guest'), lt(sandboxSessions.createdAt, new Date(guestsBefore))),
          and(eq(sandboxSessions.kind, 'auth'), isNotNull(sandboxSessions.expiresAt), lte(sandboxSessions.expiresAt, new Date(nowMs))),
        ),
      );
  }

  async initRules(seed: number, initial: StoredRules) {
    await this.db
      .insert(sandboxRules)
      .values({ seed, current: initial.current, previous: initial.previous, rotatedAt: initial.rotatedAt ? new Date(initial.rotatedAt) : null })
      .onConflictDoNothing();
    return (await this.loadRules(seed))!;
  }

  async loadRules(seed: number) {
    const [row] = await this.db.select().from(sandboxRules).where(eq(sandboxRules.seed, seed));
    return row ? rulesOf(row) : undefined;
  }

  async saveRules(seed: number, rules: StoredRules) {
    const set = { current: rules.current, previous: rules.previous, rotatedAt: rules.rotatedAt ? new Date(rules.rotatedAt) : null, updatedAt: new Date() };
    await this.db.insert(sandboxRules).values({ seed, ...set }).onConflictDoUpdate({ target: sandboxRules.seed, set });
  }

  async loadAreas(seed: number, userId: number) {
    return this.db
      .select({ area: sandboxAccountAreas.area, shapeVersion: sandboxAccountAreas.shapeVersion, state: sandboxAccountAreas.state, version: sandboxAccountAreas.version })
      .from(sandboxAccountAreas)
      .where(and(eq(sandboxAccountAreas.seed, seed), eq(sandboxAccountAreas.userId, userId)));
  }

  async saveAreas(seed: number, userId: number, areas: Array<{ area: string; shapeVersion: number; state: Buffer }>) {
    if (areas.length === 0) return;
    // Last write wins: two nodes writing one account's same area at the same instant keep the later commit.
    await this.db
      .insert(sandboxAccountAreas)
      .values(areas.map((a) => ({ seed, userId, area: a.area, shapeVersion: a.shapeVersion, state: a.state, version: 1 })))
      .onConflictDoUpdate({
        target: [sandboxAccountAreas.seed, sandboxAccountAreas.userId, sandboxAccountAreas.area],
        set: {
          shapeVersion: sql`excluded.shape_version`,
          state: sql`excluded.state`,
          version: sql`${sandboxAccountAreas.version} + 1`,
          updatedAt: sql`now()`,
        },
      });
  }

  async listFaults() {
    return (await this.db.select().from(sandboxFaults).orderBy(sandboxFaults.id)).map(faultOf);
  }

  async addFault(fault: Omit<StoredFault, 'id'>) {
    const [row] = await this.db.insert(sandboxFaults).values(fault).returning();
    return faultOf(row);
  }

  async consumeFault(id: number) {
    const [row] = await this.db
      .update(sandboxFaults)
      .set({ remaining: sql`${sandboxFaults.remaining} - 1` })
      .where(and(eq(sandboxFaults.id, id), isNotNull(sandboxFaults.remaining)))
      .returning({ remaining: sandboxFaults.remaining });
    if (row && row.remaining !== null && row.remaining <= 0) await this.db.delete(sandboxFaults).where(eq(sandboxFaults.id, id));
  }

  async clearFaults() {
    await this.db.delete(sandboxFaults);
  }

  async publish(change: StoreChange) {
    await this.database.notify(SANDBOX_CHANNEL, JSON.stringify({ ...change, n: this.nodeId }));
  }

  private receive(payload: string): void {
    let parsed: StoreChange & { n?: string };
    try {
      parsed = JSON.parse(payload) as StoreChange & { n?: string };
    } catch {
      return;
    }
    if (parsed.n === this.nodeId) return;
    this.listener?.onChange(parsed);
  }

  async subscribe(listener: ChangeListener) {
    this.listener = listener;
    const connection = this.database.kind === 'postgres' ? postgresConnectionOf(this.database) : undefined;
    if (connection) this.stopFeed = await listenWithReconnect(connection, (payload) => this.receive(payload), () => this.listener?.onReset());
    else this.stopFeed = await this.database.listen(SANDBOX_CHANNEL, (payload) => this.receive(payload));
  }

  async close() {
    this.listener = undefined;
    await this.stopFeed?.();
  }
}

/** The pool's connection settings, for a listener connection of the simulator's own. */
function postgresConnectionOf(database: DatabaseHandle): Record<string, unknown> | undefined {
  const options = (database.db as unknown as { $client?: { options?: Record<string, unknown> } }).$client?.options;
  if (!options) return undefined;
  const { max: _max, ...connection } = options;
  return connection;
}

async function listenWithReconnect(connection: Record<string, unknown>, onPayload: (payload: string) => void, onReset: () => void): Promise<() => Promise<void>> {
  const { default: pg } = await import('pg');
  let client: InstanceType<typeof pg.Client> | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const next = new pg.Client(connection);
    next.on('notification', (message) => {
      if (message.channel === SANDBOX_CHANNEL) onPayload(message.payload ?? '');
    });
    const lost = () => {
      if (stopped || client !== next) return;
      client = undefined;
      next.end().catch(() => {});
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', lost);
    await next.connect();
    await next.query(`listen ${SANDBOX_CHANNEL}`);
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
  };

  const scheduleReconnect = () => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect()
        // Whatever was announced while the listener was away is unknown: drop every cache.
        .then(() => onReset())
        .catch(() => scheduleReconnect());
    }, RECONNECT_DELAY_MS);
    timer.unref();
  };

  await connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await client?.end().catch(() => {});
    client = undefined;
  };
}
