import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { createKey, createOrg } from '../support/orgs.ts';

describe.each(BACKENDS)('client apps and org settings (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('first start created a local client app whose redirect URIs include a local callback', async () => {
    const res = await call(t.url, 'GET', '/v2/client-apps', { key: t.adminKey });
    expect(res.status).toBe(200);
    expect(res.body.list).toHaveLength(1);
    expect(res.body.list[0]).toMatchObject({ name: 'Local development', environment: 'sandbox', integrationType: 'redirect' });
    expect(res.body.list[0].redirectUris).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/link\/dev-callback$/)]);
    expect(res.body.list[0].id).toMatch(/^app_[A-Za-z0-9]+$/);
  });

  it('creates, reads, updates and deletes a client app', async () => {
    const created = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: {
        name: 'Creator CRM',
        integrationType: 'embed',
        redirectUris: ['https://crm.example.com/of/callback'],
        embedOrigins: ['https://crm.example.com'],
        permissions: ['profile:read', 'messages:read', 'messages:write'],
        profile: { website: 'https://crm.example.com' },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await call(t.url, 'GET', `/v2/client-apps/${id}`, { key: t.adminKey })).body.name).toBe('Creator CRM');
    const patched = await call(t.url, 'PATCH', `/v2/client-apps/${id}`, { key: t.adminKey, body: { name: 'Creator CRM 2' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Creator CRM 2', integrationType: 'embed', embedOrigins: ['https://crm.example.com'] });
    expect((await call(t.url, 'DELETE', `/v2/client-apps/${id}`, { key: t.adminKey })).status).toBe(200);
    expect((await call(t.url, 'GET', `/v2/client-apps/${id}`, { key: t.adminKey })).status).toBe(404);
  });

  it('refuses a wildcard embed origin, naming the field', async () => {
    const res = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'x', embedOrigins: ['https://*.example.com'] },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'embedOrigins.0' } });
    expect(res.body.message).toMatch(/wildcard/);
  });

  it('refuses a plain-http redirect URI off loopback', async () => {
    const res = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'x', redirectUris: ['http://crm.example.com/cb'] } });
    expect(res.status).toBe(400);
    expect(res.body.details.field).toBe('redirectUris.0');
  });

  it('schema validation failures are BAD_REQUEST naming the offending field', async () => {
    const missing = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { integrationType: 'redirect' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ type: 'BAD_REQUEST', code: 'BAD_REQUEST', details: { field: 'name' } });
    const wrongType = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'x', integrationType: 'carrier-pigeon' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.details.field).toBe('integrationType');
    const unknownPermission = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: { name: 'x', permissions: ['root:all'] } });
    expect(unknownPermission.status).toBe(400);
    expect(unknownPermission.body.details.field).toBe('permissions.0');
    const badJson = await call(t.url, 'POST', '/v2/client-apps', { key: t.adminKey, body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.type).toBe('BAD_REQUEST');
  });

  it('nothing half-written remains after a refused create', async () => {
    const key = (await createKey(t.database.handle, await createOrg(t.database.handle, 'Refused org'))).secret;
    const refused = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'y', redirectUris: ['https://ok.example.com/cb', 'ftp://nope'] } });
    expect(refused.status).toBe(400);
    expect((await call(t.url, 'GET', '/v2/client-apps', { key })).body.list).toEqual([]);
  });

  it('org isolation: org B\'s key gets 404 for org A\'s app and never lists it', async () => {
    const orgB = await createOrg(t.database.handle, 'Org B');
    const keyB = await createKey(t.database.handle, orgB);
    const appsA = (await call(t.url, 'GET', '/v2/client-apps', { key: t.adminKey })).body.list;
    const appA = appsA[0].id;
    for (const [method, body] of [['GET', undefined], ['PATCH', { name: 'stolen' }], ['DELETE', undefined]] as const) {
      const res = await call(t.url, method, `/v2/client-apps/${appA}`, { key: keyB.secret, body });
      expect(res.status, method).toBe(404);
      expect(res.body.type).toBe('RESOURCE_NOT_FOUND');
    }
    expect((await call(t.url, 'GET', '/v2/client-apps', { key: keyB.secret })).body.list).toEqual([]);
    expect((await call(t.url, 'GET', `/v2/client-apps/${appA}`, { key: t.adminKey })).body.name).toBe('Local development');
  });

  it('environment isolation: a live key does not see sandbox client apps', async () => {
    const live = await createKey(t.database.handle, t.orgId, 'live');
    expect((await call(t.url, 'GET', '/v2/client-apps', { key: live.secret })).body.list).toEqual([]);
  });

  it('org settings have OFAuth\'s shape and PATCH merges', async () => {
    const before = await call(t.url, 'GET', '/v2/account/settings', { key: t.adminKey });
    expect(before.status).toBe(200);
    expect(before.body.vaultPlus.autoEnableForNewConnections).toBe(false);
    expect(before.body.vaultPlus.defaultSettings.retentionDays).toBe(30);
    const patched = await call(t.url, 'PATCH', '/v2/account/settings', {
      key: t.adminKey,
      body: { vaultPlus: { autoEnableForNewConnections: true, defaultSettings: { retentionDays: 7 } }, defaultConnectionPermissions: ['profile:read'] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.vaultPlus).toMatchObject({ autoEnableForNewConnections: true, defaultSettings: { retentionDays: 7, cacheImages: true } });
    const after = await call(t.url, 'GET', '/v2/account/settings', { key: t.adminKey });
    expect(after.body.defaultConnectionPermissions).toEqual(['profile:read']);
    expect(after.body.pacing).toEqual({ requestsPerMinute: 60, burst: 90, concurrency: 2 });
    const bad = await call(t.url, 'PATCH', '/v2/account/settings', { key: t.adminKey, body: { pacing: { burst: 0 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.field).toBe('pacing.burst');
  });

  it('an unknown route is ROUTE_NOT_FOUND in the same shape', async () => {
    const res = await call(t.url, 'GET', '/v2/nothing-here', { key: t.adminKey });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'ROUTE_NOT_FOUND', code: 'ROUTE_NOT_FOUND' });
    expect(res.body.requestId).toMatch(/^req_/);
  });
});
