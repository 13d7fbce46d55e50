// A Vault+ copy worker that is a real process, killed with SIGKILL while its copies are in flight (the CDN holds the
// files): another worker process finishes them once the leases run out. PostgreSQL only (processes share it).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { signalCli, spawnCli, type CliProcess } from '../support/processes.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { makeTempDir } from '../support/test-run.ts';
import { fetchBytes, listItems, newTenant, photoList, setVaultPlus, storedStatus, vp, WAIT } from './vault-plus-setup.ts';

describe.runIf(BACKENDS.includes('postgres'))('Vault+ copy worker processes sharing one PostgreSQL', () => {
  const vaultKeys = generateVaultKeySpec('vaultplus1');
  let t: TestService;

  beforeAll(async () => {
    // No worker in the service: the copies are left to the worker processes.
    t = await startTestService('postgres', { config: { role: 'api', vaultKeys } });
  });
  afterAll(async () => t?.close());

  it('a worker process killed with SIGKILL mid-copy loses nothing: another one stores every file after the leases run out', async () => {
    const tenant = await newTenant(t, 'Vault+ killed process');
    await setVaultPlus(t, tenant, {});
    const list = await photoList(t, tenant);
    expect((await vp(t, tenant, 'POST', `/store/list/${list.id}`)).status).toBe(200);

    // The CDN holds every file request for a while: the first worker's copies are in flight when it dies.
    const since = (await call(t.sandboxUrl, 'GET', '/_sandbox/requests')).body.lastSeq as number;
    expect((await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', latencyMs: 5_000, pathPrefix: '/files/' } })).status).toBe(200);
    const dataDir = makeTempDir('vault-plus-worker');
    const env = {
      DATABASE_URL: t.database.url!,
      OFCONNECT_VAULT_KEYS: vaultKeys,
      OFCONNECT_DATA_DIR: dataDir,
      // The media goes where the service's proxy reads it; the simulator is the test service's own.
      OFCONNECT_VAULT_PLUS_DIR: t.service.ctx.config.vaultPlusDir,
      OFCONNECT_SANDBOX_URL: t.sandboxUrl,
      OFCONNECT_VAULT_PLUS_LEASE_MS: '3000',
      OFCONNECT_VAULT_PLUS_POLL_MS: '200',
      PORT: '0',
      OFCONNECT_SANDBOX_PORT: '0',
    };
    const workers: CliProcess[] = [];
    try {
      const first = spawnCli(['start', '--role', 'worker'], env);
      workers.push(first);
      await first.waitFor(/ofconnect is ready/, 60_000);
      await eventually(async () => {
        const log = (await call<{ list: Array<{ url: string }> }>(t.sandboxUrl, 'GET', `/_sandbox/requests?since=${since}`)).body.list;
        return log.some((r) => r.url.startsWith('/files/')) || null;
      }, { ...WAIT, what: 'the first worker fetching a file' });
      const inFlight = (await listItems(t, tenant)).filter((item) => item.media.thumb.status === 'storing');
      expect(inFlight.length).toBeGreaterThan(0);
      signalCli(first, 'SIGKILL');
      await first.exited;
      expect((await call(t.sandboxUrl, 'DELETE', '/_sandbox/faults')).status).toBe(200);

      workers.push(spawnCli(['start', '--role', 'worker'], env));
      // The new worker's start (seconds, a minute under heavy load) and the 3 s leases running out.
      const status = await storedStatus(t, tenant);
      expect(status.storedCount).toBe(list.photos);
      // The files the killed worker held are stored and served whole.
      for (const item of inFlight) {
        const stored = (await vp(t, tenant, 'GET', `/${item.id}`)).body.media.thumb;
        expect(stored.status).toBe('stored');
        const file = await fetchBytes(stored.url);
        expect([file.status, file.body.length]).toEqual([200, stored.sizeBytes]);
      }
    } finally {
      for (const w of workers) signalCli(w, 'SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      await call(t.sandboxUrl, 'DELETE', '/_sandbox/faults');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 150_000);
});
