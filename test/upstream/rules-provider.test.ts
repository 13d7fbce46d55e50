import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRulesProvider, type RulesProvider } from '../../src/upstream/rules-provider.ts';
import type { DynamicRules } from '../../src/upstream/rules.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';

const rulesWithRevision = (revision: string) => ({
  static_param: 'SOdCcTAox9fUUCoga9kwNKfyUK8SPfEy',
  format: '13681:{}:{:x}:653fe833',
  prefix: '13681',
  suffix: '653fe833',
  checksum_constant: -1428,
  checksum_indexes: [2, 2, 3, 4],
  app_token: '33d57ade8c02dbc5a333db99ff9ae26a',
  revision,
});

/** A rules feed on loopback: counts hits, serves whatever `body` holds, and can hold replies back. */
async function startFeed() {
  const feed = {
    hits: 0,
    body: JSON.stringify(rulesWithRevision('202601010000-aaaaaaaaaa')) as string,
    gate: null as Promise<void> | null,
    url: '',
    server: null as unknown as Server,
  };
  feed.server = createServer(async (_req, res) => {
    feed.hits += 1;
    if (feed.gate) await feed.gate;
    res.writeHead(200, { 'content-type': 'application/json' }).end(feed.body);
  });
  feed.server.listen(0, '127.0.0.1');
  await once(feed.server, 'listening');
  const address = feed.server.address() as { port: number };
  feed.url = `http://127.0.0.1:${address.port}/dynamic-rules.json`;
  return feed;
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function setup(options: { ttlMs?: number; onRevisionChange?: (r: DynamicRules, p: DynamicRules) => void } = {}) {
  const feed = await startFeed();
  let clock = 1_000_000;
  const provider: RulesProvider = createRulesProvider({
    source: feed.url,
    now: () => clock,
    refreshInBackground: false,
    ...options,
  });
  cleanups.push(() => provider.close(), () => new Promise((resolve) => feed.server.close(resolve)));
  return { feed, provider, advance: (ms: number) => (clock += ms) };
}

describe('rules provider', () => {
  it('fetches once and serves the cached rules until the TTL passes', async () => {
    const { feed, provider, advance } = await setup({ ttlMs: 60_000 });
    expect((await provider.current()).revision).toBe('202601010000-aaaaaaaaaa');
    await provider.current();
    advance(59_999);
    await provider.current();
    expect(feed.hits).toBe(1);
    advance(1);
    await provider.current();
    expect(feed.hits).toBe(2);
  });

  it('coalesces concurrent refreshes into one fetch', async () => {
    const { feed, provider } = await setup();
    let release!: () => void;
    feed.gate = new Promise((resolve) => (release = resolve));
    const pending = Promise.all([provider.current(), provider.refresh(), provider.refresh(), provider.current()]);
    await eventually(() => feed.hits === 1, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'one rules fetch' });
    release();
    const results = await pending;
    expect(new Set(results.map((r) => r.revision)).size).toBe(1);
    expect(feed.hits).toBe(1);
    expect(provider.fetchCount()).toBe(1);
  });

  it('calls onRevisionChange with the new and previous rules when the revision changes, and only then', async () => {
    const changes: Array<[string, string]> = [];
    const { feed, provider } = await setup({ onRevisionChange: (rules, previous) => void changes.push([rules.revision, previous.revision]) });
    await provider.current();
    await provider.refresh();
    expect(changes).toEqual([]);
    feed.body = JSON.stringify(rulesWithRevision('202601020000-bbbbbbbbbb'));
    await provider.refresh();
    await eventually(() => changes.length === 1, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'one rules change' });
    expect(changes).toEqual([['202601020000-bbbbbbbbbb', '202601010000-aaaaaaaaaa']]);
    expect(provider.revision()).toBe('202601020000-bbbbbbbbbb');
  });

  it('refreshes once per unseen upstream revision, not on every reply that reports it', async () => {
    const { feed, provider } = await setup();
    await provider.current();
    provider.observeRevision('202601010000-aaaaaaaaaa'); // the cached one: nothing to do
    provider.observeRevision('202601030000-cccccccccc');
    provider.observeRevision('202601030000-cccccccccc');
    await eventually(() => feed.hits === 2, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'a second rules fetch' });
    await provider.current();
    // The feed still lags behind upstream: later replies with the same revision do not hammer it.
    provider.observeRevision('202601030000-cccccccccc');
    await provider.current();
    expect(feed.hits).toBe(2);
  });

  it('rejects a feed with the wrong shape, and keeps serving the last good rules if it goes bad later', async () => {
    const { feed, provider, advance } = await setup({ ttlMs: 1_000 });
    feed.body = JSON.stringify({ static_param: 'x' });
    await expect(provider.current()).rejects.toMatchObject({ type: 'UPSTREAM_UNAVAILABLE' });
    feed.body = JSON.stringify(rulesWithRevision('202601010000-aaaaaaaaaa'));
    await provider.current();
    feed.body = 'not json';
    advance(5_000);
    expect((await provider.current()).revision).toBe('202601010000-aaaaaaaaaa');
    await expect(provider.refresh()).rejects.toThrow();
  });

  it('refreshes on schedule without any traffic and reports the new revision', async () => {
    const feed = await startFeed();
    const changes: string[] = [];
    const provider = createRulesProvider({
      source: feed.url,
      ttlMs: 20,
      onRevisionChange: (rules) => void changes.push(rules.revision),
    });
    cleanups.push(() => provider.close(), () => new Promise((resolve) => feed.server.close(resolve)));
    await provider.current();
    feed.body = JSON.stringify(rulesWithRevision('202601050000-eeeeeeeeee'));
    await eventually(() => changes.length === 1, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'one rules change' });
    expect(changes).toEqual(['202601050000-eeeeeeeeee']);
  });

  it('reads rules from a file path', async () => {
    const dir = makeTempDir('rules');
    cleanups.push(() => removeTempDir(dir));
    const file = path.join(dir, 'rules.json');
    await writeFile(file, JSON.stringify({ ...rulesWithRevision('202601040000-dddddddddd'), prefix: undefined, suffix: undefined }));
    const provider = createRulesProvider({ source: file, refreshInBackground: false });
    cleanups.push(() => provider.close());
    const rules = await provider.current();
    expect(rules.prefix).toBe('13681');
    expect(provider.revision()).toBe('202601040000-dddddddddd');
  });
});
