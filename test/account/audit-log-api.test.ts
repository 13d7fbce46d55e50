// GET /v2/audit-log: the org's audit entries the key's environment may see, newest first, paged by cursor and
// filtered; every audited change through the API (admin, keys, apps, endpoints, settings, connections by import and by
// Link, sandbox control) appears exactly once, and a change that rolls back leaves no entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEntry } from '../../src/account/audit.ts';
import { issueApiKey } from '../../src/account/manage-keys.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession, sessOf } from '../support/sandbox.ts';
import { call, startTestService, type ApiReply, type TestService } from '../support/service.ts';
import { ALL_PERMISSIONS } from '../access/access-fixture.ts';

interface AuditItem {
  id: string;
  createdAt: string;
  actor: string;
  action: string;
  target: string | null;
  environment: 'sandbox' | 'live' | null;
  data: Record<string, unknown>;
}

interface AuditReply {
  list: AuditItem[];
  hasMore: boolean;
  nextCursor: string | null;
  type?: string;
  details?: { field?: string };
}

let emailSeq = 0;
const uniqueEmail = () => `audit${Date.now().toString(36)}${emailSeq++}@creator.sandbox.com`;

describe.each(BACKENDS)('account: the audit log API (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** An org of its own with a sandbox admin key, so the log holds only what the test did. */
  async function freshOrg(name: string): Promise<{ orgId: string; key: string; keyId: string; actor: string }> {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId);
    return { orgId, key: key.secret, keyId: key.id, actor: `key:${key.id}` };
  }

  const readLog = (key: string, query = ''): Promise<ApiReply<AuditReply>> => call(t.url, 'GET', `/v2/audit-log${query}`, { key });

  /** Every entry the key sees, through the pages. */
  async function wholeLog(key: string, query = ''): Promise<AuditItem[]> {
    const entries: AuditItem[] = [];
    let cursor: string | null = null;
    do {
      const separator = query ? '&' : '?';
      const res = await readLog(key, `${query}${cursor ? `${separator}cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      entries.push(...res.body.list);
      cursor = res.body.nextCursor;
    } while (cursor);
    return entries;
  }

  async function ok<T = any>(reply: Promise<ApiReply<T>>, status = 200): Promise<T> {
    const res = await reply;
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  }

  it('lists newest first, pages without overlap, and filters by action, actor, target and time', async () => {
    const org = await freshOrg('Audit paging');
    const app = await ok(call(t.url, 'POST', '/v2/client-apps', { key: org.key, body: { name: 'Paged app', redirectUris: ['https://a.example.com/cb'] } }), 201);
    await ok(call(t.url, 'PATCH', `/v2/client-apps/${app.id}`, { key: org.key, body: { name: 'Renamed' } }));
    await ok(call(t.url, 'PATCH', '/v2/account/settings', { key: org.key, body: { storeCredentialsForRelogin: true } }));
    const made = await ok(call(t.url, 'POST', '/v2/api-keys', { key: org.key, body: { name: 'second' } }), 201);
    await ok(call(t.url, 'DELETE', `/v2/client-apps/${app.id}`, { key: org.key }));

    const all = await wholeLog(org.key, '?limit=100');
    // The admin key's own creation (by the test's set-up, actor "test") is the oldest.
    expect(all.map((entry) => entry.action)).toEqual([
      'client_app.deleted', 'api_key.created', 'settings.updated', 'client_app.updated', 'client_app.created', 'api_key.created',
    ]);
    expect(all[0]).toMatchObject({ actor: org.actor, target: app.id, environment: 'sandbox' });
    expect(all[2]).toMatchObject({ actor: org.actor, target: null, environment: null, data: { fields: ['storeCredentialsForRelogin'] } });
    expect(all[1].target).toBe(made.id);
    expect(JSON.stringify(all)).not.toContain(made.key);

    const paged = await wholeLog(org.key, '?limit=2');
    expect(paged.map((entry) => entry.id)).toEqual(all.map((entry) => entry.id));
    const firstPage = await readLog(org.key, '?limit=2');
    expect(firstPage.body).toMatchObject({ hasMore: true });
    expect(firstPage.body.list).toHaveLength(2);

    expect((await wholeLog(org.key, '?action=client_app.updated')).map((entry) => entry.target)).toEqual([app.id]);
    expect((await wholeLog(org.key, `?target=${app.id}`)).map((entry) => entry.action)).toEqual(['client_app.deleted', 'client_app.updated', 'client_app.created']);
    expect((await wholeLog(org.key, '?actor=test')).map((entry) => entry.target)).toEqual([org.keyId]);
    const byActor = await wholeLog(org.key, `?actor=key:${org.keyId}&limit=2`);
    expect(byActor).toHaveLength(5);
    expect(byActor.every((entry) => entry.actor === org.actor)).toBe(true);

    // since is inclusive, until exclusive.
    const window = await wholeLog(org.key, `?since=${all[4].createdAt}&until=${all[0].createdAt}`);
    const expected = all.filter((entry) => entry.createdAt >= all[4].createdAt && entry.createdAt < all[0].createdAt).map((entry) => entry.id);
    expect(window.map((entry) => entry.id)).toEqual(expected);
  });

  it('refuses an unknown action, a cursor it did not make and a bad time, naming the field', async () => {
    const org = await freshOrg('Audit refusals');
    for (const [query, field] of [['?action=nope.done', 'action'], ['?cursor=eHl6', 'cursor'], ['?until=soon', 'until'], ['?limit=0', 'limit']] as const) {
      const res = await readLog(org.key, query);
      expect(res.status, query).toBe(400);
      expect(res.body.details?.field, query).toBe(field);
    }
  });

  it('an org reads only its own entries, and a key only its environment\'s and the org-wide ones', async () => {
    const a = await freshOrg('Audit org A');
    const b = await freshOrg('Audit org B');
    const aLive = await createKey(t.database.handle, a.orgId, 'live');
    const app = await ok(call(t.url, 'POST', '/v2/client-apps', { key: a.key, body: { name: 'A app', redirectUris: ['https://a.example.com/cb'] } }), 201);
    await ok(call(t.url, 'PATCH', '/v2/account/settings', { key: a.key, body: { storeCredentialsForRelogin: false } }));

    const seenByB = JSON.stringify(await wholeLog(b.key));
    expect(seenByB).not.toContain(app.id);
    expect(seenByB).not.toContain(a.keyId);
    expect(await wholeLog(b.key, `?target=${app.id}`)).toEqual([]);

    const seenByLive = await wholeLog(aLive.secret);
    expect(seenByLive.map((entry) => entry.action).sort()).toEqual(['api_key.created', 'settings.updated']);
    expect(seenByLive.find((entry) => entry.action === 'api_key.created')).toMatchObject({ target: aLive.id, environment: 'live' });
    expect(JSON.stringify(seenByLive)).not.toContain(app.id);
  });

  it('takes a dashboard session\'s actor (dashboard:<keyId>) as written, and filters by it', async () => {
    const org = await freshOrg('Audit dashboard actor');
    await recordAuditEntry(t.database.handle.db, {
      orgId: org.orgId, environment: 'sandbox', actor: `dashboard:${org.keyId}`, action: 'client_app.deleted', target: 'app_gone',
    });
    const mine = await wholeLog(org.key, `?actor=dashboard:${org.keyId}`);
    expect(mine).toEqual([expect.objectContaining({ actor: `dashboard:${org.keyId}`, action: 'client_app.deleted', target: 'app_gone' })]);
  });

  it('every audited change through the API appears exactly once, with its actor and environment', async () => {
    const org = await freshOrg('Audit every action');
    const key = org.key;
    const expected: Array<[action: string, target: string | null, actor: string]> = [];
    const expect1 = (action: string, target: string | null, actor = org.actor) => expected.push([action, target, actor]);

    await ok(call(t.url, 'PATCH', '/v2/account/settings', { key, body: { storeCredentialsForRelogin: false } }));
    expect1('settings.updated', null);
    const made = await ok(call(t.url, 'POST', '/v2/api-keys', { key, body: { name: 'temp' } }), 201);
    expect1('api_key.created', made.id);
    await ok(call(t.url, 'DELETE', `/v2/api-keys/${made.id}`, { key }));
    expect1('api_key.revoked', made.id);
    const app = await ok(call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'WL', integrationType: 'whitelabel', permissions: ['profile:read'] } }), 201);
    expect1('client_app.created', app.id);
    await ok(call(t.url, 'PATCH', `/v2/client-apps/${app.id}`, { key, body: { name: 'WL 2' } }));
    expect1('client_app.updated', app.id);

    const endpoint = await ok(call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: 'http://127.0.0.1:9/hook' } }), 201);
    expect1('webhook_endpoint.created', endpoint.id);
    await ok(call(t.url, 'PATCH', `/v2/webhooks/endpoints/${endpoint.id}`, { key, body: { description: 'audited' } }));
    expect1('webhook_endpoint.updated', endpoint.id);
    await ok(call(t.url, 'GET', `/v2/webhooks/endpoints/${endpoint.id}/secret`, { key }));
    expect1('webhook_endpoint.secret_revealed', endpoint.id);
    await ok(call(t.url, 'POST', `/v2/webhooks/endpoints/${endpoint.id}/secret/rotate`, { key, body: {} }));
    expect1('webhook_endpoint.secret_rotated', endpoint.id);

    // A connection by import: settings, a new session for the same account, invalidated, disconnected.
    const email = uniqueEmail();
    const session = await mintSandboxSession(t.sandboxUrl, email);
    const imported = await ok(call(t.url, 'POST', '/v2/account/connections/import', { key, body: { cookie: session.cookie, userAgent: session.userAgent, permissions: ALL_PERMISSIONS } }), 201);
    expect1('connection.imported', imported.id);
    await ok(call(t.url, 'PATCH', `/v2/account/connections/${imported.id}/settings`, { key, body: { pacing: { burst: 5 } } }));
    expect1('connection.settings_updated', imported.id);
    const fresh = await mintSandboxSession(t.sandboxUrl, email);
    await ok(call(t.url, 'PATCH', `/v2/account/connections/import/${imported.id}`, { key, body: { cookie: fresh.cookie, userAgent: fresh.userAgent } }));
    expect1('connection.session_rotated', imported.id);
    await ok(call(t.url, 'POST', `/v2/account/connections/${imported.id}/invalidate`, { key }));
    expect1('connection.invalidated', imported.id);
    await ok(call(t.url, 'DELETE', `/v2/account/connections/${imported.id}`, { key }));
    expect1('connection.disconnected', imported.id);

    // A connection by Link (whitelabel login): its Link session is the actor.
    const link = await ok(call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: app.id } }));
    const login = await ok(call(t.url, 'POST', `/v2/link/${link.clientSecret}/login`, { key, body: { email: uniqueEmail(), password: 'good-password' } }));
    expect(login.status).toBe('completed');
    const linkedId: string = login.data.id;
    const linkEntries = (await wholeLog(key, `?target=${linkedId}`)).filter((entry) => entry.action === 'connection.linked');
    expect(linkEntries).toHaveLength(1);
    expect(linkEntries[0].actor).toMatch(/^link:/);
    expect1('connection.linked', linkedId, linkEntries[0].actor);

    // Upstream refusing the session, through the sandbox control API: sandbox.changed by the key, connection.expired by the system.
    await ok(call(t.url, 'POST', '/_sandbox/sessions/expire', { key, body: { userId: login.data.userData.id } }));
    expect1('sandbox.changed', null);
    const refused = await call(t.url, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': linkedId } });
    expect(refused.status).toBe(401);
    expect1('connection.expired', linkedId, 'system');

    // Replays: one message, then everything failed since an hour ago.
    const message = await eventually(async () => (await call(t.url, 'GET', '/v2/webhooks/messages', { key })).body.list?.[0], {
      timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'a webhook message of the org',
    });
    await ok(call(t.url, 'POST', `/v2/webhooks/messages/${message.id}/replay`, { key, body: {} }), 202);
    expect1('webhook_message.replayed', message.id);
    await ok(call(t.url, 'POST', '/v2/webhooks/messages/replay-failed', { key, body: { since: new Date(Date.now() - 3_600_000).toISOString() } }), 202);
    expect1('webhook_message.failed_replayed', null);
    await ok(call(t.url, 'DELETE', `/v2/webhooks/endpoints/${endpoint.id}`, { key }));
    expect1('webhook_endpoint.deleted', endpoint.id);
    await ok(call(t.url, 'DELETE', `/v2/client-apps/${app.id}`, { key }));
    expect1('client_app.deleted', app.id);
    await ok(call(t.url, 'POST', '/v2/vault/rotate', { key }));
    expect1('vault.rotated', null);

    const entries = (await wholeLog(key, '?limit=100')).filter((entry) => entry.actor !== 'test');
    const seen = entries.map((entry) => `${entry.action} ${entry.target} ${entry.actor}`).sort();
    expect(seen).toEqual(expected.map(([action, target, actor]) => `${action} ${target} ${actor}`).sort());
    const orgWide = new Set(['settings.updated', 'vault.rotated']);
    for (const entry of entries) expect(entry.environment, entry.action).toBe(orgWide.has(entry.action) ? null : 'sandbox');
    expect(entries.find((entry) => entry.action === 'sandbox.changed')?.data).toEqual({ method: 'POST', path: '/_sandbox/sessions/expire' });
    expect(JSON.stringify(entries)).not.toContain(sessOf(session.cookie));
  }, 60_000);

  it('a change that rolls back leaves no entry, and a refused one writes none', async () => {
    const org = await freshOrg('Audit rollback');
    const before = await wholeLog(org.key);
    // The key's use case writes its entry in the caller's transaction: when the transaction fails, both go.
    await expect(
      t.database.handle.db.transaction(async (tx) => {
        await issueApiKey(tx, { orgId: org.orgId, environment: 'sandbox', actor: org.actor, now: new Date() });
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    // Refused by the API: an import of an account already connected, an update of an app that does not exist.
    const email = uniqueEmail();
    const session = await mintSandboxSession(t.sandboxUrl, email);
    await ok(call(t.url, 'POST', '/v2/account/connections/import', { key: org.key, body: { cookie: session.cookie, userAgent: session.userAgent } }), 201);
    const afterImport = await wholeLog(org.key);
    const again = await mintSandboxSession(t.sandboxUrl, email);
    expect((await call(t.url, 'POST', '/v2/account/connections/import', { key: org.key, body: { cookie: again.cookie, userAgent: again.userAgent } })).status).toBe(409);
    expect((await call(t.url, 'PATCH', '/v2/client-apps/app_missing00000000000', { key: org.key, body: { name: 'x' } })).status).toBe(404);
    expect(afterImport).toHaveLength(before.length + 1);
    expect(await wholeLog(org.key)).toEqual(afterImport);
  });
});
