import { describe, expect, it } from 'vitest';
import { call } from '../support/service.ts';
import { READY, runCli, SANDBOX_KEY, signalCli, stopCli, trackCliRuns, type CliProcess } from '../support/processes.ts';
import { BACKENDS, createPostgresDatabaseUrl } from '../support/databases.ts';

/** A process start's time budget: a first start (migrations, bootstrap) took 50 s here with the machine's load at 17,
 *  past the default 30 s test timeout. The same budget as a set-up's (hookTimeout is 60 s) with room for a second start. */
const START_BUDGET_MS = 120_000;
const KEY = SANDBOX_KEY;

// Each test starts from its own empty data directory (none relies on another having run first).
const runs = trackCliRuns();
const freshDataDir = runs.freshDataDir;
const start = (env: Record<string, string>, args: string[] = []): CliProcess => runs.spawn(['start', ...args], env);

const embeddedEnv = () => ({ OFCONNECT_DATA_DIR: freshDataDir(), PORT: '0', OFCONNECT_SANDBOX_PORT: '0' });

describe('ofconnect start on the embedded database', () => {
  // One test for both starts: the restart needs what a first start made, and a third process start to make it again
  // would cost this file several seconds for nothing the first start's assertions don't already prove.
  it('first start prints a working sandbox key, the whoami curl line and where Link init goes; a restart keeps the data, creates nothing new and prints no secret', async () => {
    const env = embeddedEnv();
    const proc = start(env);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const out = proc.output();
    const firstKey = out.match(KEY)![0];
    // The first start copied the install's prebuilt database (npm install / the suite's build made it) instead of
    // running initdb; the restart found its own.
    expect(out).toMatch(/database: embedded PGlite in \S+, created from the install's template\)/);
    expect(out).toContain(`curl -H "apikey: ${firstKey}" ${origin}/v2/account/whoami`);
    expect(out).toContain(`${origin}/v2/link/init`);
    const whoami = await call(origin, 'GET', '/v2/account/whoami', { key: firstKey });
    expect(whoami.status).toBe(200);
    const orgId = whoami.body.id;
    // Files shipped beside the code (Link page assets, migrations) are found from the compiled bundle too.
    expect((await call(origin, 'GET', '/link/assets/link.css')).status).toBe(200);
    const init = await call(origin, 'POST', '/v2/link/init', { key: firstKey, body: { redirectUrl: `${origin}/link/dev-callback` } });
    expect(init.status).toBe(200);
    const page = await call(init.body.url.replace(/^http:\/\/127\.0\.0\.1:\d+/, origin), 'GET', '');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('Connect your OnlyFans account');

    // A second server on the same data directory refuses clearly instead of corrupting it.
    const second = await runCli(['start'], env);
    expect(second.code).toBe(1);
    expect(second.output).toMatch(/in use by process \d+/);

    // SIGTERM: graceful shutdown, exit 0.
    signalCli(proc, 'SIGTERM');
    expect(await proc.exited).toBe(0);

    // The restart: the same org and key, no new key printed, still one client app.
    const restarted = start(env);
    const [, again] = await restarted.waitFor(READY, START_BUDGET_MS);
    expect(restarted.output()).not.toMatch(KEY);
    expect(restarted.output()).not.toMatch(/created from|created by initdb/);
    expect(restarted.output()).toContain(`Organization ${orgId}`);
    expect((await call(again, 'GET', '/v2/account/whoami', { key: firstKey })).body.id).toBe(orgId);
    const apps = await call(again, 'GET', '/v2/client-apps', { key: firstKey });
    expect(apps.body.list).toHaveLength(1);
    // SIGINT shuts down as gracefully.
    signalCli(restarted, 'SIGINT');
    expect(await restarted.exited).toBe(0);
  }, 2 * START_BUDGET_MS);

  it('orgs create and keys create work while the server is stopped', async () => {
    const env = embeddedEnv();
    const org = await runCli(['orgs', 'create', '--name', 'Agency'], env);
    expect(org.code, org.output).toBe(0);
    const newOrg = org.output.trim().split('\n').pop()!;
    expect(newOrg).toMatch(/^org_/);
    const key = await runCli(['keys', 'create', '--org', newOrg, '--env', 'live', '--scopes', 'account,access'], env);
    expect(key.code, key.output).toBe(0);
    const secret = key.output.trim().split('\n').pop()!;
    expect(secret).toMatch(/^sk_live_/);
    const bad = await runCli(['keys', 'create', '--org', newOrg, '--scopes', 'root'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/unknown scope/);

    const proc = start(env);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const whoami = await call(origin, 'GET', '/v2/account/whoami', { key: secret });
    expect(whoami.body).toEqual({ id: newOrg, name: 'Agency', permissions: ['ACCOUNT', 'ACCESS'] });
    signalCli(proc, 'SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 2 * START_BUDGET_MS); // three commands and a start, each opening the embedded database
});

describe.runIf(BACKENDS.includes('postgres'))('ofconnect start on PostgreSQL', () => {
  it('two nodes starting at once on one empty database bootstrap exactly one org', async () => {
    const database = await createPostgresDatabaseUrl();
    const nodes: CliProcess[] = [];
    try {
      const env = { DATABASE_URL: database.url, PORT: '0', OFCONNECT_DATA_DIR: freshDataDir('cli-pg'), OFCONNECT_VAULT_KEYS: 'k1:' + Buffer.alloc(32, 7).toString('base64') };
      const a = start(env, ['--role', 'api']);
      const b = start(env, ['--role', 'api']);
      nodes.push(a, b);
      const [[, originA], [, originB]] = await Promise.all([a.waitFor(READY, START_BUDGET_MS), b.waitFor(READY, START_BUDGET_MS)]);
      const keys = [a.output(), b.output()].map((o) => o.match(KEY)?.[0]).filter(Boolean) as string[];
      expect(keys).toHaveLength(1);
      const fromA = await call(originA, 'GET', '/v2/account/whoami', { key: keys[0] });
      const fromB = await call(originB, 'GET', '/v2/account/whoami', { key: keys[0] });
      expect(fromA.status).toBe(200);
      expect(fromB.body.id).toBe(fromA.body.id);
    } finally {
      // The nodes hold connections to the database: stop them before dropping it.
      await Promise.all(nodes.map((proc) => stopCli(proc)));
      await database.drop();
    }
  }, START_BUDGET_MS);
});
