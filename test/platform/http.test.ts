import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { BACKENDS } from '../support/databases.ts';
import { apiClient } from '../support/api-client.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('HTTP plumbing (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('serves an OpenAPI 3 document that validates and lists the routes with their security', async () => {
    // The document route is outside the document it serves, so it has no generated type.
    const res = await call(t.url, 'GET', '/openapi.json');
    expect(res.status).toBe(200);
    const validator = new Validator();
    const result = await validator.validate(res.body);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.paths['/v2/account/whoami'].get.security).toEqual([{ apiKey: [] }]);
    expect(res.body.paths['/v2/client-apps'].post.requestBody).toBeDefined();
    expect(res.body.paths['/healthz'].get.security).toBeUndefined();
  });

  it('echoes a well-formed incoming x-request-id and mints one otherwise', async () => {
    const api = apiClient(t.url);
    const echoed = await api.GET('/healthz', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(echoed.headers['x-request-id']).toBe('trace-abc-123');
    const minted = await api.GET('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(minted.headers['x-request-id']).toMatch(/^req_/);
  });

  it('healthz and readyz answer; readyz checks the database and migrations', async () => {
    const api = apiClient(t.url);
    expect((await api.GET('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api.GET('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
  });

  it('exposes Prometheus request counts by route template and status', async () => {
    const api = apiClient(t.url, t.adminKey);
    expect((await api.GET('/v2/account/whoami')).status).toBe(200);
    const res = await api.GET('/metrics', { parseAs: 'text' });
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/ofconnect_http_requests_total\{method="GET",route="\/v2\/account\/whoami",status="200"\} \d+/);
    expect(res.body).toMatch(/ofconnect_http_request_duration_seconds_bucket/);
  });

  it('an unexpected failure is INTERNAL with no stack trace for the client', async () => {
    // Closing the database under the running app makes the next query fail in a way no route expects.
    const probe = await startTestService(backend);
    try {
      await probe.database.handle.close();
      const res = await apiClient(probe.url, probe.adminKey).GET('/v2/account/whoami');
      expect(res.status).toBe(500);
      expect(res.error).toMatchObject({ type: 'INTERNAL', message: 'Internal error' });
      expect(JSON.stringify(res.error)).not.toMatch(/at .*\.ts|stack/i);
    } finally {
      // The handle closes once (test/support/databases.ts), so this stops the service and drops the database.
      await probe.close();
    }
    // It starts and stops a service of its own, so it gets the time a beforeAll gets for that (hookTimeout).
  }, 60_000);

  it('never logs the API key', async () => {
    expect((await apiClient(t.url, t.adminKey).GET('/v2/account/whoami')).status).toBe(200);
    expect((await call(t.url, 'GET', '/v2/nothing', { key: t.adminKey })).status).toBe(404);
    expect(t.logs.length).toBeGreaterThan(0);
    expect(t.logs.join('\n')).not.toContain(t.adminKey);
  });
});
