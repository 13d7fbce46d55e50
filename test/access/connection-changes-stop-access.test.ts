// A change to a connection stops Access calls through it at once, on every node: disconnecting it, invalidating it,
// a reconnect that withdraws a permission. The Access pipeline keeps connection snapshots in memory; changes are
// announced with their transaction and drop the snapshots (access/connection-snapshots.ts). A change nobody
// announced (a lost notification) is still seen within the snapshot lifetime, 2 s, driven here by a manual clock.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { createConnectionSnapshots } from '../../src/access/connection-snapshots.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { createOrgKey } from '../support/orgs.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startPeerNode, startTestService, type TestService } from '../support/service.ts';
import { importConnection } from './access-fixture.ts';

/** Well under the 2 s snapshot lifetime: a refusal this soon after the change was not a snapshot expiring. */
const PROMPTLY_MS = 1_000;

describe.each(BACKENDS)('access: connection changes stop Access calls at once (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  const newOrgKey = (name: string) => createOrgKey(t.database.handle, name);

  const self = (base: string, key: string, connectionId: string) => call(base, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': connectionId } });

  /** Waits (briefly) for the first Access call that is refused, and returns it. */
  const refusedPromptly = (base: string, key: string, connectionId: string, path = '/v2/access/self') =>
    eventually(
      async () => {
        const res = await call(base, 'GET', path, { key, headers: { 'x-connection-id': connectionId } });
        return res.status >= 400 ? res : null;
      },
      { timeoutMs: PROMPTLY_MS, what: `an Access call through ${connectionId} refused` },
    );

  it('disconnecting (DELETE) a connection refuses its next Access calls at once', async () => {
    const key = await newOrgKey('Disconnect');
    const connection = await importConnection(t, { key });
    expect((await self(t.url, key, connection.id)).status).toBe(200); // the snapshot is now cached
    expect((await call(t.url, 'DELETE', `/v2/account/connections/${connection.id}`, { key })).status).toBe(200);
    const refused = await refusedPromptly(t.url, key, connection.id);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ type: 'SESSION_NOT_PROVIDED', details: { reason: 'connection_not_found' } });
  });

  it('invalidating a connection refuses its next Access calls at once (SESSION_EXPIRED)', async () => {
    const key = await newOrgKey('Invalidate');
    const connection = await importConnection(t, { key });
    expect((await self(t.url, key, connection.id)).status).toBe(200);
    expect((await call(t.url, 'POST', `/v2/account/connections/${connection.id}/invalidate`, { key })).status).toBe(200);
    const refused = await refusedPromptly(t.url, key, connection.id);
    expect(refused.status).toBe(401);
    expect(refused.body.type).toBe('SESSION_EXPIRED');
  });

  it('a change made through one node stops Access calls on another node at once', async () => {
    const key = await newOrgKey('Two nodes');
    const connection = await importConnection(t, { key });
    const peer = await startPeerNode(t);
    try {
      expect((await self(peer.url, key, connection.id)).status).toBe(200);
      expect((await call(t.url, 'DELETE', `/v2/account/connections/${connection.id}`, { key })).status).toBe(200);
      const refused = await refusedPromptly(peer.url, key, connection.id);
      expect(refused.status).toBe(401);
    } finally {
      await peer.close();
    }
  });

  it('a Link reconnect that withdraws a permission refuses the routes that need it at once', async () => {
    const key = await newOrgKey('Reconnect');
    const everything = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'All', integrationType: 'whitelabel', permissions: CONNECTION_PERMISSIONS } });
    const profileOnly = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Profile', integrationType: 'whitelabel', permissions: ['profile:read'] } });
    expect([everything.status, profileOnly.status]).toEqual([201, 201]);
    const email = sandboxEmail();
    const link = async (body: Record<string, unknown>) => {
      const started = await call(t.url, 'POST', '/v2/link/init', { key, body });
      expect(started.status).toBe(200);
      const done = await call(t.url, 'POST', `/v2/link/${started.body.clientSecret}/login`, { key, body: { email, password: 'good-password' } });
      expect(done.body.status).toBe('completed');
      return done.body.data.id as string;
    };
    const connectionId = await link({ clientAppId: everything.body.id });
    const chats = () => call(t.url, 'GET', '/v2/access/chats', { key, headers: { 'x-connection-id': connectionId } });
    expect((await chats()).status).toBe(200);
    expect(await link({ clientAppId: profileOnly.body.id, connectionId })).toBe(connectionId);
    const read = await call(t.url, 'GET', `/v2/account/connections/${connectionId}`, { key });
    expect(read.body.permissions).toEqual(['profile:read']);
    const refused = await refusedPromptly(t.url, key, connectionId, '/v2/access/chats');
    expect(refused.status).toBe(403);
    expect(refused.body.details).toMatchObject({ requiredPermission: 'messages:read' });
  });

  it('a change nobody announced is seen once the snapshot is 2 s old, not later (manual clock)', async () => {
    const key = await newOrgKey('Unannounced');
    const orgId = (await call(t.url, 'GET', '/v2/account/whoami', { key })).body.id as string;
    const connection = await importConnection(t, { key });
    let now = 1_000_000;
    const snapshots = createConnectionSnapshots(t.service.ctx, () => now);
    const scope = { orgId, environment: 'sandbox' as const };
    expect((await snapshots.get(scope, connection.id))?.permissions.has('messages:read')).toBe(true);
    // Straight to the row, as a node whose announcement never arrived would leave it.
    await t.database.handle.db.execute(sql`update connections set permissions = ${JSON.stringify(['profile:read'])}::jsonb where id = ${connection.id}`);
    now += 1_999;
    expect((await snapshots.get(scope, connection.id))?.permissions.has('messages:read'), 'a snapshot under 2 s old is used as cached').toBe(true);
    now += 2;
    expect((await snapshots.get(scope, connection.id))?.permissions.has('messages:read'), 'a snapshot over 2 s old must be read again').toBe(false);
  });
});
