import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startHttpProxy } from '../upstream/loopback-proxy.ts';
import { access, importConnection, upstreamRequests, type ImportedConnection, messageableFanId } from './access-fixture.ts';

/** A GET whose path goes on the wire as written (URL parsers would resolve the dot segments first). */
function sendUnnormalised(base: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(BACKENDS)('access: raw proxy (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  beforeAll(async () => {
    t = await startTestService(backend);
    conn = await importConnection(t);
  });
  afterAll(async () => t?.close());

  it('GET passes path and query through exactly as received and returns upstream status and body', async () => {
    const before = (await upstreamRequests(t)).lastSeq;
    const res = await access(t, conn.id, 'GET', '/v2/access/proxy/chats?limit=2&offset=1&skip_users=all&filter=unread%20x');
    // The simulator rejects the unknown filter value with its own 400 envelope: passed back as sent.
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: expect.any(Number), message: 'Invalid filter' } });
    const ok = await access(t, conn.id, 'GET', '/v2/access/proxy/chats?limit=2&offset=1&skip_users=all');
    expect(ok.status).toBe(200);
    expect(ok.body.list).toHaveLength(2);
    const seen = (await upstreamRequests(t, before)).list.map((r) => r.url);
    expect(seen).toEqual(['/api2/v2/chats?limit=2&offset=1&skip_users=all&filter=unread%20x', '/api2/v2/chats?limit=2&offset=1&skip_users=all']);
  });

  it('POST passes the JSON body through; the message sent is then listed through the proxy too', async () => {
    const fanId = await messageableFanId(t, conn.id);
    const sent = await access(t, conn.id, 'POST', `/v2/access/proxy/chats/${fanId}/messages`, { body: { text: 'via the proxy', price: 0 } });
    expect(sent.status).toBe(200);
    expect(sent.body.text).toContain('via the proxy');
    const listed = await access(t, conn.id, 'GET', `/v2/access/proxy/chats/${fanId}/messages?limit=1&order=desc`);
    expect(listed.body.list[0].id).toBe(sent.body.id);
  });

  it('upstream 404s come back as upstream sent them; upstream headers that identify it are stripped', async () => {
    const res = await access(t, conn.id, 'GET', '/v2/access/proxy/posts/1');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/not found/i);
    expect(res.headers['x-of-rev']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    expect(res.headers['x-ratelimit-limit']).toBe('90');
  });

  it('a path with dot segments is refused before anything is sent', async () => {
    const before = (await upstreamRequests(t)).lastSeq;
    for (const path of ['/v2/access/proxy/users/../../dynamic-rules.json', '/v2/access/proxy/users/%2e%2e/%2e%2e/x', '/v2/access/proxy/users/.%2E/x']) {
      const res = await sendUnnormalised(t.url, path, { apikey: t.adminKey, 'x-connection-id': conn.id });
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'path' } });
    }
    expect((await upstreamRequests(t, before)).list).toEqual([]);
  });

  it('is not filtered by connection permissions', async () => {
    const readOnly = await importConnection(t, { permissions: ['profile:read'] });
    const managed = await access(t, readOnly.id, 'GET', '/v2/access/chats');
    expect(managed.status).toBe(403);
    expect(managed.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredPermission: 'messages:read' } });
    const proxied = await access(t, readOnly.id, 'GET', '/v2/access/proxy/chats?limit=1');
    expect(proxied.status).toBe(200);
  });

  it('goes through the connection\'s outbound proxy when one is set', async () => {
    const proxy = await startHttpProxy();
    try {
      const pinned = await importConnection(t);
      const set = await call(t.url, 'PATCH', `/v2/account/connections/${pinned.id}/settings`, { key: t.adminKey, body: { proxy: { url: proxy.url } } });
      expect(set.status).toBe(200);
      const res = await access(t, pinned.id, 'GET', '/v2/access/proxy/users/me');
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(Number(pinned.session.userId));
      expect(proxy.targets.length).toBeGreaterThan(0);
      expect(proxy.targets.every((target) => target === new URL(t.sandboxUrl).host)).toBe(true);
    } finally {
      await proxy.close();
    }
  });
});
