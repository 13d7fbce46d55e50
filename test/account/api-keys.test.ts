import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { Agent, request } from 'undici';
import { eventually } from '../support/eventually.ts';
import { BACKENDS } from '../support/databases.ts';
import { call, startPeerNode, startTestService, type TestService } from '../support/service.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { releaseAll } from '../support/cleanup.ts';

describe.each(BACKENDS)('API keys and whoami (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  it('whoami answers with the org and the key\'s permissions for the bootstrap key', async () => {
    const res = await call(t.url, 'GET', '/v2/account/whoami', { key: t.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: t.orgId, name: 'Default organization', permissions: ['ACCOUNT', 'LINK', 'ACCESS', 'DYNAMIC_RULES', 'ADMIN'] });
    expect(res.headers['x-request-id']).toMatch(/^req_/);
  });

  it('accepts the key under the apiKey spelling the OFAuth SDK sends', async () => {
    const res = await call(t.url, 'GET', '/v2/account/whoami', { headers: { apiKey: t.adminKey } });
    expect(res.status).toBe(200);
  });

  it('a missing key is a 401 in the OFAuth error shape naming the header', async () => {
    const res = await call(t.url, 'GET', '/v2/account/whoami');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ type: 'UNAUTHORIZED', code: 'UNAUTHORIZED', details: { field: 'apikey' } });
    expect(res.body.error).toBe(res.body.message);
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('a malformed key and an unknown well-formed key are both 401', async () => {
    const malformed = await call(t.url, 'GET', '/v2/account/whoami', { key: 'not-a-key' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.message).toMatch(/Malformed/);
    const unknown = await call(t.url, 'GET', '/v2/account/whoami', { key: `sk_sandbox_${'A'.repeat(40)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toMatch(/Invalid API key/);
  });

  it('a revoked key stops working at once on the node that revoked it', async () => {
    const created = await call(t.url, 'POST', '/v2/api-keys', { key: t.adminKey, body: { name: 'short-lived', scopes: ['account'] } });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk_sandbox_[A-Za-z0-9]{40}$/);
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: created.body.key })).status).toBe(200);
    const revoked = await call(t.url, 'DELETE', `/v2/api-keys/${created.body.id}`, { key: t.adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await call(t.url, 'GET', '/v2/account/whoami', { key: created.body.key });
    expect(after.status).toBe(401);
    expect(after.body.message).toMatch(/revoked/);
  });

  it('a revocation reaches every node at once, not after the cache TTL', async () => {
    const peer = await startPeerNode(t);
    try {
      const created = await call(t.url, 'POST', '/v2/api-keys', { key: t.adminKey, body: { scopes: ['account'] } });
      // The peer caches the key as valid...
      expect((await call(peer.url, 'GET', '/v2/account/whoami', { key: created.body.key })).status).toBe(200);
      await call(t.url, 'DELETE', `/v2/api-keys/${created.body.id}`, { key: t.adminKey });
      // ...and drops it when the revocation is broadcast (NOTIFY arrives asynchronously). The poll gives up at a third
      // of the 30 s cache TTL, so a peer that only forgot the key when its cache entry lapsed still fails the test.
      await eventually(async () => (await call(peer.url, 'GET', '/v2/account/whoami', { key: created.body.key })).status === 401, {
        timeoutMs: 10_000,
        what: 'the peer refusing the revoked key',
      });
    } finally {
      await peer.close();
    }
  });

  it('a live key works and reports itself; lists never include secrets', async () => {
    const live = await createKey(t.database.handle, t.orgId, 'live');
    expect(live.secret).toMatch(/^sk_live_/);
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: live.secret })).status).toBe(200);
    const list = await call(t.url, 'GET', '/v2/api-keys', { key: live.secret });
    expect(list.status).toBe(200);
    const entry = list.body.list.find((k: { id: string }) => k.id === live.id);
    expect(entry).toMatchObject({ environment: 'live', prefix: live.secret.slice(0, 14) });
    expect(JSON.stringify(list.body)).not.toContain(live.secret);
    expect(list.body.list.every((k: Record<string, unknown>) => !('key' in k) && !('hash' in k))).toBe(true);
  });

  it('stores keys only as hashes: no table holds the plaintext key', async () => {
    const rows = await t.database.handle.db.execute(sql`select * from api_keys`);
    const dump = JSON.stringify((rows as unknown as { rows: unknown[] }).rows);
    expect(dump).not.toContain(t.adminKey);
    expect(dump).toContain(t.adminKey.slice(0, 14)); // the display prefix is kept
  });

  it('a key without a scope gets 403 FORBIDDEN on routes needing it', async () => {
    const limited = await createKey(t.database.handle, t.orgId, 'sandbox', ['account']);
    const res = await call(t.url, 'GET', '/v2/client-apps', { key: limited.secret });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredScope: 'admin' } });
  });

  it('org isolation: another org\'s key cannot see or revoke this org\'s keys', async () => {
    const otherOrg = await createOrg(t.database.handle);
    const other = await createKey(t.database.handle, otherOrg);
    const mine = await createKey(t.database.handle, t.orgId);
    const list = await call(t.url, 'GET', '/v2/api-keys', { key: other.secret });
    expect(list.body.list.map((k: { id: string }) => k.id)).toEqual([other.id]);
    const revoke = await call(t.url, 'DELETE', `/v2/api-keys/${mine.id}`, { key: other.secret });
    expect(revoke.status).toBe(404);
    expect(revoke.body.type).toBe('RESOURCE_NOT_FOUND');
    expect((await call(t.url, 'GET', '/v2/account/whoami', { key: mine.secret })).status).toBe(200);
  });

  it('environment isolation: a sandbox admin key neither lists nor revokes live keys, nor a live admin key sandbox keys', async () => {
    const live = await createKey(t.database.handle, t.orgId, 'live');
    const liveAdmin = await createKey(t.database.handle, t.orgId, 'live', ['admin', 'account']);
    const sandbox = await createKey(t.database.handle, t.orgId, 'sandbox');
    const missing = 'key_doesNotExist0000000000';
    for (const [caller, foreign, own] of [
      [t.adminKey, live, sandbox],
      [liveAdmin.secret, sandbox, live],
    ] as const) {
      const list = await call(t.url, 'GET', '/v2/api-keys', { key: caller });
      const ids = list.body.list.map((k: { id: string }) => k.id);
      expect(ids).toContain(own.id);
      expect(ids).not.toContain(foreign.id);
      expect(new Set(list.body.list.map((k: { environment: string }) => k.environment)).size).toBe(1);
      // "Not yours" and "does not exist" answer alike: same status, same type, the id echoed either way.
      const revokeForeign = await call(t.url, 'DELETE', `/v2/api-keys/${foreign.id}`, { key: caller });
      const revokeMissing = await call(t.url, 'DELETE', `/v2/api-keys/${missing}`, { key: caller });
      expect(revokeForeign.status).toBe(404);
      expect(revokeForeign.body.type).toBe('RESOURCE_NOT_FOUND');
      expect(revokeMissing.status).toBe(revokeForeign.status);
      expect(revokeMissing.body.type).toBe(revokeForeign.body.type);
      expect(revokeForeign.body.message.replace(foreign.id, '<id>')).toBe(revokeMissing.body.message.replace(missing, '<id>'));
      expect((await call(t.url, 'GET', '/v2/account/whoami', { key: foreign.secret })).status).toBe(200);
    }
  });

  it('records lastUsedAt in batches', async () => {
    await call(t.url, 'GET', '/v2/account/whoami', { key: t.adminKey });
    await t.service.built.authenticator.flushLastUsed();
    const list = await call(t.url, 'GET', '/v2/api-keys', { key: t.adminKey });
    const admin = list.body.list.find((k: { prefix: string }) => t.adminKey.startsWith(k.prefix));
    expect(admin.lastUsedAt).not.toBeNull();
  });
});

describe.each(BACKENDS)('API keys: failed lookups are throttled per address and cached apart from valid keys (%s)', (backend) => {
  // A small cache and limit so a flood fits in a test; each test speaks from its own loopback address.
  const FAILURES_PER_MINUTE = 40;
  const CACHE_SIZE = 20;
  let t: TestService;
  const agents: Agent[] = [];
  beforeAll(async () => {
    t = await startTestService(backend, { config: { apiKeyFailuresPerMinute: FAILURES_PER_MINUTE, apiKeyCacheSize: CACHE_SIZE } });
  }, 60_000);
  afterAll(() => releaseAll(() => Promise.all(agents.map((a) => a.close())), () => t?.close()));

  /** whoami with `key`, sent from the loopback address `from` (Linux routes all of 127/8 to lo). */
  function whoamiFrom(from: string) {
    const agent = new Agent({ localAddress: from });
    agents.push(agent);
    return async (key: string) => {
      const res = await request(`${t.url}/v2/account/whoami`, { headers: { apikey: key }, dispatcher: agent });
      return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, any> };
    };
  }

  async function lookups(result: 'valid' | 'unknown' | 'revoked'): Promise<number> {
    const metric = await t.service.ctx.metrics.apiKeyLookups.get();
    return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
  }

  const wrongKey = (i: number) => `sk_sandbox_${'W'.repeat(30)}${String(i).padStart(10, '0')}`;

  it('past the limit an address gets 429 with Retry-After in the error shape, costing no lookup, while its known valid key still works', async () => {
    const whoami = whoamiFrom('127.0.0.2');
    const known = await createKey(t.database.handle, t.orgId, 'sandbox', ['account']);
    const unseen = await createKey(t.database.handle, t.orgId, 'sandbox', ['account']);
    expect((await whoami(known.secret)).status).toBe(200);
    expect((await whoamiFrom('127.0.0.5')(t.adminKey)).status).toBe(200);

    const before = await lookups('unknown');
    // The same wrong key over and over: refused from the cache after its one lookup.
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) {
      const res = await whoami(wrongKey(0));
      expect(res.status).toBe(401);
      expect(res.body.type).toBe('UNAUTHORIZED');
    }
    expect(await lookups('unknown')).toBe(before + 1);

    const throttled = await whoami(wrongKey(0));
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', code: 'RATE_LIMIT_EXCEEDED', details: { field: 'apikey' } });
    expect(throttled.body.requestId).toBe(throttled.headers['x-request-id']);
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // While blocked, fresh guesses are refused without a lookup.
    for (let i = 1; i <= 5; i++) expect((await whoami(wrongKey(i))).status).toBe(429);
    expect(await lookups('unknown')).toBe(before + 1);

    // Valid keys this node knows are exempt; one it has never seen cannot be told from a guess and waits too.
    expect((await whoami(known.secret)).status).toBe(200);
    expect((await whoami(t.adminKey)).status).toBe(200);
    expect((await whoami(unseen.secret)).status).toBe(429);

    // Other addresses are not affected.
    expect((await whoamiFrom('127.0.0.4')(wrongKey(0))).status).toBe(401);
  });

  it('a flood of distinct wrong keys does not evict a valid key from the cache', async () => {
    const whoami = whoamiFrom('127.0.0.3');
    const valid = await createKey(t.database.handle, t.orgId, 'sandbox', ['account']);
    const validBefore = await lookups('valid');
    expect((await whoami(valid.secret)).status).toBe(200);
    expect(await lookups('valid')).toBe(validBefore + 1);

    // Three times the cache's size in distinct wrong keys, within the address's limit.
    const unknownBefore = await lookups('unknown');
    const flood = CACHE_SIZE * 3;
    expect(flood).toBeLessThan(FAILURES_PER_MINUTE * 2);
    for (let i = 0; i < flood; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, j) => whoami(wrongKey(1000 + i + j))));
      expect(batch.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    }
    expect(await lookups('unknown')).toBeGreaterThan(unknownBefore + CACHE_SIZE);

    // Still answered from the cache: no second lookup of the valid key.
    expect((await whoami(valid.secret)).status).toBe(200);
    expect(await lookups('valid')).toBe(validBefore + 1);
  });
});

describe.each(BACKENDS)('API keys: behind a trusted proxy, failed attempts count per forwarded client (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { apiKeyFailuresPerMinute: 3, trustProxy: '127.0.0.1' } });
  }, 60_000);
  afterAll(async () => t?.close());

  const whoamiFor = (client: string, key: string) =>
    call(t.url, 'GET', '/v2/account/whoami', { key, headers: { 'x-forwarded-for': client } });

  it('one client behind the proxy reaching its limit does not throttle another behind the same proxy', async () => {
    const wrong = `sk_sandbox_${'P'.repeat(40)}`;
    for (let i = 0; i < 3; i++) expect((await whoamiFor('203.0.113.7', wrong)).status).toBe(401);
    expect((await whoamiFor('203.0.113.7', wrong)).status).toBe(429);
    expect((await whoamiFor('203.0.113.8', wrong)).status).toBe(401);
  });
});
