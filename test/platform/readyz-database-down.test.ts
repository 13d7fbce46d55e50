// README: "/readyz fails when the database is down". A service on its own fresh PostgreSQL database, which then
// (1) refuses connections and has its open ones ended (a restart or failover, seen from here), or (2) stops answering
// at all behind a relay (a partition: silence, not a refusal); then comes back.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/platform/db/database.ts';
import { BACKENDS, createPostgresDatabaseUrl, POSTGRES_ADMIN_URL } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { call, startTestService, type ApiReply, type TestService } from '../support/service.ts';
import { startTcpRelay } from './tcp-relay.ts';

async function asAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The first /readyz answer with this status, polled (the pool notices a dead connection on its next use). */
function readyzAnswering(url: string, status: number): Promise<ApiReply> {
  return eventually(
    async () => {
      const res = await call(url, 'GET', '/readyz');
      return res.status === status ? res : null;
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `readyz answering ${status}` },
  );
}

describe.runIf(BACKENDS.includes('postgres'))('readyz when PostgreSQL goes away (postgres)', () => {
  let t: TestService | undefined;
  let databaseName = '';
  /** Run last-in first-out after each test, whatever it reached. */
  const cleanups: Array<() => Promise<unknown> | unknown> = [];

  afterEach(async () => {
    // Whatever the test did, the database accepts connections again so it can be dropped.
    if (databaseName) await asAdmin(`alter database ${databaseName} with allow_connections true`);
    await t?.close();
    t = undefined;
    databaseName = '';
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers 503 naming the database as unreachable while it refuses connections, and 200 again once it is back', async () => {
    t = await startTestService('postgres', { config: { role: 'api' } });
    databaseName = new URL(t.database.url!).pathname.slice(1);
    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });

    await asAdmin(`alter database ${databaseName} with allow_connections false`);
    await asAdmin(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${databaseName}' and pid <> pg_backend_pid()`);
    const down = await readyzAnswering(t.url, 503);
    expect(down.body).toEqual({ status: 'not ready', checks: { database: 'unreachable' } });
    // Liveness is not readiness: the process is up, so a supervisor must not restart it for this.
    expect((await call(t.url, 'GET', '/healthz')).status).toBe(200);

    await asAdmin(`alter database ${databaseName} with allow_connections true`);
    const back = await readyzAnswering(t.url, 200);
    expect(back.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    // And the API works again on the same pool.
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: t.adminKey })).status).toBe(200);
  }, 60_000);

  it('answers 503 within a few seconds when the database stops answering at all, instead of hanging; 200 once it answers again', async () => {
    const created = await createPostgresDatabaseUrl();
    cleanups.push(() => created.drop());
    const relay = await startTcpRelay(created.url);
    cleanups.push(() => relay.close());
    const handle = await openDatabase({ databaseUrl: relay.url, dataDir: null, poolSize: 5 });
    cleanups.push(() => handle.close());
    const service = await startTestService('postgres', { config: { role: 'api' }, database: { backend: 'postgres', handle, url: relay.url, drop: async () => {} } });
    cleanups.push(() => service.close());
    // Undone before the service closes, so nothing waits on a query that can never be answered.
    cleanups.push(() => relay.restore());
    expect((await call(service.url, 'GET', '/readyz')).status).toBe(200);

    relay.cut();
    const started = Date.now();
    const down = await call(service.url, 'GET', '/readyz');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'not ready', checks: { database: 'unreachable' } });

    relay.restore();
    const back = await readyzAnswering(service.url, 200);
    expect(back.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  }, 60_000);
});
