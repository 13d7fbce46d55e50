// API key authentication rule by rule (src/account/authenticate.ts), on a bare database: the authenticator's caches,
// refusals, failure throttle and revocation broadcast, and the onRequest hook on a small Fastify app with only the
// error handler and a scoped and a public route (the bodies a caller sees). No service start: `npm run mutate` pays
// this file's set-up again for every mutant.
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { sql } from 'drizzle-orm';
import { request as httpRequest } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../src/account/api-keys.ts';
import { broadcastApiKeyRevoked, createApiKeyAuthenticator, installApiKeyAuth, type ApiKeyAuthenticator } from '../../src/account/authenticate.ts';
import { findApiKeyByHash } from '../../src/account/store.ts';
import { installErrorHandling } from '../../src/platform/http/error-handler.ts';
import { createRateLimiters } from '../../src/platform/rate-limits.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createGuardContext, type GuardContext } from '../support/guard-context.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { refusalOf } from '../support/refusals.ts';

/** A request as the auth hook sees it: the apikey header and the client address. */
function requestWith(key: string | undefined, ip = '198.51.100.1'): FastifyRequest {
  return { headers: key === undefined ? {} : { apikey: key }, ip } as unknown as FastifyRequest;
}

/** A client address no other test has used (the failure throttle is per address). */
const freshAddress = () => `2001:db8::${randomBytes(4).toString('hex').replace(/(.{4})(.{4})/, '$1:$2')}`;

describe.each(BACKENDS)('API key authentication (%s)', (backend) => {
  let guard: GuardContext;
  const database = () => guard.database.handle;

  beforeAll(async () => {
    guard = await createGuardContext(backend);
  });
  afterAll(async () => guard?.close());

  /** Each test's authenticators, apps and rate limiters, closed after it (close runs once). */
  const opened: Array<() => Promise<void>> = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(opened.splice(0).map((close) => close()));
  });

  /** Its own authenticator (and failure counts) over the test database, with a failure limit of `perMinute`. */
  function authenticatorWith(perMinute = 30, cacheSize = 100): ApiKeyAuthenticator {
    // On the test's clock (Date, faked in some tests), like the authenticator's own block.
    const rateLimiters = createRateLimiters({ redisUrl: null, now: () => Date.now() });
    const ctx = guard.ctx;
    const authenticator = createApiKeyAuthenticator({
      ...ctx,
      rateLimiters,
      config: { ...ctx.config, apiKeyFailuresPerMinute: perMinute, apiKeyCacheSize: cacheSize },
    });
    const close = authenticator.close.bind(authenticator);
    let closing: Promise<void> | null = null;
    authenticator.close = () => (closing ??= close());
    opened.push(async () => {
      await authenticator.close();
      await rateLimiters.close();
    });
    return authenticator;
  }

  async function revokeInDatabaseOnly(keyId: string): Promise<void> {
    await database().db.execute(sql`update api_keys set revoked_at = now() where id = ${keyId}`);
  }

  describe('the authenticator', () => {
    it('a valid key is answered with its org, environment and scopes; the cache knows it only once it was looked up', async () => {
      const orgId = await createOrg(database(), 'Auth org');
      const key = await createKey(database(), orgId, 'live', ['access', 'link']);
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
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
      const authenticator = authenticatorWith();
      const request = { headers: { apikey: [key.secret, 'other'] }, ip: freshAddress() } as unknown as FastifyRequest;
      expect((await authenticator.authenticate(request)).keyId).toBe(key.id);
      expect(authenticator.authenticateFromCache(request)?.keyId).toBe(key.id);
    });

    it('missing, malformed, unknown and revoked keys are 401s naming the apikey field, each with its own message', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
      await revokeInDatabaseOnly(key.id);
      const authenticator = authenticatorWith();
      const ip = freshAddress();
      const cases: Array<[string | undefined, string]> = [
        [undefined, 'Missing API key: send it in the apikey header'],
        ['', 'Missing API key: send it in the apikey header'],
        ['sk_sandbox_short', 'Malformed API key: expected sk_sandbox_… or sk_live_…'],
        [`sk_sandbox_${'Z'.repeat(40)}`, 'Invalid API key'],
        [key.secret, 'API key has been revoked'],
        // Asked again: the refusal is remembered, with the same answer.
        [`sk_sandbox_${'Z'.repeat(40)}`, 'Invalid API key'],
        [key.secret, 'API key has been revoked'],
      ];
      for (const [secret, message] of cases) {
        const error = await refusalOf(authenticator.authenticate(requestWith(secret, ip)));
        expect(error.type).toBe('UNAUTHORIZED');
        expect(error.details).toEqual({ field: 'apikey' });
        expect(error.message).toBe(message);
      }
    });

    it('a key sent as Authorization: Bearer is told where it goes; another Authorization scheme is not', async () => {
      const authenticator = authenticatorWith();
      const refusalWith = (authorization: string) =>
        refusalOf(authenticator.authenticate({ headers: { authorization }, ip: freshAddress() } as unknown as FastifyRequest));
      for (const authorization of ['Bearer sk_sandbox_x', 'bearer\tsk_live_x']) {
        const error = await refusalWith(authorization);
        expect(error.message).toBe('Missing API key: the key goes in the apikey header (apikey: sk_…), not in Authorization: Bearer');
        expect(error.details).toEqual({ field: 'apikey' });
      }
      for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'NotBearer sk_live_x']) {
        expect((await refusalWith(authorization)).message).toBe('Missing API key: send it in the apikey header');
      }
    });

    it('a valid answer is trusted for 30 s, then the database is asked again; forget() drops it at once', async () => {
      const orgId = await createOrg(database());
      const kept = await createKey(database(), orgId, 'sandbox', ['account']);
      const forgotten = await createKey(database(), orgId, 'sandbox', ['account']);
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
      expect(error.message).toBe('API key has been revoked');

      await authenticator.forget(forgotten.id);
      expect(authenticator.authenticateFromCache(requestWith(forgotten.secret))).toBeUndefined();
    });

    it('a stale valid key that is still valid is accepted again and cached afresh', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
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

    it('the valid keys cached are bounded by the cache size: the least recently used one is looked up again', async () => {
      const orgId = await createOrg(database());
      const [a, b] = [await createKey(database(), orgId, 'sandbox', ['account']), await createKey(database(), orgId, 'sandbox', ['account'])];
      const authenticator = authenticatorWith(30, 1);
      await authenticator.authenticate(requestWith(a.secret));
      await authenticator.authenticate(requestWith(b.secret));
      expect(authenticator.authenticateFromCache(requestWith(b.secret))?.keyId).toBe(b.id);
      expect(authenticator.authenticateFromCache(requestWith(a.secret))).toBeUndefined();
    });

    it('past the failure limit an address gets 429 with Retry-After until the block lifts; a known valid key is exempt', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
      const other = await createKey(database(), orgId, 'sandbox', ['account']);
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
      expect(throttled.message).toBe(`Too many failed API key attempts from this address; retry in ${retryAfter} s`);

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
      const third = await createKey(database(), orgId, 'sandbox', ['account']);
      expect((await authenticator.authenticate(requestWith(third.secret, ip))).keyId).toBe(third.id);
    });

    it('a known valid key gone stale is looked up again while its address is blocked; a new key from there waits', async () => {
      const orgId = await createOrg(database());
      const known = await createKey(database(), orgId, 'sandbox', ['account']);
      const unseen = await createKey(database(), orgId, 'sandbox', ['account']);
      // One failure a minute: the second blocks the address for 60 s, longer than a valid answer stays fresh.
      const authenticator = authenticatorWith(1);
      const ip = freshAddress();
      vi.useFakeTimers({ toFake: ['Date'] });
      const start = Date.now();
      await authenticator.authenticate(requestWith(known.secret, ip));
      await refusalOf(authenticator.authenticate(requestWith('bad-1', ip)));
      const blocked = await refusalOf(authenticator.authenticate(requestWith('bad-2', ip)));
      expect(blocked.headers?.['retry-after']).toBe('60');
      vi.setSystemTime(start + 31_000);
      expect(authenticator.authenticateFromCache(requestWith(known.secret, ip))).toBeUndefined();
      expect((await authenticator.authenticate(requestWith(known.secret, ip))).keyId).toBe(known.id);
      expect((await refusalOf(authenticator.authenticate(requestWith(unseen.secret, ip)))).type).toBe('RATE_LIMIT_EXCEEDED');
    });

    it('a valid key that became revoked while cached earns a failed attempt against its address when looked up again', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
      const authenticator = authenticatorWith(1);
      const ip = freshAddress();
      vi.useFakeTimers({ toFake: ['Date'] });
      const start = Date.now();
      await authenticator.authenticate(requestWith(key.secret, ip));
      await revokeInDatabaseOnly(key.id);
      vi.setSystemTime(start + 31_000);
      expect((await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)))).message).toBe('API key has been revoked');
      expect((await refusalOf(authenticator.authenticate(requestWith(key.secret, ip)))).type).toBe('RATE_LIMIT_EXCEEDED');
    });

    async function lookups(result: 'valid' | 'unknown' | 'revoked'): Promise<number> {
      const metric = await guard.ctx.metrics.apiKeyLookups.get();
      return metric.values.find((v) => v.labels.result === result)?.value ?? 0;
    }
    async function throttledCount(): Promise<number> {
      return (await guard.ctx.metrics.apiKeyAttemptsThrottled.get()).values[0]?.value ?? 0;
    }

    it('each database lookup is counted by its result; a cached answer, valid or refused, costs none', async () => {
      const orgId = await createOrg(database());
      const valid = await createKey(database(), orgId, 'sandbox', ['account']);
      const revoked = await createKey(database(), orgId, 'sandbox', ['account']);
      const laterRevoked = await createKey(database(), orgId, 'sandbox', ['account']);
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
      for (let i = 0; i < 2; i++) {
        expect((await refusalOf(authenticator.authenticate(requestWith(laterRevoked.secret, ip)))).message).toBe('API key has been revoked');
      }
      expect(await lookups('valid')).toBe(before.valid + 2);
      expect(await lookups('revoked')).toBe(before.revoked + 2);
    });

    it('the block lifts exactly when its Retry-After ends, counting each throttled request, with the seconds left while it holds', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
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
      // Lifted for good: the next unknown key from the address is looked up (a 401, not a 429).
      expect((await refusalOf(authenticator.authenticate(requestWith(`sk_sandbox_${'W'.repeat(40)}`, ip)))).type).toBe('UNAUTHORIZED');
    });

    it('a revocation broadcast drops the key from every node\'s cache at once, and only that key', async () => {
      const orgId = await createOrg(database());
      const revoked = await createKey(database(), orgId, 'sandbox', ['account']);
      const kept = await createKey(database(), orgId, 'sandbox', ['account']);
      // Two nodes' authenticators over one database.
      const here = authenticatorWith();
      const there = authenticatorWith();
      for (const node of [here, there]) {
        await node.authenticate(requestWith(revoked.secret));
        await node.authenticate(requestWith(kept.secret));
      }
      // The other node may not be listening yet at the first broadcast: sent until it is heard.
      await eventually(
        async () => {
          await here.forget(revoked.id);
          return there.authenticateFromCache(requestWith(revoked.secret)) === undefined;
        },
        { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 100, what: 'the revocation heard by the other node' },
      );
      expect(here.authenticateFromCache(requestWith(revoked.secret))).toBeUndefined();
      expect(there.authenticateFromCache(requestWith(kept.secret))?.keyId).toBe(kept.id);
      // The CLI revokes without an authenticator: its broadcast is heard the same way.
      await there.authenticate(requestWith(revoked.secret)).catch(() => undefined);
      await there.authenticate(requestWith(kept.secret));
      await broadcastApiKeyRevoked(database(), kept.id);
      await eventually(() => there.authenticateFromCache(requestWith(kept.secret)) === undefined, {
        timeoutMs: WORKER_PROGRESS_TIMEOUT_MS,
        what: 'the CLI\'s revocation heard',
      });
    });

    it('forgetting one key keeps the others cached; closing writes the pending lastUsedAt', async () => {
      const orgId = await createOrg(database());
      const a = await createKey(database(), orgId, 'sandbox', ['account']);
      const b = await createKey(database(), orgId, 'sandbox', ['account']);
      const authenticator = authenticatorWith();
      await authenticator.authenticate(requestWith(a.secret));
      await authenticator.authenticate(requestWith(b.secret));
      await authenticator.forget(a.id);
      expect(authenticator.authenticateFromCache(requestWith(a.secret))).toBeUndefined();
      expect(authenticator.authenticateFromCache(requestWith(b.secret))?.keyId).toBe(b.id);
      await authenticator.close();
      expect((await findApiKeyByHash(database().db, hashApiKey(b.secret)))?.lastUsedAt).toBeInstanceOf(Date);
    });

    it('the keys used are written as lastUsedAt when the batch is flushed, and only those', async () => {
      const orgId = await createOrg(database());
      const used = await createKey(database(), orgId, 'sandbox', ['account']);
      const cached = await createKey(database(), orgId, 'sandbox', ['account']);
      const unused = await createKey(database(), orgId, 'sandbox', ['account']);
      const authenticator = authenticatorWith();
      await authenticator.authenticate(requestWith(used.secret));
      await authenticator.authenticate(requestWith(cached.secret));
      await authenticator.flushLastUsed();
      const lastUsed = async (secret: string) => (await findApiKeyByHash(database().db, hashApiKey(secret)))?.lastUsedAt ?? null;
      await database().db.execute(sql`update api_keys set last_used_at = null where id in (${used.id}, ${cached.id})`);
      // A use answered from the cache counts too.
      expect(authenticator.authenticateFromCache(requestWith(cached.secret))?.keyId).toBe(cached.id);
      await authenticator.flushLastUsed();
      expect(await lastUsed(cached.secret)).toBeInstanceOf(Date);
      expect(await lastUsed(used.secret)).toBeNull();
      expect(await lastUsed(unused.secret)).toBeNull();
    });

    it('the batch of keys used is flushed every 30 s without being asked', async () => {
      const orgId = await createOrg(database());
      const key = await createKey(database(), orgId, 'sandbox', ['account']);
      // Only setInterval is driven by hand: the flush's database work and the polling below run in real time.
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      const authenticator = authenticatorWith();
      await authenticator.authenticate(requestWith(key.secret));
      const lastUsed = async () => (await findApiKeyByHash(database().db, hashApiKey(key.secret)))?.lastUsedAt ?? null;
      vi.advanceTimersByTime(29_999);
      expect(await lastUsed()).toBeNull();
      vi.advanceTimersByTime(1);
      await eventually(lastUsed, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'lastUsedAt written by the periodic flush' });
    });
  });

  describe('the onRequest hook', () => {
    /** A Fastify app with our error handler, the hook, a route needing `account` and a public one, on loopback. */
    async function appWith(authenticator: ApiKeyAuthenticator): Promise<string> {
      const app: FastifyInstance = Fastify();
      opened.push(() => app.close());
      installErrorHandling(app);
      installApiKeyAuth(app, authenticator);
      app.get('/scoped', { config: { scope: 'account' } }, async (request) => ({ auth: request.auth }));
      app.get('/public', async (request) => ({ auth: request.auth }));
      return app.listen({ port: 0, host: '127.0.0.1' });
    }
    async function get(base: string, path: string, headers: Record<string, string> = {}) {
      const res = await httpRequest(`${base}${path}`, { headers });
      return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as Record<string, unknown> };
    }

    it('a route with a scope needs a key holding it: 403 naming the scope, whether the key is looked up or cached', async () => {
      const orgId = await createOrg(database());
      const linkOnly = await createKey(database(), orgId, 'sandbox', ['link']);
      const account = await createKey(database(), orgId, 'live', ['account', 'link']);
      const base = await appWith(authenticatorWith());
      for (let i = 0; i < 2; i++) {
        const refused = await get(base, '/scoped', { apikey: linkOnly.secret });
        expect(refused.status).toBe(403);
        expect(refused.body).toMatchObject({ type: 'FORBIDDEN', message: 'This API key lacks the account scope', details: { requiredScope: 'account' } });
      }
      for (let i = 0; i < 2; i++) {
        const accepted = await get(base, '/scoped', { apikey: account.secret });
        expect(accepted.status).toBe(200);
        expect(accepted.body.auth).toEqual({ orgId, keyId: account.id, environment: 'live', scopes: ['account', 'link'] });
      }
    });

    it('a route without a scope is public: no key needed, a wrong one ignored, no auth on the request', async () => {
      const base = await appWith(authenticatorWith(1));
      const cases: Array<Record<string, string>> = [{}, { apikey: 'not-a-key' }, { apikey: 'not-a-key' }];
      for (const headers of cases) {
        const res = await get(base, '/public', headers);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ auth: null });
      }
    });

    it('refusals leave as the public error shape: 401 naming the apikey field, 429 with Retry-After', async () => {
      const base = await appWith(authenticatorWith(1));
      const missing = await get(base, '/scoped');
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ type: 'UNAUTHORIZED', message: 'Missing API key: send it in the apikey header', details: { field: 'apikey' } });
      const unknown = await get(base, '/scoped', { apikey: `sk_live_${'U'.repeat(40)}` });
      expect(unknown.status).toBe(401);
      expect(unknown.body).toMatchObject({ type: 'UNAUTHORIZED', message: 'Invalid API key', details: { field: 'apikey' } });
      const throttled = await get(base, '/scoped', { apikey: `sk_live_${'V'.repeat(40)}` });
      expect(throttled.status).toBe(429);
      expect(throttled.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', details: { field: 'apikey' } });
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    });
  });
});
