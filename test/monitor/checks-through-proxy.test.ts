// README: a connection's outbound proxy carries all of its upstream traffic, the monitor's session checks included.
// The proxy is set through the API (PATCH …/settings); the worker's tick is driven by hand.
import { once } from 'node:events';
import { createServer } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitorWorker } from '../../src/monitor/worker.ts';
import { startHttpProxy, type LoopbackProxy } from '../upstream/loopback-proxy.ts';
import { BACKENDS } from '../support/databases.ts';
import { createLinkConnection } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

interface LoggedRequest {
  method: string;
  url: string;
  status: number | null;
  headers: Record<string, string>;
}

/** The simulator's log of profile checks made with this account's session (cookie names carry the user id). */
async function profileChecksOf(sandboxUrl: string, userId: string): Promise<LoggedRequest[]> {
  const res = await call<{ list: LoggedRequest[] }>(sandboxUrl, 'GET', '/_sandbox/requests');
  return res.body.list.filter((r) => r.url === '/api2/v2/users/me' && (r.headers.cookie ?? '').includes(`auth_uid_${userId}=`));
}

/** A loopback port nothing listens on: connecting to it is refused. */
async function refusingPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(BACKENDS)('monitor checks go through the connection\'s proxy (%s)', (backend) => {
  let t: TestService;
  let proxy: LoopbackProxy;

  // A service start under this machine's load can take longer than the default 60 s hook timeout.
  beforeAll(async () => {
    // Role api: no background worker; each test ticks its own.
    t = await startTestService(backend, { config: { role: 'api' } });
    proxy = await startHttpProxy();
  }, 180_000);
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });
  afterEach(async () => {
    // Park every connection so the next test's tick sees only its own.
    await t.service.ctx.database.db.execute(sql`update connections set next_check_at = null`);
  });

  /** A due Link connection (imported ones are never checked) with this proxy set through the API. */
  async function dueConnectionBehind(proxyUrl: string) {
    const created = await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId: t.orgId });
    const set = await call(t.url, 'PATCH', `/v2/account/connections/${created.row.id}/settings`, { key: t.adminKey, body: { proxy: { url: proxyUrl } } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    return created;
  }

  it('the check reaches the simulator through the proxy, with the proxy\'s credentials, and the connection stays active', async () => {
    const withCredentials = new URL(proxy.url);
    withCredentials.username = 'acct7';
    withCredentials.password = 's3cret';
    const { row, userId } = await dueConnectionBehind(withCredentials.toString());
    const tunnelsBefore = proxy.targets.length;

    const summary = await createMonitorWorker(t.service.ctx, { concurrency: 4 }).tick();
    expect(summary).toMatchObject({ checked: 1, active: 1 });

    const tunnels = proxy.targets.slice(tunnelsBefore);
    expect(tunnels).toContain(new URL(t.sandboxUrl).host);
    expect(proxy.authorizations).toContain(`Basic ${Buffer.from('acct7:s3cret').toString('base64')}`);
    const checks = await profileChecksOf(t.sandboxUrl, userId);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ method: 'GET', status: 200 });
    const connection = await call(t.url, 'GET', `/v2/account/connections/${row.id}`, { key: t.adminKey });
    expect(connection.body.status).toBe('active');
  });

  it('through a proxy that refuses connections the check never reaches upstream: a transient failure, not an expiry', async () => {
    const { row, userId } = await dueConnectionBehind(`http://127.0.0.1:${await refusingPort()}`);

    const summary = await createMonitorWorker(t.service.ctx, { concurrency: 4 }).tick();
    expect(summary).toMatchObject({ checked: 1, transient_failure: 1, expired: 0 });

    // Had the check gone direct, the simulator would have answered it.
    expect(await profileChecksOf(t.sandboxUrl, userId)).toEqual([]);
    const connection = await call(t.url, 'GET', `/v2/account/connections/${row.id}`, { key: t.adminKey });
    expect(connection.body.status).toBe('active');
  });
});
