// A live node whose upstream is a simulator that also plays three rules sources (a stale one, one that goes down, a
// current one behind an OFAuth-style rules API with a key): failover picks the current one, `rules.updated` is
// announced once per revision, and GET /v2/dynamic-rules/status shows each source's health.
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import type { DynamicRules } from '../../src/upstream/rules.ts';
import { BACKENDS } from '../support/databases.ts';
import { listEvents } from '../support/events.ts';
import { eventually } from '../support/eventually.ts';
import { createKey } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const FEED_KEY = 'sk_live_rulesfeed_secret_4242';
/** Each test starts its own simulator and node (which takes seconds on a loaded machine). */
const TEST_TIMEOUT_MS = 120_000;
const WAIT = { timeoutMs: 30_000 };

describe.each(BACKENDS)('live rules sources with failover (%s)', (backend) => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()?.();
  });

  async function control<T = any>(simulator: RunningSandbox, method: string, route: string, body?: unknown): Promise<T> {
    const reply = await call<T>(simulator.url, method, route, body === undefined ? {} : { body });
    if (reply.status !== 200) throw new Error(`${method} ${route} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  /** The live upstream (a standalone simulator) with its three feeds, and a live node reading them. */
  async function start(): Promise<{ simulator: RunningSandbox; t: TestService; liveKey: string }> {
    const simulator = await startSandbox({ port: 0, seed: 23 });
    cleanups.push(() => simulator.close());
    await control(simulator, 'PUT', '/_sandbox/rules/feeds/stale', { serve: 'frozen' });
    await control(simulator, 'PUT', '/_sandbox/rules/feeds/flaky', { serve: 'current' });
    await control(simulator, 'PUT', '/_sandbox/rules/feeds/official', { serve: 'current', apiKey: FEED_KEY });
    const feeds = `${simulator.url}/_sandbox/rules/feeds`;
    const t = await startTestService(backend, {
      config: {
        liveUpstreamUrl: simulator.url,
        liveRulesSource: `${feeds}/stale/dynamic-rules.json, ${feeds}/flaky/dynamic-rules.json\n ofauth+${feeds}/official?key=${FEED_KEY}`,
      },
    });
    cleanups.push(() => t.close());
    const { secret: liveKey } = await createKey(t.database.handle, t.orgId, 'live'); // every scope, admin and rules included
    const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key: liveKey, body: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['rules.updated'] } });
    expect(endpoint.status).toBe(201);
    return { simulator, t, liveKey };
  }

  const status = async (t: TestService, key: string) => {
    const reply = await call(t.url, 'GET', '/v2/dynamic-rules/status', { key });
    expect(reply.status).toBe(200);
    return reply.body;
  };
  const rotate = async (simulator: RunningSandbox) => (await control<DynamicRules>(simulator, 'POST', '/_sandbox/rules/rotate', {})).revision;
  const announced = async (t: TestService, key: string) =>
    (await listEvents(t.url, key, { eventType: 'rules.updated' })).map((event) => event.payload.data.revision as string);

  it('stale, down and current sources: the current one is used, rules.updated is announced once, status shows each source', async () => {
    const { simulator, t, liveKey } = await start();
    const first = simulator.currentRules().revision;
    expect((await status(t, liveKey)).revision).toBe(first);

    // The flaky feed goes down; two new builds leave the stale feed's revision outside any grace.
    await control(simulator, 'PUT', '/_sandbox/rules/feeds/flaky', { serve: 'down' });
    await rotate(simulator);
    const current = await rotate(simulator);

    // A live call signed with the old rules gets "Please refresh the page"; the node fails over and retries.
    const session = await mintSandboxSession(simulator.url, 'failover@creator.sandbox.com');
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', { key: liveKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(imported.status).toBe(201);

    const shown = await status(t, liveKey);
    expect(shown).toMatchObject({ revision: current, is_current: true, access_granted: true });
    expect(shown.sources.map(({ health, revision, isInUse }: any) => ({ health, revision, isInUse }))).toEqual([
      { health: 'stale', revision: first, isInUse: false },
      { health: 'down', revision: first, isInUse: false },
      { health: 'ok', revision: current, isInUse: true },
    ]);
    expect(shown.sources[1]).toMatchObject({ lastError: 'the source answered HTTP 503', consecutiveFailures: 1 });
    expect(shown.sources[1].lastSuccessAt).not.toBeNull();
    expect(Date.parse(shown.sources[1].nextAttemptAt)).toBeGreaterThan(Date.parse(shown.sources[1].lastAttemptAt));
    expect(shown.sources[2].source).toBe(`ofauth+${simulator.url}/_sandbox/rules/feeds/official?key=sk_live_…`);
    expect(JSON.stringify(shown) + t.logs.join('')).not.toContain(FEED_KEY);

    await eventually(async () => (await announced(t, liveKey)).includes(current), { ...WAIT, what: `rules.updated for ${current}` });
    expect(await announced(t, liveKey)).toEqual([current]);

    // The next rotation is noticed from a reply's x-of-rev and the next proven revision wins.
    const next = await rotate(simulator);
    const self = await call(t.url, 'GET', '/v2/access/self', { key: liveKey, headers: { 'x-connection-id': imported.body.id } });
    expect(self.status).toBe(200);
    await eventually(async () => (await status(t, liveKey)).revision === next, { ...WAIT, what: `revision ${next} in use` });
    await eventually(async () => (await announced(t, liveKey)).includes(next), { ...WAIT, what: `rules.updated for ${next}` });
    expect(await announced(t, liveKey)).toEqual([current, next]);
  }, TEST_TIMEOUT_MS);

  it('with no source the upstream accepts, a live call is RULES_OUTDATED and status shows why, source by source', async () => {
    const { simulator, t, liveKey } = await start();
    for (const feed of ['flaky', 'official']) await control(simulator, 'PUT', `/_sandbox/rules/feeds/${feed}`, { serve: 'down' });
    await rotate(simulator);
    await rotate(simulator);
    const reply = await call(t.url, 'GET', '/v2/dynamic-rules/status', { key: liveKey });
    // The rules loaded at start are still in use; they are refused once a call finds them out of date.
    expect(reply.status).toBe(200);
    const session = await mintSandboxSession(simulator.url, 'nosource@creator.sandbox.com');
    const imported = await call(t.url, 'POST', '/v2/account/connections/import', { key: liveKey, body: { cookie: session.cookie, userAgent: session.userAgent } });
    expect(imported.status).toBe(401);
    expect(imported.body).toMatchObject({ type: 'RULES_OUTDATED' });
    const after = await status(t, liveKey);
    expect(after.sources.map(({ health }: any) => health)).toEqual(['stale', 'down', 'down']);
    // A sandbox key still sees its own single source: the simulator's rules file.
    const sandbox = await status(t, t.adminKey);
    expect(sandbox.sources).toEqual([expect.objectContaining({ kind: 'url', health: 'ok', isInUse: true, source: `${t.sandboxUrl}/dynamic-rules.json` })]);
  }, TEST_TIMEOUT_MS);
});
