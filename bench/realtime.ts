// Realtime relay benchmark: one worker holding N simulated sockets (default 5,000) against the simulator in a
// process of its own. Measures the worker process's memory per idle socket (heap, and RSS: everything the process
// holds, the embedded database's thread included), its CPU while every socket is idle (heartbeats and lease renewals
// only), and frame → webhook receipt latency (p50/p99) under a steady load of fan messages: from the control call
// that makes the fan write to the receipt of realtime.chat_message.received at a local receiver, through the relay,
// the outbox and the webhook worker. The machine is shared with the simulator and the receiver: read with that in mind.
// Standalone: `node bin/run-ts.js bench/realtime.ts [sockets] [fan messages per second]`.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Agent, request } from 'undici';
import { insertOrg } from '../src/account/store.ts';
import { READ_CONNECTION_PERMISSIONS } from '../src/account/permissions.ts';
import { storeConnectionSession } from '../src/connections/session-vault.ts';
import { insertConnection } from '../src/connections/store.ts';
import { loadConfig } from '../src/platform/config.ts';
import { newId } from '../src/platform/ids.ts';
import { createLogger } from '../src/platform/logger.ts';
import { generateVaultKeySpec } from '../src/platform/vault.ts';
import { createRealtimeRelay } from '../src/realtime/relay-worker.ts';
import { startService } from '../src/service.ts';
import { createEndpoint } from '../src/webhooks/endpoints.ts';
import { startWebhookWorker } from '../src/webhooks/worker.ts';

const IDLE_WINDOW_MS = 20_000;
const LOAD_RATE_PER_SECOND = 20;
const LOAD_SECONDS = 15;
const LOAD_ACCOUNTS = 100;
const SETUP_CONCURRENCY = 32;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function settleMemory() {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function startSimulator(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/realtime-simulator.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
  });
}

function startReceiver(): Promise<{ url: string; receivedAt: Map<number, number>; relayedAt: Map<number, number>; close(): Promise<void> }> {
  const receivedAt = new Map<number, number>();
  /** When the relay received each frame (its data.receivedAt), on the same clock as receivedAt. */
  const relayedAt = new Map<number, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { eventBody: { id: number }; receivedAt: string } };
      const id = payload.data.eventBody.id;
      if (!receivedAt.has(id)) receivedAt.set(id, performance.now());
      if (!relayedAt.has(id)) relayedAt.set(id, Date.parse(payload.data.receivedAt) - performance.timeOrigin);
      res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        receivedAt,
        relayedAt,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      }),
    ),
  );
}

export async function runRealtimeBenchmark(sockets = 5000, ratePerSecond = LOAD_RATE_PER_SECOND): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofconnect-bench-realtime-'));
  const simulator = await startSimulator();
  const receiver = await startReceiver();
  const control = new Agent({ connections: SETUP_CONCURRENCY });
  const post = async <T>(p: string, body: unknown): Promise<T> => {
    const res = await request(`${simulator.url}${p}`, { method: 'POST', dispatcher: control, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${p}: ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  };
  const config = loadConfig(
    { port: 0, host: '127.0.0.1', dataDir, vaultKeys: generateVaultKeySpec('bench1'), logLevel: 'warn', role: 'api', sandboxUrl: simulator.url },
    {},
  );
  const service = await startService({ config, logger: createLogger('warn'), skipBootstrap: true });
  const ctx = service.ctx;
  let relay: ReturnType<typeof createRealtimeRelay> | null = null;
  let webhooks: Awaited<ReturnType<typeof startWebhookWorker>> | null = null;
  try {
    const stamp = new Date();
    const org = await insertOrg(ctx.database.db, { id: newId('org'), name: 'Bench', settings: { realtime: { enabled: true } }, createdAt: stamp, updatedAt: stamp });
    await createEndpoint(ctx, { orgId: org.id, environment: 'sandbox', actor: 'system' }, { url: receiver.url, eventTypes: ['realtime.chat_message.received'] as never });

    console.log(`setting up ${sockets} accounts and connections…`);
    const emails = Array.from({ length: sockets }, (_, i) => `rt${i}x${stamp.getTime()}@creator.sandbox.com`);
    await inBatches(emails, SETUP_CONCURRENCY, async (email) => {
      const session = await post<{ cookie: string; userAgent: string; xBc: string; userId: number }>('/_sandbox/sessions', { email });
      const now = new Date();
      await ctx.database.db.transaction(async (tx) => {
        const row = await insertConnection(tx, {
          id: newId('connection'),
          orgId: org.id,
          environment: 'sandbox',
          status: 'active',
          platformUserId: String(session.userId),
          userData: { id: String(session.userId), name: 'Bench', username: `u${session.userId}`, avatar: null },
          permissions: READ_CONNECTION_PERMISSIONS,
          clientReferenceId: null,
          imported: false,
          nextCheckAt: null,
          createdAt: now,
          updatedAt: now,
        });
        await storeConnectionSession(tx, ctx.vault, { orgId: org.id, connectionId: row.id }, session, now);
      });
    });

    const before = settleMemory();
    const openStarted = performance.now();
    relay = createRealtimeRelay(ctx, { capacity: sockets + 100, connectConcurrency: 64, syncIntervalMs: 2000, quietMs: 3_600_000 });
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      if (relay.openSockets >= sockets) break;
      if (performance.now() - openStarted > 30 * 60_000) throw new Error(`only ${relay.openSockets} of ${sockets} sockets opened in 30 min`);
    }
    const openSeconds = (performance.now() - openStarted) / 1000;
    console.log(`${sockets} sockets open in ${openSeconds.toFixed(1)} s`);
    // Let the opening's transient buffers go before measuring.
    await new Promise((r) => setTimeout(r, 5000));
    const held = settleMemory();
    const perSocket = {
      heapKb: Math.round(((held.heap - before.heap) / sockets / 1024) * 10) / 10,
      rssKb: Math.round(((held.rss - before.rss) / sockets / 1024) * 10) / 10,
      externalKb: Math.round(((held.external - before.external) / sockets / 1024) * 10) / 10,
    };
    console.log(`memory per idle socket: ${JSON.stringify(perSocket)}`);

    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await new Promise((r) => setTimeout(r, IDLE_WINDOW_MS));
    const cpu = process.cpuUsage(cpuStart);
    const idleCpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 1000) / 10;
    console.log(`CPU at idle with ${sockets} sockets: ${idleCpuPercent}% of one core`);

    // Each load account's chats are generated by its first message: made before the measured load.
    // (Asking to unsend a message that does not exist loads the chats, pushes nothing and answers 404.)
    await inBatches(emails.slice(0, LOAD_ACCOUNTS), 8, async (email) => {
      const res = await request(`${simulator.url}/_sandbox/realtime/events`, {
        method: 'POST',
        dispatcher: control,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'delete', email, messageId: 1 }),
      });
      await res.body.text();
    });
    webhooks = await startWebhookWorker(ctx, { pollIntervalMs: 200 });
    const sentAt = new Map<number, number>();
    const controlMs: number[] = [];
    const total = ratePerSecond * LOAD_SECONDS;
    const loadStart = performance.now();
    const sends: Array<Promise<void>> = [];
    for (let i = 0; i < total; i++) {
      const due = loadStart + (i * 1000) / ratePerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const email = emails[i % LOAD_ACCOUNTS];
      const t0 = performance.now();
      // Timed from the control call's reply: the simulator pushes the frame just before it answers.
      sends.push(
        post<{ messageId: number }>('/_sandbox/realtime/events', { kind: 'message', email, text: `load ${i}` }).then((r) => {
          const t1 = performance.now();
          controlMs.push(t1 - t0);
          sentAt.set(r.messageId, t1);
        }),
      );
    }
    await Promise.all(sends);
    const deadline = performance.now() + 120_000;
    while (receiver.receivedAt.size < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const latencies = [...sentAt].filter(([id]) => receiver.receivedAt.has(id)).map(([id, t0]) => receiver.receivedAt.get(id)! - t0);
    const latency = {
      messages: total,
      received: latencies.length,
      ratePerSecond,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      controlCallP50Ms: Math.round(percentile(controlMs, 50)),
      /** Of which from the control reply to the relay's receipt of the frame, and from there to the webhook. */
      toRelayP50Ms: Math.round(percentile([...sentAt].filter(([id]) => receiver.relayedAt.has(id)).map(([id, t1]) => receiver.relayedAt.get(id)! - t1), 50)),
      relayToWebhookP50Ms: Math.round(percentile([...receiver.relayedAt].map(([id, at]) => receiver.receivedAt.get(id)! - at), 50)),
    };
    console.log(`frame → webhook receipt: ${JSON.stringify(latency)}`);
    return { sockets, openSeconds: Math.round(openSeconds), memoryPerIdleSocket: perSocket, idleCpuPercentOfOneCore: idleCpuPercent, latency };
  } finally {
    await webhooks?.stop();
    await relay?.stop();
    await service.close();
    await receiver.close();
    await control.close();
    simulator.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) {
  const sockets = Number(process.argv[2] ?? 5000);
  const rate = Number(process.argv[3] ?? LOAD_RATE_PER_SECOND);
  console.log(JSON.stringify(await runRealtimeBenchmark(sockets, rate), null, 2));
  process.exit(0);
}
