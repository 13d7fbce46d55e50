// Secrets scan: after a full flow (an import and its rotation, a hosted Link login with relogin credentials kept,
// Access calls by connection and by raw session, webhook deliveries and a signing-secret rotation, a vault rotation)
// every secret used is looked for in all log output, every row of every table of ours and every Redis key and value.
// A secret found anywhere fails the test naming the secret and the place.
import { Redis } from 'ioredis';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_PASSWORD } from '../../src/sandbox/accounts.ts';
import { parseCookieHeader } from '../../src/sandbox/cookies.ts';
import { ALL_PERMISSIONS } from '../access/access-fixture.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { mintSandboxSession, type MintedSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const REDIS_URL = process.env.OFCONNECT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The simulator's tables are the fake OnlyFans's own storage (it must know its sessions and passwords), not ours. */
const isUpstreamTable = (name: string) => name.startsWith('sandbox_');

let emailSeq = 0;
const freshEmail = () => `scan${Date.now().toString(36)}${emailSeq++}@creator.sandbox.com`;

/** The values in a session cookie that let someone act as the account, and the session's x-bc token. */
function cookieSecrets(label: string, session: MintedSession): Record<string, string> {
  const cookies = parseCookieHeader(session.cookie);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(cookies)) {
    if (name === 'sess' || name.startsWith('auth_uid')) out[`${label} cookie ${name}`] = value;
  }
  expect(Object.keys(out).some((k) => k.endsWith('cookie sess'))).toBe(true);
  expect(Object.keys(out).some((k) => k.includes('cookie auth_uid'))).toBe(true);
  // Not a credential alone, but it travels with the session and has no business in a log line either.
  out[`${label} x-bc`] = session.xBc;
  return out;
}

describe.each(BACKENDS)('secrets scan: logs, tables and Redis after a full flow (%s)', (backend) => {
  let t: TestService;
  let receiver: Receiver;
  let redis: Redis;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    [t, receiver] = await Promise.all([startTestService(backend, { config: { redisUrl: REDIS_URL } }), startReceiver()]);
    redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const key = t.adminKey;
    secrets['bootstrap API key'] = key;

    // A second key, created through the API.
    const created = await call(t.url, 'POST', '/v2/api-keys', { key, body: { name: 'scan key' } });
    expect(created.status).toBe(201);
    secrets['created API key'] = created.body.key;

    // A webhook endpoint (its signing secret, then a rotated one).
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url: receiver.url } });
    expect(endpoint.status).toBe(201);
    secrets['webhook signing secret'] = endpoint.body.secret;

    // Import, then rotate the imported session.
    const importedEmail = freshEmail();
    const imported = await mintSandboxSession(t.sandboxUrl, importedEmail);
    Object.assign(secrets, cookieSecrets('imported', imported));
    const importReply = await call(t.url, 'POST', '/v2/account/connections/import', {
      key,
      body: { cookie: imported.cookie, userAgent: imported.userAgent, permissions: ALL_PERMISSIONS },
    });
    expect(importReply.status).toBe(201);
    const connectionId = importReply.body.id as string;
    const rotatedSession = await mintSandboxSession(t.sandboxUrl, importedEmail);
    Object.assign(secrets, cookieSecrets('rotated import', rotatedSession));
    const rotated = await call(t.url, 'PATCH', `/v2/account/connections/import/${connectionId}`, {
      key,
      body: { cookie: rotatedSession.cookie, userAgent: rotatedSession.userAgent },
    });
    expect(rotated.status).toBe(200);

    // Access: by connection, and by raw session in headers.
    expect((await call(t.url, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': connectionId } })).status).toBe(200);
    const raw = await mintSandboxSession(t.sandboxUrl, freshEmail());
    Object.assign(secrets, cookieSecrets('raw-session', raw));
    const proxied = await call(t.url, 'GET', '/v2/access/proxy/users/me', {
      key,
      headers: { 'x-session-user-id': String(raw.userId), 'x-session-cookie': raw.cookie, 'x-session-xbc': raw.xBc, 'x-session-user-agent': raw.userAgent },
    });
    expect(proxied.status).toBe(200);

    // A hosted Link login, with the org keeping credentials for relogin (so the password is stored, sealed).
    expect((await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { storeCredentialsForRelogin: true } })).status).toBe(200);
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key,
      body: { name: 'Scan app', integrationType: 'redirect', redirectUris: ['http://127.0.0.1:4555/callback'] },
    });
    expect(app.status).toBe(201);
    const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: app.body.id } });
    expect(init.status).toBe(200);
    const pagePath = new URL(init.body.url).pathname;
    secrets['Link client secret'] = pagePath.split('/').pop()!;
    secrets['sandbox password'] = SANDBOX_PASSWORD;
    const page = await call(t.url, 'GET', `${pagePath}?screen=login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))![1];
    const form = new URLSearchParams({ csrf, email: freshEmail(), password: SANDBOX_PASSWORD }).toString();
    const login = await call(t.url, 'POST', `${pagePath}/login`, { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(login.status).toBe(303);
    expect(String(login.headers.location)).toContain('status=success');

    // Webhooks delivered, the signing secret rotated, and the vault rotated.
    await receiver.waitFor((received) => received.length >= 3, 30_000);
    const rotatedSecret = await call(t.url, 'POST', `/v2/webhooks/endpoints/${endpoint.body.id}/secret/rotate`, { key });
    expect(rotatedSecret.status).toBe(200);
    secrets['rotated webhook signing secret'] = rotatedSecret.body.key;
    expect((await call(t.url, 'POST', '/v2/vault/rotate', { key })).status).toBe(200);
    await t.service.built.authenticator.flushLastUsed();
    await eventually(async () => {
      const messages = await call(t.url, 'GET', '/v2/webhooks/messages', { key });
      return messages.body.list.every((m: { status: string }) => m.status !== 'pending' && m.status !== 'sending');
    }, { timeoutMs: 30_000, what: 'every webhook message delivered' });
  }, 120_000);
  afterAll(async () => {
    redis?.disconnect();
    await receiver?.close();
    await t?.close();
  });

  function findings(place: string, text: string): string[] {
    return Object.entries(secrets)
      .filter(([, value]) => value && text.includes(value))
      .map(([name]) => `${name} in ${place}`);
  }

  it('uses every kind of secret the flow should: keys, cookies, password, signing secrets, client secret', () => {
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining([
      'bootstrap API key', 'created API key', 'webhook signing secret', 'rotated webhook signing secret',
      'imported cookie sess', 'rotated import cookie sess', 'raw-session cookie sess', 'sandbox password', 'Link client secret',
    ]));
    for (const value of Object.values(secrets)) expect(value.length).toBeGreaterThanOrEqual(8);
  });

  it('no secret in any log line', () => {
    expect(t.logs.length).toBeGreaterThan(10);
    const found = t.logs.flatMap((line, i) => findings(`log line ${i}: ${line.slice(0, 160)}`, line));
    expect(found).toEqual([]);
  });

  it('no secret in any row of any table', async () => {
    const db = t.database.handle.db;
    const tables = (await db.execute(sql`
      select table_schema, table_name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`)) as unknown as { rows: Array<{ table_schema: string; table_name: string }> };
    const ours = tables.rows.filter((row) => !isUpstreamTable(row.table_name));
    expect(ours.map((row) => row.table_name)).toEqual(expect.arrayContaining(['api_keys', 'connection_sessions', 'link_sessions', 'webhook_endpoints', 'audit_log']));
    const found: string[] = [];
    for (const { table_schema, table_name } of ours) {
      const rows = (await db.execute(sql.raw(`select * from "${table_schema}"."${table_name}"`))) as unknown as { rows: unknown[] };
      rows.rows.forEach((row, i) => found.push(...findings(`${table_schema}.${table_name} row ${i}`, JSON.stringify(row))));
    }
    expect(found).toEqual([]);
  });

  it('no secret in any Redis key or value', async () => {
    const found: string[] = [];
    let cursor = '0';
    let keys = 0;
    do {
      const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const name of batch) {
        keys++;
        found.push(...findings(`Redis key name ${name}`, name));
        const type = await redis.type(name);
        const value =
          type === 'string' ? await redis.get(name)
          : type === 'hash' ? JSON.stringify(await redis.hgetall(name))
          : type === 'list' ? JSON.stringify(await redis.lrange(name, 0, -1))
          : type === 'set' ? JSON.stringify(await redis.smembers(name))
          : type === 'zset' ? JSON.stringify(await redis.zrange(name, 0, -1, 'WITHSCORES'))
          : '';
        found.push(...findings(`Redis ${type} ${name}`, value ?? ''));
      }
    } while (cursor !== '0');
    expect(keys).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
