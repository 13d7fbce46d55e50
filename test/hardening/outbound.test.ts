// Outbound connections to places a customer chose (issue 16, defects 2 and 3): a connection's proxy gets the same
// time limits as a direct call on every leg, a dead proxy never wedges the connection's pacing slots, a proxy on an
// inside address is refused (when saved and while connecting) unless the configuration allows it, and errors do
// not tell what listens where.
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstreamClient } from '../../src/upstream/client.ts';
import { createUpstreamDispatchers } from '../../src/upstream/http-pool.ts';
import { createUpstreamEnvironments } from '../../src/upstream/environments.ts';
import { access, importConnection, type ImportedConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { releaseAll } from '../support/cleanup.ts';
import { startHttpProxy } from '../upstream/loopback-proxy.ts';
import { rejectionOf, startUpstreamFixture, type UpstreamFixture } from '../upstream/sandbox-fixture.ts';

/** A TCP listener that accepts connections and never says a word: a proxy that is up but dead. */
async function startSilentListener(): Promise<{ port: number; accepted(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Limits short enough that a test sees them run out; the production defaults are 10 s / 30 s / 30 s. */
const QUICK_TIMEOUT_MS = 1_000;
/** Far above what the limits allow (every leg at its limit is 5 s here), far below the minutes a wedged call took. */
const GENEROUS_BOUND_MS = 25_000;

describe('outbound: the upstream client through a proxy that never answers', () => {
  let fx: UpstreamFixture;
  let silent: Awaited<ReturnType<typeof startSilentListener>>;
  beforeAll(async () => {
    fx = await startUpstreamFixture();
    silent = await startSilentListener();
  });
  afterAll(async () => {
    await fx?.close();
    await silent?.close();
  });

  for (const scheme of ['http', 'socks5'] as const) {
    it(`a ${scheme} proxy that accepts and never answers fails within the time limit, saying only that the proxy could not be reached`, async () => {
      const dispatchers = createUpstreamDispatchers({
        connectTimeoutMs: QUICK_TIMEOUT_MS,
        headersTimeoutMs: QUICK_TIMEOUT_MS,
        bodyTimeoutMs: QUICK_TIMEOUT_MS,
        mayProxyThroughPrivateAddresses: true,
      });
      const client = createUpstreamClient({ baseUrl: fx.sandbox.url, rules: fx.rules, dispatchers });
      try {
        const session = await fx.mintSession(`silent-${scheme}@creator.sandbox.com`);
        const startedAt = Date.now();
        const error = await rejectionOf(client.request(session, { method: 'GET', path: '/users/me', proxyUrl: `${scheme}://127.0.0.1:${silent.port}` }));
        expect(Date.now() - startedAt).toBeLessThan(GENEROUS_BOUND_MS);
        expect(error).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'proxy_unreachable' } });
        expect(JSON.stringify(error.details)).not.toMatch(/networkCode|127\.0\.0\.1|ECONN|TIMEOUT/);
        expect(error.message).not.toContain(String(silent.port));
      } finally {
        await dispatchers.close();
      }
    }, 60_000);
  }

  it.each([
    // "localhost" passes a check of the URL as written; only the lookup at connect time sees 127.0.0.1.
    ['localhost', 'a name that resolves to loopback'],
    // Saved before the policy (or while it was lifted): Node does no lookup for an address, the connector checks it.
    ['127.0.0.1', 'a loopback address'],
  ])('refuses, while connecting, a proxy at %s (%s) when private addresses are not allowed', async (host) => {
    const proxy = await startHttpProxy();
    const dispatchers = createUpstreamDispatchers({ mayProxyThroughPrivateAddresses: false });
    const client = createUpstreamClient({ baseUrl: fx.sandbox.url, rules: fx.rules, dispatchers });
    try {
      const session = await fx.mintSession(`rebound-${host}@creator.sandbox.com`);
      const proxyUrl = proxy.url.replace('127.0.0.1', host);
      const error = await rejectionOf(client.request(session, { method: 'GET', path: '/users/me', proxyUrl }));
      expect(error).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'proxy_unreachable' } });
      expect(proxy.targets).toEqual([]);
    } finally {
      await dispatchers.close();
      await proxy.close();
    }
  });
});

describe.each(BACKENDS)('outbound: a connection whose proxy is dead (%s)', (backend) => {
  let t: TestService;
  let conn: ImportedConnection;
  let silent: Awaited<ReturnType<typeof startSilentListener>>;
  beforeAll(async () => {
    t = await startTestService(backend);
    // The same client the service builds, with limits a test can wait for.
    const standard = t.service.ctx.upstreams;
    t.service.ctx.upstreams = createUpstreamEnvironments({
      sandboxUrl: t.sandboxUrl,
      liveUrl: t.service.ctx.config.liveUpstreamUrl,
      liveRulesSource: null,
      logger: t.service.ctx.logger,
      timeoutMs: QUICK_TIMEOUT_MS,
      mayProxyThroughPrivateAddresses: true,
    });
    await standard.close();
    silent = await startSilentListener();
    conn = await importConnection(t);
  }, 60_000);
  afterAll(() => releaseAll(() => t?.service.ctx.upstreams.close(), () => t?.close(), () => silent?.close()));

  it('Access calls through it fail within the time limit with a clear error, release their slots, and the connection works again once the proxy is removed', async () => {
    const settings = `/v2/account/connections/${conn.id}/settings`;
    const set = await call(t.url, 'PATCH', settings, { key: t.adminKey, body: { proxy: { url: `http://127.0.0.1:${silent.port}` } } });
    expect(set.status).toBe(200);

    // As many calls as the connection has slots (2), at once: each fails on its own time limit.
    const startedAt = Date.now();
    const failed = await Promise.all([1, 2].map(() => access(t, conn.id, 'GET', '/v2/access/proxy/users/me')));
    expect(Date.now() - startedAt).toBeLessThan(GENEROUS_BOUND_MS);
    expect(silent.accepted()).toBeGreaterThan(0);
    for (const reply of failed) {
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { reason: 'proxy_unreachable' } });
      expect(reply.body.details.networkCode).toBeUndefined();
      expect(JSON.stringify(reply.body)).not.toContain(String(silent.port));
    }

    const removed = await call(t.url, 'PATCH', settings, { key: t.adminKey, body: { proxy: { url: null } } });
    expect(removed.status).toBe(200);
    // The slots are free: no call is refused for concurrency; within the snapshot's life (2 s) a call may still try
    // the old proxy and fail on its limit, after that it goes direct.
    const seen: number[] = [];
    await eventually(
      async () => {
        const reply = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me');
        seen.push(reply.status);
        return reply.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'a 200 once the proxy is removed' },
    );
    expect(seen.filter((status) => status === 429)).toEqual([]);
    expect(seen.every((status) => status === 200 || status === 503)).toBe(true);
  }, 90_000);
});

describe.each(BACKENDS)('outbound: proxy URLs in production (%s)', (backend) => {
  let t: TestService;
  /** A connection when production mode still lets the sandbox import one; the check comes first either way. */
  let connectionId: string;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { isProduction: true, allowPrivateWebhookUrls: false } });
    connectionId = (await importConnection(t).catch(() => null))?.id ?? 'conn_doesnotexist';
  }, 60_000);
  afterAll(async () => t?.close());

  it.each([
    ['http://127.0.0.1:3128', 'a loopback address'],
    ['socks5://10.1.2.3:1080', 'a private address'],
    ['http://[::1]:8080', 'the IPv6 loopback'],
    ['http://169.254.169.254', 'the link-local metadata address'],
    ['http://localhost:3128', 'a name that resolves to loopback'],
  ])('PATCH of a proxy URL %s (%s) is a 400 naming proxy.url, and nothing is saved', async (url) => {
    const reply = await call(t.url, 'PATCH', `/v2/account/connections/${connectionId}/settings`, { key: t.adminKey, body: { proxy: { url } } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'proxy.url' } });
    if (connectionId !== 'conn_doesnotexist') {
      const after = await call(t.url, 'GET', `/v2/account/connections/${connectionId}/settings`, { key: t.adminKey });
      expect(after.body.proxy.url).toBeNull();
    }
  }, 60_000);
});
