// Live rules from several sources, proven against the upstream: the simulator plays the upstream and the sources
// (its rules feeds: following its rules, frozen at an old revision, or down), one clock moves the simulator, the
// probe and the schedule together, so backoff and rotation grace take no waiting.
import { writeFile } from 'node:fs/promises';
import { WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.ts';
import { PREVIOUS_REVISION_GRACE_MS } from '../../src/sandbox/rules-rotation.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { createUpstreamDispatchers } from '../../src/upstream/http-pool.ts';
import { createProvenRulesProvider, type ProvenRulesProvider } from '../../src/upstream/proven-rules-provider.ts';
import { createRulesProbe } from '../../src/upstream/rules-probe.ts';
import { parseRulesSources } from '../../src/upstream/rules-sources.ts';
import type { DynamicRules } from '../../src/upstream/rules.ts';
import { call } from '../support/service.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface Setup {
  sandbox: RunningSandbox;
  provider: ProvenRulesProvider;
  changes: Array<[string, string]>;
  logs: string[];
  advance(ms: number): void;
}

async function startSimulator() {
  let offset = 0;
  const now = () => Date.now() + offset;
  const sandbox = await startSandbox({ port: 0, now, seed: 17 });
  cleanups.push(() => sandbox.close());
  const control = async <T = any>(method: string, route: string, body?: unknown): Promise<T> => {
    const reply = await call<T>(sandbox.url, method, route, body === undefined ? {} : { body });
    if (reply.status !== 200) throw new Error(`${method} ${route} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  return {
    sandbox,
    now,
    advance: (ms: number) => void (offset += ms),
    control,
    feed: (name: string, serve: 'current' | 'frozen' | 'down', apiKey?: string) => control('PUT', `/_sandbox/rules/feeds/${name}`, { serve, apiKey }),
    rotate: async () => (await control<DynamicRules>('POST', '/_sandbox/rules/rotate', {})).revision,
    feedHits: async (name: string) => (await control<{ list: Array<{ name: string; hits: number }> }>('GET', '/_sandbox/rules/feeds')).list.find((f) => f.name === name)?.hits ?? 0,
  };
}

type Simulator = Awaited<ReturnType<typeof startSimulator>>;

function startProvider(sim: Simulator, sourceList: string): Setup {
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) }));
  const dispatchers = createUpstreamDispatchers();
  const changes: Array<[string, string]> = [];
  const provider = createProvenRulesProvider({
    sources: parseRulesSources(sourceList),
    probe: createRulesProbe({ baseUrl: sim.sandbox.url, dispatchers, now: sim.now }),
    now: sim.now,
    refreshInBackground: false,
    logger,
    onRevisionChange: (rules, previous) => void changes.push([rules.revision, previous.revision]),
  });
  cleanups.push(() => dispatchers.close(), () => provider.close());
  return { sandbox: sim.sandbox, provider, changes, logs, advance: sim.advance };
}

const feedFile = (sim: Simulator, name: string) => `${sim.sandbox.url}/_sandbox/rules/feeds/${name}/dynamic-rules.json`;
const feedApi = (sim: Simulator, name: string, key: string) => `ofauth+${sim.sandbox.url}/_sandbox/rules/feeds/${name}?key=${key}`;
const bySource = (provider: ProvenRulesProvider) => provider.sources().map(({ health, revision, isInUse }) => ({ health, revision, isInUse }));

describe('live rules from several sources', () => {
  it('of a stale, a down and a current source, the current one is used, and status says what each is doing', async () => {
    const sim = await startSimulator();
    await sim.feed('stale', 'frozen');
    const staleRevision = sim.sandbox.currentRules().revision;
    await sim.rotate();
    const current = await sim.rotate(); // the frozen revision is two builds old now: outside any grace
    await sim.feed('down', 'down');
    await sim.feed('current', 'current', 'sk_live_feedkey_0123456789');
    const { provider, changes } = startProvider(sim, `${feedFile(sim, 'stale')}, ${feedFile(sim, 'down')}\n${feedApi(sim, 'current', 'sk_live_feedkey_0123456789')}`);

    expect((await provider.current()).revision).toBe(current);
    expect(bySource(provider)).toEqual([
      { health: 'stale', revision: staleRevision, isInUse: false },
      { health: 'down', revision: null, isInUse: false },
      { health: 'ok', revision: current, isInUse: true },
    ]);
    const [stale, down, ofauth] = provider.sources();
    expect(stale.lastError).toMatch(/refused the sign/);
    expect(down).toMatchObject({ lastError: 'the source answered HTTP 503', consecutiveFailures: 1, lastSuccessAt: null });
    expect(ofauth).toMatchObject({ kind: 'ofauth', lastError: null, consecutiveFailures: 0 });
    expect(ofauth.lastSuccessAt).not.toBeNull();
    // The first rules in use are not a change: nothing to announce.
    expect(changes).toEqual([]);
  });

  it('after a rotation the next proven revision wins, announced once however many sources carry it', async () => {
    const sim = await startSimulator();
    await sim.feed('file', 'current');
    await sim.feed('api', 'current', 'sk_live_key_a');
    await sim.feed('stale', 'frozen');
    const { provider, changes } = startProvider(sim, `${feedFile(sim, 'file')} ${feedApi(sim, 'api', 'sk_live_key_a')} ${feedFile(sim, 'stale')}`);
    const first = (await provider.current()).revision;

    const second = await sim.rotate();
    provider.observeRevision(second); // what a reply's x-of-rev does
    await provider.refresh();
    expect(provider.revision()).toBe(second);
    // The frozen feed still serves the previous build, which verifies during the grace: proven, but older.
    expect(bySource(provider)).toEqual([
      { health: 'ok', revision: second, isInUse: true },
      { health: 'ok', revision: second, isInUse: true },
      { health: 'ok', revision: first, isInUse: false },
    ]);

    const third = await sim.rotate();
    await provider.refresh();
    await provider.refresh();
    expect(provider.revision()).toBe(third);
    expect(bySource(provider)[2]).toEqual({ health: 'stale', revision: first, isInUse: false });
    await expect.poll(() => changes, { timeout: WORKER_PROGRESS_TIMEOUT_MS }).toEqual([
      [second, first],
      [third, second],
    ]);
  });

  it('rules the upstream stops accepting show as stale once the grace ends, and are replaced when a source has newer ones', async () => {
    const sim = await startSimulator();
    await sim.feed('frozen', 'frozen');
    const { provider } = startProvider(sim, feedFile(sim, 'frozen'));
    const old = (await provider.current()).revision;
    await sim.rotate();
    sim.advance(PREVIOUS_REVISION_GRACE_MS + 1_000);
    // What the client does after "Please refresh the page": the rules in use are judged again and refused.
    await provider.refresh();
    expect(bySource(provider)).toEqual([{ health: 'stale', revision: old, isInUse: true }]);
    await sim.feed('frozen', 'current');
    sim.advance(15 * 60_000);
    await provider.pollDueSources();
    expect(provider.revision()).toBe(sim.sandbox.currentRules().revision);
    expect(bySource(provider)).toEqual([{ health: 'ok', revision: sim.sandbox.currentRules().revision, isInUse: true }]);
  });

  it('a failing source is skipped and retried with backoff (30 s, 1 min, 2 min …), then used once it answers', async () => {
    const sim = await startSimulator();
    await sim.feed('flaky', 'down');
    const { provider, advance } = startProvider(sim, feedFile(sim, 'flaky'));
    await expect(provider.current()).rejects.toMatchObject({
      type: 'UPSTREAM_UNAVAILABLE',
      details: { sources: [{ health: 'down', lastError: 'the source answered HTTP 503' }] },
    });
    expect(await sim.feedHits('flaky')).toBe(1);
    // Calls meanwhile fail at once without hitting the source.
    await expect(provider.current()).rejects.toMatchObject({ type: 'UPSTREAM_UNAVAILABLE' });
    const schedule: number[] = [];
    for (const step of [29_000, 1_000, 59_000, 1_000, 119_000, 1_000]) {
      advance(step);
      await provider.pollDueSources();
      schedule.push(await sim.feedHits('flaky'));
    }
    expect(schedule).toEqual([1, 2, 2, 3, 3, 4]);
    expect(provider.sources()[0]).toMatchObject({ health: 'down', consecutiveFailures: 4 });
    const wait = Date.parse(provider.sources()[0].nextAttemptAt ?? '') - sim.now();
    expect(wait).toBeGreaterThan(230_000);
    expect(wait).toBeLessThanOrEqual(240_000);

    await sim.feed('flaky', 'current');
    advance(240_000);
    expect((await provider.current()).revision).toBe(sim.sandbox.currentRules().revision);
    expect(provider.sources()[0]).toMatchObject({ health: 'ok', consecutiveFailures: 0, lastError: null });
  });

  it('an OFAuth source with a wrong key is down, and the key shows in no status or log line', async () => {
    const sim = await startSimulator();
    await sim.feed('api', 'current', 'sk_live_right_key_000000');
    await sim.feed('file', 'current');
    const secret = 'sk_live_wrong_key_secret_999999';
    const { provider, logs } = startProvider(sim, `${feedApi(sim, 'api', secret)},${feedFile(sim, 'file')}?token=tok_hidden_77777`);
    await provider.current();
    const [api, file] = provider.sources();
    expect(api).toMatchObject({ health: 'down', lastError: 'the rules API refused the API key (HTTP 401)' });
    expect(api.source).toBe(`ofauth+${sim.sandbox.url}/_sandbox/rules/feeds/api?key=sk_live_…`);
    expect(file.source).toContain('token=redacted');
    const shown = JSON.stringify(provider.sources()) + logs.join('');
    expect(shown).not.toContain(secret);
    expect(shown).not.toContain('tok_hidden_77777');
    expect(logs.join('')).toContain('dynamic rules source failed');
  });

  it('reads a local file and the community format without format, prefix or suffix fields (start/end only)', async () => {
    const sim = await startSimulator();
    const dir = makeTempDir('rules-sources');
    cleanups.push(() => removeTempDir(dir));
    const { format: _format, prefix: _prefix, suffix: _suffix, ...rest } = await sim.control('GET', '/_sandbox/rules');
    const file = path.join(dir, 'rules.json');
    await writeFile(file, JSON.stringify(rest));
    const { provider } = startProvider(sim, `${dir}/missing.json ${file}`);
    expect((await provider.current()).revision).toBe(sim.sandbox.currentRules().revision);
    expect(bySource(provider)).toEqual([
      { health: 'down', revision: null, isInUse: false },
      { health: 'ok', revision: sim.sandbox.currentRules().revision, isInUse: true },
    ]);
  });

  it('rules that fail the shape check are never probed or used', async () => {
    const sim = await startSimulator();
    const dir = makeTempDir('rules-sources');
    cleanups.push(() => removeTempDir(dir));
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...sim.sandbox.currentRules(), checksum_indexes: [40] }));
    const { provider } = startProvider(sim, file);
    await call(sim.sandbox.url, 'DELETE', '/_sandbox/requests');
    await expect(provider.current()).rejects.toMatchObject({ type: 'UPSTREAM_UNAVAILABLE' });
    expect(provider.sources()[0]).toMatchObject({ health: 'invalid', lastError: expect.stringMatching(/^invalid dynamic rules at \/checksum_indexes/) });
    expect((await call(sim.sandbox.url, 'GET', '/_sandbox/requests')).body.list).toEqual([]);
  });
});

describe('the list of rules sources', () => {
  it('takes commas and whitespace, and tells each kind apart', () => {
    const specs = parseRulesSources(' https://example.test/rules.json,ofauth:sk_live_abcdefghijkl \n ofauth+https://api.ofauth.com/?key=k123456789 ./rules.json', '/srv');
    expect(specs.map(({ kind, location, name }) => ({ kind, location, name }))).toEqual([
      { kind: 'url', location: 'https://example.test/rules.json', name: 'https://example.test/rules.json' },
      { kind: 'ofauth', location: 'https://api.ofauth.com', name: 'ofauth:sk_liv…' },
      { kind: 'ofauth', location: 'https://api.ofauth.com', name: 'ofauth+https://api.ofauth.com?key=k12…' },
      { kind: 'file', location: '/srv/rules.json', name: './rules.json' },
    ]);
    expect(specs[1].apiKey).toBe('sk_live_abcdefghijkl');
  });

  it('refuses what it cannot read, naming the entry without its secrets', () => {
    expect(() => parseRulesSources('ftp://example.test/rules.json')).toThrow(/scheme ofconnect does not read/);
    expect(() => parseRulesSources('ofauth+https://api.ofauth.com')).toThrow(/needs its API key/);
    expect(() => parseRulesSources(' , ')).toThrow(/empty/);
    expect(() => parseRulesSources('https://user:hunter2@example.test/x ftp://a.test/?token=abc')).toThrow(/^(?!.*(hunter2|abc)).*$/);
  });
});
