import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { listEvents } from '../support/events.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { expireSandboxSession, sessOf } from '../support/sandbox.ts';
import { access, clearFaults, importConnection, injectFault, upstreamRequests, type ImportedConnection, messageableFanId } from './access-fixture.ts';

/** connection.expired events emitted for the connection, read as an integrator would (GET /v2/webhooks/messages). */
async function expiredEventsFor(t: TestService, connectionId: string): Promise<number> {
  return (await listEvents(t.url, t.adminKey, { eventType: 'connection.expired', connectionId })).length;
}

async function setPacing(t: TestService, connectionId: string, pacing: { requestsPerMinute?: number; burst?: number; concurrency?: number }) {
  const res = await call(t.url, 'PATCH', `/v2/account/connections/${connectionId}/settings`, { key: t.adminKey, body: { pacing } });
  expect(res.status).toBe(200);
}

describe.each(BACKENDS)('access: errors, pacing, retries and expiry (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  beforeAll(async () => {
    t = await startTestService(backend);
    conn = await importConnection(t);
  });
  afterAll(async () => t?.close());

  it('no x-connection-id is a 401 SESSION_NOT_PROVIDED naming the header', async () => {
    const res = await access(t, null, 'GET', '/v2/access/self');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ type: 'SESSION_NOT_PROVIDED', code: 'SESSION_NOT_PROVIDED', details: { field: 'x-connection-id' } });
  });

  it('an unknown id, another org\'s connection and another environment\'s look the same: 401 SESSION_NOT_PROVIDED', async () => {
    const unknown = await access(t, 'conn_doesnotexist', 'GET', '/v2/access/self');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ type: 'SESSION_NOT_PROVIDED', details: { reason: 'connection_not_found' } });

    const otherOrg = await createOrg(t.database.handle);
    const otherKey = await createKey(t.database.handle, otherOrg);
    const foreign = await access(t, conn.id, 'GET', '/v2/access/self', { key: otherKey.secret });
    expect(foreign.status).toBe(401);
    expect(foreign.body).toMatchObject({ type: 'SESSION_NOT_PROVIDED', details: { reason: 'connection_not_found' } });
    const foreignProxy = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me', { key: otherKey.secret });
    expect(foreignProxy.status).toBe(401);

    const liveKey = await createKey(t.database.handle, t.orgId, 'live');
    const otherEnvironment = await access(t, conn.id, 'GET', '/v2/access/self', { key: liveKey.secret });
    expect(otherEnvironment.status).toBe(401);
    expect(otherEnvironment.body.type).toBe('SESSION_NOT_PROVIDED');
  });

  it('a key without the access scope is refused before the connection is looked at', async () => {
    const accountOnly = await createKey(t.database.handle, t.orgId, 'sandbox', ['account']);
    const res = await access(t, conn.id, 'GET', '/v2/access/self', { key: accountOnly.secret });
    expect(res.status).toBe(403);
    expect(res.body.type).toBe('FORBIDDEN');
  });

  it('an expired connection is a 401 SESSION_EXPIRED with actionRequired reconnect, and upstream is not called', async () => {
    const gone = await importConnection(t);
    await call(t.url, 'POST', `/v2/account/connections/${gone.id}/invalidate`, { key: t.adminKey });
    const before = (await upstreamRequests(t)).lastSeq;
    const res = await access(t, gone.id, 'GET', '/v2/access/chats');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ type: 'SESSION_EXPIRED', actionRequired: 'reconnect' });
    expect((await upstreamRequests(t, before)).list).toEqual([]);
  });

  it('a managed route outside the connection\'s permissions is a 403 naming the permission', async () => {
    const readOnly = await importConnection(t, { permissions: ['profile:read', 'messages:read'] });
    expect((await access(t, readOnly.id, 'GET', '/v2/access/chats')).status).toBe(200);
    const send = await access(t, readOnly.id, 'POST', '/v2/access/chats/1/messages', { body: { text: 'x' } });
    expect(send.status).toBe(403);
    expect(send.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredPermission: 'messages:write' } });
    const earnings = await access(t, readOnly.id, 'GET', '/v2/access/earnings/chart');
    expect(earnings.body.details.requiredPermission).toBe('earnings:read');
  });

  it('every paced reply carries X-RateLimit-*; past the bucket it is a 429 with Retry-After', async () => {
    const paced = await importConnection(t);
    await setPacing(t, paced.id, { requestsPerMinute: 1, burst: 3, concurrency: 2 });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await access(t, paced.id, 'GET', '/v2/access/self'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(replies.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    for (const r of replies) {
      expect(r.headers['x-ratelimit-limit']).toBe('3');
      expect(Number(r.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000 - 1);
    }
    const refused = replies[3];
    expect(refused.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', code: 'RATE_LIMIT_EXCEEDED' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const metrics = await call(t.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/ofconnect_access_pacing_rejections_total\{reason="rate"\} [1-9]/);
  });

  it('X-RateLimit-* are also on upstream errors', async () => {
    const own = await importConnection(t);
    const res = await access(t, own.id, 'GET', '/v2/access/posts/1');
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('RESOURCE_NOT_FOUND');
    expect(res.headers['x-ratelimit-limit']).toBe('90');
    // A whole number of calls left, one of them spent on this call.
    expect(res.headers['x-ratelimit-remaining']).toMatch(/^\d+$/);
    expect(Number(res.headers['x-ratelimit-remaining'])).toBeLessThan(90);
  });

  it('over the concurrency cap a request waits its turn; if the turn does not come within 1 s it is a 429', async () => {
    const narrow = await importConnection(t);
    await setPacing(t, narrow.id, { requestsPerMinute: 600, burst: 600, concurrency: 1 });
    await injectFault(t, { kind: 'latency', latencyMs: 300, count: 1, pathPrefix: '/api2/v2/users/me' });
    const both = await Promise.all([access(t, narrow.id, 'GET', '/v2/access/self'), access(t, narrow.id, 'GET', '/v2/access/self')]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);

    await injectFault(t, { kind: 'latency', latencyMs: 2_500, count: 1, pathPrefix: '/api2/v2/users/me' });
    const [slow, queued] = await Promise.all([access(t, narrow.id, 'GET', '/v2/access/self'), access(t, narrow.id, 'GET', '/v2/access/self')]);
    expect(slow.status).toBe(200);
    expect(queued.status).toBe(429);
    expect(queued.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', details: { reason: 'concurrency' } });
    expect(queued.headers['retry-after']).toBe('1');
    await clearFaults(t);
  });

  it('upstream 429 with a long Retry-After: no waiting, the caller gets 429 and that Retry-After', async () => {
    const own = await importConnection(t);
    const before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: '429', count: 1, retryAfterSeconds: 30, pathPrefix: '/api2/v2/subscriptions/count' });
    const res = await access(t, own.id, 'GET', '/v2/access/subscriptions/count');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', details: { reason: 'upstream_rate_limited', retryAfterSeconds: 30 } });
    expect(res.headers['retry-after']).toBe('30');
    expect((await upstreamRequests(t, before)).list).toHaveLength(1);
  });

  it('upstream 429 with a short Retry-After on a GET is waited out and retried', async () => {
    const own = await importConnection(t);
    const before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: '429', count: 1, retryAfterSeconds: 1, pathPrefix: '/api2/v2/subscriptions/count' });
    const res = await access(t, own.id, 'GET', '/v2/access/subscriptions/count');
    expect(res.status).toBe(200);
    const attempts = (await upstreamRequests(t, before)).list;
    expect(attempts.map((a) => a.status)).toEqual([429, 200]);
  });

  it('upstream 5xx on a GET is retried; when it persists the caller gets 502 with Retry-After after 3 attempts', async () => {
    const own = await importConnection(t);
    let before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: '500', count: 1, pathPrefix: '/api2/v2/users/me' });
    const recovered = await access(t, own.id, 'GET', '/v2/access/self');
    expect(recovered.status).toBe(200);
    expect((await upstreamRequests(t, before)).list).toHaveLength(2);

    before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: '503', count: 10, pathPrefix: '/api2/v2/users/me' });
    const failed = await access(t, own.id, 'GET', '/v2/access/self');
    await clearFaults(t);
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({ type: 'UPSTREAM_ERROR', details: { reason: 'upstream_server_error' } });
    expect(failed.headers['retry-after']).toBe('2');
    expect((await upstreamRequests(t, before)).list).toHaveLength(3);
    const metrics = await call(t.url, 'GET', '/metrics');
    expect(metrics.body).toMatch(/ofconnect_access_upstream_calls_total\{outcome="server_error",status="503"\} [3-9]/);
    expect(metrics.body).toMatch(/ofconnect_access_upstream_calls_total\{outcome="success",status="200"\} \d+/);
  });

  it('a POST is not retried after a 5xx (it may have been applied)', async () => {
    const own = await importConnection(t);
    const fanId = await messageableFanId(t, own.id);
    const before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: '500', count: 1, pathPrefix: `/api2/v2/chats/${fanId}/messages` });
    const res = await access(t, own.id, 'POST', `/v2/access/chats/${fanId}/messages`, { body: { text: 'once' } });
    expect(res.status).toBe(502);
    expect((await upstreamRequests(t, before)).list).toHaveLength(1);
  });

  it('a network failure (connection reset) on a GET is retried', async () => {
    const own = await importConnection(t);
    const before = (await upstreamRequests(t)).lastSeq;
    await injectFault(t, { kind: 'reset', count: 1, pathPrefix: '/api2/v2/users/me' });
    const res = await access(t, own.id, 'GET', '/v2/access/self');
    expect(res.status).toBe(200);
    expect((await upstreamRequests(t, before)).list.length).toBe(2);
  });

  it('a session that dies mid-use: 401 SESSION_EXPIRED, the connection flips to expired and connection.expired is recorded once', async () => {
    const dying = await importConnection(t);
    expect((await access(t, dying.id, 'GET', '/v2/access/self')).status).toBe(200);
    await expireSandboxSession(t.sandboxUrl, { sess: sessOf(dying.session.cookie) });
    const replies = await Promise.all([
      access(t, dying.id, 'GET', '/v2/access/self'),
      access(t, dying.id, 'GET', '/v2/access/chats'),
      access(t, dying.id, 'GET', '/v2/access/proxy/users/me'),
    ]);
    for (const r of replies) {
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ type: 'SESSION_EXPIRED', actionRequired: 'reconnect' });
    }
    const connection = await call(t.url, 'GET', `/v2/account/connections/${dying.id}`, { key: t.adminKey });
    expect(connection.body).toMatchObject({ status: 'expired' });
    expect(connection.body.expiredAt).not.toBeNull();
    expect(await expiredEventsFor(t, dying.id)).toBe(1);

    const before = (await upstreamRequests(t)).lastSeq;
    const later = await access(t, dying.id, 'GET', '/v2/access/self');
    expect(later.body).toMatchObject({ type: 'SESSION_EXPIRED', details: { reason: 'connection_expired' } });
    expect((await upstreamRequests(t, before)).list).toEqual([]);
    expect(await expiredEventsFor(t, dying.id)).toBe(1);
  });

  it('managed request validation failures are 400s naming the field', async () => {
    const res = await access(t, conn.id, 'GET', '/v2/access/chats?limit=500');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'limit' } });
  });
});
