import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { signUpstreamRequest } from '../../src/upstream/signing.ts';
import { createKey, createOrg } from '../support/orgs.ts';

describe.each(BACKENDS)('dynamic rules API (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** A rules key of an org of its own: the rules limits count per org, so what a test spends is its own. */
  async function rulesKeyOfNewOrg(environment: 'sandbox' | 'live' = 'sandbox'): Promise<string> {
    const orgId = await createOrg(t.database.handle, 'Rules caller');
    return (await createKey(t.database.handle, orgId, environment, ['rules'])).secret;
  }

  it('GET /v2/dynamic-rules returns the simulator\'s current rules for a sandbox key, with rate-limit headers', async () => {
    const res = await call(t.url, 'GET', '/v2/dynamic-rules', { key: await rulesKeyOfNewOrg() });
    expect(res.status).toBe(200);
    const published = await call(t.sandboxUrl, 'GET', '/dynamic-rules.json');
    expect(res.body.rules.revision).toBe(published.body.revision);
    expect(res.body.rules.static_param).toBe(published.body.static_param);
    expect(res.body).toMatchObject({ is_current: true, is_public: true, is_early_access: false });
    expect(res.headers['x-ratelimit-limit']).toBe('3');
    expect(res.headers['x-ratelimit-remaining']).toBe('2');
  });

  it('sign produces a signature the simulator\'s rules verify, for a path or a full URL', async () => {
    const rules = parseDynamicRules((await call(t.sandboxUrl, 'GET', '/dynamic-rules.json')).body);
    const res = await call(t.url, 'POST', '/v2/dynamic-rules/sign', {
      key: t.adminKey,
      body: { endpoint: 'https://onlyfans.com/api2/v2/chats?limit=10&offset=0', time: 1764000000000, 'user-id': 123456789 },
    });
    expect(res.status).toBe(200);
    const expected = signUpstreamRequest(rules, { path: '/api2/v2/chats?limit=10&offset=0', time: 1764000000000, userId: 123456789 });
    expect(res.body.signed).toEqual({ sign: expected.sign, time: '1764000000000', 'user-id': '123456789', 'app-token': rules.app_token, 'x-of-rev': rules.revision });
    const anonymous = await call(t.url, 'POST', '/v2/dynamic-rules/sign', { key: t.adminKey, body: { endpoint: '/api2/v2/init' } });
    expect(anonymous.body.signed['user-id']).toBeUndefined();
    expect(Number(anonymous.body.signed.time)).toBeGreaterThan(1.7e12);
  });

  it('sign validates its body', async () => {
    const res = await call(t.url, 'POST', '/v2/dynamic-rules/sign', { key: await rulesKeyOfNewOrg(), body: { time: 'soon' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'BAD_REQUEST', details: { field: 'endpoint' } });
  });

  it('status reports the revision', async () => {
    const res = await call(t.url, 'GET', '/v2/dynamic-rules/status', { key: t.adminKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ is_current: true, access_granted: true });
    expect(res.body.revision).toMatch(/^\d{12}-[0-9a-f]{10}$/);
  });

  it('rules are limited per org to a burst of 3, then 429 with Retry-After', async () => {
    const key = await rulesKeyOfNewOrg();
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await call(t.url, 'GET', '/v2/dynamic-rules', { key }));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(replies.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    const refused = replies[3];
    expect(refused.body).toMatchObject({ type: 'RATE_LIMIT_EXCEEDED', details: { retryAfter: expect.any(Number) } });
    // 1 per minute refills a token within 60 s; Retry-After and the body say so in whole seconds.
    const retryAfter = Number(refused.headers['retry-after']);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.details.retryAfter).toBe(retryAfter);
    // X-RateLimit-Reset is Unix seconds (not milliseconds) when the bucket is full again: within three minutes.
    const reset = Number(refused.headers['x-ratelimit-reset']);
    const nowSeconds = Date.now() / 1000;
    expect(reset).toBeGreaterThan(nowSeconds);
    expect(reset).toBeLessThanOrEqual(nowSeconds + 3 * 60 + 1);
    // Another org's budget is untouched.
    expect((await call(t.url, 'GET', '/v2/dynamic-rules', { key: await rulesKeyOfNewOrg() })).status).toBe(200);
  });

  it('a live key without a live rules source gets UPSTREAM_UNAVAILABLE', async () => {
    const live = await rulesKeyOfNewOrg('live');
    const res = await call(t.url, 'GET', '/v2/dynamic-rules/status', { key: live });
    expect(res.status).toBe(503);
    expect(res.body.type).toBe('UPSTREAM_UNAVAILABLE');
  });
});
