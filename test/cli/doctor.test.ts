// `ofconnect doctor`: a healthy configuration passes (exit 0, warnings allowed), and each broken setting, broken alone,
// fails its own check (exit 1) with the promised fix and no secret in the output. The live upstream and the rules
// source are a simulator in this process; the captcha provider is configured, not called (doctor checks the setting).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection, upsertSessionBlob } from '../../src/connections/store.ts';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { newId } from '../../src/platform/ids.ts';
import { createVault, parseVaultKeys } from '../../src/platform/vault.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import { createCliDatabase, type CliDatabase } from '../support/cli-databases.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { runCli } from '../support/processes.ts';

/** A doctor run on a loaded machine (a CLI process start, the database, the rules proof). */
const RUN_BUDGET_MS = 60_000;
const vaultKey = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;
const K1 = vaultKey('k1', 11);
const CAPTCHA_API_KEY = 'captcha-account-key-never-printed';
/** PostgreSQL is the quicker database for a CLI process to open; the embedded one has its own test below. */
const BACKEND = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';

interface DoctorLine {
  status: string;
  check: string;
  text: string;
}

/** The check lines: "<status> <check>: <message>[ — fix: <fix>]" (a check's name may hold a URL, never ": "). */
function linesOf(output: string): DoctorLine[] {
  return output
    .split('\n')
    .filter((text) => /^(ok|warn|fail) /.test(text))
    .map((text) => {
      const [, status, rest] = /^(ok|warn|fail)\s+(.*)$/.exec(text)!;
      return { text, status, check: rest.slice(0, rest.indexOf(': ')) };
    });
}

const failures = (output: string) => linesOf(output).filter((line) => line.status === 'fail');

describe(`ofconnect doctor (${BACKEND})`, () => {
  let simulator: RunningSandbox;
  let cli: CliDatabase;
  let healthy: Record<string, string>;
  let staleRulesFile: string;

  beforeAll(async () => {
    simulator = await startSandbox({ port: 0, seed: 29 });
    cli = await createCliDatabase(BACKEND, 'cli-doctor');
    const database = await cli.open();
    try {
      const orgId = await createOrg(database, 'Doctor');
      await createKey(database, orgId, 'live');
      // One stored secret under k1: what the vault check must be able to decrypt.
      const connectionId = newId('connection');
      await insertConnection(database.db, { id: connectionId, orgId, environment: 'live', status: 'active', permissions: [], imported: true });
      const vault = createVault(parseVaultKeys(K1));
      const blob = vault.encrypt(JSON.stringify({ cookie: 'sess=x', userAgent: 'ua', xBc: 'bc' }), `connection-session:${connectionId}`).blob;
      await upsertSessionBlob(database.db, { connectionId, orgId, keyId: 'k1', blob, updatedAt: new Date() });
    } finally {
      await database.close();
    }
    // A rules file the upstream refuses: the simulator's rules with another checksum constant.
    const rules = (await (await fetch(`${simulator.url}/dynamic-rules.json`)).json()) as Record<string, unknown>;
    staleRulesFile = path.join(cli.dataDir, 'stale-rules.json');
    writeFileSync(staleRulesFile, JSON.stringify({ ...rules, checksum_constant: Number(rules.checksum_constant) + 7, revision: 'stale-revision' }));
    healthy = {
      ...cli.env,
      OFCONNECT_VAULT_KEYS: K1,
      REDIS_URL: 'redis://127.0.0.1:6379',
      OFCONNECT_LIVE_UPSTREAM_URL: simulator.url,
      OFCONNECT_LIVE_RULES_SOURCE: `${simulator.url}/dynamic-rules.json`,
      OFCONNECT_CAPTCHA_PROVIDER: 'capsolver',
      OFCONNECT_CAPTCHA_API_KEY: CAPTCHA_API_KEY,
      OFCONNECT_CAPTCHA_SITE_KEY: '0x4AAAAAAAtestsitekey',
      PUBLIC_URL: 'https://connect.example.com',
    };
  });
  afterAll(async () => {
    await simulator?.close();
    await cli?.remove();
  });

  /** Runs doctor on the healthy settings with some changed; checks no secret of them is printed. */
  async function doctor(changes: Record<string, string | undefined> = {}): Promise<{ code: number | null; output: string }> {
    const env = Object.fromEntries(Object.entries({ ...healthy, ...changes }).filter(([, value]) => value !== undefined)) as Record<string, string>;
    const run = await runCli(['doctor'], env);
    for (const secret of [K1.slice(3), env.OFCONNECT_VAULT_KEYS?.slice(3), CAPTCHA_API_KEY]) if (secret) expect(run.output).not.toContain(secret);
    return run;
  }

  /** Exactly one check failed, the one broken on purpose, with its message and its fix. */
  function expectOnlyFailure(run: { code: number | null; output: string }, check: string, message: string | RegExp, fix: string): void {
    expect(run.code, run.output).toBe(1);
    const failed = failures(run.output);
    expect(failed.map((line) => line.check), run.output).toEqual([check]);
    if (typeof message === 'string') expect(failed[0].text).toContain(message);
    else expect(failed[0].text).toMatch(message);
    expect(failed[0].text).toContain(`— fix: ${fix}`);
    expect(run.output).toMatch(/^doctor: 1 check\(s\) failed/m);
  }

  it('a healthy configuration: every check ok but the development-mode warning, exit 0', async () => {
    const run = await doctor();
    expect(run.code, run.output).toBe(0);
    const lines = linesOf(run.output);
    expect(lines.filter((line) => line.status !== 'ok').map((line) => line.check), run.output).toEqual(['production']);
    expect(run.output).toMatch(/^ok {3}database: .* is reachable; all \d+ migrations applied$/m);
    expect(run.output).toMatch(/^ok {3}vault keys: the key ring from OFCONNECT_VAULT_KEYS \(ids k1\) decrypts the newest stored secret/m);
    expect(run.output).toMatch(/^ok {3}redis: Redis at redis:\/\/127\.0\.0\.1:6379 answers$/m);
    expect(run.output).toContain(`ok   rules source ${simulator.url}/dynamic-rules.json: revision ${simulator.currentRules().revision} proven against ${simulator.url}`);
    expect(run.output).toMatch(/^ok {3}captcha: capsolver solves/m);
    expect(run.output).toMatch(/^ok {3}PUBLIC_URL: https:\/\/connect\.example\.com /m);
    expect(run.output).toMatch(/^warn production: live API keys exist but NODE_ENV is not production.* — fix: set NODE_ENV=production/m);
    expect(run.output).toMatch(/^doctor: no check failed \(1 warning\(s\)\)$/m);
  }, RUN_BUDGET_MS);

  it('an unreachable DATABASE_URL fails the database check, password hidden', async () => {
    const run = await doctor({ DATABASE_URL: 'postgres://doctor:db-password-never-printed@127.0.0.1:9/nowhere' });
    expectOnlyFailure(run, 'database', 'PostgreSQL at postgres://doctor:redacted@127.0.0.1:9/nowhere is unreachable', 'start PostgreSQL or correct DATABASE_URL');
    expect(run.output).not.toContain('db-password-never-printed');
  }, RUN_BUDGET_MS);

  it('a vault key ring that cannot decrypt the stored secrets fails the vault check, naming the key ids', async () => {
    const run = await doctor({ OFCONNECT_VAULT_KEYS: vaultKey('k2', 12) });
    expectOnlyFailure(
      run,
      'vault keys',
      'the vault key ring cannot decrypt stored data: it was written with key id k1 (1 stored secret), and the configured key ids are k2',
      'put the key(s) the data was written with in OFCONNECT_VAULT_KEYS',
    );
  }, RUN_BUDGET_MS);

  it('an unreachable REDIS_URL fails the redis check, password hidden', async () => {
    const run = await doctor({ REDIS_URL: 'redis://:redis-password-never-printed@127.0.0.1:9' });
    expectOnlyFailure(run, 'redis', 'Redis at redis://:redacted@127.0.0.1:9 is unreachable', 'start Redis or correct REDIS_URL');
    expect(run.output).not.toContain('redis-password-never-printed');
  }, RUN_BUDGET_MS);

  it('a rules source whose rules the upstream refuses fails (no other source proves)', async () => {
    const run = await doctor({ OFCONNECT_LIVE_RULES_SOURCE: staleRulesFile });
    expectOnlyFailure(
      run,
      `rules source ${staleRulesFile}`,
      'revision stale-revision does not prove: the upstream refused the sign ("Please refresh the page"); the source is stale',
      'fix the source (its URL, its key) or remove it',
    );
  }, RUN_BUDGET_MS);

  it('live keys without a captcha provider fail the captcha check', async () => {
    const run = await doctor({ OFCONNECT_CAPTCHA_PROVIDER: undefined, OFCONNECT_CAPTCHA_API_KEY: undefined, OFCONNECT_CAPTCHA_SITE_KEY: undefined });
    expectOnlyFailure(run, 'captcha', 'live API keys exist but no captcha provider is configured', 'set OFCONNECT_CAPTCHA_PROVIDER (capsolver, 2captcha or anti-captcha), OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY');
  }, RUN_BUDGET_MS);

  it('a PUBLIC_URL that is not a URL fails', async () => {
    const run = await doctor({ PUBLIC_URL: 'connect.example.com' });
    expectOnlyFailure(run, 'PUBLIC_URL', '"connect.example.com" is not a URL', 'set PUBLIC_URL=https://connect.example.com');
  }, RUN_BUDGET_MS);

  it('production with private webhook addresses allowed fails the production check', async () => {
    const run = await doctor({
      NODE_ENV: 'production',
      OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
      OFCONNECT_METRICS_TOKEN: 'a-metrics-token-for-the-scraper',
      OFCONNECT_TRUST_PROXY: '10.0.0.5',
    });
    expectOnlyFailure(run, 'production', 'OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS is on', 'unset OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS');
  }, RUN_BUDGET_MS);

  it('production without OFCONNECT_VAULT_KEYS fails the vault check', async () => {
    const run = await doctor({ NODE_ENV: 'production', OFCONNECT_VAULT_KEYS: undefined, OFCONNECT_METRICS_TOKEN: 'a-metrics-token-for-the-scraper', OFCONNECT_TRUST_PROXY: '10.0.0.5' });
    expectOnlyFailure(run, 'vault keys', 'OFCONNECT_VAULT_KEYS is not set, and production requires it', 'set OFCONNECT_VAULT_KEYS=k1:$(openssl rand -base64 32)');
  }, RUN_BUDGET_MS);

  it('a setting the server would refuse fails the configuration check; --json gives the same checks as one document', async () => {
    const run = await runCli(['doctor', '--json'], { ...healthy, OFCONNECT_CAPTCHA_TIMEOUT_MS: '99000' });
    expect(run.code, run.output).toBe(1);
    expect(JSON.parse(run.output)).toEqual({
      isHealthy: false,
      checks: [
        {
          check: 'configuration',
          status: 'fail',
          message: expect.stringContaining('OFCONNECT_CAPTCHA_TIMEOUT_MS must be between 1000 and 55000'),
          fix: 'correct the setting it names (README, Configuration); a server refuses to start with it',
        },
      ],
    });
  }, RUN_BUDGET_MS);

  it('a migration not applied fails the database check, naming it', async () => {
    const database = await cli.open();
    let removed: { id: number; hash: string; created_at: string };
    try {
      [removed] = rowsOf<typeof removed>(
        await database.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at = (select max(created_at) from drizzle.__drizzle_migrations) returning id, hash, created_at`),
      );
    } finally {
      await database.close();
    }
    try {
      const run = await doctor();
      expectOnlyFailure(run, 'database', /is reachable; 1 of \d+ migrations pending: \d{4}_\w+/, 'run `ofconnect migrate`');
    } finally {
      const restoring = await cli.open();
      try {
        await restoring.db.execute(sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${removed!.id}, ${removed!.hash}, ${removed!.created_at})`);
      } finally {
        await restoring.close();
      }
    }
  }, 2 * RUN_BUDGET_MS);

  it.runIf(BACKEND === 'pglite')('an embedded data directory held by a running node is a warning saying how to check it, not a failure', async () => {
    const release = cli.holdLikeARunningNode();
    try {
      const run = await doctor();
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(new RegExp(`^warn database: the data directory .* is in use by process ${process.pid} \\(a running ofconnect\\): not opened.* — fix: run doctor while the node is stopped`, 'm'));
    } finally {
      release();
    }
  }, RUN_BUDGET_MS);
});
