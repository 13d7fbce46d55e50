// The per-connection request log: every Access call on a connection (managed and raw proxy, refused or not) is
// written in batches and read back through GET /v2/account/connections/{id}/requests, newest first, paged by cursor
// and filtered; query values are never stored; only the connection's own org and environment can read it; the
// retention worker prunes rows past their age on the project's clock.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/access/request-log/entry.ts';
import { createRequestLogRecorder, requestLogBatchesOf } from '../../src/access/request-log/recorder.ts';
import { insertRequestLogBatches, ROWS_PER_INSERT } from '../../src/access/request-log/store.ts';
import { insertConnection } from '../../src/connections/store.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { newId } from '../../src/platform/ids.ts';
import { createRetentionWorker } from '../../src/retention/worker.ts';
import { BACKENDS, createTestDatabase } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type ApiReply, type TestService } from '../support/service.ts';
import { access, clearFaults, importConnection, injectFault, type ImportedConnection } from './access-fixture.ts';

const DAY_MS = 86_400_000;

interface LoggedRequest {
  id: string;
  requestId: string;
  createdAt: string;
  method: string;
  path: string;
  status: number;
  upstreamStatus: number | null;
  durationMs: number;
  retries: number;
  apiKeyId: string;
}

/** A page of the log, or the error that refused the request. */
interface LogReply {
  list: LoggedRequest[];
  hasMore: boolean;
  nextCursor: string | null;
  type?: string;
  details?: { field?: string };
}

interface Tenant {
  orgId: string;
  key: string;
  keyId: string;
}

describe.each(BACKENDS)('access: the per-connection request log (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** An org of its own and a sandbox key of it (every scope), so what the log holds is only this test's. */
  async function newTenant(name: string): Promise<Tenant> {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId, 'sandbox');
    return { orgId, key: key.secret, keyId: key.id };
  }

  function readLog(tenant: { key: string }, connectionId: string, query = ''): Promise<ApiReply<LogReply>> {
    return call(t.url, 'GET', `/v2/account/connections/${connectionId}/requests${query}`, { key: tenant.key });
  }

  /** The log once it holds `count` entries (written within about a second of each call). */
  async function logOf(tenant: Tenant, connectionId: string, count: number): Promise<LoggedRequest[]> {
    return eventually(async () => {
      const res = await readLog(tenant, connectionId, '?limit=100');
      expect(res.status).toBe(200);
      return res.body.list.length >= count ? res.body.list : null;
    }, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `${count} request log entries of ${connectionId}` });
  }

  it('records managed and raw proxy calls with their fields, keeping query keys but not their values', async () => {
    const tenant = await newTenant('Request log fields');
    const conn = await importConnection(t, { key: tenant.key });
    const startedAt = Date.now();
    const managed = await access(t, conn.id, 'GET', '/v2/access/users/search?query=SecretFanName&limit=5', { key: tenant.key });
    expect(managed.status).toBe(200);
    const raw = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me?token=Value123&empty=&flag', { key: tenant.key });
    expect(raw.status).toBe(200);
    const rawNotFound = await access(t, conn.id, 'GET', '/v2/access/proxy/posts/1', { key: tenant.key });
    expect(rawNotFound.status).toBe(404);
    const endedAt = Date.now();

    const log = await logOf(tenant, conn.id, 3);
    expect(log).toHaveLength(3);
    const byRequest = new Map(log.map((entry) => [entry.requestId, entry]));
    expect(byRequest.get(String(managed.headers['x-request-id']))).toMatchObject({
      method: 'GET',
      path: '/v2/access/users/search?query=&limit=',
      status: 200,
      upstreamStatus: 200,
      retries: 0,
      apiKeyId: tenant.keyId,
    });
    expect(byRequest.get(String(raw.headers['x-request-id']))).toMatchObject({
      method: 'GET',
      path: '/v2/access/proxy/users/me?token=&empty=&flag=',
      status: 200,
      upstreamStatus: 200,
      retries: 0,
      apiKeyId: tenant.keyId,
    });
    // Upstream's own 404, passed through by the raw proxy: both statuses are upstream's.
    expect(byRequest.get(String(rawNotFound.headers['x-request-id']))).toMatchObject({ path: '/v2/access/proxy/posts/1', status: 404, upstreamStatus: 404 });
    for (const entry of log) {
      expect(Number.isInteger(entry.durationMs) && entry.durationMs >= 0).toBe(true);
      const at = Date.parse(entry.createdAt);
      // The arrival time, on the service's clock (the same machine): inside the window the calls were made in.
      expect(at).toBeGreaterThanOrEqual(startedAt - 1_000);
      expect(at).toBeLessThanOrEqual(endedAt + 1_000);
    }
    const text = JSON.stringify(log);
    expect(text).not.toContain('SecretFanName');
    expect(text).not.toContain('Value123');
  });

  it('a failed upstream call is recorded with upstream\'s status and its retries; a refused call with no upstream status', async () => {
    const tenant = await newTenant('Request log failures');
    const conn = await importConnection(t, { key: tenant.key, permissions: ['profile:read'] });
    await injectFault(t, { kind: '500', count: 3, pathPrefix: '/api2/v2/users/me' });
    let failed: ApiReply;
    try {
      failed = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me', { key: tenant.key });
    } finally {
      await clearFaults(t);
    }
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const refused = await access(t, conn.id, 'GET', '/v2/access/chats', { key: tenant.key });
    expect(refused.status).toBe(403);

    const log = await logOf(tenant, conn.id, 2);
    const byRequest = new Map(log.map((entry) => [entry.requestId, entry]));
    expect(byRequest.get(String(failed.headers['x-request-id']))).toMatchObject({ status: failed.status, upstreamStatus: 500, retries: 2 });
    expect(byRequest.get(String(refused.headers['x-request-id']))).toMatchObject({ path: '/v2/access/chats', status: 403, upstreamStatus: null, retries: 0 });
  });

  it('pages newest first without overlap, and filters by status class, exact status, method and time', async () => {
    const tenant = await newTenant('Request log paging');
    const conn = await importConnection(t, { key: tenant.key });
    const calls: Array<[string, string]> = [
      ['GET', '/v2/access/proxy/users/me'],
      ['GET', '/v2/access/proxy/posts/1'],
      ['GET', '/v2/access/self'],
      ['PATCH', '/v2/access/self'],
      ['GET', '/v2/access/proxy/users/me?n=5'],
    ];
    for (const [method, path] of calls) {
      const res = await access(t, conn.id, method, path, { key: tenant.key, ...(method === 'PATCH' ? { body: { about: 'paged' } } : {}) });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }
    const all = await logOf(tenant, conn.id, calls.length);
    expect(all).toHaveLength(calls.length);
    const times = all.map((entry) => Date.parse(entry.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const paged: LoggedRequest[] = [];
    let cursor: string | null = null;
    const pages: number[] = [];
    do {
      const res = await readLog(tenant, conn.id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      pages.push(res.body.list.length);
      paged.push(...res.body.list);
      expect(res.body.hasMore).toBe(res.body.nextCursor !== null);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual([2, 2, 1]);
    expect(paged.map((entry) => entry.id)).toEqual(all.map((entry) => entry.id));

    const fourXx = await readLog(tenant, conn.id, '?status=4xx');
    expect(fourXx.body.list.map((entry) => entry.path)).toEqual(['/v2/access/proxy/posts/1']);
    const exact = await readLog(tenant, conn.id, '?status=404');
    expect(exact.body.list.map((entry) => entry.status)).toEqual([404]);
    const twoXx = await readLog(tenant, conn.id, '?status=2xx');
    expect(twoXx.body.list.every((entry) => entry.status >= 200 && entry.status < 300)).toBe(true);
    expect(twoXx.body.list).toHaveLength(all.filter((entry) => entry.status < 300).length);
    const patches = await readLog(tenant, conn.id, '?method=PATCH');
    expect(patches.body.list.map((entry) => entry.method)).toEqual(['PATCH']);

    // A window holding only the middle entries: since is inclusive, until exclusive.
    const since = all[3].createdAt;
    const until = all[1].createdAt;
    const windowed = await readLog(tenant, conn.id, `?since=${since}&until=${until}`);
    const expected = all.filter((entry) => entry.createdAt >= since && entry.createdAt < until).map((entry) => entry.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(windowed.body.list.map((entry) => entry.id)).toEqual(expected);

    // With a filter, pages still follow on without overlap.
    const firstGet = await readLog(tenant, conn.id, '?method=GET&limit=3');
    const secondGet = await readLog(tenant, conn.id, `?method=GET&limit=3&cursor=${firstGet.body.nextCursor}`);
    expect([...firstGet.body.list, ...secondGet.body.list].map((entry) => entry.id)).toEqual(all.filter((entry) => entry.method === 'GET').map((entry) => entry.id));
    expect(secondGet.body).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('refuses a cursor it did not make and filters it does not know, naming the field', async () => {
    const tenant = await newTenant('Request log refusals');
    const conn = await importConnection(t, { key: tenant.key });
    for (const [query, field] of [
      ['?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['?status=2xy', 'status'],
      ['?method=TRACE', 'method'],
      ['?since=yesterday', 'since'],
      ['?limit=101', 'limit'],
    ] as const) {
      const res = await readLog(tenant, conn.id, query);
      expect(res.status, query).toBe(400);
      expect(res.body.details?.field, query).toBe(field);
    }
  });

  it('only the connection\'s own org and environment read its log: another org and the other environment get a 404', async () => {
    const owner = await newTenant('Request log owner');
    const other = await newTenant('Request log other org');
    const ownerLive = await createKey(t.database.handle, owner.orgId, 'live');
    const conn: ImportedConnection = await importConnection(t, { key: owner.key });
    expect((await access(t, conn.id, 'GET', '/v2/access/proxy/users/me', { key: owner.key })).status).toBe(200);
    await logOf(owner, conn.id, 1);

    const unknown = await readLog(other, 'conn_doesnotexist000000000000');
    expect(unknown.status).toBe(404);
    for (const reader of [other, { key: ownerLive.secret }]) {
      const res = await readLog(reader, conn.id);
      expect(res.status).toBe(404);
      expect(res.body.type).toBe(unknown.body.type);
      expect(JSON.stringify(res.body)).not.toContain('/v2/access/proxy');
    }

    // A live connection with a log row: the org's live key reads it, its sandbox key gets a 404.
    const liveId = newId('connection');
    const now = new Date();
    await insertConnection(t.database.handle.db, {
      id: liveId, orgId: owner.orgId, environment: 'live', status: 'active', permissions: [], imported: true, createdAt: now, updatedAt: now,
    });
    await writeBatch([logEntry(owner.orgId, 'live', liveId, now, ownerLive.id)]);
    const live = await readLog({ key: ownerLive.secret }, liveId);
    expect(live.status).toBe(200);
    expect(live.body.list).toHaveLength(1);
    expect((await readLog(owner, liveId)).status).toBe(404);
  });

  /** Writes entries as one flush of the recorder would (one batch per connection). */
  async function writeBatch(entries: RequestLogEntry[]): Promise<void> {
    await insertRequestLogBatches(t.database.handle.db, requestLogBatchesOf(entries, false));
  }

  it('a flush of more connections than one statement holds writes every row; a statement the database refuses drops only its own batches, counted', async () => {
    const tenant = await newTenant('Request log statements');
    const now = Date.now();
    const connections = Array.from({ length: ROWS_PER_INSERT + 4 }, () => newId('connection'));
    const refusedConnection = connections[ROWS_PER_INSERT + 1];
    const dropped = async () =>
      ((await t.service.ctx.metrics.registry.getSingleMetric('ofconnect_request_log_dropped_total')?.get())?.values ?? [])
        .filter((value) => value.labels.reason === 'write_failed')
        .reduce((sum, value) => sum + value.value, 0);
    const droppedBefore = await dropped();

    const recorder = createRequestLogRecorder(t.service.ctx, { flushIntervalMs: 3_600_000 });
    for (const [i, connectionId] of connections.entries()) {
      for (let n = 0; n < 3; n++) {
        const entry = logEntry(tenant.orgId, 'sandbox', connectionId, new Date(now - 1_000 + i * 10 + n), tenant.keyId);
        // No org: a row the database refuses (org_id is not null), in the second statement only (the first holds 16 connections).
        recorder.record(connectionId === refusedConnection ? { ...entry, orgId: null as never } : entry);
      }
    }
    await recorder.close();

    const written = rowsOf<{ connection_id: string; entry_count: number }>(
      await t.database.handle.db.execute(sql`select connection_id, entry_count from request_log_batches where org_id = ${tenant.orgId} order by id`),
    );
    expect(written.map((row) => row.connection_id)).toEqual(connections.slice(0, ROWS_PER_INSERT));
    expect(written.every((row) => Number(row.entry_count) === 3)).toBe(true);
    expect((await dropped()) - droppedBefore).toBe(4 * 3);
  });

  it('a full buffer writes full batches only; what arrives meanwhile waits for the next full batch or the timer', async () => {
    const tenant = await newTenant('Request log full batches');
    const connectionId = newId('connection');
    const now = Date.now();
    const rowsWritten = async () =>
      rowsOf<{ entry_count: number }>(
        await t.database.handle.db.execute(sql`select entry_count from request_log_batches where connection_id = ${connectionId} order by id`),
      ).map((row) => Number(row.entry_count));
    const recorder = createRequestLogRecorder(t.service.ctx, { batchSize: 10, flushIntervalMs: 3_600_000 });
    // The tenth entry starts a write of ten; the fifteen after it arrive while that write is in flight.
    for (let i = 0; i < 25; i++) recorder.record(logEntry(tenant.orgId, 'sandbox', connectionId, new Date(now - 1_000 + i), tenant.keyId));
    // A drain that wrote the remainder at once (as a busy node then did, statement after statement of a few entries)
    // would pass 20 on its way to 25 and never settle here.
    await eventually(async () => (await rowsWritten()).reduce((sum, n) => sum + n, 0) === 20, { what: 'two full batches' });
    expect(await rowsWritten()).toEqual([10, 10]);
    await recorder.close();
    expect(await rowsWritten()).toEqual([10, 10, 5]);
  });

  it('a path holding a NUL or half a surrogate pair is stored with U+FFFD in their place, and the log stays readable', async () => {
    const tenant = await newTenant('Request log unstorable characters');
    const connectionId = newId('connection');
    const now = new Date();
    await insertConnection(t.database.handle.db, {
      id: connectionId, orgId: tenant.orgId, environment: 'sandbox', status: 'active', permissions: [], imported: true, createdAt: now, updatedAt: now,
    });
    await writeBatch([
      { ...logEntry(tenant.orgId, 'sandbox', connectionId, new Date(now.getTime() - 2_000), tenant.keyId), url: '/v2/access/a\u0000b/\ud800c/\udc00d/\ud83d\ude00?q=1' },
      logEntry(tenant.orgId, 'sandbox', connectionId, new Date(now.getTime() - 1_000), tenant.keyId),
    ]);
    const reply = await readLog(tenant, connectionId);
    expect(reply.status).toBe(200);
    expect(reply.body.list.map((entry) => entry.path)).toEqual(['/v2/access/self', '/v2/access/a\ufffdb/\ufffdc/\ufffdd/\ud83d\ude00?q=']);
  });

  it('a flush writes one batch per connection, and pages across overlapping batches neither skip nor repeat an entry, filtered or not', async () => {
    const tenant = await newTenant('Request log batches');
    const [first, second] = [newId('connection'), newId('connection')];
    const now = new Date();
    for (const id of [first, second]) {
      await insertConnection(t.database.handle.db, {
        id, orgId: tenant.orgId, environment: 'sandbox', status: 'active', permissions: [], imported: true, createdAt: now, updatedAt: now,
      });
    }
    // Arrival times out of buffer order and with ties, so batches overlap in time as calls of different lengths make them.
    const base = now.getTime() - 120_000;
    const entryOf = (i: number): RequestLogEntry => ({
      ...logEntry(tenant.orgId, 'sandbox', i % 2 === 0 ? first : second, new Date(base + ((i * 37) % 50) * 500), tenant.keyId),
      method: i % 3 === 0 ? 'POST' : 'GET',
      status: [200, 404, 500, 429, 201][i % 5],
    });
    const batchesOf = async (connectionId: string) =>
      rowsOf<{ entry_count: number }>(
        await t.database.handle.db.execute(sql`select entry_count from request_log_batches where connection_id = ${connectionId} order by id`),
      ).map((row) => Number(row.entry_count));

    const flushed = createRequestLogRecorder(t.service.ctx, { flushIntervalMs: 3_600_000 });
    const earlier = Array.from({ length: 60 }, (_, i) => entryOf(i));
    for (const entry of earlier) flushed.record(entry);
    await flushed.close();
    expect(await batchesOf(first)).toEqual([30]);
    expect(await batchesOf(second)).toEqual([30]);

    // Seven entries per statement, alternating connections: no batch holds more than four.
    const small = createRequestLogRecorder(t.service.ctx, { batchSize: 7, flushIntervalMs: 3_600_000 });
    const later = Array.from({ length: 60 }, (_, i) => entryOf(60 + i));
    for (const entry of later) small.record(entry);
    await small.close();
    const laterBatches = await batchesOf(first);
    expect(laterBatches.length).toBeGreaterThan(5);
    expect(laterBatches.slice(1).every((count) => count <= 4)).toBe(true);
    expect(laterBatches.slice(1).reduce((sum, count) => sum + count, 0)).toBe(30);

    const all = (await readLog(tenant, first, '?limit=100')).body.list;
    const recorded = [...earlier, ...later].filter((entry) => entry.connectionId === first);
    expect(all).toHaveLength(60);
    expect(new Set(all.map((entry) => entry.id)).size).toBe(60);
    expect(all.map((entry) => entry.requestId).sort()).toEqual(recorded.map((entry) => entry.requestId).sort());
    const order = all.map((entry) => [Date.parse(entry.createdAt), Number(entry.id)]);
    expect(order).toEqual([...order].sort((a, b) => b[0] - a[0] || b[1] - a[1]));

    const pageThrough = async (query: string, limit: number): Promise<LoggedRequest[]> => {
      const seen: LoggedRequest[] = [];
      let cursor: string | null = null;
      do {
        const res: ApiReply<LogReply> = await readLog(tenant, first, `?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.list);
        cursor = res.body.nextCursor;
      } while (cursor);
      return seen;
    };
    for (const limit of [1, 4, 7]) expect((await pageThrough('', limit)).map((entry) => entry.id)).toEqual(all.map((entry) => entry.id));
    const clientErrors = all.filter((entry) => entry.status >= 400 && entry.status < 500).map((entry) => entry.id);
    expect(clientErrors.length).toBeGreaterThan(5);
    expect((await pageThrough('&status=4xx', 3)).map((entry) => entry.id)).toEqual(clientErrors);
    const since = all[45].createdAt;
    const until = all[10].createdAt;
    const windowedPosts = all.filter((entry) => entry.method === 'POST' && entry.createdAt >= since && entry.createdAt < until).map((entry) => entry.id);
    expect(windowedPosts.length).toBeGreaterThan(3);
    expect((await pageThrough(`&method=POST&since=${since}&until=${until}`, 2)).map((entry) => entry.id)).toEqual(windowedPosts);
  });

  it('retention prunes rows older than the configured days, in batches, and keeps recent ones (on the project\'s clock)', async () => {
    const tenant = await newTenant('Request log retention');
    const conn = await importConnection(t, { key: tenant.key });
    const now = Date.now();
    const old = Array.from({ length: 5 }, (_, i) => logEntry(tenant.orgId, 'sandbox', conn.id, new Date(now - DAY_MS - i * 1000), tenant.keyId));
    const recent = logEntry(tenant.orgId, 'sandbox', conn.id, new Date(now - 3_600_000), tenant.keyId);
    // Two flushes: a batch goes when its newest entry has expired.
    await writeBatch(old);
    await writeBatch([recent]);
    expect((await readLog(tenant, conn.id)).body.list).toHaveLength(6);

    // 14 days (the default) are up for the older rows 13.5 days from now; the recent row is an hour short of it.
    const clock = new ManualClock(now + 13.5 * DAY_MS);
    const worker = createRetentionWorker(t.service.ctx, { clock, batchSize: 2 });
    const removed = await worker.runDue();
    expect(removed.request_log).toBeGreaterThanOrEqual(5);
    const left = (await readLog(tenant, conn.id)).body.list;
    expect(left.map((entry) => entry.requestId)).toEqual([recent.requestId]);

    // The task is not due again until its interval has passed; then the recent row's time is up too.
    expect((await worker.runDue()).request_log).toBeUndefined();
    clock.advance(DAY_MS);
    await worker.runDue();
    expect((await readLog(tenant, conn.id)).body.list).toEqual([]);
  });
});

describe.each(BACKENDS)('access: a service that keeps no request log (%s)', (backend) => {
  it('with OFCONNECT_REQUEST_LOG_RETENTION_DAYS=0 Access calls succeed and nothing is written, not even at shutdown', async () => {
    // The service's own database, kept past its close: closing writes what a recorder still buffers.
    const database = await createTestDatabase(backend);
    try {
      const t = await startTestService(backend, { database, config: { requestLogRetentionDays: 0 } });
      let connectionId: string;
      try {
        const conn = await importConnection(t);
        connectionId = conn.id;
        for (const path of ['/v2/access/self', '/v2/access/proxy/users/me']) {
          expect((await access(t, conn.id, 'GET', path)).status).toBe(200);
        }
        const page = await call<LogReply>(t.url, 'GET', `/v2/account/connections/${conn.id}/requests`, { key: t.adminKey });
        expect(page.status).toBe(200);
        expect(page.body.list).toEqual([]);
      } finally {
        await t.close();
      }
      const rows = rowsOf<{ n: number }>(
        await database.handle.db.execute(sql`select count(*)::int as n from request_log_batches where connection_id = ${connectionId}`),
      );
      expect(Number(rows[0].n)).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

function logEntry(orgId: string, environment: 'sandbox' | 'live', connectionId: string, at: Date, apiKeyId: string): RequestLogEntry {
  return {
    orgId,
    environment,
    connectionId,
    arrivedAtMs: at.getTime(),
    method: 'GET',
    url: '/v2/access/self',
    status: 200,
    upstreamStatus: 200,
    durationMs: 12,
    retries: 0,
    requestId: newId('request'),
    apiKeyId,
  };
}
