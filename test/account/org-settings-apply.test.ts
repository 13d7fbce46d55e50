// Org settings have effects, not only a stored value: the org's default connection permissions are what an import
// without `permissions` grants, and the org's pacing is what its connections' Access calls are paced by.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { createOrgKey } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('org settings apply (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  const newOrgKey = (name: string) => createOrgKey(t.database.handle, name);

  /** An import that names no permissions, so the org's default decides. */
  async function importWithoutPermissions(key: string) {
    const session = await mintSandboxSession(t.sandboxUrl, sandboxEmail());
    const res = await call(t.url, 'POST', '/v2/account/connections/import', { key, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('an import without permissions gets the org\'s defaultConnectionPermissions, and Access holds it to them', async () => {
    const key = await newOrgKey('Defaults');
    const chosen = ['profile:read', 'posts:read'];
    const patched = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { defaultConnectionPermissions: chosen } });
    expect(patched.status).toBe(200);
    expect(patched.body.defaultConnectionPermissions).toEqual(chosen);

    const connection = await importWithoutPermissions(key);
    expect([...connection.permissions].sort()).toEqual([...chosen].sort());
    const read = await call(t.url, 'GET', `/v2/account/connections/${connection.id}`, { key });
    expect([...read.body.permissions].sort()).toEqual([...chosen].sort());

    const self = await call(t.url, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': connection.id } });
    expect(self.status).toBe(200);
    const chats = await call(t.url, 'GET', '/v2/access/chats', { key, headers: { 'x-connection-id': connection.id } });
    expect(chats.status).toBe(403);
    expect(chats.body.details).toMatchObject({ requiredPermission: 'messages:read' });

    // Another org's imports keep the environment's default (every read and write in sandbox).
    const other = await importWithoutPermissions(await newOrgKey('Untouched'));
    expect(other.permissions).toContain('messages:write');
  });

  it('the org\'s pacing paces its connections: a burst of 3 lets three calls through, the fourth is a 429', async () => {
    const key = await newOrgKey('Paced');
    const patched = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { pacing: { requestsPerMinute: 1, burst: 3 } } });
    expect(patched.status).toBe(200);
    const connection = await importWithoutPermissions(key);
    const self = () => call(t.url, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': connection.id } });
    for (let i = 0; i < 3; i++) {
      const res = await self();
      expect(res.status).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
    }
    const refused = await self();
    expect(refused.status).toBe(429);
    expect(refused.body.type).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    // A connection of an org that kept the defaults is paced by those (burst 90).
    const otherKey = await newOrgKey('Default pacing');
    const unpaced = await importWithoutPermissions(otherKey);
    const res = await call(t.url, 'GET', '/v2/access/self', { key: otherKey, headers: { 'x-connection-id': unpaced.id } });
    expect(res.headers['x-ratelimit-limit']).toBe('90');
  });
});
