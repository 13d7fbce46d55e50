// Several relay workers share the sockets through leases. Each worker here is a relay with its own database pool
// (on PostgreSQL; PGlite is one in-process database, which both share), as separate worker processes would be.
// A worker that dies keeps its leases until they run out, then another takes its sockets over; a frame two workers
// both receive (a paused worker whose lease ran out still has its socket open while the new holder opens another)
// becomes one event, never two.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { ServiceContext } from '../../src/platform/context.ts';
import { openDatabase } from '../../src/platform/db/database.ts';
import { rowsOf } from '../../src/platform/db/sql.ts';
import type { RealtimeRelay } from '../../src/realtime/relay-worker.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createRealtimeConnection, fanActs, simulatorSockets, useRealtimeService, waitForSockets, type RealtimeConnection } from './realtime-setup.ts';

const LEASE_MS = 3000;

describe.each(BACKENDS)('realtime workers sharing sockets (%s)', (backend) => {
  const rt = useRealtimeService(backend);

  /** The service's context on a database pool of its own (PostgreSQL), closed after the test unless closed before. */
  async function workerContext(): Promise<{ ctx: ServiceContext; closePool(): Promise<void> }> {
    const { t } = rt;
    if (!t.database.url) return { ctx: t.service.ctx, closePool: async () => {} };
    const handle = await openDatabase({ databaseUrl: t.database.url, dataDir: null, poolSize: 3 });
    let closing: Promise<void> | null = null;
    const closePool = () => (closing ??= handle.close());
    rt.onCleanup(closePool);
    return { ctx: { ...t.service.ctx, database: handle }, closePool };
  }

  async function leasesOf(connectionIds: string[]): Promise<Array<{ workerId: string | null; leaseUntil: number }>> {
    const result = await rt.t.database.handle.db.execute(sql`
      select worker_id, lease_until from realtime_sockets where connection_id in (${sql.join(connectionIds.map((id) => sql`${id}`), sql`, `)})`);
    return rowsOf<{ worker_id: string | null; lease_until: string | Date | null }>(result).map((r) => ({ workerId: r.worker_id, leaseUntil: r.lease_until ? new Date(r.lease_until).getTime() : 0 }));
  }

  const mine = (relay: RealtimeRelay, conns: RealtimeConnection[]) => relay.heldConnections().filter((id) => conns.some((c) => c.row.id === id));

  it('a killed worker\'s sockets move to another worker once its leases run out, and no frame is delivered twice', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/handover', ['realtime.chat_message.received']);
    const conns: RealtimeConnection[] = [];
    for (let i = 0; i < 4; i++) conns.push(await createRealtimeConnection(t, org.orgId));
    const ids = conns.map((c) => c.userId);
    const doomedWorker = await workerContext();
    const first = rt.relay({ capacity: 2, leaseMs: LEASE_MS }, doomedWorker.ctx);
    await eventually(() => first.heldConnections().length === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the first worker holding two' });
    const second = rt.relay({ capacity: 10, leaseMs: LEASE_MS }, (await workerContext()).ctx);
    await waitForSockets(t, ids);
    expect(mine(first, conns)).toHaveLength(2);
    expect(mine(second, conns)).toHaveLength(2);

    const sent = new Set<number>();
    for (const conn of conns) sent.add((await fanActs(t, { kind: 'message', email: conn.email })).messageId!);
    await receiver.waitFor((r) => r.filter((d) => d.path === '/handover').length >= 4, WORKER_PROGRESS_TIMEOUT_MS);

    // The first worker dies as a process does: its sockets drop, its database connections go, its leases stay.
    const orphaned = mine(first, conns);
    first.abandon();
    await doomedWorker.closePool();
    const killedAt = Date.now();
    const leases = await leasesOf(orphaned);
    expect(leases.map((l) => l.workerId)).toEqual([first.workerId, first.workerId]);
    expect(leases.every((l) => l.leaseUntil > killedAt)).toBe(true);
    // While the leases run, the account's frames reach no socket (upstream does not replay them).
    const orphan = conns.find((c) => c.row.id === orphaned[0])!;
    await eventually(async () => !(await simulatorSockets(t)).some((s) => String(s.userId) === orphan.userId), { what: 'the dead worker\'s sockets closed' });
    expect((await fanActs(t, { kind: 'message', email: orphan.email, text: 'nobody listening' })).sockets).toBe(0);

    await eventually(() => orphaned.every((id) => second.heldConnections().includes(id)), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the second worker holding the orphaned sockets' });
    // Not before the leases ran out.
    expect(Date.now()).toBeGreaterThanOrEqual(Math.min(...leases.map((l) => l.leaseUntil)) - 50);
    await waitForSockets(t, ids, 'all four sockets open again');
    expect(mine(second, conns)).toHaveLength(4);
    expect(new Set((await leasesOf(conns.map((c) => c.row.id))).map((l) => l.workerId))).toEqual(new Set([second.workerId]));
    for (const conn of conns) {
      const acted = await fanActs(t, { kind: 'message', email: conn.email });
      expect(acted.sockets).toBe(1);
      sent.add(acted.messageId!);
    }
    await receiver.waitFor((r) => r.filter((d) => d.path === '/handover').length >= 8, WORKER_PROGRESS_TIMEOUT_MS);
    // A last round of the survivor: still nothing twice.
    await second.tick();
    const delivered = rt.deliveredTo('/handover').map((d) => d.payload.data.eventBody.id);
    expect(delivered).toHaveLength(8);
    expect(new Set(delivered)).toEqual(sent);
  });

  it('a frame that reaches two workers\' sockets at once (a paused worker whose lease ran out, and the new holder) is one event', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/twice', ['realtime.chat_message.received', 'activity.message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    // The paused worker renews only every 10 s (a third of its lease): its socket stays open after its lease is gone.
    // Full at one socket, it does not claim the row back itself.
    const paused = rt.relay({ leaseMs: 30_000, capacity: 1 }, (await workerContext()).ctx);
    await waitForSockets(t, [conn.userId]);
    await t.database.handle.db.execute(sql`update realtime_sockets set lease_until = now() - interval '1 second' where connection_id = ${conn.row.id}`);
    const taker = rt.relay({}, (await workerContext()).ctx);
    await eventually(() => taker.heldConnections().includes(conn.row.id), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the new holder claiming the socket' });
    await eventually(async () => (await simulatorSockets(t)).filter((s) => String(s.userId) === conn.userId && s.isTokenValid).length === 2, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: 'two open sockets of the account',
    });
    expect(paused.heldConnections()).toContain(conn.row.id);

    const acted = await fanActs(t, { kind: 'message', email: conn.email, text: 'heard twice' });
    expect(acted.sockets).toBe(2);
    await eventually(() => paused.framesReceived >= 1 && taker.framesReceived >= 1, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'both workers receiving the frame' });
    await receiver.waitFor((r) => r.filter((d) => d.path === '/twice').length >= 2, WORKER_PROGRESS_TIMEOUT_MS);
    // Both workers have recorded what they received by the time each queue is drained; a later delivery would be a repeat.
    await eventually(() => paused.eventsRecorded + taker.eventsRecorded >= 2, { what: 'the events recorded' });
    const sentAfter = await fanActs(t, { kind: 'message', email: conn.email, text: 'a later one' });
    await receiver.waitFor((r) => r.some((d) => d.path === '/twice' && d.payload.data.eventBody.id === sentAfter.messageId), WORKER_PROGRESS_TIMEOUT_MS);
    const forFirst = rt.deliveredTo('/twice').filter((d) => (d.payload.data.eventBody.id ?? Number(d.payload.data.eventBody.messageId)) === acted.messageId);
    expect(forFirst.map((d) => d.payload.type).sort()).toEqual(['activity.message.received', 'realtime.chat_message.received']);
  });

  it('a worker whose lease ran out before it renewed claims its socket back without opening a second one', async () => {
    const { t, receiver } = rt;
    const org = await rt.realtimeOrg('/stalled', ['realtime.chat_message.received']);
    const conn = await createRealtimeConnection(t, org.orgId);
    const stalled = rt.relay({ leaseMs: 30_000 });
    const [before] = await waitForSockets(t, [conn.userId]);
    await t.database.handle.db.execute(sql`update realtime_sockets set lease_until = now() - interval '1 second' where connection_id = ${conn.row.id}`);
    await eventually(async () => (await leasesOf([conn.row.id]))[0].leaseUntil > Date.now() + 10_000, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the worker claiming its socket back' });
    await stalled.tick();
    const sockets = (await simulatorSockets(t)).filter((s) => String(s.userId) === conn.userId);
    expect(sockets).toHaveLength(1);
    expect(sockets[0].tokenIssuedAt).toBe(before.tokenIssuedAt);
    const acted = await fanActs(t, { kind: 'message', email: conn.email });
    expect(acted.sockets).toBe(1);
    await receiver.waitFor((r) => r.some((d) => d.path === '/stalled' && d.payload.data.eventBody.id === acted.messageId), WORKER_PROGRESS_TIMEOUT_MS);
  });
});
