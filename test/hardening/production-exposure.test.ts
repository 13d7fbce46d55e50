// Production mode serves neither the Link dev callback nor public metrics (issue 16, defect 12). The production
// apps are built over a running test service's context with only the configuration changed, and listen on their own
// loopback ports (each with its own metrics registry, as a separate process would have).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpApp, type BuiltApp } from '../../src/app.ts';
import type { Config } from '../../src/platform/config.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { startService } from '../../src/service.ts';
import { createTestDatabase } from '../support/databases.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { releaseAll } from '../support/cleanup.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe.each(BACKENDS)('production exposure (%s)', (backend) => {
  let t: TestService;
  const apps: BuiltApp[] = [];

  beforeAll(async () => {
    t = await startTestService(backend);
  }, 60_000);
  afterAll(() =>
    releaseAll(...apps.flatMap((built) => [() => built.app.close(), () => built.authenticator.close()]), () => t?.close()),
  );

  async function serve(config: Partial<Config>): Promise<string> {
    const built = await buildHttpApp({ ...t.service.ctx, metrics: createMetrics(), config: { ...t.service.ctx.config, ...config } });
    apps.push(built);
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    const address = built.app.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}`;
  }

  it('in development both the dev callback and /metrics are served to anyone', async () => {
    expect((await call(t.url, 'GET', '/link/dev-callback?status=success')).status).toBe(200);
    const metrics = await call(t.url, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('ofconnect_http_requests_total');
  });

  it('in production without a metrics token, /link/dev-callback and /metrics are not served', async () => {
    const url = await serve({ isProduction: true, metricsToken: null });
    const metrics = await call(url, 'GET', '/metrics');
    expect(metrics.status).toBe(404);
    expect(metrics.body).toMatchObject({ type: 'ROUTE_NOT_FOUND' });
    expect(metrics.body.requestId).toBe(metrics.headers['x-request-id']);
    // The path then reads as a (malformed) Link client secret: the Link pages' "not valid" page.
    const callback = await call(url, 'GET', '/link/dev-callback?status=success');
    expect(callback.status).toBe(404);
    expect(callback.body).toContain('This link is not valid');
    expect(callback.body).not.toContain('development callback');
    expect((await call(url, 'GET', '/healthz')).status).toBe(200);
    expect((await call(url, 'GET', '/v2/account/whoami', { key: t.adminKey })).status).toBe(200);
  });

  it('with OFCONNECT_METRICS_TOKEN, /metrics needs that bearer token', async () => {
    const url = await serve({ isProduction: true, metricsToken: METRICS_TOKEN });
    const anonymous = await call(url, 'GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'UNAUTHORIZED', details: { field: 'authorization' } });
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrong = await call(url, 'GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const apiKeyInstead = await call(url, 'GET', '/metrics', { headers: { authorization: `Bearer ${t.adminKey}` } });
    expect(apiKeyInstead.status).toBe(401);
    const scraped = await call(url, 'GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('ofconnect_http_requests_total');
  });

  it('a production service starts no simulator: no /_sandbox on its port, sandbox keys get a clear 503, the bootstrap lists no dev callback', async () => {
    const database = await createTestDatabase(backend);
    const dataDir = makeTempDir('production');
    let service: Awaited<ReturnType<typeof startService>> | null = null;
    try {
      const config = loadConfig({ port: 0, host: '127.0.0.1', dataDir, vaultKeys: generateVaultKeySpec('prod1') }, { NODE_ENV: 'production' });
      service = await startService({ config, database: database.handle, logger: createLogger('silent') });
      expect(service.sandboxUrl).toBeNull();
      expect(service.sandboxControlUrl).toBeNull();
      const boot = service.bootstrap;
      if (!boot?.created) throw new Error('expected a first-start bootstrap');
      const key = boot.apiKey;
      expect(boot.redirectUris.some((uri) => uri.includes('/link/dev-callback'))).toBe(false);
      const control = await call(service.url, 'POST', '/_sandbox/sessions', { key, body: { email: 'prod@creator.sandbox.com' } });
      expect(control.status).toBe(404);
      expect(control.body.type).toBe('ROUTE_NOT_FOUND');
      const rules = await call(service.url, 'GET', '/v2/dynamic-rules', { key });
      expect(rules.status).toBe(503);
      expect(rules.body).toMatchObject({ type: 'UPSTREAM_UNAVAILABLE', details: { environment: 'sandbox' } });
    } finally {
      try {
        await service?.close();
      } finally {
        await database.drop();
        removeTempDir(dataDir);
      }
    }
  }, 60_000);
});
