// The API key guard rule by rule: key format and material, scopes and connection permissions, and the
// authenticator's caches, refusals, failure throttle and scope check (what `npm run mutate` holds these modules to).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { sql } from 'drizzle-orm';
import { displayPrefix, environmentOfKey, hashApiKey, mintApiKey } from '../../src/account/api-keys.ts';
import { createApiKeyAuthenticator, type ApiKeyAuthenticator } from '../../src/account/authenticate.ts';
import {
  CONNECTION_PERMISSIONS,
  READ_CONNECTION_PERMISSIONS,
  defaultConnectionPermissionsFor,
  unknownPermissions,
} from '../../src/account/permissions.ts';
import { permissionNamesOf } from '../../src/account/scopes.ts';
import { findApiKeyByHash } from '../../src/account/store.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { refusalOf } from '../support/refusals.ts';

const ALNUM = 'Ab3'.repeat(30);

describe('API key material', () => {
  it('a key is sk_sandbox_ or sk_live_ and 32 to 64 letters or digits, nothing before or after', () => {
    expect(environmentOfKey(`sk_sandbox_${ALNUM.slice(0, 32)}`)).toBe('sandbox');
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 64)}`)).toBe('live');
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 31)}`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 65)}`)).toBeNull();
    expect(environmentOfKey(`xsk_live_${ALNUM.slice(0, 40)}`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 40)}!`)).toBeNull();
    expect(environmentOfKey(`sk_live_${ALNUM.slice(0, 20)}-${ALNUM.slice(0, 20)}`)).toBeNull();
    expect(environmentOfKey(`sk_test_${ALNUM.slice(0, 40)}`)).toBeNull();
    expect(environmentOfKey('')).toBeNull();
  });

  it('a minted key has 40 random characters, is stored as its SHA-256 and shown by its first six', () => {
    for (const environment of ['sandbox', 'live'] as const) {
      const a = mintApiKey(environment);
      const b = mintApiKey(environment);
      expect(a.secret).toMatch(new RegExp(`^sk_${environment}_[A-Za-z0-9]{40}$`));
      expect(a.secret).not.toBe(b.secret);
      expect(environmentOfKey(a.secret)).toBe(environment);
      expect(a.hash).toBe(createHash('sha256').update(a.secret).digest('hex'));
      expect(a.prefix).toBe(a.secret.slice(0, `sk_${environment}_`.length + 6));
    }
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(displayPrefix('sk_live_ABCDEFGHIJ')).toBe('sk_live_ABCDEF');
    expect(displayPrefix('sk_sandbox_ABCDEFGHIJ')).toBe('sk_sandbox_ABCDEF');
  });
});

describe('scopes and connection permissions', () => {
  it('whoami names scopes by their OFAuth permission names, in a fixed order, ignoring unknown ones', () => {
    expect(permissionNamesOf(['admin', 'rules', 'account', 'bogus'])).toEqual(['ACCOUNT', 'DYNAMIC_RULES', 'ADMIN']);
    expect(permissionNamesOf(['access', 'link'])).toEqual(['LINK', 'ACCESS']);
    expect(permissionNamesOf([])).toEqual([]);
  });

  it('sandbox connections default to every read and write, live ones to reads only, and each caller gets its own copy', () => {
    const sandbox = defaultConnectionPermissionsFor('sandbox');
    expect(sandbox).toHaveLength(18);
    expect(sandbox).toContain('posts:write');
    expect(sandbox).toContain('lists:read');
    const live = defaultConnectionPermissionsFor('live');
    expect(live).toEqual(READ_CONNECTION_PERMISSIONS);
    expect(live.every((p) => p.endsWith(':read'))).toBe(true);
    expect(live).toHaveLength(9);
    sandbox.pop();
    live.pop();
    expect(defaultConnectionPermissionsFor('sandbox')).toEqual(CONNECTION_PERMISSIONS);
    expect(defaultConnectionPermissionsFor('live')).toHaveLength(9);
  });

  it('unknown permissions are named back, known ones pass', () => {
    expect(unknownPermissions(['posts:read', 'posts:delete', 'vault:write', 'admin'])).toEqual(['posts:delete', 'admin']);
    expect(unknownPermissions(CONNECTION_PERMISSIONS)).toEqual([]);
  });
});

/** A request as the auth hook sees it: the apikey header and the client address. */
function requestWith(key: string | undefined, ip = '198.51.100.1'): FastifyRequest {
  return { headers: key === undefined ? {} : { apikey: key }, ip } as unknown as FastifyRequest;
}

describe.each(BACKENDS)('the API key guard (%s)', (backend) => {
  let t: TestService;
  /** A client address no other test has used (the failure throttle is per address). */
  const freshAddress = () => `2001:db8::${randomBytes(4).toString('hex').replace(/(.{4})(.{4})/, '$1:$2')}`;

  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());
  /** Each test's authenticators, closed after it (a test may close one itself: close runs once). */
  const opened: Array<() => Promise<void>> = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((close) => close()));
  });

  /** Its own authenticator over the running service's database, with a failure limit of `perMinute`. */
  function authenticatorWith(perMinute = 30): ApiKeyAuthenticator {
    const ctx = t.service.ctx;
    const authenticator = createApiKeyAuthenticator({ ...ctx, config: { ...ctx.config, apiKeyFailuresPerMinute: perMinute } });
    const close = authenticator.close.bind(authenticator);
    let closing: Promise<void> | null = null;
    authenticator.close = () => (closing ??= close());
    opened.push(() => authenticator.close());
    return authenticator;
  }

  async function revokeInDatabaseOnly(keyId: string): Promise<void> {
    await t.database.handle.db.execute(sql`update api_keys set revoked_at = now() where id = ${keyId}`);
  }

  it('a route names the scope it needs: a key without it is 403 naming the scope, looked up or cached', async () => {
    const orgId = await createOrg(t.database.handle, 'Scope org');
    const linkOnly = await createKey(t.database.handle, orgId, 'sandbox', ['link']);
    for (let i = 0; i < 2; i++) {
      const res = await call(t.url, 'GET', '/v2/account/whoami', { key: linkOnly.secret });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ type: 'FORBIDDEN', details: { requiredScope: 'account' } });
      expect(res.body.message).toContain('account scope');
    }
    const accountKey = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    for (let i = 0; i < 2; i++) {
      const res = await call(t.url, 'GET', '/v2/account/whoami', { key: accountKey.secret });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: orgId, permissions: ['ACCOUNT'] });
    }
    // A route without a scope is public: no key needed, a wrong one ignored.
    expect((await call(t.url, 'GET', '/healthz', { key: 'not-a-key' })).status).toBe(200);
  });

  it('a valid key is answered with its org, environment and scopes; the cache knows it only once it was looked up', async () => {
    const orgId = await createOrg(t.database.handle, 'Auth org');
    const key = await createKey(t.database.handle, orgId, 'live', ['access', 'link']);
    const authenticator = authenticatorWith();
    const request = requestWith(key.secret);
    expect(authenticator.authenticateFromCache(request)).toBeUndefined();
    const expected = { orgId, keyId: key.id, environment: 'live', scopes: ['access', 'link'] };
    expect(await authenticator.authenticate(request)).toEqual(expected);
    expect(authenticator.authenticateFromCache(request)).toEqual(expected);
    expect(authenticator.authenticateFromCache(requestWith(undefined))).toBeUndefined();
    expect(authenticator.authenticateFromCache(requestWith(`${key.secret}x`))).toBeUndefined();
  });

  it('the key may come as the first of repeated apikey headers', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith();
    const request = { headers: { apikey: [key.secret, 'other'] }, ip: freshAddress() } as unknown as FastifyRequest;
    expect((await authenticator.authenticate(request)).keyId).toBe(key.id);
  });

  it('missing, malformed, unknown and revoked keys are 401s naming the apikey field, each with its own message', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    await revokeInDatabaseOnly(key.id);
    const authenticator = authenticatorWith();
    const ip = freshAddress();
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /^Missing API key/],
      ['', /^Missing API key/],
      ['sk_sandbox_short', /^Malformed API key/],
      [`sk_sandbox_${'Z'.repeat(40)}`, /^Invalid API key$/],
      [key.secret, /^API key has been revoked$/],
      // Asked again: the refusal is remembered, with the same answer.
      [`sk_sandbox_${'Z'.repeat(40)}`, /^Invalid API key$/],
      [key.secret, /^API key has been revoked$/],
    ];
    for (const [secret, message] of cases) {
      const error = await refusalOf(authenticator.authenticate(requestWith(secret, ip)));
      expect(error.type).toBe('UNAUTHORIZED');
      expect(error.details).toEqual({ field: 'apikey' });
      expect(error.message).toMatch(message);
    }
  });

  it('a valid answer is trusted for 30 s, then the database is asked again; forget() drops it at once', async () => {
    const orgId = await createOrg(t.database.handle);
    const kept = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const forgotten = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await authenticator.authenticate(requestWith(kept.secret));
    await authenticator.authenticate(requestWith(forgotten.secret));
    await revokeInDatabaseOnly(kept.id);
    vi.setSystemTime(start + 29_000);
    expect(authenticator.authenticateFromCache(requestWith(kept.secret))?.keyId).toBe(kept.id);
    expect((await authenticator.authenticate(requestWith(kept.secret))).keyId).toBe(kept.id);
    vi.setSystemTime(start + 30_000);
    expect(authenticator.authenticateFromCache(requestWith(kept.secret))).toBeUndefined();
    const error = await refusalOf(authenticator.authenticate(requestWith(kept.secret, freshAddress())));
    expect(error.message).toMatch(/revoked/);

    await authenticator.forget(forgotten.id);
    expect(authenticator.authenticateFromCache(requestWith(forgotten.secret))).toBeUndefined();
  });

  it('a stale valid key that is still valid is accepted again and cached afresh', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await authenticator.authenticate(requestWith(key.secret));
    vi.setSystemTime(start + 45_000);
    expect(authenticator.authenticateFromCache(requestWith(key.secret))).toBeUndefined();
    expect((await authenticator.authenticate(requestWith(key.secret))).keyId).toBe(key.id);
    vi.setSystemTime(start + 45_000 + 29_000);
    expect(authenticator.authenticateFromCache(requestWith(key.secret))?.keyId).toBe(key.id);
  });

  it('past the failure limit an address gets 429 with Retry-After until the block lifts; a known valid key is exempt', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const other = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith(2);
    const ip = freshAddress();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await authenticator.authenticate(requestWith(key.secret, ip));
    for (let i = 0; i < 2; i++) {
      const error = await refusalOf(authenticator.authenticate(requestWith(`sk_sandbox_${String(i).repeat(40)}`, ip)));
      expect(error.type).toBe('UNAUTHORIZED');
    }
    const throttled = await refusalOf(authenticator.authenticate(requestWith('garbage', ip)));
    expect(throttled.type).toBe('RATE_LIMIT_EXCEEDED');
    const retryAfter = Number(throttled.headers?.['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(throttled.details).toEqual({ field: 'apikey', retryAfter });
    expect(throttled.message).toContain(`retry in ${retryAfter} s`);

    // Blocked: even a key this node has never seen (valid or not) waits; the known valid key does not.
    const blocked = await refusalOf(authenticator.authenticate(requestWith(other.secret, ip)));
    expect(blocked.type).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(blocked.headers?.['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(blocked.headers?.['retry-after'])).toBeLessThanOrEqual(retryAfter);
    expect((await authenticator.authenticate(requestWith(key.secret, ip))).keyId).toBe(key.id);
    // Another address is not blocked.
    expect((await authenticator.authenticate(requestWith(other.secret, freshAddress()))).keyId).toBe(other.id);

    // Stale, the known key is looked up again despite the block.
    vi.setSystemTime(start + 30_500);
    if (retryAfter * 1000 > 30_500) {
      expect((await authenticator.authenticate(requestWith(key.secret, ip))).keyId).toBe(key.id);
    }
    // Once the block lifts, a new key from the address is looked up again.
    vi.setSystemTime(start + 61_000);
    const third = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    expect((await authenticator.authenticate(requestWith(third.secret, ip))).keyId).toBe(third.id);
  });

  it('a valid key that became revoked while cached earns a failed attempt against its address when looked up again', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith(1);
    const ip = freshAddress();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    await authenticator.authenticate(requestWith(key.secret, ip));
    await revokeInDatabaseOnly(key.id);
    vi.setSystemTime(start + 31_000);
    expect((await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)))).message).toMatch(/revoked/);
    expect((await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)))).type).toBe('RATE_LIMIT_EXCEEDED');
  });

  async function lookups(result: 'valid' | 'unknown' | 'revoked'): Promise<number> {
    const metric = await t.service.ctx.metrics.apiKeyLookups.get();
    return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
  }
  async function throttledCount(): Promise<number> {
    return (await t.service.ctx.metrics.apiKeyAttemptsThrottled.get()).values[0]?.value ?? 0;
  }

  it('each database lookup is counted by its result; a cached answer, valid or refused, costs none', async () => {
    const orgId = await createOrg(t.database.handle);
    const valid = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const revoked = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const laterRevoked = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    await revokeInDatabaseOnly(revoked.id);
    const authenticator = authenticatorWith();
    const ip = freshAddress();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const before = { valid: await lookups('valid'), unknown: await lookups('unknown'), revoked: await lookups('revoked') };
    for (let i = 0; i < 2; i++) {
      await authenticator.authenticate(requestWith(valid.secret, ip));
      await refusalOf(authenticator.authenticate(requestWith(`sk_sandbox_${'Q'.repeat(40)}`, ip)));
      await refusalOf(authenticator.authenticate(requestWith(revoked.secret, ip)));
    }
    expect(await lookups('valid')).toBe(before.valid + 1);
    expect(await lookups('unknown')).toBe(before.unknown + 1);
    expect(await lookups('revoked')).toBe(before.revoked + 1);

    // Valid, then revoked while cached: once stale it is looked up once, and its refusal is remembered from then on.
    await authenticator.authenticate(requestWith(laterRevoked.secret, ip));
    await revokeInDatabaseOnly(laterRevoked.id);
    vi.setSystemTime(start + 30_000);
    for (let i = 0; i < 2; i++) expect((await refusalOf(authenticator.authenticate(requestWith(laterRevoked.secret, ip)))).message).toMatch(/revoked/);
    expect(await lookups('valid')).toBe(before.valid + 2);
    expect(await lookups('revoked')).toBe(before.revoked + 2);
  });

  it('the block lifts exactly when its Retry-After ends, counting each throttled request, with the seconds left while it holds', async () => {
    const orgId = await createOrg(t.database.handle);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith(1);
    const ip = freshAddress();
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.now();
    const throttledBefore = await throttledCount();
    await refusalOf(authenticator.authenticate(requestWith('bad-1', ip)));
    const first = await refusalOf(authenticator.authenticate(requestWith('bad-2', ip)));
    expect(first.type).toBe('RATE_LIMIT_EXCEEDED');
    const retryAfter = Number(first.headers?.['retry-after']);
    expect(await throttledCount()).toBe(throttledBefore + 1);
    vi.setSystemTime(start + 500);
    const held = await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)));
    expect(held.headers?.['retry-after']).toBe(String(retryAfter));
    expect(held.details).toEqual({ field: 'apikey', retryAfter });
    expect(await throttledCount()).toBe(throttledBefore + 2);
    vi.setSystemTime(start + retryAfter * 1000 - 1);
    expect((await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)))).headers?.['retry-after']).toBe('1');
    vi.setSystemTime(start + retryAfter * 1000);
    expect((await authenticator.authenticate(requestWith(key.secret, ip))).keyId).toBe(key.id);
  });

  it('forgetting one key keeps the others cached; closing writes the pending lastUsedAt', async () => {
    const orgId = await createOrg(t.database.handle);
    const a = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const b = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith();
    await authenticator.authenticate(requestWith(a.secret));
    await authenticator.authenticate(requestWith(b.secret));
    await authenticator.forget(a.id);
    expect(authenticator.authenticateFromCache(requestWith(a.secret))).toBeUndefined();
    expect(authenticator.authenticateFromCache(requestWith(b.secret))?.keyId).toBe(b.id);
    await authenticator.close();
    expect((await findApiKeyByHash(t.database.handle.db, hashApiKey(b.secret)))?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('the keys used are written as lastUsedAt when the batch is flushed, and only those', async () => {
    const orgId = await createOrg(t.database.handle);
    const used = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const unused = await createKey(t.database.handle, orgId, 'sandbox', ['account']);
    const authenticator = authenticatorWith();
    await authenticator.authenticate(requestWith(used.secret));
    authenticator.authenticateFromCache(requestWith(used.secret));
    const lastUsed = async (secret: string) => (await findApiKeyByHash(t.database.handle.db, hashApiKey(secret)))?.lastUsedAt ?? null;
    expect(await lastUsed(used.secret)).toBeNull();
    await authenticator.flushLastUsed();
    expect(await lastUsed(used.secret)).toBeInstanceOf(Date);
    expect(await lastUsed(unused.secret)).toBeNull();
    await authenticator.flushLastUsed();
  });
});
