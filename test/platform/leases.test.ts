import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { claimDueRows, extendLease, holdsLease, releaseLease } from '../../src/platform/leases.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { after, createJobsTable, deleteAllJobs, jobs, leased, T0 } from './lease-jobs.ts';


describe.each(BACKENDS)('leases over due rows (%s)', (backend) => {
  let database: TestDatabase;
  const db = () => database.handle.db;

  async function insertJobs(count: number, dueAt: Date | null = T0, kind = 'a'): Promise<void> {
    const rows = Array.from({ length: count }, (_, i) => ({ id: `${kind}${String(i).padStart(4, '0')}`, kind, dueAt }));
    await db().insert(jobs).values(rows);
  }

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await createJobsTable(database.handle);
  });
  afterAll(async () => database?.drop());
  beforeEach(async () => {
    await deleteAllJobs(database.handle);
  });

  it('claims at most the limit of due rows, oldest first, and stamps their lease', async () => {
    await db().insert(jobs).values([
      { id: 'late', kind: 'a', dueAt: after(3000) },
      { id: 'second', kind: 'a', dueAt: after(-1000) },
      { id: 'first', kind: 'a', dueAt: after(-2000) },
      { id: 'third', kind: 'a', dueAt: T0 },
      { id: 'never', kind: 'a', dueAt: null },
    ]);
    const claimed = await claimDueRows(db(), leased, { now: T0, leaseMs: 30_000, limit: 2 });
    expect(claimed.map((c) => c.id).sort()).toEqual(['first', 'second']);
    expect(claimed[0].leaseUntil).toEqual(after(30_000));
    const rest = await claimDueRows(db(), leased, { now: T0, leaseMs: 30_000, limit: 10 });
    expect(rest.map((c) => c.id)).toEqual(['third']);
  });

  it('a held row is not claimed again until its lease runs out, then it is', async () => {
    await insertJobs(1);
    const [first] = await claimDueRows(db(), leased, { now: T0, leaseMs: 10_000, limit: 5 });
    expect(await claimDueRows(db(), leased, { now: after(9_999), leaseMs: 10_000, limit: 5 })).toEqual([]);
    const [again] = await claimDueRows(db(), leased, { now: after(10_000), leaseMs: 10_000, limit: 5 });
    expect(again.id).toBe(first.id);
    expect(again.leaseUntil).toEqual(after(20_000));
  });

  it('the holder whose lease was taken over can no longer release, extend or update the row', async () => {
    await insertJobs(1);
    const [crashed] = await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 1 });
    const [takeover] = await claimDueRows(db(), leased, { now: after(1000), leaseMs: 1000, limit: 1 });
    expect(await releaseLease(db(), leased, crashed, null)).toBe(false);
    expect(await extendLease(db(), leased, crashed, after(1000), 5000)).toBeNull();
    const stale = await db().update(jobs).set({ kind: 'stale' }).where(holdsLease(leased, crashed)).returning();
    expect(stale).toHaveLength(0);
    const extended = await extendLease(db(), leased, takeover, after(1500), 5000);
    expect(extended?.leaseUntil).toEqual(after(6500));
    expect(await releaseLease(db(), leased, extended!, after(60_000))).toBe(true);
  });

  it('releasing reschedules the row: due again at the new time, or never', async () => {
    await insertJobs(2);
    const [a, b] = await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 2 });
    expect(await releaseLease(db(), leased, a, after(5000))).toBe(true);
    expect(await releaseLease(db(), leased, b, null)).toBe(true);
    expect(await claimDueRows(db(), leased, { now: after(4999), leaseMs: 1000, limit: 5 })).toEqual([]);
    const [due] = await claimDueRows(db(), leased, { now: after(5000), leaseMs: 1000, limit: 5 });
    expect(due.id).toBe(a.id);
    expect(await releaseLease(db(), leased, due, null)).toBe(true);
    expect(await claimDueRows(db(), leased, { now: after(10_000_000), leaseMs: 1000, limit: 5 })).toEqual([]);
  });

  it('extra conditions narrow what is claimed', async () => {
    await insertJobs(3, T0, 'a');
    await insertJobs(2, T0, 'b');
    const claimed = await claimDueRows(db(), leased, { now: T0, leaseMs: 1000, limit: 10, where: sql`${jobs.kind} = 'b'` });
    expect(claimed.map((c) => c.id).sort()).toEqual(['b0000', 'b0001']);
  });

  it.runIf(backend === 'postgres')('claimers on separate connections racing for the same rows never share one', async () => {
    await insertJobs(400);
    const others: DatabaseHandle[] = await Promise.all(
      [0, 1, 2].map(() => openDatabase({ databaseUrl: database.url, dataDir: null, poolSize: 4 })),
    );
    try {
      const handles = [database.handle, ...others];
      const seen: string[] = [];
      await Promise.all(
        handles.flatMap((h) =>
          Array.from({ length: 4 }, async () => {
            for (;;) {
              const claimed = await claimDueRows(h.db, leased, { now: T0, leaseMs: 60_000, limit: 7 });
              if (claimed.length === 0) return;
              expect(claimed.length).toBeLessThanOrEqual(7);
              seen.push(...claimed.map((c) => c.id));
            }
          }),
        ),
      );
      expect(seen).toHaveLength(400);
      expect(new Set(seen).size).toBe(400);
    } finally {
      await Promise.all(others.map((h) => h.close()));
    }
  });
});
