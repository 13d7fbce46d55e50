// The monitor against the simulator, on both databases, with a manual clock: the worker's tick is driven by hand.
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { markConnectionExpired } from '../../src/connections/expire.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { createMonitorWorker } from '../../src/monitor/worker.ts';
import { startMonitoringConnection } from '../../src/monitor/start-monitoring.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventTypes } from '../support/events.ts';
import { createLinkConnection, sandboxEmail, storeFreshSession } from '../support/link-connections.ts';
import { expireSandboxSession } from '../support/sandbox.ts';
import { WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const INTERVAL = 6 * HOUR;

/** Deterministic jitter for assertions that depend on it. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface LoggedRequest {
  seq: number;
  method: string;
  url: string;
  userId: number | null;
  status: number | null;
  headers: Record<string, string>;
}

async function sandboxRequests(sandboxUrl: string): Promise<LoggedRequest[]> {
  const res = await call<{ list: LoggedRequest[] }>(sandboxUrl, 'GET', '/_sandbox/requests');
  return res.body.list;
}

/** Calls made with this account's session: the log redacts cookie values but keeps their names (auth_uid_<id>),
 *  which identify the account even for requests a fault answered before the simulator looked at them. */
async function profileChecksOf(sandboxUrl: string, userId: string): Promise<LoggedRequest[]> {
  return (await sandboxRequests(sandboxUrl)).filter((r) => r.url === '/api2/v2/users/me' && (r.headers.cookie ?? '').includes(`auth_uid_${userId}=`));
}

async function connectionRow(ctx: ServiceContext, id: string) {
  const result = await ctx.database.db.execute(sql`
    select status, expired_at, last_checked_at, next_check_at, check_lease_until, check_failures, expiring_notified_session_at
    from connections where id = ${id}`);
  const row = (result as unknown as { rows: Record<string, unknown>[] }).rows[0];
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    status: row.status as string,
    expiredAt: date(row.expired_at),
    lastCheckedAt: date(row.last_checked_at),
    nextCheckAt: date(row.next_check_at),
    leaseUntil: date(row.check_lease_until),
    failures: Number(row.check_failures),
  };
}

async function injectFault(sandboxUrl: string, fault: Record<string, unknown>): Promise<void> {
  const res = await call(sandboxUrl, 'POST', '/_sandbox/faults', { body: fault });
  expect(res.status).toBe(200);
}

describe.each(BACKENDS)('monitor (%s)', (backend) => {
  let t: TestService;
  let clock: ManualClock;
  let ctx: ServiceContext;
  let sandboxUrl: string;

  beforeAll(async () => {
    clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
    // Role api: no background worker; each test drives its own with tick().
    t = await startTestService(backend, { clock, config: { role: 'api', monitorExpiringAfterHours: 24 } });
    ctx = t.service.ctx;
    sandboxUrl = t.sandboxUrl;
  });
  afterAll(async () => {
    await t?.close();
  });
  afterEach(async () => {
    await call(sandboxUrl, 'DELETE', '/_sandbox/faults');
    // Park every connection so the next test only sees its own.
    await ctx.database.db.execute(sql`update connections set next_check_at = null, status = case when status = 'active' then 'disconnected' else status end`);
  });

  /** The events the org's integrator got about a connection, read through the API. */
  const eventsOf = (connectionId: string) => eventTypes(t.url, t.adminKey, { connectionId });
  const newWorker = (seed = 1) => createMonitorWorker(ctx, { random: seededRandom(seed), concurrency: 16 });

  it('a due Link connection is checked through its own session, user agent and x-bc, and its next check is one jittered interval later', async () => {
    const { row, userId, session } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    const checkedAt = clock.now();
    const summary = await newWorker().tick();
    expect(summary).toMatchObject({ checked: 1, active: 1 });

    const requests = await profileChecksOf(sandboxUrl, userId);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(requests[0].headers['user-agent']).toBe(session.userAgent);
    expect(requests[0].headers['x-bc']).toBe(session.xBc);

    const after = await connectionRow(ctx, row.id);
    expect(after.status).toBe('active');
    expect(after.lastCheckedAt).toEqual(checkedAt);
    expect(after.leaseUntil).toBeNull();
    expect(after.failures).toBe(0);
    const delay = after.nextCheckAt!.getTime() - checkedAt.getTime();
    expect(delay).toBeGreaterThanOrEqual(INTERVAL * 0.9);
    expect(delay).toBeLessThanOrEqual(INTERVAL * 1.1);
    // Not due again until then: another tick does nothing.
    expect((await newWorker().tick()).checked).toBe(0);
    expect(await eventsOf(row.id)).toEqual([]);
  });

  it('a session expired through the simulator is detected and connection.expired is recorded exactly once, even when two workers and an Access call see it at once', async () => {
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    await expireSandboxSession(sandboxUrl, { userId });
    const scope = { orgId: t.orgId, environment: 'sandbox' as const };
    const [a, b] = await Promise.all([newWorker(1).tick(), newWorker(2).tick(), markConnectionExpired(ctx, scope, row.id)]);
    // The Access call may flip it before either worker claims it; no worker checks it twice.
    expect(a.checked + b.checked).toBeLessThanOrEqual(1);
    const checksSoFar = (await profileChecksOf(sandboxUrl, userId)).length;

    const after = await connectionRow(ctx, row.id);
    expect(after.status).toBe('expired');
    expect(after.expiredAt).toEqual(clock.now());
    expect(await eventsOf(row.id)).toEqual(['connection.expired']);

    // Expired connections are no longer checked.
    clock.advance(INTERVAL * 2);
    expect((await newWorker().tick()).checked).toBe(0);
    expect(await profileChecksOf(sandboxUrl, userId)).toHaveLength(checksSoFar);
    expect(await eventsOf(row.id)).toEqual(['connection.expired']);
  });

  it('a session expired through the simulator is found by the next check on its own', async () => {
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    await expireSandboxSession(sandboxUrl, { userId });
    expect(await newWorker().tick()).toMatchObject({ checked: 1, expired: 1 });
    const after = await connectionRow(ctx, row.id);
    expect(after.status).toBe('expired');
    expect(after.lastCheckedAt).toEqual(clock.now());
    expect(await eventsOf(row.id)).toEqual(['connection.expired']);
  });

  it('imported connections are never checked, even with a check time set', async () => {
    const imported = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, imported: true, nextCheckAt: clock.now() });
    const link = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    const summary = await newWorker().tick();
    expect(summary.checked).toBe(1);
    expect(await profileChecksOf(sandboxUrl, link.userId)).toHaveLength(1);
    expect(await profileChecksOf(sandboxUrl, imported.userId)).toHaveLength(0);
    const after = await connectionRow(ctx, imported.row.id);
    expect(after.lastCheckedAt).toBeNull();
    expect(after.status).toBe('active');
  });

  it('transient 503s do not flip the status and back off exponentially; the recovered check resets the backoff', async () => {
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    await injectFault(sandboxUrl, { kind: '503', count: 3, pathPrefix: '/api2/v2/users/me' });
    const worker = newWorker();
    const delays: number[] = [];
    for (let failure = 1; failure <= 3; failure++) {
      const before = clock.now().getTime();
      expect(await worker.tick()).toMatchObject({ checked: 1, transient_failure: 1 });
      const state = await connectionRow(ctx, row.id);
      expect(state.status).toBe('active');
      expect(state.failures).toBe(failure);
      delays.push(state.nextCheckAt!.getTime() - before);
      // Nothing is retried before its backoff is over.
      clock.set(state.nextCheckAt!.getTime() - 1);
      expect((await worker.tick()).checked).toBe(0);
      clock.set(state.nextCheckAt!);
    }
    // 1, 2, 4 minutes (±10 % jitter).
    [1, 2, 4].forEach((minutes, i) => {
      expect(delays[i]).toBeGreaterThanOrEqual(minutes * MINUTE * 0.9);
      expect(delays[i]).toBeLessThanOrEqual(minutes * MINUTE * 1.1);
    });

    expect(await worker.tick()).toMatchObject({ checked: 1, active: 1 });
    const recovered = await connectionRow(ctx, row.id);
    expect(recovered.status).toBe('active');
    expect(recovered.failures).toBe(0);
    expect(recovered.lastCheckedAt).toEqual(clock.now());
    expect(recovered.nextCheckAt!.getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(INTERVAL * 0.9);
    expect(await profileChecksOf(sandboxUrl, userId)).toHaveLength(4);
    expect(await eventsOf(row.id)).toEqual([]);
  });

  it('checks are spread by jitter: a batch due together is next due across ±10 % of the interval, and none early', async () => {
    const created = await Promise.all(Array.from({ length: 24 }, () => createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId })));
    const start = clock.now().getTime();
    expect((await newWorker(7).tick()).checked).toBe(24);
    const next = await Promise.all(created.map(async (c) => (await connectionRow(ctx, c.row.id)).nextCheckAt!.getTime() - start));
    for (const delay of next) {
      expect(delay).toBeGreaterThanOrEqual(INTERVAL * 0.9);
      expect(delay).toBeLessThanOrEqual(INTERVAL * 1.1);
    }
    expect(new Set(next).size).toBe(24);
    // Both sides of the interval are used.
    expect(next.some((d) => d < INTERVAL)).toBe(true);
    expect(next.some((d) => d > INTERVAL)).toBe(true);

    clock.set(start + INTERVAL * 0.9 - 1);
    expect((await newWorker().tick()).checked).toBe(0);
    clock.set(start + INTERVAL);
    const half = next.filter((d) => d <= INTERVAL).length;
    expect((await newWorker().tick()).checked).toBe(half);
    clock.set(start + INTERVAL * 1.1);
    expect((await newWorker().tick()).checked).toBe(24 - half);
  });

  it('an active Link connection without a schedule gets a first check within one interval, and a new connection\'s first check is spread over it', async () => {
    const { row } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, nextCheckAt: null });
    const now = clock.now().getTime();
    await newWorker().tick();
    const scheduled = (await connectionRow(ctx, row.id)).nextCheckAt!.getTime();
    expect(scheduled).toBeGreaterThanOrEqual(now);
    expect(scheduled).toBeLessThan(now + INTERVAL);

    const random = seededRandom(3);
    const firsts = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const { row: fresh } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, nextCheckAt: null });
        return (await startMonitoringConnection(ctx.database.db, ctx.config, { orgId: t.orgId, environment: 'sandbox' }, fresh.id, clock.now(), random))!.getTime() - now;
      }),
    );
    for (const delay of firsts) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(INTERVAL);
    }
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(INTERVAL / 3);
  });

  it('an expired connection reconnected with a fresh session is checked again and stays active', async () => {
    const email = sandboxEmail();
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, email });
    await expireSandboxSession(sandboxUrl, { userId });
    expect((await newWorker().tick()).expired).toBe(1);

    // The reconnect: Link stores the new session, makes the row active again and schedules its checks.
    clock.advance(HOUR);
    await storeFreshSession(ctx, sandboxUrl, row, email);
    await ctx.database.db.execute(sql`update connections set status = 'active' where id = ${row.id}`);
    const due = await startMonitoringConnection(ctx.database.db, ctx.config, { orgId: t.orgId, environment: 'sandbox' }, row.id, clock.now());
    expect(due).not.toBeNull();
    clock.set(due!);
    expect(await newWorker().tick()).toMatchObject({ checked: 1, active: 1 });
    const after = await connectionRow(ctx, row.id);
    expect(after.status).toBe('active');
    expect(after.lastCheckedAt).toEqual(clock.now());
    expect(after.nextCheckAt).not.toBeNull();
    expect(await eventsOf(row.id)).toEqual(['connection.expired']);
  });

  it('a session replaced while its check is in flight (read with the claim) is checked again, not expired', async () => {
    const email = sandboxEmail();
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, email });
    await expireSandboxSession(sandboxUrl, { userId });
    // The check's upstream call is held long enough for a reconnect to store a new session behind the claim.
    await injectFault(sandboxUrl, { kind: 'latency', latencyMs: 3000, count: 1, pathPrefix: '/api2/v2/users/me' });
    const checking = newWorker().tick();
    await expect
      .poll(async () => (await connectionRow(ctx, row.id)).leaseUntil, { timeout: WORKER_PROGRESS_TIMEOUT_MS })
      .not.toBeNull();
    await storeFreshSession(ctx, sandboxUrl, row, email);

    expect(await checking).toMatchObject({ checked: 1, transient_failure: 1, expired: 0 });
    expect((await connectionRow(ctx, row.id)).status).toBe('active');
    const recheck = await connectionRow(ctx, row.id);
    expect(recheck.nextCheckAt!.getTime() - clock.now().getTime()).toBeLessThanOrEqual(1000);

    clock.advance(1000);
    expect(await newWorker().tick()).toMatchObject({ checked: 1, active: 1 });
    expect(await eventsOf(row.id)).toEqual([]);
  });

  it('a session older than the threshold gets connection.expiring once, and again only for its next session', async () => {
    const email = sandboxEmail();
    const { row } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, email });
    const worker = newWorker();
    expect((await worker.tick()).active).toBe(1);
    expect(await eventsOf(row.id)).toEqual([]);

    // Past 24 h of session age: warned once, however many checks follow.
    for (let i = 0; i < 6; i++) {
      clock.advance(INTERVAL * 1.1);
      expect((await worker.tick()).active).toBe(1);
    }
    expect(await eventsOf(row.id)).toEqual(['connection.expiring']);

    // A reconnect stores a new session: its own warning comes when it ages in turn.
    await storeFreshSession(ctx, sandboxUrl, row, email);
    clock.advance(INTERVAL * 1.1);
    await worker.tick();
    expect(await eventsOf(row.id)).toEqual(['connection.expiring']);
    for (let i = 0; i < 4; i++) {
      clock.advance(INTERVAL * 1.1);
      await worker.tick();
    }
    expect(await eventsOf(row.id)).toEqual(['connection.expiring', 'connection.expiring']);
    expect((await connectionRow(ctx, row.id)).status).toBe('active');
  });

  it('checks count against the connection\'s pacing: with the bucket spent, the check is deferred, not failed', async () => {
    const { row, userId } = await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId });
    const patched = await call(t.url, 'PATCH', `/v2/account/connections/${row.id}/settings`, {
      key: t.adminKey,
      body: { pacing: { requestsPerMinute: 1, burst: 1 } },
    });
    expect(patched.status).toBe(200);
    const worker = newWorker();
    expect((await worker.tick()).active).toBe(1);
    await ctx.database.db.execute(sql`update connections set next_check_at = ${clock.now().toISOString()}::timestamptz where id = ${row.id}`);
    expect(await worker.tick()).toMatchObject({ checked: 1, paced: 1 });
    const after = await connectionRow(ctx, row.id);
    expect(after.failures).toBe(0);
    expect(after.status).toBe('active');
    const wait = after.nextCheckAt!.getTime() - clock.now().getTime();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(MINUTE);
    expect(await profileChecksOf(sandboxUrl, userId)).toHaveLength(1);
  });

  it('metrics count checks by outcome and report the lag behind schedule', async () => {
    await createLinkConnection(ctx, sandboxUrl, { orgId: t.orgId, nextCheckAt: new Date(clock.now().getTime() - 10 * MINUTE) });
    const worker = newWorker();
    const lag = async () => {
      const metric = await ctx.metrics.registry.getSingleMetric('ofconnect_monitor_lag_seconds')!.get();
      return metric.values[0].value;
    };
    expect(await lag()).toBe(600);
    await worker.tick();
    expect(await lag()).toBe(0);
    const text = await ctx.metrics.registry.metrics();
    expect(text).toMatch(/ofconnect_monitor_checks_total\{outcome="active"\} \d+/);
    expect(text).toMatch(/ofconnect_monitor_check_duration_seconds_count \d+/);
  });
});
