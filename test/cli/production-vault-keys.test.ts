// README: "production requires vault keys". `ofconnect start` with NODE_ENV=production and no OFCONNECT_VAULT_KEYS
// refuses (exit 1, the variable named) instead of generating a local key file that losing would lose every stored
// session; with the keys set, the same database starts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { BACKENDS, createPostgresDatabaseUrl } from '../support/databases.ts';
import { READY, runCli, spawnCli, stopCli, type CliProcess } from '../support/processes.ts';

const REFUSAL = 'OFCONNECT_VAULT_KEYS is required in production (NODE_ENV=production)';
/** A process start under load (migrations first): the same budget as test/cli/start.test.ts. */
const START_BUDGET_MS = 120_000;

describe('production refuses to start without vault keys (postgres)', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function tempDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ofc-prod-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  // On PostgreSQL only: the check does not depend on the database, and a first start on the embedded one migrates a
  // fresh on-disk PGlite before refusing (85 s on this machine under load).
  it.runIf(BACKENDS.includes('postgres'))('exit 1 naming OFCONNECT_VAULT_KEYS, nothing served, no local key file; with the keys set the same database starts', async () => {
    const database = await createPostgresDatabaseUrl();
    cleanups.push(() => database.drop());
    const dataDir = tempDir();
    const env = { NODE_ENV: 'production', DATABASE_URL: database.url, OFCONNECT_DATA_DIR: dataDir, PORT: '0' };

    const refused = await runCli(['start', '--role', 'api'], env);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(REFUSAL);
    expect(refused.output).not.toMatch(READY);
    // What development does instead (platform/vault.ts loadOrCreateLocalVaultKeys) must not happen here.
    expect(refused.output).not.toMatch(/generated a local vault key/);
    expect(readdirSync(dataDir).filter((name) => /vault|key/i.test(name))).toEqual([]);

    const started: CliProcess = spawnCli(['start', '--role', 'api'], { ...env, OFCONNECT_VAULT_KEYS: generateVaultKeySpec('prod1') });
    cleanups.push(() => stopCli(started));
    await started.waitFor(READY, START_BUDGET_MS);
    expect(started.output()).not.toContain(REFUSAL);
  }, START_BUDGET_MS * 2);
});
