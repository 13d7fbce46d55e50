// The next event of a connection is leased to the worker that finished the one before it, in the statement that
// records the finish, without a due time (a heap-only update; see delivery-round.ts). These tests hold the round to what
// that must still guarantee: nobody else takes a leased next one, a worker that dies holding it loses nothing once
// the lease runs out, and its holder records it like any claimed delivery.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { newId } from '../../src/platform/ids.ts';
import { recordEvent } from '../../src/webhooks/outbox.ts';
import * as deliveryRound from '../../src/webhooks/delivery-round.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { createOrg } from '../support/orgs.ts';

const LEASE_MS = 30_000;

describe.each(BACKENDS)('next events leased to the worker that finished the one before (%s)', (backend) => {
  let database: TestDatabase;
  let orgId: string;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await database.handle.migrate();
    orgId = await createOrg(database.handle);
    await database.handle.db.execute(
      sql`insert into webhook_endpoints (id, org_id, environment, url, secret_blob) values (${newId('webhookEndpoint')}, ${orgId}, 'sandbox', 'http://127.0.0.1:9/', 'unused')`,
    );
  });
  afterAll(async () => database?.drop());

  const record = (connectionId: string, n: number, at: Date) =>
    database.handle.db.transaction((tx) => recordEvent(tx, { orgId, environment: 'sandbox', type: 'connection.updated', connectionId, data: { n } }, at));

  const succeeded = ({ lease, job }: { lease: deliveryRound.Completion['lease']; job: deliveryRound.DeliveryJob }, at: Date): deliveryRound.Completion => ({
    lease,
    rowPosition: job.rowPosition,
    endpointId: job.endpointId,
    orderingKey: job.orderingKey,
    outcome: { status: 'succeeded', attemptCount: 1, lastStatusCode: 200, nextAttemptAt: null },
    attempt: { id: newId('attempt'), orgId: job.orgId, deliveryId: job.deliveryId, endpointId: job.endpointId, messageId: job.messageId, attempt: 1, statusCode: 200, durationMs: 1, responseSnippet: 'ok', error: null, at },
  });

  it('is held by its worker alone until the lease runs out, then promoted by the sweep and claimed again', async () => {
    const start = new Date(Date.now() + 60_000);
    const [first, second, third] = [await record('conn_lease', 1, start), await record('conn_lease', 2, start), await record('conn_lease', 3, start)];
    const [claimedFirst] = await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: start, leaseMs: LEASE_MS, limit: 8 });
    expect(claimedFirst.job.messageId).toBe(first);

    // Finishing the first leases the second to the same worker in the same statement.
    const round = await deliveryRound.completeAndClaimAcrossOrgs(database.handle.db, [succeeded(claimedFirst, start)], { now: start, leaseMs: LEASE_MS, limit: 8 });
    expect(round.held).toEqual(new Set([claimedFirst.lease.id]));
    expect(round.claimed.map((c) => c.job.messageId)).toEqual([second]);

    // The worker "dies" holding it. While the lease lasts, neither a claim nor the sweep touches it.
    const during = new Date(start.getTime() + LEASE_MS - 1);
    expect(await deliveryRound.sweepStalledQueuesAcrossOrgs(database.handle.db, during)).toBe(0);
    expect(await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: during, leaseMs: LEASE_MS, limit: 8 })).toEqual([]);

    // Once it has run out, the sweep makes it due and another worker claims it; the third still waits behind it.
    const after = new Date(start.getTime() + LEASE_MS + 1);
    expect(await deliveryRound.sweepStalledQueuesAcrossOrgs(database.handle.db, after)).toBe(1);
    const reclaimed = await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: after, leaseMs: LEASE_MS, limit: 8 });
    expect(reclaimed.map((c) => c.job.messageId)).toEqual([second]);

    // The dead worker's late finish is refused (its lease was taken over); the new holder's is recorded and leases
    // the third to it.
    const late = await deliveryRound.completeAndClaimAcrossOrgs(database.handle.db, [succeeded(round.claimed[0], after)], { now: after, leaseMs: LEASE_MS, limit: 8 });
    expect(late.held).toEqual(new Set());
    expect(late.claimed).toEqual([]);
    const finished = await deliveryRound.completeAndClaimAcrossOrgs(database.handle.db, [succeeded(reclaimed[0], after)], { now: after, leaseMs: LEASE_MS, limit: 8 });
    expect(finished.held).toEqual(new Set([reclaimed[0].lease.id]));
    expect(finished.claimed.map((c) => c.job.messageId)).toEqual([third]);
  });

  it('a worker takes a connection\'s events one after another, each leased as the one before it is recorded', async () => {
    const start = new Date(Date.now() + 90_000);
    const ids: string[] = [];
    for (let n = 1; n <= 4; n++) ids.push(await record('conn_chain', n, start));
    let held = await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: start, leaseMs: LEASE_MS, limit: 8 });
    const sent: string[] = [];
    while (held.length > 0) {
      sent.push(...held.map((h) => h.job.messageId));
      held = (await deliveryRound.completeAndClaimAcrossOrgs(database.handle.db, held.map((h) => succeeded(h, start)), { now: start, leaseMs: LEASE_MS, limit: 8 })).claimed;
    }
    expect(sent).toEqual(ids);
    const pending = (await database.handle.db.execute(
      sql`select count(*)::int as n from webhook_deliveries where ordering_key = 'conn_chain' and status = 'pending'`,
    )) as unknown as { rows: Array<{ n: number }> };
    expect(pending.rows[0].n).toBe(0);
  });

  it('a next one beyond the worker\'s free slots is made due for any claim instead', async () => {
    const start = new Date(Date.now() + 120_000);
    for (const n of [1, 2]) {
      await record('conn_full_a', n, start);
      await record('conn_full_b', n, start);
    }
    const heads = await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: start, leaseMs: LEASE_MS, limit: 2 });
    expect(heads).toHaveLength(2);
    // One free slot: one next one is leased with the round, the other becomes due.
    const round = await deliveryRound.completeAndClaimAcrossOrgs(database.handle.db, heads.map((h) => succeeded(h, start)), { now: start, leaseMs: LEASE_MS, limit: 1 });
    expect(round.claimed).toHaveLength(1);
    const other = await deliveryRound.claimDueDeliveriesAcrossOrgs(database.handle.db, { now: start, leaseMs: LEASE_MS, limit: 8 });
    expect(other).toHaveLength(1);
    expect(new Set([round.claimed[0].job.orderingKey, other[0].job.orderingKey])).toEqual(new Set(['conn_full_a', 'conn_full_b']));
  });
});
