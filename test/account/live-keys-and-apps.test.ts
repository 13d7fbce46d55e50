// Going live without the CLI (issue 17): live keys and live client apps through the API, and a Link init with a live
// key but no live app that says which call makes one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('live keys and apps through the API (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  }, 180_000);
  afterAll(async () => t?.close());

  /** A fresh org with a sandbox admin key, so each test counts its own keys. */
  async function sandboxAdmin(): Promise<{ orgId: string; key: string }> {
    const orgId = await createOrg(t.database.handle, 'Going live');
    return { orgId, key: (await createKey(t.database.handle, orgId, 'sandbox')).secret };
  }

  it("a sandbox admin key mints the org's first live key, and only that one; live keys mint either environment", async () => {
    const { orgId, key } = await sandboxAdmin();
    const first = await call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live', name: 'Live admin' } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ environment: 'live', name: 'Live admin', key: expect.stringMatching(/^sk_live_/) });
    const whoami = await call(t.url, 'GET', '/v2/account/whoami', { key: first.body.key });
    expect(whoami.body.id).toBe(orgId);

    const second = await call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live' } });
    expect(second.status).toBe(403);
    expect(second.body.message).toBe(
      'This organization already has a live API key, so a sandbox key cannot create more: call POST /v2/api-keys ' +
        'with a live admin key (apikey: sk_live_…), or run `ofconnect keys create --org <id> --env live`',
    );
    expect(second.body.details).toEqual({ field: 'environment', environment: 'live' });

    const fromLive = await call(t.url, 'POST', '/v2/api-keys', { key: first.body.key, body: { scopes: ['access'] } });
    expect(fromLive.status).toBe(201);
    expect(fromLive.body.environment).toBe('live');
    const sandboxFromLive = await call(t.url, 'POST', '/v2/api-keys', { key: first.body.key, body: { environment: 'sandbox' } });
    expect(sandboxFromLive.status).toBe(201);
    expect(sandboxFromLive.body.key).toMatch(/^sk_sandbox_/);

    // Once every live key is revoked, the org may start over from sandbox.
    for (const id of [fromLive.body.id, first.body.id]) {
      expect((await call(t.url, 'DELETE', `/v2/api-keys/${id}`, { key: first.body.key })).status).toBe(200);
    }
    expect((await call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live' } })).status).toBe(201);
  });

  it('two sandbox requests racing for the first live key: exactly one wins', async () => {
    const { key } = await sandboxAdmin();
    const replies = await Promise.all([0, 1, 2].map(() => call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live' } })));
    expect(replies.map((r) => r.status).sort()).toEqual([201, 403, 403]);
  });

  it('a live Link init without a live client app says which call makes one; made through the API, the init works', async () => {
    const { key } = await sandboxAdmin();
    const live = (await call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live' } })).body.key as string;

    const refused = await call(t.url, 'POST', '/v2/link/init', { key: live, body: {} });
    expect(refused.status).toBe(404);
    expect(refused.body.type).toBe('RESOURCE_NOT_FOUND');
    expect(refused.body.message).toContain('No client app exists for the live environment');
    expect(refused.body.message).toContain(`curl -X POST ${t.url}/v2/client-apps -H 'apikey: sk_live_…'`);
    expect(refused.body.message).toContain('then call POST /v2/link/init again');
    expect(refused.body.details).toMatchObject({
      field: 'clientAppId',
      environment: 'live',
      createWith: { method: 'POST', path: '/v2/client-apps', body: { name: 'My app', redirectUris: [expect.stringMatching(/^https:/)] } },
    });

    // Following the hint as written.
    const app = await call(t.url, 'POST', '/v2/client-apps', { key: live, body: refused.body.details.createWith.body });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
    expect(app.body).toMatchObject({ environment: 'live', permissions: expect.arrayContaining(['profile:read']) });
    expect(app.body.permissions).not.toContain('messages:write');
    const init = await call(t.url, 'POST', '/v2/link/init', { key: live, body: {} });
    expect(init.status, JSON.stringify(init.body)).toBe(200);
    expect(init.body.url).toMatch(/\/link\/cs_/);

    const liveList = await call(t.url, 'GET', '/v2/client-apps', { key: live });
    expect(liveList.body.list.map((a: { id: string }) => a.id)).toEqual([app.body.id]);
    const sandboxList = await call(t.url, 'GET', '/v2/client-apps', { key });
    expect(sandboxList.body.list).toEqual([]);
  });

  it('client apps per environment: a live key may create a sandbox app, a sandbox key no live one', async () => {
    const { key } = await sandboxAdmin();
    const refused = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Live', environment: 'live' } });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'Live client apps are created with a live admin key (apikey: sk_live_…). Without one yet, create it first with ' +
        'this sandbox admin key: POST /v2/api-keys {"environment":"live","name":"Live admin"}',
    );
    const live = (await call(t.url, 'POST', '/v2/api-keys', { key, body: { environment: 'live', name: 'Live admin' } })).body.key as string;
    const sandboxApp = await call(t.url, 'POST', '/v2/client-apps', {
      key: live,
      body: { name: 'Try-out', environment: 'sandbox', redirectUris: ['http://localhost:5173/cb'] },
    });
    expect(sandboxApp.status).toBe(201);
    expect(sandboxApp.body.environment).toBe('sandbox');
    const sandboxList = await call(t.url, 'GET', '/v2/client-apps', { key });
    expect(sandboxList.body.list.map((a: { id: string }) => a.id)).toEqual([sandboxApp.body.id]);
    // The environment is fixed at creation.
    const moved = await call(t.url, 'PATCH', `/v2/client-apps/${sandboxApp.body.id}`, { key, body: { environment: 'live' } });
    expect(moved.status).toBe(400);
    expect(moved.body.details.field).toBe('environment');
  });
});
