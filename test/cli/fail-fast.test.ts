// Fail fast on configuration (issue 17): a start whose vault key ring cannot decrypt the stored secrets refuses,
// naming the key ids, instead of reporting ready; production prints no secret and makes no development client app.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call } from '../support/service.ts';
import { READY, runCli, spawnCli, stopCli } from '../support/processes.ts';

const ANY_KEY = /sk_(sandbox|live)_[A-Za-z0-9]{40}/;
/** Process starts under load (see test/cli/start.test.ts): several starts in one test. */
const START_BUDGET_MS = 300_000;

const vaultKey = (id: string, fill: number) => `${id}:${Buffer.alloc(32, fill).toString('base64')}`;

describe('a start whose vault keys cannot read the stored secrets refuses', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-vault-canary-'));
  const base = { OFCONNECT_DATA_DIR: dataDir, PORT: '0', OFCONNECT_SANDBOX_PORT: '0' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the key id the data was written with and the ids configured; the right ring (rotated order) starts', async () => {
    const first = spawnCli(['start'], { ...base, OFCONNECT_VAULT_KEYS: vaultKey('k1', 1) });
    try {
      const [, origin] = await first.waitFor(READY, START_BUDGET_MS);
      const key = first.output().match(ANY_KEY)![0];
      // A webhook endpoint's signing secret is stored encrypted under k1.
      const endpoint = await call(origin, 'POST', '/v2/webhooks/endpoints', { key, body: { url: 'http://127.0.0.1:9/hook' } });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
    } finally {
      expect(await stopCli(first)).toBe(0);
    }

    const otherId = await runCli(['start'], { ...base, OFCONNECT_VAULT_KEYS: vaultKey('k2', 2) });
    expect(otherId.code).toBe(1);
    expect(otherId.output).not.toMatch(/ofconnect is ready/);
    expect(otherId.output).toContain(
      'ofconnect: refusing to start: the vault key ring cannot decrypt stored data: it was written with key id k1 (1 stored secret), ' +
        'and the configured key ids are k2. Add the missing key(s) to OFCONNECT_VAULT_KEYS',
    );
    expect(otherId.output).toContain('The key ring came from OFCONNECT_VAULT_KEYS');

    const sameIdOtherKey = await runCli(['start'], { ...base, OFCONNECT_VAULT_KEYS: vaultKey('k1', 3) });
    expect(sameIdOtherKey.code).toBe(1);
    expect(sameIdOtherKey.output).not.toMatch(/ofconnect is ready/);
    expect(sameIdOtherKey.output).toMatch(
      /refusing to start: the vault key ring cannot decrypt stored data: a webhook endpoint secret \(we_[A-Za-z0-9]+\) was written with key id k1, and the key configured under id k1 does not decrypt it/,
    );

    // Rotating: a new first key with the old one kept for decryption is a ring that reads the data.
    const rotated = spawnCli(['start'], { ...base, OFCONNECT_VAULT_KEYS: `${vaultKey('k2', 2)},${vaultKey('k1', 1)}` });
    try {
      await rotated.waitFor(READY, START_BUDGET_MS);
    } finally {
      expect(await stopCli(rotated)).toBe(0);
    }
  }, START_BUDGET_MS * 4);
});

describe('production mode (NODE_ENV=production)', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-production-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints no secret: the first admin key is in a 0600 file whose path is printed; no development client app', async () => {
    const proc = spawnCli(['start'], {
      NODE_ENV: 'production',
      OFCONNECT_DATA_DIR: dataDir,
      PORT: '0',
      OFCONNECT_VAULT_KEYS: vaultKey('prod1', 4),
    });
    try {
      const [, origin] = await proc.waitFor(READY, START_BUDGET_MS);
      const file = path.join(dataDir, 'first-admin-key');
      expect(proc.output()).not.toMatch(ANY_KEY);
      expect(proc.output()).toContain(`The key is in ${file} (readable by this user only)`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      expect(key).toMatch(ANY_KEY);
      expect(proc.output()).not.toContain(key);
      const apps = await call(origin, 'GET', '/v2/client-apps', { key });
      expect(apps.status).toBe(200);
      expect(apps.body.list).toEqual([]);
      // What the banner says to do next works: a live admin key from this one.
      const live = await call(origin, 'POST', '/v2/api-keys', { key, body: { environment: 'live', name: 'Live admin' } });
      expect(live.status).toBe(201);
    } finally {
      expect(await stopCli(proc)).toBe(0);
    }
  }, START_BUDGET_MS);
});
