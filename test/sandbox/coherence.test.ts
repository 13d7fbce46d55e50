// Two simulators on one database, as two nodes of the service run them: what one stores, the other serves, and
// what one changes leaves the other's cache through the change feed (NOTIFY on PostgreSQL, in-process on PGlite).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { AREA_SHAPE_VERSION } from '../../src/sandbox/data/world.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { withoutPerReadValues } from '../support/sandbox.ts';
import { SignedBrowser, control, mintedBrowser } from './signed-browser.ts';

describe.each(BACKENDS)('two simulators on one database (%s)', (backend) => {
  let database: TestDatabase;
  let secondHandle: DatabaseHandle;
  let a: RunningSandbox;
  let b: RunningSandbox;
  const now = () => Date.now();

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    await database.handle.migrate();
    // PostgreSQL: a pool of its own, like another process; PGlite: one database per process, shared.
    secondHandle = database.url ? await openDatabase({ databaseUrl: database.url, dataDir: null, poolSize: 3 }) : database.handle;
    a = await startSandbox({ database: database.handle, rateLimit: { perIp: false } });
    b = await startSandbox({ database: secondHandle, rateLimit: { perIp: false } });
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    if (database?.url) await secondHandle?.close();
    await database?.drop();
  }, 60_000);

  /** The same browser (cookies, UA, x-bc) talking to the other node. */
  const onNode = (browser: SignedBrowser, sandbox: RunningSandbox) => {
    const moved = new SignedBrowser(sandbox.url, browser.now, browser.userAgent, browser.xBc);
    for (const [name, value] of browser.cookies) moved.cookies.set(name, value);
    return moved;
  };

  it('a session minted on A is accepted by B; revoked through B, A refuses it', async () => {
    const onA = await mintedBrowser(a.url, now, `coherent-${backend}@creator.sandbox.com`);
    const meOnA = await onA.get('/api2/v2/users/me');
    expect(meOnA.status).toBe(200);
    const onB = onNode(onA, b);
    const meOnB = await onB.get('/api2/v2/users/me');
    expect(meOnB.status, JSON.stringify(meOnB.body)).toBe(200);
    // The same account, read on either node; what each node issues per call is left out: the realtime socket's URL
    // (the host the caller reached) and token, and media URLs (signed with their issue time by the node's CDN).
    expect(withoutPerReadValues(meOnB.body)).toEqual(withoutPerReadValues(meOnA.body));

    const expired = await control(b.url, 'POST', '/_sandbox/sessions/expire', { sess: onA.cookies.get('sess') });
    expect(expired.body).toEqual({ expired: 1 });
    expect((await onB.get('/api2/v2/users/me')).status).toBe(401);
    // A had the session in its cache: the change feed takes it out.
    await eventually(async () => (await onA.get('/api2/v2/users/me')).status === 401, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'A refusing the session revoked on B' });
  }, 60_000);

  it('a write on A is visible on B, even where B had read the account before', async () => {
    const onA = await mintedBrowser(a.url, now, `writer-${backend}@creator.sandbox.com`);
    const onB = onNode(onA, b);
    const before = await onB.get('/api2/v2/lists?limit=100');
    expect(before.status).toBe(200);
    const created = await onA.post('/api2/v2/lists', { name: `Written on A (${backend})` });
    expect(created.status).toBe(200);
    await eventually(
      async () => ((await onB.get('/api2/v2/lists?limit=100')).body as Array<{ name: string }>).some((l) => l.name === `Written on A (${backend})`),
      { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the list created on A listed on B' },
    );
  }, 60_000);

  it('a stored area written by another shape version is ignored: the area is generated again from the seed', async () => {
    const onA = await mintedBrowser(a.url, now, `shape-${backend}@creator.sandbox.com`);
    expect((await onA.post('/api2/v2/lists', { name: 'Of an older shape' })).status).toBe(200);
    const userId = Number(onA.cookies.get('auth_id'));
    await database.handle.db.execute(sql`update sandbox_account_areas set shape_version = ${AREA_SHAPE_VERSION - 1} where user_id = ${userId}`);
    const c = await startSandbox({ database: database.handle, rateLimit: { perIp: false } });
    try {
      const lists = await onNode(onA, c).get('/api2/v2/lists?limit=100');
      expect(lists.status).toBe(200);
      expect((lists.body as Array<{ name: string }>).map((l) => l.name)).not.toContain('Of an older shape');
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a login started on A finishes its 2FA on B', async () => {
    const browser = new SignedBrowser(a.url, now);
    const login = await browser.login(`otp-${backend}@creator-otp.sandbox.com`);
    expect(login.status).toBe(400);
    expect(login.body.error.code).toBe(101);
    const onB = onNode(browser, b);
    const checked = await onB.post('/api2/v2/users/otp/check', { code: '123456' });
    expect(checked.status).toBe(200);
    expect((await onB.get('/api2/v2/users/me')).body.isAuth).not.toBe(false);
  }, 60_000);

  it('a rules rotation and a fault added on A apply on B', async () => {
    const rotated = await control(a.url, 'POST', '/_sandbox/rules/rotate');
    await eventually(async () => (await control(b.url, 'GET', '/dynamic-rules.json')).body.revision === rotated.body.revision, {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
      what: "B publishing A's rotated rules",
    });
    await control(a.url, 'POST', '/_sandbox/faults', { kind: '429', count: 1, pathPrefix: '/api2/v2/coherent-fault' });
    await eventually(async () => (await control(b.url, 'GET', '/api2/v2/coherent-fault')).status === 429, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: "B applying A's fault" });
    // Used up on B: A's copy is dropped too.
    await eventually(async () => (await control(a.url, 'GET', '/_sandbox/faults')).body.list.length === 0, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the fault used up everywhere' });
    expect((await control(a.url, 'GET', '/api2/v2/coherent-fault')).status).not.toBe(429);
  }, 60_000);

  it.runIf(backend === 'postgres')('after its listener connection is cut, B reconnects and drops what it cached, since it may have missed announcements', async () => {
    const onA = await mintedBrowser(a.url, now, `reconnect-${backend}@creator.sandbox.com`);
    const onB = onNode(onA, b);
    expect((await onB.get('/api2/v2/users/me')).status).toBe(200);
    // Every simulator's listener goes; the revocation below is announced while nobody listens.
    const admin = new pg.Client({ connectionString: database.url! });
    await admin.connect();
    try {
      const cut = await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'",
      );
      expect(cut.rowCount).toBeGreaterThanOrEqual(2);
    } finally {
      await admin.end();
    }
    expect((await control(a.url, 'POST', '/_sandbox/sessions/expire', { sess: onA.cookies.get('sess') })).body).toEqual({ expired: 1 });
    await eventually(async () => (await onB.get('/api2/v2/users/me')).status === 401, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'B refusing the session after reconnecting' });
  }, 60_000);
});

