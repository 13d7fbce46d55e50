// One OnlyFans account connected in two orgs, by import and by Link: both succeed (the one-connection-per-account
// rule is per org and environment), and each org sees only its own connection: in the list, by id (the other's id
// is a 404), and through Access (the other's id is unknown there too).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession, sessOf } from '../support/sandbox.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

interface Org {
  id: string;
  key: string;
}

describe.each(BACKENDS)('authorization: one account connected in two orgs (%s)', (backend) => {
  let t: TestService;
  let orgA: Org;
  let orgB: Org;

  async function newOrg(name: string): Promise<Org> {
    const id = await createOrg(t.database.handle, name);
    const key = (await createKey(t.database.handle, id)).secret;
    const app = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: `${name} app`, integrationType: 'whitelabel' } });
    expect(app.status).toBe(201);
    return { id, key };
  }

  async function importAccount(org: Org, email: string) {
    const session = await mintSandboxSession(t.sandboxUrl, email);
    return call(t.url, 'POST', '/v2/account/connections/import', {
      key: org.key,
      body: { cookie: session.cookie, userAgent: session.userAgent, permissions: CONNECTION_PERMISSIONS },
    });
  }

  async function linkAccount(org: Org, email: string) {
    const started = await call(t.url, 'POST', '/v2/link/init', { key: org.key, body: {} });
    expect(started.status).toBe(200);
    return call(t.url, 'POST', `/v2/link/${started.body.clientSecret}/login`, { key: org.key, body: { email, password: 'good-password' } });
  }

  /** Each org lists, reads and uses its own connection only; the other's id is unknown to it. */
  async function expectApart(own: Record<'a' | 'b', string>, platformUserId: string) {
    for (const [org, mine, theirs] of [[orgA, own.a, own.b], [orgB, own.b, own.a]] as const) {
      const list = await call(t.url, 'GET', '/v2/account/connections', { key: org.key });
      expect(list.status).toBe(200);
      expect(list.body.list.map((c: { id: string }) => c.id)).toEqual([mine]);

      const read = await call(t.url, 'GET', `/v2/account/connections/${mine}`, { key: org.key });
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: mine, status: 'active', userData: { id: platformUserId } });
      const foreign = await call(t.url, 'GET', `/v2/account/connections/${theirs}`, { key: org.key });
      expect(foreign.status).toBe(404);
      expect(foreign.body.type).toBe('RESOURCE_NOT_FOUND');

      const self = await call(t.url, 'GET', '/v2/access/self', { key: org.key, headers: { 'x-connection-id': mine } });
      expect(self.status).toBe(200);
      expect(String(self.body.id)).toBe(platformUserId);
      const throughForeign = await call(t.url, 'GET', '/v2/access/self', { key: org.key, headers: { 'x-connection-id': theirs } });
      expect(throughForeign.status).toBe(401);
      expect(throughForeign.body).toMatchObject({ type: 'SESSION_NOT_PROVIDED', details: { reason: 'connection_not_found' } });
    }
  }

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('by import: the same account imported in org A and org B is two connections, 201 each, kept apart', async () => {
    orgA = await newOrg('Import A');
    orgB = await newOrg('Import B');
    const email = sandboxEmail();
    const a = await importAccount(orgA, email);
    expect(a.status).toBe(201);
    const b = await importAccount(orgB, email);
    expect(b.body).not.toMatchObject({ type: 'CONFLICT' });
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.userData.id).toBe(a.body.userData.id);
    await expectApart({ a: a.body.id, b: b.body.id }, String(a.body.userData.id));
    // Within one org the rule still holds: a second import there is a 409 naming that org's own connection.
    const again = await importAccount(orgB, email);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: 'CONFLICT', details: { connectionId: b.body.id } });
  });

  it('by Link: the same account logging in through org A\'s and org B\'s Link completes in both, kept apart', async () => {
    orgA = await newOrg('Link A');
    orgB = await newOrg('Link B');
    const email = sandboxEmail();
    const a = await linkAccount(orgA, email);
    expect(a.body.status).toBe('completed');
    const b = await linkAccount(orgB, email);
    expect(b.body.status).toBe('completed');
    expect(b.body.data.id).not.toBe(a.body.data.id);
    expect(b.body.data.userData.id).toBe(a.body.data.userData.id);
    await expectApart({ a: a.body.data.id, b: b.body.data.id }, String(a.body.data.userData.id));
  });

  it('by import in one org and Link in the other: both succeed, kept apart', async () => {
    orgA = await newOrg('Mixed A');
    orgB = await newOrg('Mixed B');
    const email = sandboxEmail();
    const a = await importAccount(orgA, email);
    expect(a.status).toBe(201);
    const b = await linkAccount(orgB, email);
    expect(b.body.status).toBe('completed');
    await expectApart({ a: a.body.id, b: b.body.data.id }, String(a.body.userData.id));
  });
});
