import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { listAuditRows } from '../../src/account/store.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventTypes, listEvents } from '../support/events.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { expireSandboxSession, mintSandboxSession, sessOf, TEST_USER_AGENT } from '../support/sandbox.ts';
import { upstreamRequests } from '../access/access-fixture.ts';

describe.each(BACKENDS)('connections: import, rotate, list, disconnect, invalidate (%s)', (backend) => {
  let t: TestService;
  let sandbox: string;
  beforeAll(async () => {
    t = await startTestService(backend);
    sandbox = t.sandboxUrl;
  });
  afterAll(async () => t?.close());

  const importSession = (key: string, body: Record<string, unknown>) => call(t.url, 'POST', '/v2/account/connections/import', { key, body });
  const eventsOf = (connectionId: string) => eventTypes(t.url, t.adminKey, { connectionId });

  /** A fresh org and admin key, for tests that count what they find. */
  async function freshOrg(): Promise<{ orgId: string; key: string; keyId: string }> {
    const orgId = await createOrg(t.database.handle, 'Counted org');
    const key = await createKey(t.database.handle, orgId);
    return { orgId, key: key.secret, keyId: key.id };
  }

  /** Imports a fresh account of `name` with `key`; returns the connection id. */
  async function importAccount(key: string, name: string): Promise<string> {
    const session = await mintSandboxSession(sandbox, `${name}@creator.sandbox.com`);
    const res = await importSession(key, { cookie: session.cookie, userAgent: session.userAgent });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('imports a session the simulator accepts: 201, imported, active, userData from upstream, connection.created recorded', async () => {
    const session = await mintSandboxSession(sandbox, 'ivy@creator.sandbox.com');
    const res = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent, clientReferenceId: 'user_42' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'active', imported: true, clientReferenceId: 'user_42', expiredAt: null });
    expect(res.body.id).toMatch(/^conn_[A-Za-z0-9]+$/);
    expect(res.body.userData.id).toBe(String(session.userId));
    expect(res.body.userData.username).not.toBe('');
    expect(res.body.permissions.length).toBeGreaterThan(0);
    const events = await listEvents(t.url, t.adminKey, { connectionId: res.body.id });
    expect(events.map((e) => e.eventType)).toEqual(['connection.created']);
    expect(events[0].payload).toMatchObject({
      type: 'connection.created',
      eventType: 'connection.created',
      live: false,
      data: { clientReferenceId: 'user_42', connection: { id: res.body.id, platformUserId: String(session.userId), status: 'active' } },
    });
    expect(events[0].payload.data.connection.userData.userId).toBe(String(session.userId));
  });

  it('a cookie without auth_id, sess or fp is a 400 naming cookie and what is missing; nothing is created', async () => {
    const { key } = await freshOrg();
    const res = await importSession(key, { cookie: 'sess=abc; lang=en', userAgent: TEST_USER_AGENT });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'cookie', missing: ['auth_id', 'fp'] } });
    const noUa = await importSession(key, { cookie: 'sess=a; auth_id=1; fp=b' });
    expect(noUa.status).toBe(400);
    expect(noUa.body.details.field).toBe('userAgent');
    expect((await call(t.url, 'GET', '/v2/account/connections?limit=100', { key })).body.list).toEqual([]);
  });

  it('unknown permissions are refused, naming them', async () => {
    const session = await mintSandboxSession(sandbox, 'perm@creator.sandbox.com');
    const res = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent, permissions: ['profile:read', 'root:all'] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'permissions', unknown: ['root:all'] } });
  });

  it('an expired session, or one presented with another user agent, fails the import and creates nothing', async () => {
    const { key } = await freshOrg();
    const session = await mintSandboxSession(sandbox, 'gone@creator.sandbox.com');
    await expireSandboxSession(sandbox, { sess: sessOf(session.cookie) });
    const expired = await importSession(key, { cookie: session.cookie, userAgent: session.userAgent });
    expect(expired.status).toBe(400);
    expect(expired.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'cookie', reason: 'session_invalid' } });

    const other = await mintSandboxSession(sandbox, 'ua@creator.sandbox.com');
    const wrongUa = await importSession(key, { cookie: other.cookie, userAgent: 'curl/8.0' });
    expect(wrongUa.status).toBe(400);
    expect(wrongUa.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'cookie', reason: 'session_invalid' } });
    // The org is this test's own, so "nothing created" is an empty list, and no event was recorded.
    expect((await call(t.url, 'GET', '/v2/account/connections?limit=100', { key })).body.list).toEqual([]);
    expect(await eventTypes(t.url, key, {})).toEqual([]);
  });

  it('a second import of the same account is a 409 naming the first', async () => {
    const session = await mintSandboxSession(sandbox, 'dup@creator.sandbox.com');
    const first = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    expect(first.status).toBe(201);
    const again = await mintSandboxSession(sandbox, 'dup@creator.sandbox.com');
    const second = await importSession(t.adminKey, { cookie: again.cookie, userAgent: again.userAgent });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: 'CONFLICT', details: { connectionId: first.body.id } });
  });

  it('an import of an account already connected is a 409 before any upstream call, so a wrong user agent cannot end the live session', async () => {
    const session = await mintSandboxSession(sandbox, 'guarded@creator.sandbox.com');
    const first = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    expect(first.status).toBe(201);
    const before = await upstreamRequests(t);
    // The same cookie with another browser's user agent: upstream would take it for a stolen session.
    const again = await importSession(t.adminKey, { cookie: session.cookie, userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/133.0' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: 'CONFLICT', details: { connectionId: first.body.id } });
    const sent = (await upstreamRequests(t, before.lastSeq)).list.filter((entry) => entry.url.includes('/api2/'));
    expect(sent).toEqual([]);
    // The connection that uses the session still works.
    const me = await call(t.url, 'GET', '/v2/access/proxy/users/me', { key: t.adminKey, headers: { 'x-connection-id': first.body.id } });
    expect(me.status).toBe(200);
  });

  it('rotating to a cookie that names another user is a 409 before any upstream call', async () => {
    const mine = await mintSandboxSession(sandbox, 'rotguard@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: mine.cookie, userAgent: mine.userAgent });
    const stranger = await mintSandboxSession(sandbox, 'rotstranger@creator.sandbox.com');
    const before = await upstreamRequests(t);
    const res = await call(t.url, 'PATCH', `/v2/account/connections/import/${created.body.id}`, { key: t.adminKey, body: { cookie: stranger.cookie, userAgent: stranger.userAgent } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ type: 'CONFLICT' });
    expect((await upstreamRequests(t, before.lastSeq)).list.filter((entry) => entry.url.includes('/api2/'))).toEqual([]);
  });

  it('two concurrent imports of the same account: exactly one 201 and one 409', async () => {
    const a = await mintSandboxSession(sandbox, 'race@creator.sandbox.com');
    const b = await mintSandboxSession(sandbox, 'race@creator.sandbox.com');
    const results = await Promise.all([
      importSession(t.adminKey, { cookie: a.cookie, userAgent: a.userAgent }),
      importSession(t.adminKey, { cookie: b.cookie, userAgent: b.userAgent }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = results.find((r) => r.status === 201)!;
    expect(results.find((r) => r.status === 409)!.body.details.connectionId).toBe(winner.body.id);
  });

  it('PATCH rotates an imported session: same id, active, old session destroyed, connection.updated', async () => {
    const first = await mintSandboxSession(sandbox, 'rot@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: first.cookie, userAgent: first.userAgent });
    const id = created.body.id;
    await call(t.url, 'POST', `/v2/account/connections/${id}/invalidate`, { key: t.adminKey });
    const fresh = await mintSandboxSession(sandbox, 'rot@creator.sandbox.com');
    const rotated = await call(t.url, 'PATCH', `/v2/account/connections/import/${id}`, { key: t.adminKey, body: { cookie: fresh.cookie, userAgent: fresh.userAgent } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id, status: 'active', expiredAt: null, imported: true });
    const sessions = await t.database.handle.db.execute(sql`select blob from connection_sessions where connection_id = ${id}`);
    const blobs = (sessions as unknown as { rows: { blob: string }[] }).rows;
    expect(blobs).toHaveLength(1);
    const { loadConnectionSession } = await import('../../src/connections/session-vault.ts');
    const stored = await loadConnectionSession(t.database.handle.db, t.service.ctx.vault, { orgId: t.orgId, connectionId: id });
    expect(stored?.cookie).toContain(sessOf(fresh.cookie));
    expect(stored?.cookie).not.toContain(sessOf(first.cookie));
    expect(await eventsOf(id)).toEqual(['connection.created', 'connection.expired', 'connection.updated']);
  });

  it('PATCH with another OnlyFans user\'s session is a 409; on a missing id a 404', async () => {
    const mine = await mintSandboxSession(sandbox, 'owner@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: mine.cookie, userAgent: mine.userAgent });
    const stranger = await mintSandboxSession(sandbox, 'stranger@creator.sandbox.com');
    const res = await call(t.url, 'PATCH', `/v2/account/connections/import/${created.body.id}`, { key: t.adminKey, body: { cookie: stranger.cookie, userAgent: stranger.userAgent } });
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('CONFLICT');
    const missing = await call(t.url, 'PATCH', '/v2/account/connections/import/conn_nope', { key: t.adminKey, body: { cookie: stranger.cookie, userAgent: stranger.userAgent } });
    expect(missing.status).toBe(404);
    expect(missing.body.type).toBe('RESOURCE_NOT_FOUND');
  });

  it('PATCH on a Link (non-imported) connection is a 400 with a clear message', async () => {
    const session = await mintSandboxSession(sandbox, 'linked@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    await t.database.handle.db.execute(sql`update connections set imported = false where id = ${created.body.id}`);
    const res = await call(t.url, 'PATCH', `/v2/account/connections/import/${created.body.id}`, { key: t.adminKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('BAD_REQUEST');
    expect(res.body.message).toMatch(/Only imported connections/);
  });

  it('lists with status, imported, limit and offset filters and hasMore', async () => {
    const { key } = await freshOrg();
    const [first] = [await importAccount(key, 'lista'), await importAccount(key, 'listb'), await importAccount(key, 'listc')];
    await call(t.url, 'POST', `/v2/account/connections/${first}/invalidate`, { key });
    const page1 = await call(t.url, 'GET', '/v2/account/connections?limit=2&offset=0', { key });
    expect(page1.status).toBe(200);
    expect(page1.body.list).toHaveLength(2);
    expect(page1.body.hasMore).toBe(true);
    const all = await call(t.url, 'GET', '/v2/account/connections?limit=100', { key });
    expect(all.body.list).toHaveLength(3);
    const page2 = await call(t.url, 'GET', '/v2/account/connections?limit=2&offset=2', { key });
    expect(page2.body.list.map((c: any) => c.id)).toEqual([all.body.list[2].id]);
    expect(page2.body.hasMore).toBe(false);
    const active = await call(t.url, 'GET', '/v2/account/connections?status=active&imported=true&limit=100', { key });
    expect(active.body.list).toHaveLength(2);
    expect(active.body.list.every((c: any) => c.status === 'active' && c.imported)).toBe(true);
    const expired = await call(t.url, 'GET', '/v2/account/connections?status=expired', { key });
    expect(expired.body.list.map((c: any) => c.id)).toEqual([first]);
    expect((await call(t.url, 'GET', '/v2/account/connections?imported=false', { key })).body.list).toEqual([]);
    const defaults = await call(t.url, 'GET', '/v2/account/connections', { key });
    expect(defaults.body.list).toHaveLength(3);
    const tooMany = await call(t.url, 'GET', '/v2/account/connections?limit=101', { key });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'limit' } });
    const badStatus = await call(t.url, 'GET', '/v2/account/connections?status=pending', { key });
    expect(badStatus.status).toBe(400);
    expect(badStatus.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'status' } });
    const alias = await call(t.url, 'GET', '/v2/connections?limit=1', { key });
    expect(alias.body.list[0].id).toBe(all.body.list[0].id);
  });

  it('each mutation records its audit entry acting as the calling key, and never a secret', async () => {
    const { orgId, key, keyId } = await freshOrg();
    const actor = `key:${keyId}`;
    const last = async () => (await listAuditRows(t.database.handle.db, orgId, 1))[0];
    const first = await mintSandboxSession(sandbox, 'audit@creator.sandbox.com');
    const created = await importSession(key, { cookie: first.cookie, userAgent: first.userAgent });
    const id = created.body.id;
    expect(await last()).toMatchObject({ action: 'connection.imported', actor, target: id });

    const proxy = 'http://user:pr0xy-pass@10.1.2.3:3128';
    expect((await call(t.url, 'PATCH', `/v2/account/connections/${id}/settings`, { key, body: { proxy: { url: proxy } } })).status).toBe(200);
    expect(await last()).toMatchObject({ action: 'connection.settings_updated', actor, target: id, data: { fields: ['proxy'] } });

    expect((await call(t.url, 'POST', `/v2/account/connections/${id}/invalidate`, { key })).status).toBe(200);
    expect(await last()).toMatchObject({ action: 'connection.invalidated', actor, target: id });

    const fresh = await mintSandboxSession(sandbox, 'audit@creator.sandbox.com');
    expect((await call(t.url, 'PATCH', `/v2/account/connections/import/${id}`, { key, body: { cookie: fresh.cookie, userAgent: fresh.userAgent } })).status).toBe(200);
    expect(await last()).toMatchObject({ action: 'connection.session_rotated', actor, target: id });

    expect((await call(t.url, 'DELETE', `/v2/account/connections/${id}`, { key })).status).toBe(200);
    expect(await last()).toMatchObject({ action: 'connection.disconnected', actor, target: id });

    const log = JSON.stringify(await listAuditRows(t.database.handle.db, orgId, 100));
    for (const secret of ['pr0xy-pass', sessOf(first.cookie), sessOf(fresh.cookie)]) expect(log).not.toContain(secret);
  });

  it('invalidate expires once (one event) and DELETE disconnects for good', async () => {
    const session = await mintSandboxSession(sandbox, 'bye@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    const id = created.body.id;
    for (let i = 0; i < 2; i++) {
      const inv = await call(t.url, 'POST', `/v2/account/connections/${id}/invalidate`, { key: t.adminKey });
      expect(inv.status).toBe(200);
      expect(inv.body).toEqual({ success: true, connectionId: id });
    }
    const got = await call(t.url, 'GET', `/v2/account/connections/${id}`, { key: t.adminKey });
    expect(got.body.status).toBe('expired');
    expect(got.body.expiredAt).not.toBeNull();
    const del = await call(t.url, 'DELETE', `/v2/account/connections/${id}`, { key: t.adminKey });
    expect(del.body).toEqual({ success: true, connectionId: id });
    expect((await call(t.url, 'GET', `/v2/account/connections/${id}`, { key: t.adminKey })).status).toBe(404);
    expect((await call(t.url, 'DELETE', `/v2/account/connections/${id}`, { key: t.adminKey })).status).toBe(404);
    const sessionRows = await t.database.handle.db.execute(sql`select 1 from connection_sessions where connection_id = ${id}`);
    expect((sessionRows as unknown as { rows: unknown[] }).rows).toHaveLength(0);
    expect(await eventsOf(id)).toEqual(['connection.created', 'connection.expired', 'connection.disconnected']);
    // A disconnected account can be imported afresh as a new connection.
    const again = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(id);
  });

  it('per-connection settings: Vault+ flags, a proxy stored encrypted and shown masked, pacing override', async () => {
    const session = await mintSandboxSession(sandbox, 'cfg@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    const id = created.body.id;
    const initial = await call(t.url, 'GET', `/v2/account/connections/${id}/settings`, { key: t.adminKey });
    expect(initial.body).toMatchObject({ connectionId: id, vaultPlus: { enabled: false, settingsOverrides: null }, proxy: { url: null }, pacing: null });
    const patched = await call(t.url, 'PATCH', `/v2/account/connections/${id}/settings`, {
      key: t.adminKey,
      body: { vaultPlus: { enabled: true, settings: { retentionDays: 9 } }, proxy: { url: 'http://user:s3cret-pass@10.1.2.3:3128', country: 'US' }, pacing: { requestsPerMinute: 30 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      connectionId: id,
      vaultPlus: { enabled: true, settingsOverrides: { retentionDays: 9 } },
      proxy: { url: 'http://user:****@10.1.2.3:3128/', country: 'US' },
      // Only what the connection overrides; burst and concurrency follow the org.
      pacing: { requestsPerMinute: 30 },
    });
    // One shape for GET and PATCH: the settings object itself (issue 16: PATCH wrapped it in {settings}).
    expect((await call(t.url, 'GET', `/v2/account/connections/${id}/settings`, { key: t.adminKey })).body).toEqual(patched.body);
    const raw = await t.database.handle.db.execute(sql`select settings::text as s from connections where id = ${id}`);
    expect((raw as unknown as { rows: { s: string }[] }).rows[0].s).not.toContain('s3cret-pass');
    const bad = await call(t.url, 'PATCH', `/v2/account/connections/${id}/settings`, { key: t.adminKey, body: { proxy: { url: 'ftp://x' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.field).toBe('proxy.url');
  });

  it('org isolation: another org\'s key gets 404 everywhere and never sees the connection in a list', async () => {
    const session = await mintSandboxSession(sandbox, 'iso@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    const id = created.body.id;
    const orgB = await createOrg(t.database.handle);
    const keyB = (await createKey(t.database.handle, orgB)).secret;
    const fresh = await mintSandboxSession(sandbox, 'iso@creator.sandbox.com');
    const attempts: Array<[string, string, unknown]> = [
      ['GET', `/v2/account/connections/${id}`, undefined],
      ['PATCH', `/v2/account/connections/import/${id}`, { cookie: fresh.cookie, userAgent: fresh.userAgent }],
      ['DELETE', `/v2/account/connections/${id}`, undefined],
      ['POST', `/v2/account/connections/${id}/invalidate`, undefined],
      ['GET', `/v2/account/connections/${id}/settings`, undefined],
      ['PATCH', `/v2/account/connections/${id}/settings`, { proxy: { country: 'FR' } }],
    ];
    for (const [method, path, body] of attempts) {
      const res = await call(t.url, method, path, { key: keyB, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.type, `${method} ${path}`).toBe('RESOURCE_NOT_FOUND');
    }
    expect((await call(t.url, 'GET', '/v2/account/connections?limit=100', { key: keyB })).body.list).toEqual([]);
    expect((await call(t.url, 'GET', `/v2/account/connections/${id}`, { key: t.adminKey })).body.status).toBe('active');
  });

  it('environment isolation: a live key of the same org cannot see or touch a sandbox connection', async () => {
    const session = await mintSandboxSession(sandbox, 'envsep@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: session.cookie, userAgent: session.userAgent });
    const live = (await createKey(t.database.handle, t.orgId, 'live')).secret;
    expect((await call(t.url, 'GET', `/v2/account/connections/${created.body.id}`, { key: live })).status).toBe(404);
    expect((await call(t.url, 'POST', `/v2/account/connections/${created.body.id}/invalidate`, { key: live })).status).toBe(404);
    expect((await call(t.url, 'GET', '/v2/account/connections?limit=100', { key: live })).body.list).toEqual([]);
  });

  it('no table and no log line holds a plaintext sess after import and rotate', async () => {
    const first = await mintSandboxSession(sandbox, 'scan@creator.sandbox.com');
    const created = await importSession(t.adminKey, { cookie: first.cookie, userAgent: first.userAgent });
    const second = await mintSandboxSession(sandbox, 'scan@creator.sandbox.com');
    await call(t.url, 'PATCH', `/v2/account/connections/import/${created.body.id}`, { key: t.adminKey, body: { cookie: second.cookie, userAgent: second.userAgent } });
    const secrets = [sessOf(first.cookie), sessOf(second.cookie)];
    const tables = await t.database.handle.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public'`);
    for (const { table_name } of (tables as unknown as { rows: { table_name: string }[] }).rows) {
      const dump = await t.database.handle.db.execute(sql.raw(`select coalesce(string_agg(t::text, ' '), '') as d from "${table_name}" t`));
      const text = (dump as unknown as { rows: { d: string }[] }).rows[0].d;
      for (const secret of secrets) expect(text, `table ${table_name}`).not.toContain(secret);
    }
    const logs = t.logs.join('\n');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });

  it('vault rotation re-encrypts every session under the new key and leaves connections usable', async () => {
    const { createVault, parseVaultKeys, generateVaultKeySpec } = await import('../../src/platform/vault.ts');
    const { rotateVaultBlobs } = await import('../../src/vault-rotation.ts');
    const { loadConnectionSession } = await import('../../src/connections/session-vault.ts');
    const oldSpec = t.service.ctx.config.vaultKeys!;
    // Rotation covers the whole database; what this test counts and reads back is its own org's.
    const { orgId, key } = await freshOrg();
    // A proxy URL (encrypted in the connection's settings) and a webhook secret are rotated too.
    const withProxy = { id: await importAccount(key, 'rotating') };
    const plain = await importAccount(key, 'rotatingtoo');
    await call(t.url, 'PATCH', `/v2/account/connections/${withProxy.id}/settings`, { key, body: { proxy: { url: 'http://u:p@10.0.0.9:3128' } } });
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: 'http://127.0.0.1:9/hook' } });
    expect(endpoint.status).toBe(201);
    const newSpec = generateVaultKeySpec('next2');
    const ring = createVault(parseVaultKeys(`${newSpec},${oldSpec}`));
    const report = await rotateVaultBlobs(t.database.handle.db, ring);
    expect(report.keyId).toBe('next2');
    // These two sessions, this proxy and this secret (and any other test's in the same database).
    expect(report.connectionSessions).toBeGreaterThanOrEqual(2);
    expect(report.proxyUrls).toBeGreaterThanOrEqual(1);
    expect(report.webhookSecrets).toBeGreaterThanOrEqual(1);
    const again = await rotateVaultBlobs(t.database.handle.db, ring);
    expect(again).toMatchObject({ connectionSessions: 0, proxyUrls: 0, webhookSecrets: 0 });
    const keys = await t.database.handle.db.execute(sql`select distinct key_id from connection_sessions`);
    expect((keys as unknown as { rows: { key_id: string }[] }).rows.map((r) => r.key_id)).toEqual(['next2']);
    // A vault holding only the new key (the old one retired) reads every session, and the simulator still accepts them.
    const onlyNew = createVault(parseVaultKeys(newSpec));
    const list = await call(t.url, 'GET', '/v2/account/connections?status=active&limit=100', { key });
    expect(list.body.list.map((c: { id: string }) => c.id).sort()).toEqual([withProxy.id, plain].sort());
    for (const c of list.body.list) {
      const session = await loadConnectionSession(t.database.handle.db, onlyNew, { orgId, connectionId: c.id });
      const profile = await t.service.ctx.upstreams.forEnvironment('sandbox').validateSession(session!);
      expect(profile.id).toBe(c.userData.id);
    }
    const { proxyUrlOf } = await import('../../src/connections/connection-settings.ts');
    const row = (await t.database.handle.db.execute(sql`select * from connections where id = ${withProxy.id}`)) as unknown as { rows: any[] };
    expect(proxyUrlOf({ ...t.service.ctx, vault: onlyNew }, { ...row.rows[0], id: withProxy.id, settings: row.rows[0].settings })).toBe('http://u:p@10.0.0.9:3128');
    const { openSecret } = await import('../../src/webhooks/endpoints.ts');
    const secretRow = (await t.database.handle.db.execute(sql`select secret_blob from webhook_endpoints where id = ${endpoint.body.id}`)) as unknown as { rows: any[] };
    expect(openSecret({ ...t.service.ctx, vault: onlyNew }, endpoint.body.id, secretRow.rows[0].secret_blob)).toMatch(/^whsec_/);
  });
});
