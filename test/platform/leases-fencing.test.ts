// Lease claims at their edges: an empty or negative limit, the due and lease boundaries, the fencing token through
// extend and release, and claims built into a larger statement (claimCteWith: extra conditions, rows already
// leased taken off the limit, returned columns).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf, timestampAt } from '../../src/platform/db/sql.ts';
import { claimCteWith, claimDueRows, extendLease, holdsLease, releaseLease } from '../../src/platform/leases.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { after, createJobsTable, deleteAllJobs, jobs, leased, T0 } from './lease-jobs.ts';


describe.each(BACKENDS)('lease fencing and claim shapes (%s)', (backend) => {
  let database: TestDatabase;
  const db = () => database.handle.db;

  async function rowOf(id: string): Promise<{ dueAt: Date | null; leaseUntil: Date | null; kind: string }> {
    const [row] = await db().select().from(jobs).where(sql`${jobs.id} = ${id}`);
    return row;
  }

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await createJobsTable(database.handle);
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    await deleteAllJobs(database.handle);
  });

  it('a limit of zero or less claims nothing and leases nothing', async () => {
    await db().insert(jobs).values([{ id: 'a', kind: 'a', dueAt: T0 }]);
    expect(await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 0 })).toEqual([]);
    expect(await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: -3 })).toEqual([]);
    expect((await rowOf('a')).leaseUntil).toBeNull();
  });

  it('a row due exactly now is claimed, one due a millisecond later is not; the lease is stamped on the row', async () => {
    await db().insert(jobs).values([
      { id: 'now', kind: 'a', dueAt: T0 },
      { id: 'later', kind: 'a', dueAt: after(1) },
    ]);
    const claimed = await claimDueRows(db(), leased, { now: T0, leaseMs: 2500, limit: 10 });
    expect(claimed).toEqual([{ id: 'now', leaseUntil: after(2500) }]);
    expect((await rowOf('now')).leaseUntil).toEqual(after(2500));
    expect((await rowOf('now')).dueAt).toEqual(T0);
    expect((await rowOf('later')).leaseUntil).toBeNull();
  });

  it('extending moves the fencing token: the old claim no longer holds, the new one does, and the row stays leased', async () => {
    await db().insert(jobs).values([{ id: 'a', kind: 'a', dueAt: T0 }]);
    const [claim] = await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 1 });
    const extended = await extendLease(db(), leased, claim, after(500), 4000);
    expect(extended).toEqual({ id: 'a', leaseUntil: after(4500) });
    expect((await rowOf('a')).leaseUntil).toEqual(after(4500));
    expect(await db().update(jobs).set({ kind: 'old' }).where(holdsLease(leased, claim)).returning()).toHaveLength(0);
    expect(await db().update(jobs).set({ kind: 'new' }).where(holdsLease(leased, extended!)).returning()).toHaveLength(1);
    expect(await claimDueRows(db(), leased, { now: after(4499), leaseMs: 1000, limit: 1 })).toEqual([]);
    expect(await releaseLease(db(), leased, claim, null)).toBe(false);
    expect((await rowOf('a')).leaseUntil).toEqual(after(4500));
  });

  it('the fencing token names one row: a claim on one row does not hold another', async () => {
    await db().insert(jobs).values([
      { id: 'a', kind: 'a', dueAt: T0 },
      { id: 'b', kind: 'a', dueAt: T0 },
    ]);
    const [a, b] = await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 2 });
    expect(a.leaseUntil).toEqual(b.leaseUntil);
    const changed = await db().update(jobs).set({ kind: 'x' }).where(holdsLease(leased, a)).returning();
    expect(changed.map((r) => r.id)).toEqual([a.id]);
    expect(await releaseLease(db(), leased, a, after(9000))).toBe(true);
    const released = await rowOf(a.id);
    expect(released).toMatchObject({ leaseUntil: null, dueAt: after(9000) });
    expect((await rowOf(b.id)).leaseUntil).toEqual(after(1000));
  });

  it('a claim built into a larger statement honours its conditions, takes rows already leased off the limit and returns the columns asked for', async () => {
    await db().insert(jobs).values([
      { id: 'a1', kind: 'a', dueAt: after(-3000) },
      { id: 'a2', kind: 'a', dueAt: after(-2000) },
      { id: 'a3', kind: 'a', dueAt: after(-1000) },
      { id: 'b1', kind: 'b', dueAt: after(-5000) },
      { id: 'held', kind: 'a', dueAt: after(-9000), leaseUntil: after(1) },
    ]);
    const values = { now: timestampAt(T0), leaseUntil: timestampAt(after(7000)), limit: sql`${3}` };
    const cte = claimCteWith(leased, values, {
      where: sql`${jobs.kind} = 'a'`,
      alreadyLeased: sql`select 1`,
      returning: sql`${jobs.kind} as kind, ${jobs.leaseUntil} as lease_until`,
    });
    const rows = rowsOf<{ id: string; kind: string; lease_until: unknown }>(await db().execute(sql`with ${cte} select * from claimed order by id`));
    expect(rows.map((r) => [r.id, r.kind])).toEqual([
      ['a1', 'a'],
      ['a2', 'a'],
    ]);
    expect(new Date(String(rows[0].lease_until)).getTime()).toBe(after(7000).getTime());
    expect((await rowOf('b1')).leaseUntil).toBeNull();
    expect((await rowOf('a3')).leaseUntil).toBeNull();

    // More already leased than the limit: nothing (never a negative limit).
    const none = claimCteWith(leased, values, { alreadyLeased: sql`select 5` });
    expect(rowsOf(await db().execute(sql`with ${none} select id from claimed`))).toEqual([]);
    // Without a shape: the plain limit, the id only.
    const plain = claimCteWith(leased, { ...values, limit: sql`${1}` });
    const [only] = rowsOf<Record<string, unknown>>(await db().execute(sql`with ${plain} select * from claimed`));
    expect(Object.keys(only)).toEqual(['id']);
    expect(only.id).toBe('b1');
  });
});
