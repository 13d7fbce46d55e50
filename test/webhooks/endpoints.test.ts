import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../src/webhooks/outbox.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('webhook endpoints API (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  });
  afterAll(async () => t?.close());

  it('creates an endpoint with a whsec_ secret, reads it back, updates and deletes it', async () => {
    const created = await call(t.url, 'POST', '/v2/webhooks/endpoints', {
      key: t.adminKey,
      body: { url: 'http://127.0.0.1:9/hook', description: 'CRM', eventTypes: ['connection.created', 'connection.expired'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'http://127.0.0.1:9/hook', description: 'CRM', enabled: true, environment: 'sandbox' });
    expect(created.body.id).toMatch(/^we_[A-Za-z0-9]+$/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = created.body.id;

    const secret = await call(t.url, 'GET', `/v2/webhooks/endpoints/${id}/secret`, { key: t.adminKey });
    expect(secret.body).toEqual({ key: created.body.secret });
    const read = await call(t.url, 'GET', `/v2/webhooks/endpoints/${id}`, { key: t.adminKey });
    expect(read.body).not.toHaveProperty('secret');
    expect(read.body.eventTypes).toEqual(['connection.created', 'connection.expired']);

    const patched = await call(t.url, 'PATCH', `/v2/webhooks/endpoints/${id}`, { key: t.adminKey, body: { eventTypes: [], enabled: false } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ eventTypes: [], enabled: false, disabledReason: 'Disabled through the API' });
    const reenabled = await call(t.url, 'PATCH', `/v2/webhooks/endpoints/${id}`, { key: t.adminKey, body: { enabled: true } });
    expect(reenabled.body).toMatchObject({ enabled: true, disabledReason: null });

    expect((await call(t.url, 'DELETE', `/v2/webhooks/endpoints/${id}`, { key: t.adminKey })).status).toBe(200);
    expect((await call(t.url, 'GET', `/v2/webhooks/endpoints/${id}`, { key: t.adminKey })).status).toBe(404);
  });

  it('an org keeps several endpoints, listed in creation order', async () => {
    const key = (await createKey(t.database.handle, await createOrg(t.database.handle, 'Several endpoints'), 'sandbox', ['admin'])).secret;
    const urls = ['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b', 'http://127.0.0.1:9/c'];
    for (const url of urls) await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url } });
    const list = await call(t.url, 'GET', '/v2/webhooks/endpoints', { key });
    // Exactly its own three (creation order holds only to the millisecond: created_at, then the random id).
    expect(list.body.list.map((e: { url: string }) => e.url).sort()).toEqual(urls);
    expect(list.body.list.every((e: object) => !('secret' in e))).toBe(true);
  });

  it('rotating the secret returns a new one and keeps the old one signing for 24 hours', async () => {
    const created = (await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url: 'http://127.0.0.1:9/r' } })).body;
    const rotated = await call(t.url, 'POST', `/v2/webhooks/endpoints/${created.id}/secret/rotate`, { key: t.adminKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.key).toMatch(/^whsec_/);
    expect(rotated.body.key).not.toBe(created.secret);
    const overlap = new Date(rotated.body.previousKeyExpiresAt).getTime() - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    expect((await call(t.url, 'GET', `/v2/webhooks/endpoints/${created.id}/secret`, { key: t.adminKey })).body.key).toBe(rotated.body.key);
    const chosen = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
    const custom = await call(t.url, 'POST', `/v2/webhooks/endpoints/${created.id}/secret/rotate`, { key: t.adminKey, body: { key: chosen } });
    expect(custom.body.key).toBe(chosen);
    const bad = await call(t.url, 'POST', `/v2/webhooks/endpoints/${created.id}/secret/rotate`, { key: t.adminKey, body: { key: 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'key' } });
  });

  it('refuses unknown event types and non-URLs, naming the field', async () => {
    const badType = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url: 'http://127.0.0.1:9/', eventTypes: ['nope'] } });
    expect(badType.status).toBe(400);
    expect(badType.body.details.field).toBe('eventTypes.0');
    const badUrl = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url: 'ftp://example.com/x' } });
    expect(badUrl.status).toBe(400);
    expect(badUrl.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'url' } });
  });

  it('needs an admin key', async () => {
    const { secret } = await createKey(t.database.handle, t.orgId, 'sandbox', ['account', 'access']);
    expect((await call(t.url, 'GET', '/v2/webhooks/endpoints', { key: secret })).status).toBe(403);
    expect((await call(t.url, 'GET', '/v2/webhooks/endpoints')).status).toBe(401);
  });

  it('another org sees none of this org\'s endpoints, messages or attempts', async () => {
    const mine = (await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url: 'http://127.0.0.1:9/mine' } })).body;
    const messageId = await t.database.handle.db.transaction((tx) =>
      recordEvent(tx, { orgId: t.orgId, environment: 'sandbox', type: 'connection.created', connectionId: 'conn_iso', data: { connection: { id: 'conn_iso' } } }, new Date()),
    );
    expect((await call(t.url, 'GET', `/v2/webhooks/messages/${messageId}`, { key: t.adminKey })).status).toBe(200);

    const otherOrg = await createOrg(t.database.handle);
    const other = (await createKey(t.database.handle, otherOrg, 'sandbox', ['admin'])).secret;
    expect((await call(t.url, 'GET', '/v2/webhooks/endpoints', { key: other })).body.list).toEqual([]);
    expect((await call(t.url, 'GET', '/v2/webhooks/messages', { key: other })).body).toEqual({ list: [], hasMore: false });
    for (const [method, path] of [
      ['GET', `/v2/webhooks/endpoints/${mine.id}`],
      ['PATCH', `/v2/webhooks/endpoints/${mine.id}`],
      ['DELETE', `/v2/webhooks/endpoints/${mine.id}`],
      ['GET', `/v2/webhooks/endpoints/${mine.id}/secret`],
      ['POST', `/v2/webhooks/endpoints/${mine.id}/secret/rotate`],
      ['GET', `/v2/webhooks/endpoints/${mine.id}/attempts`],
      ['GET', `/v2/webhooks/messages/${messageId}`],
      ['GET', `/v2/webhooks/messages/${messageId}/attempts`],
      ['POST', `/v2/webhooks/messages/${messageId}/replay`],
    ] as const) {
      const res = await call(t.url, method, path, { key: other, body: method === 'PATCH' ? { enabled: false } : method === 'POST' ? {} : undefined });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const replayFailed = await call(t.url, 'POST', '/v2/webhooks/messages/replay-failed', { key: other, body: { since: '2000-01-01T00:00:00Z', endpointId: mine.id } });
    expect(replayFailed.status).toBe(404);

    // The same org's live key is another environment: it does not see sandbox endpoints either.
    const live = (await createKey(t.database.handle, t.orgId, 'live', ['admin'])).secret;
    expect((await call(t.url, 'GET', `/v2/webhooks/endpoints/${mine.id}`, { key: live })).status).toBe(404);
    expect((await call(t.url, 'GET', '/v2/webhooks/messages', { key: live })).body.list).toEqual([]);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await call(t.url, 'GET', '/openapi.json')).body;
    for (const path of [
      '/v2/webhooks/endpoints',
      '/v2/webhooks/endpoints/{endpointId}',
      '/v2/webhooks/endpoints/{endpointId}/secret',
      '/v2/webhooks/endpoints/{endpointId}/secret/rotate',
      '/v2/webhooks/endpoints/{endpointId}/attempts',
      '/v2/webhooks/messages',
      '/v2/webhooks/messages/{messageId}',
      '/v2/webhooks/messages/{messageId}/attempts',
      '/v2/webhooks/messages/{messageId}/replay',
      '/v2/webhooks/messages/replay-failed',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });
});

describe.each(BACKENDS)('webhook URLs in production mode (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api', isProduction: true, allowPrivateWebhookUrls: false } });
  });
  afterAll(async () => t?.close());

  const create = (url: string) => call(t.url, 'POST', '/v2/webhooks/endpoints', { key: t.adminKey, body: { url } });

  it('refuses plain http', async () => {
    const res = await create('http://93.184.215.14/hook');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/https/);
  });

  it('refuses loopback, private, link-local and mapped addresses, and names that resolve to them', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://172.20.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hook',
      'https://0.0.0.0/hook',
      'https://[::1]/hook',
      'https://[fe80::1]/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://2130706433/hook',
      'https://localhost/hook',
    ]) {
      const res = await create(url);
      expect([url, res.status]).toEqual([url, 400]);
      expect(res.body.details.field).toBe('url');
    }
  });

  it('accepts https to a public address, and checks a changed URL the same way', async () => {
    const res = await create('https://93.184.215.14/hook');
    expect(res.status).toBe(201);
    const patched = await call(t.url, 'PATCH', `/v2/webhooks/endpoints/${res.body.id}`, { key: t.adminKey, body: { url: 'https://10.0.0.8/hook' } });
    expect(patched.status).toBe(400);
    expect((await call(t.url, 'GET', `/v2/webhooks/endpoints/${res.body.id}`, { key: t.adminKey })).body.url).toBe('https://93.184.215.14/hook');
  });
});
