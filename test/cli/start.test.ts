import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call } from '../support/service.ts';
import { runCli, spawnCli } from '../support/processes.ts';
import { BACKENDS, createPostgresDatabaseUrl } from '../support/databases.ts';

const READY = /ofconnect is ready on (http:\/\/127\.0\.0\.1:\d+)/;
const KEY = /sk_sandbox_[A-Za-z0-9]{40}/;
/** A process start's time budget: a first start (migrations, bootstrap) took 50 s here with the machine's load at 17,
 *  past the default 30 s test timeout. The same budget as a set-up's (hookTimeout is 60 s) with room for a second start. */
const START_BUDGET_MS = 120_000;

describe('ofconnect start on the embedded database', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-cli-'));
  const env = { OFCONNECT_DATA_DIR: dataDir, PORT: '0', OFCONNECT_SANDBOX_PORT: '0' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  let firstKey = '';
  let orgId = '';

  it('first start prints a working sandbox key, the whoami curl line and where Link init goes', async () => {
    const proc = spawnCli(['start'], env);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const out = proc.output();
    firstKey = out.match(KEY)![0];
    expect(out).toContain(`curl -H "apikey: ${firstKey}" ${origin}/v2/account/whoami`);
    expect(out).toContain(`${origin}/v2/link/init`);
    const whoami = await call(origin, 'GET', '/v2/account/whoami', { key: firstKey });
    expect(whoami.status).toBe(200);
    orgId = whoami.body.id;
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
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, START_BUDGET_MS);

  it('a restart keeps the data, creates nothing new and prints no secret', async () => {
    const proc = spawnCli(['start'], env);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    expect(proc.output()).not.toMatch(KEY);
    expect(proc.output()).toContain(`Organization ${orgId}`);
    const whoami = await call(origin, 'GET', '/v2/account/whoami', { key: firstKey });
    expect(whoami.body.id).toBe(orgId);
    const apps = await call(origin, 'GET', '/v2/client-apps', { key: firstKey });
    expect(apps.body.list).toHaveLength(1);
    proc.child.kill('SIGINT');
    expect(await proc.exited).toBe(0);
  }, START_BUDGET_MS);

  it('orgs create and keys create work while the server is stopped', async () => {
    const org = await runCli(['orgs', 'create', '--name', 'Agency'], env);
    expect(org.code).toBe(0);
    const newOrg = org.output.trim().split('\n').pop()!;
    expect(newOrg).toMatch(/^org_/);
    const key = await runCli(['keys', 'create', '--org', newOrg, '--env', 'live', '--scopes', 'account,access'], env);
    expect(key.code).toBe(0);
    const secret = key.output.trim().split('\n').pop()!;
    expect(secret).toMatch(/^sk_live_/);
    const bad = await runCli(['keys', 'create', '--org', newOrg, '--scopes', 'root'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/unknown scope/);

    const proc = spawnCli(['start'], env);
    const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
    const whoami = await call(origin, 'GET', '/v2/account/whoami', { key: secret });
    expect(whoami.body).toEqual({ id: newOrg, name: 'Agency', permissions: ['ACCOUNT', 'ACCESS'] });
    proc.child.kill('SIGTERM');
    await proc.exited;
  }, START_BUDGET_MS);
});

describe.runIf(BACKENDS.includes('postgres'))('ofconnect start on PostgreSQL', () => {
  it('two nodes starting at once on one empty database bootstrap exactly one org', async () => {
    const database = await createPostgresDatabaseUrl();
    try {
      const env = { DATABASE_URL: database.url, PORT: '0', OFCONNECT_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'ofc-pg-')), OFCONNECT_VAULT_KEYS: 'k1:' + Buffer.alloc(32, 7).toString('base64') };
      const a = spawnCli(['start', '--role', 'api'], env);
      const b = spawnCli(['start', '--role', 'api'], env);
      const [[, originA], [, originB]] = await Promise.all([a.waitFor(READY, START_BUDGET_MS), b.waitFor(READY, START_BUDGET_MS)]);
      const keys = [a.output(), b.output()].map((o) => o.match(KEY)?.[0]).filter(Boolean) as string[];
      expect(keys).toHaveLength(1);
      const fromA = await call(originA, 'GET', '/v2/account/whoami', { key: keys[0] });
      const fromB = await call(originB, 'GET', '/v2/account/whoami', { key: keys[0] });
      expect(fromA.status).toBe(200);
      expect(fromB.body.id).toBe(fromA.body.id);
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    } finally {
      await database.drop();
    }
  }, START_BUDGET_MS);
});
