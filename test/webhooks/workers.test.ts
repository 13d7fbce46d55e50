import { rmSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { recordEvent } from '../../src/webhooks/outbox.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { spawnCli, type CliProcess, signalCli } from '../support/processes.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, verifiesWith, type Receiver } from './receiver.ts';
import { makeTempDir } from '../support/test-run.ts';

// Several workers on one PostgreSQL: in-process with their own connection pools, and as real child processes.
describe.runIf(BACKENDS.includes('postgres'))('webhook workers sharing one PostgreSQL', () => {
  const vaultKeys = generateVaultKeySpec('shared1');
  let t: TestService;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestService('postgres', { config: { role: 'api', vaultKeys } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  // One receiver for the file: each test counts only what reaches it during that test, whatever ran before.
  beforeEach(() => {
    receiver.received.length = 0;
  });

  const api = (method: string, p: string, body?: unknown) => call(t.url, method, p, { key: t.adminKey, body });
  const EVENTS = 120;
  const CONNECTIONS = 12;

  it('two workers deliver every event exactly once between them, in order per connection', async () => {
    const endpoint = (await api('POST', '/v2/webhooks/endpoints', { url: `${receiver.url}/pair` })).body;
    const handles: DatabaseHandle[] = [];
    const workers: WebhookWorker[] = [];
    for (let i = 0; i < 2; i++) {
      const database = await openDatabase({ databaseUrl: t.database.url, dataDir: null, poolSize: 5 });
      handles.push(database);
      workers.push(await startWebhookWorker({ ...t.service.ctx, database }, { concurrency: 8, pollIntervalMs: 200 }));
    }
    // Each event's first attempt fails about a third of the time: its immediate retry must also be sent once.
    // 120 events on 12 connections keep both workers busy at once (8 in flight each); more events prove nothing more.
    const failedOnce = new Set<string>();
    receiver.answer = (d) => {
      if (Number.parseInt(d.payload.data.n, 10) % 3 === 0 && !failedOnce.has(d.webhookId)) {
        failedOnce.add(d.webhookId);
        return 500;
      }
      return new Promise((resolve) => setImmediate(() => resolve(200)));
    };
    try {
      const ids: string[] = [];
      for (let n = 0; n < EVENTS; n++) {
        const connectionId = `conn_${n % CONNECTIONS}`;
        ids.push(
          await t.database.handle.db.transaction((tx) =>
            recordEvent(tx, { orgId: t.orgId, environment: 'sandbox', type: 'connection.updated', connectionId, data: { n: String(n), connectionId } }, new Date()),
          ),
        );
      }
      const expected = EVENTS + failedCountOf(EVENTS);
      await receiver.waitFor((r) => r.length >= expected, 30_000);
      const perId = new Map<string, number>();
      for (const d of receiver.received) perId.set(d.webhookId, (perId.get(d.webhookId) ?? 0) + 1);
      for (const [i, id] of ids.entries()) expect([i, perId.get(id)]).toEqual([i, i % 3 === 0 ? 2 : 1]);
      expect(receiver.received).toHaveLength(expected);
      expect(receiver.received.every((d) => verifiesWith(endpoint.secret, d))).toBe(true);

      // Within a connection, events arrived in the order recorded.
      for (let c = 0; c < CONNECTIONS; c++) {
        const order = receiver.received.filter((d) => d.payload.data.connectionId === `conn_${c}`).map((d) => Number(d.payload.data.n));
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }
      expect(workers[0].attemptsMade).toBeGreaterThan(0);
      expect(workers[1].attemptsMade).toBeGreaterThan(0);
      // Every request the receiver saw is one logged attempt (the counters move once each attempt is written).
      await eventually(() => workers[0].attemptsMade + workers[1].attemptsMade === expected, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `${expected} attempts made` });
      const logged = await api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts?limit=250`);
      const more = await api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts?limit=250&offset=250`);
      const attempts = [...logged.body.list, ...more.body.list];
      expect(attempts).toHaveLength(expected);
      expect(new Set(attempts.map((a: { deliveryId: string; attempt: number }) => `${a.deliveryId}#${a.attempt}`)).size).toBe(expected);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await Promise.all(handles.map((h) => h.close()));
      await api('DELETE', `/v2/webhooks/endpoints/${endpoint.id}`);
    }
  });

  const recordFor = (connectionId: string, type: 'connection.created' | 'connection.updated', data: Record<string, unknown>) =>
    t.database.handle.db.transaction((tx) => recordEvent(tx, { orgId: t.orgId, environment: 'sandbox', type, connectionId, data }, new Date()));

  /** Starts a worker process and records events; the receiver holds delivery number `heldIndex` open, and the worker
   *  is killed with SIGKILL while sending it. Another worker process then starts, and `check` runs once the held
   *  delivery has come again (with the ids recorded and the endpoint), before the processes and endpoint go. */
  async function killWhileSending(
    name: string,
    heldIndex: number,
    record: () => Promise<string[]>,
    check: (ids: string[], endpoint: { secret: string }) => Promise<void>,
  ): Promise<void> {
    const endpoint = (await api('POST', '/v2/webhooks/endpoints', { url: `${receiver.url}/${name}` })).body;
    let releaseHeld: (status: number) => void = () => {};
    receiver.answer = (_d, index) => (index === heldIndex ? new Promise((resolve) => (releaseHeld = resolve)) : 200);
    const dataDir = makeTempDir('worker');
    const env = {
      DATABASE_URL: t.database.url!,
      OFCONNECT_VAULT_KEYS: vaultKeys,
      OFCONNECT_DATA_DIR: dataDir,
      OFCONNECT_WEBHOOK_LEASE_MS: '3000',
      PORT: '0',
      OFCONNECT_SANDBOX_PORT: '0',
    };
    const workers: CliProcess[] = [];
    try {
      const first = spawnCli(['start', '--role', 'worker'], env);
      workers.push(first);
      await first.waitFor(/ofconnect is ready/, 60_000);
      const ids = await record();
      await receiver.waitFor((r) => r.length === heldIndex + 1);
      signalCli(first, 'SIGKILL');
      await first.exited;
      releaseHeld(200);

      workers.push(spawnCli(['start', '--role', 'worker'], env));
      // The new worker's start (seconds, a minute under heavy load) and the 3 s lease running out.
      await receiver.waitFor((r) => r.length === heldIndex + 2, 60_000);
      await check(ids, endpoint);
    } finally {
      for (const w of workers) signalCli(w, 'SIGKILL');
      await Promise.all(workers.map((w) => w.exited));
      rmSync(dataDir, { recursive: true, force: true });
      await api('DELETE', `/v2/webhooks/endpoints/${endpoint.id}`);
    }
  }

  it('a worker process killed with SIGKILL mid-delivery loses nothing: another one delivers after the lease runs out', async () => {
    await killWhileSending(
      'crash',
      0,
      async () => [await recordFor('conn_crash', 'connection.created', {})],
      async ([messageId], endpoint) => {
        const [held, redelivered] = receiver.received;
        expect(redelivered.webhookId).toBe(messageId);
        expect(held.webhookId).toBe(messageId);
        expect(verifiesWith(endpoint.secret, redelivered)).toBe(true);
        await eventually(async () => (await api('GET', `/v2/webhooks/messages/${messageId}`)).body.status === 'succeeded', { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the message reading as succeeded' });
        // The killed worker never got to log its attempt; the one that finished did.
        const attempts = (await api('GET', `/v2/webhooks/messages/${messageId}/attempts`)).body.list;
        expect(attempts).toEqual([expect.objectContaining({ attempt: 1, status: 'succeeded', statusCode: 200 })]);
      },
    );
  }, 150_000);

  it('a worker process killed while sending the next event of a connection, leased with the one before, loses nothing', async () => {
    // The first event is answered at once; the second, which its worker leased while recording the first, hangs.
    await killWhileSending(
      'crash-next',
      1,
      async () => [await recordFor('conn_crash_next', 'connection.updated', { n: 1 }), await recordFor('conn_crash_next', 'connection.updated', { n: 2 })],
      async (ids) => {
        expect(receiver.received.map((d) => d.webhookId)).toEqual([ids[0], ids[1], ids[1]]);
        await eventually(async () => (await api('GET', `/v2/webhooks/messages/${ids[1]}`)).body.status === 'succeeded', { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the second message reading as succeeded' });
      },
    );
  }, 150_000);
});

/** Events whose number is a multiple of 3 fail their first attempt once. */
function failedCountOf(events: number): number {
  return Math.ceil(events / 3);
}
