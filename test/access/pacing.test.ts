// Pacing as documented (README "Access", docs/ofauth-wire-contract.md §9.1): a token bucket per connection —
// `burst` requests at once, then one every 60/`requestsPerMinute` s — with X-RateLimit-Limit (the burst),
// -Remaining (whole tokens left), -Reset (Unix seconds when full again) and, on a 429, Retry-After (seconds until one
// token is back). Issue 16, defect 13: it was two fixed 60 s windows (Retry-After 60, then 429s 13 s later).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiters, type RateLimiters } from '../../src/platform/rate-limits.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { access, importConnection } from './access-fixture.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';
const FIVE_A_MINUTE_BURST_TWO = { perMinute: 5, burst: 2 };

describe.each(['memory', 'redis'] as const)('token bucket on a manual clock (%s)', (backend) => {
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 12, 0, 0));
  let limiters: RateLimiters;
  beforeAll(() => {
    limiters = createRateLimiters({ redisUrl: backend === 'redis' ? REDIS_URL : null, keyPrefix: `ofc-test-${randomUUID()}`, now: () => clock.now().getTime() });
  });
  afterAll(async () => limiters?.close());

  const spend = (key: string, spec = FIVE_A_MINUTE_BURST_TWO) => limiters.consume('access', spec, key);
  const nowSeconds = () => clock.now().getTime() / 1000;

  it('a full bucket lets the burst through at once, then refuses with Retry-After until one token is back', async () => {
    const first = await spend('drain');
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1, retryAfterSeconds: 0 });
    // One token spent at 5/min: full again in 12 s.
    expect(first.resetAt).toBe(nowSeconds() + 12);
    const second = await spend('drain');
    expect(second).toMatchObject({ allowed: true, limit: 2, remaining: 0 });
    expect(second.resetAt).toBe(nowSeconds() + 24);
    const third = await spend('drain');
    expect(third).toMatchObject({ allowed: false, limit: 2, remaining: 0, retryAfterSeconds: 12 });
  });

  it('refills continuously: one token every 60/rate seconds, never past the burst', async () => {
    await spend('refill');
    await spend('refill');
    clock.advance(6_000);
    expect(await spend('refill')).toMatchObject({ allowed: false, retryAfterSeconds: 6 });
    clock.advance(6_000);
    expect(await spend('refill')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await spend('refill')).toMatchObject({ allowed: false, retryAfterSeconds: 12 });
    // Long idle: the bucket holds the burst, not the minutes' worth of refills.
    clock.advance(10 * 60_000);
    expect(await spend('refill')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await spend('refill')).toMatchObject({ allowed: true, remaining: 0 });
    expect(await spend('refill')).toMatchObject({ allowed: false });
  });

  it('a request refused at Retry-After − 1 s passes at Retry-After (no window boundary to wait for)', async () => {
    await spend('window');
    await spend('window');
    const refused = await spend('window');
    clock.advance((refused.retryAfterSeconds - 1) * 1000);
    expect((await spend('window')).allowed).toBe(false);
    clock.advance(1000);
    expect((await spend('window')).allowed).toBe(true);
  });

  it('the default 60/min burst 90 allows 90 at once, then one a second', async () => {
    const spec = { perMinute: 60, burst: 90 };
    for (let i = 0; i < 90; i++) expect((await spend('default', spec)).allowed).toBe(true);
    expect(await spend('default', spec)).toMatchObject({ allowed: false, limit: 90, retryAfterSeconds: 1 });
    clock.advance(1000);
    expect(await spend('default', spec)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('buckets are separate per key and per limit name', async () => {
    await spend('a');
    await spend('a');
    expect((await spend('a')).allowed).toBe(false);
    expect((await spend('b')).allowed).toBe(true);
    expect((await limiters.consume('link-login-account', FIVE_A_MINUTE_BURST_TWO, 'a')).allowed).toBe(true);
  });

  it('a smaller burst caps what a bucket already holds (changing the pacing does not hand out a fresh bucket)', async () => {
    const wide = { perMinute: 60, burst: 90 };
    await spend('reshaped', wide);
    const narrowed = await spend('reshaped', { perMinute: 5, burst: 2 });
    expect(narrowed).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
  });
});

describe.each(BACKENDS)('access pacing headers (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  }, 60_000);
  afterAll(async () => t?.close());

  it('a connection at 5/min burst 2: X-RateLimit-Limit is its burst, Remaining counts down, the third call is a 429 with Retry-After of at most 12 s', async () => {
    const conn = await importConnection(t);
    const set = await call(t.url, 'PATCH', `/v2/account/connections/${conn.id}/settings`, {
      key: t.adminKey,
      body: { pacing: { requestsPerMinute: 5, burst: 2 } },
    });
    expect(set.status).toBe(200);
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push(await access(t, conn.id, 'GET', '/v2/access/proxy/users/me'));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(replies.map((r) => r.headers['x-ratelimit-limit'])).toEqual(['2', '2', '2']);
    expect(replies.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['1', '0', '0']);
    const retryAfter = Number(replies[2].headers['retry-after']);
    // One token comes back every 12 s; a fixed window said 60.
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(12);
    expect(replies[2].body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED' });
    // Reset: when the two spent tokens are back (24 s), not a minute's window.
    const reset = Number(replies[2].headers['x-ratelimit-reset']);
    expect(reset - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(25);
  }, 60_000);

  it("a connection overriding only requestsPerMinute keeps its org's burst (not a fixed default), and GET shows only what it overrides", async () => {
    const orgId = await createOrg(t.database.handle, 'Paced org');
    const key = (await createKey(t.database.handle, orgId)).secret;
    const org = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { pacing: { requestsPerMinute: 30, burst: 3, concurrency: 2 } } });
    expect(org.status).toBe(200);
    const conn = await importConnection(t, { key });
    const set = await call(t.url, 'PATCH', `/v2/account/connections/${conn.id}/settings`, { key, body: { pacing: { requestsPerMinute: 6 } } });
    expect(set.status).toBe(200);
    expect(set.body.pacing).toEqual({ requestsPerMinute: 6 });
    expect((await call(t.url, 'GET', `/v2/account/connections/${conn.id}/settings`, { key })).body.pacing).toEqual({ requestsPerMinute: 6 });
    const first = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me', { key });
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
  }, 60_000);

  it('a pacing override stored before input rules (a burst of Infinity, kept as null) is ignored, not a 500', async () => {
    const conn = await importConnection(t);
    const broken = JSON.stringify({ pacing: { requestsPerMinute: 60, burst: null, concurrency: 2 } });
    await t.database.handle.db.execute(sql`update connections set settings = ${broken}::jsonb where id = ${conn.id}`);
    const settings = await call(t.url, 'GET', `/v2/account/connections/${conn.id}/settings`, { key: t.adminKey });
    expect(settings.status).toBe(200);
    expect(settings.body.pacing).toEqual({ requestsPerMinute: 60, concurrency: 2 });
    const reply = await access(t, conn.id, 'GET', '/v2/access/proxy/users/me');
    expect(reply.status).toBe(200);
    expect(reply.headers['x-ratelimit-limit']).toBe('90');
  }, 60_000);
});
