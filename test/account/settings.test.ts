// The org's default connection permissions (GET/PATCH /v2/account/settings): per environment, applied by import and
// by client apps that name none, so the README's own write examples work on a fresh sandbox start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PERMISSIONS, READ_CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { apiClient } from '../support/api-client.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { access, messageableFanId } from '../access/access-fixture.ts';

let counter = 0;

/** Imports a fresh simulator account the way the README does: cookie and user agent, no permissions. */
async function importWithoutPermissions(t: TestService, key: string): Promise<{ id: string; permissions: string[] }> {
  const session = await mintSandboxSession(t.sandboxUrl, `settings${process.pid}x${Date.now().toString(36)}${counter++}@creator.sandbox.com`);
  const res = await call(t.url, 'POST', '/v2/account/connections/import', { key, body: { cookie: session.cookie, userAgent: session.userAgent } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A fan the account can message (messageableFanId, with this org's key). */
async function fanOf(t: TestService, key: string, connectionId: string): Promise<number> {
  const chats = await access(t, connectionId, 'GET', '/v2/access/proxy/chats?limit=50&offset=0&order=recent', { key });
  const chat = (chats.body.list as Array<{ withUser: { id: number }; canSendMessage?: boolean }>).find((c) => c.canSendMessage !== false);
  if (!chat) throw new Error('no chat of this sandbox account accepts messages');
  return chat.withUser.id;
}

async function newOrgKey(t: TestService, environment: 'sandbox' | 'live' = 'sandbox'): Promise<string> {
  const orgId = await createOrg(t.database.handle, `settings ${counter++}`);
  return (await createKey(t.database.handle, orgId, environment)).secret;
}

describe.each(BACKENDS)('account settings: default connection permissions (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('a fresh sandbox org imports a connection without permissions and can send a message with it', async () => {
    const settings = await apiClient(t.url, t.adminKey).GET('/v2/account/settings');
    expect([...settings.body.defaultConnectionPermissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());

    const connection = await importWithoutPermissions(t, t.adminKey);
    expect([...connection.permissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());
    const fanId = await messageableFanId(t, connection.id);
    const sent = await access(t, connection.id, 'POST', `/v2/access/chats/${fanId}/messages`, { body: { text: 'hello' } });
    expect([200, 201], JSON.stringify(sent.body)).toContain(sent.status);
  });

  it('GET and PATCH answer the same shape: the settings object itself (issue 16: PATCH wrapped it in {settings})', async () => {
    const key = await newOrgKey(t);
    const patched = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { pacing: { requestsPerMinute: 30 } } });
    expect(patched.status).toBe(200);
    const read = await call(t.url, 'GET', '/v2/account/settings', { key });
    expect(patched.body).toEqual(read.body);
    expect(patched.body).not.toHaveProperty('settings');
    expect(read.body.pacing).toMatchObject({ requestsPerMinute: 30, burst: 90, concurrency: 2 });
    // applyToExistingConnections adds what it changed, next to the settings, not around them.
    const broadcast = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { vaultPlus: { applyToExistingConnections: true } } });
    expect(broadcast.body).toMatchObject({ ...read.body, broadcastResult: { affectedConnections: 0, purgeResults: [] } });
  });

  it('PATCH to reads only: the GET shows it and a new import cannot send, while an earlier one still can', async () => {
    const key = await newOrgKey(t);
    const api = apiClient(t.url, key);
    const before = await importWithoutPermissions(t, key);

    // `call`: the list is computed (string[]), which the typed client's literal union would not take.
    const patched = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { defaultConnectionPermissions: READ_CONNECTION_PERMISSIONS } });
    expect(patched.status).toBe(200);
    expect(patched.body.defaultConnectionPermissions).toEqual(READ_CONNECTION_PERMISSIONS);
    expect((await api.GET('/v2/account/settings')).body.defaultConnectionPermissions).toEqual(READ_CONNECTION_PERMISSIONS);

    const after = await importWithoutPermissions(t, key);
    expect(after.permissions).toEqual(READ_CONNECTION_PERMISSIONS);
    const fanId = await fanOf(t, key, after.id);
    const refused = await access(t, after.id, 'POST', `/v2/access/chats/${fanId}/messages`, { key, body: { text: 'hello' } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredPermission: 'messages:write' } });
    // A default applies to new connections; the one imported before keeps what it was granted.
    const earlierFan = await fanOf(t, key, before.id);
    const stillSends = await access(t, before.id, 'POST', `/v2/access/chats/${earlierFan}/messages`, { key, body: { text: 'hello' } });
    expect([200, 201]).toContain(stillSends.status);
  });

  it('a live org defaults to reads only; a sandbox PATCH does not change live, and a live PATCH not sandbox', async () => {
    const orgId = await createOrg(t.database.handle, 'settings live');
    const live = apiClient(t.url, (await createKey(t.database.handle, orgId, 'live')).secret);
    const sandbox = apiClient(t.url, (await createKey(t.database.handle, orgId, 'sandbox')).secret);
    expect((await live.GET('/v2/account/settings')).body.defaultConnectionPermissions).toEqual(READ_CONNECTION_PERMISSIONS);

    await sandbox.PATCH('/v2/account/settings', { body: { defaultConnectionPermissions: ['profile:read'] } });
    expect((await live.GET('/v2/account/settings')).body.defaultConnectionPermissions).toEqual(READ_CONNECTION_PERMISSIONS);
    await live.PATCH('/v2/account/settings', { body: { defaultConnectionPermissions: ['profile:read', 'messages:read', 'messages:write'] } });
    expect((await live.GET('/v2/account/settings')).body.defaultConnectionPermissions).toEqual(['profile:read', 'messages:read', 'messages:write']);
    expect((await sandbox.GET('/v2/account/settings')).body.defaultConnectionPermissions).toEqual(['profile:read']);
  });

  it('a client app that names no permissions asks for the org default of its environment', async () => {
    const orgId = await createOrg(t.database.handle, 'settings apps');
    const live = apiClient(t.url, (await createKey(t.database.handle, orgId, 'live')).secret);
    const sandbox = apiClient(t.url, (await createKey(t.database.handle, orgId, 'sandbox')).secret);
    const liveApp = await live.POST('/v2/client-apps', { body: { name: 'live app', redirectUris: ['https://example.com/cb'] } });
    expect(liveApp.body.permissions).toEqual(READ_CONNECTION_PERMISSIONS);
    const sandboxApp = await sandbox.POST('/v2/client-apps', { body: { name: 'sandbox app' } });
    expect([...sandboxApp.body.permissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());
    // The bootstrap's local client app follows the sandbox default too, so the README's Link walk-through can send.
    const local = await apiClient(t.url, t.adminKey).GET('/v2/client-apps');
    expect([...local.body.list[0]!.permissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());
  });

  it('an unknown permission is a 400 naming the field, and nothing changes', async () => {
    const key = await newOrgKey(t);
    const bad = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { defaultConnectionPermissions: ['profile:read', 'root:all'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('BAD_REQUEST');
    expect(String(bad.body.details.field)).toMatch(/^defaultConnectionPermissions/);
    const after = await apiClient(t.url, key).GET('/v2/account/settings');
    expect([...after.body.defaultConnectionPermissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());
  });

  it('other settings PATCHed leave the connection default following the environment', async () => {
    const key = await newOrgKey(t);
    const api = apiClient(t.url, key);
    await api.PATCH('/v2/account/settings', { body: { pacing: { burst: 50 } } });
    const after = await api.GET('/v2/account/settings');
    expect(after.body.pacing).toEqual({ requestsPerMinute: 60, burst: 50, concurrency: 2 });
    expect([...after.body.defaultConnectionPermissions].sort()).toEqual([...CONNECTION_PERMISSIONS].sort());
  });
});
