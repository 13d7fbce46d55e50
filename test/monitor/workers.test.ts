// Several `ofconnect start --role worker` processes on one PostgreSQL share the monitor's work through leases: each
// due connection is checked once per period, and a worker killed mid-check loses nothing once its leases run out.
import { rmSync } from 'node:fs';
import { inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connections } from '../../src/connections/tables.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { listEvents } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { createLinkConnection, type CreatedLinkConnection } from '../support/link-connections.ts';
import { READY, spawnCli, type CliProcess, signalCli } from '../support/processes.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { makeTempDir } from '../support/test-run.ts';

const DAY = 86_400_000;
/** Worker processes start in seconds on a quiet machine and past a minute under heavy load (a first start took 50 s
 *  with the load at 17): the wait for one to be ready, and each test's budget, allow for that. */
const START_MS = 60_000;
const TEST_BUDGET_MS = 150_000;

interface LoggedRequest {
  url: string;
  headers: Record<string, string>;
}

describe.runIf(BACKENDS.includes('postgres'))('monitor workers on one PostgreSQL', () => {
  let database: TestDatabase;
  let t: TestService;
  let ctx: ServiceContext;
  let sandboxUrl: string;
  const processes: CliProcess[] = [];
  const dataDirs: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // This process only hosts the simulator and seeds rows (role api: no workers of its own).
    t = await startTestService('postgres', { database, config: { role: 'api' } });
    ctx = t.service.ctx;
    sandboxUrl = t.sandboxUrl;
  });
  afterEach(async () => {
    for (const proc of processes.splice(0)) {
      signalCli(proc, 'SIGTERM');
      await proc.exited;
    }
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    await call(sandboxUrl, 'DELETE', '/_sandbox/faults');
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  function startWorker(extraEnv: Record<string, string> = {}): CliProcess {
    const dataDir = makeTempDir('monitor');
    dataDirs.push(dataDir);
    const proc = spawnCli(['start', '--role', 'worker'], {
      DATABASE_URL: database.url!,
      OFCONNECT_VAULT_KEYS: ctx.config.vaultKeys!,
      OFCONNECT_SANDBOX_URL: sandboxUrl,
      OFCONNECT_DATA_DIR: dataDir,
      PORT: '0',
      OFCONNECT_MONITOR_CONCURRENCY: '4',
      ...extraEnv,
    });
    processes.push(proc);
    return proc;
  }

  async function seedNotYetDue(count: number): Promise<CreatedLinkConnection[]> {
    const later = new Date(Date.now() + DAY);
    return Promise.all(Array.from({ length: count }, () => createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, nextCheckAt: later })));
  }

  async function makeDue(created: CreatedLinkConnection[]): Promise<void> {
    await ctx.database.db
      .update(connections)
      .set({ nextCheckAt: new Date() })
      .where(inArray(connections.id, created.map((c) => c.row.id)));
  }

  async function rowsOf(created: CreatedLinkConnection[]) {
    return ctx.database.db
      .select()
      .from(connections)
      .where(inArray(connections.id, created.map((c) => c.row.id)));
  }

  async function profileCallsPerAccount(created: CreatedLinkConnection[]): Promise<number[]> {
    const res = await call<{ list: LoggedRequest[] }>(sandboxUrl, 'GET', '/_sandbox/requests');
    const calls = res.body.list.filter((r) => r.url === '/api2/v2/users/me');
    return created.map((c) => calls.filter((r) => (r.headers.cookie ?? '').includes(`auth_uid_${c.userId}=`)).length);
  }

  async function activeChecksReportedBy(origin: string): Promise<number> {
    const res = await call<string>(origin, 'GET', '/metrics');
    const match = /ofconnect_monitor_checks_total\{outcome="active"\} (\d+)/.exec(res.body);
    return match ? Number(match[1]) : 0;
  }

  it('two worker processes check each due connection exactly once between them', async () => {
    const a = startWorker();
    const b = startWorker();
    const [[, originA], [, originB]] = await Promise.all([a.waitFor(READY, START_MS), b.waitFor(READY, START_MS)]);
    // A little upstream latency keeps both workers busy at once.
    await call(sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', latencyMs: 20, probability: 1, pathPrefix: '/api2/v2/users/me' } });
    // 40 due connections: ten claims of four each, enough for both workers to take some (the claim size is the
    // concurrency, 4); 120 took three times as long to seed and check and proved nothing more.
    const created = await seedNotYetDue(40);
    await makeDue(created);

    await eventually(async () => (await rowsOf(created)).every((row) => row.lastCheckedAt !== null), { timeoutMs: 60_000, intervalMs: 25, what: 'every connection checked' });
    expect(await profileCallsPerAccount(created)).toEqual(created.map(() => 1));
    const rows = await rowsOf(created);
    expect(rows.every((row) => row.status === 'active' && row.checkLeaseUntil === null && row.nextCheckAt!.getTime() > Date.now() + DAY / 5)).toBe(true);
    const [byA, byB] = await Promise.all([activeChecksReportedBy(originA), activeChecksReportedBy(originB)]);
    expect(byA + byB).toBe(created.length);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  }, TEST_BUDGET_MS);

  it('connections claimed by a worker killed with SIGKILL are checked by another once the lease runs out', async () => {
    const created = await seedNotYetDue(6);
    // The first worker's checks hang upstream, so it dies holding their leases.
    await call(sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', latencyMs: 10_000, count: 6, pathPrefix: '/api2/v2/users/me' } });
    const doomed = startWorker({ OFCONNECT_MONITOR_LEASE_MS: '6000', OFCONNECT_MONITOR_CONCURRENCY: '8' });
    await doomed.waitFor(READY, START_MS);
    await makeDue(created);
    await eventually(async () => (await profileCallsPerAccount(created)).every((n) => n === 1), { timeoutMs: 30_000, intervalMs: 25, what: 'every check claimed by the doomed worker' });
    signalCli(doomed, 'SIGKILL');
    await doomed.exited;

    const held = await rowsOf(created);
    expect(held.every((row) => row.checkLeaseUntil !== null && row.lastCheckedAt === null)).toBe(true);
    const leaseEnds = new Map(held.map((row) => [row.id, row.checkLeaseUntil!.getTime()]));

    await call(sandboxUrl, 'DELETE', '/_sandbox/faults');
    const survivor = startWorker();
    await survivor.waitFor(READY, START_MS);
    await eventually(async () => (await rowsOf(created)).every((row) => row.lastCheckedAt !== null), { timeoutMs: 30_000, intervalMs: 25, what: 'every connection checked by the survivor' });

    for (const row of await rowsOf(created)) {
      expect(row.status).toBe('active');
      expect(row.checkFailures).toBe(0);
      expect(row.checkLeaseUntil).toBeNull();
      expect(row.lastCheckedAt!.getTime()).toBeGreaterThanOrEqual(leaseEnds.get(row.id)!);
    }
    // One call from the killed worker (never answered), one from the survivor.
    expect(await profileCallsPerAccount(created)).toEqual(created.map(() => 2));
    expect(await listEvents(t.url, t.adminKey, { eventType: 'connection.expired' })).toEqual([]);
  }, TEST_BUDGET_MS);
});
