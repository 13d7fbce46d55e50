// Monitor benchmark (docs/design.md §5: 100,000 Link connections checked per hour on one node, against the simulator).
// Seeds N active Link connections (sessions minted by a standalone simulator process, stored encrypted like Link
// stores them), all due at once, closes that service, then lets one monitor worker in a fresh service process on the
// same database (bench/monitor-checker.ts) work through the backlog, and measures checks per hour, that process's CPU
// and memory, and the simulator's CPU. The same upstream call (validateSession through the same client) made in a
// bare loop at the same concurrency, in the same run, is the baseline.
//
//   node bin/run-ts.js bench/monitor.ts
//   MONITOR_BENCH_CONNECTIONS=20000 MONITOR_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node bin/run-ts.js bench/monitor.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { READ_CONNECTION_PERMISSIONS } from '../src/account/permissions.ts';
import { storeConnectionSession } from '../src/connections/session-vault.ts';
import { connections } from '../src/connections/tables.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { newId } from '../src/platform/ids.ts';
import { generateVaultKeySpec } from '../src/platform/vault.ts';
import { startService, type RunningService } from '../src/service.ts';
import { createPostgresDatabaseUrl } from '../test/support/databases.ts';
import type { UpstreamSession } from '../src/upstream/session.ts';
import { packageRoot } from '../src/platform/package-root.ts';
import type { MonitorCheckerInput, MonitorCheckerResult } from './monitor-checker.ts';

// The repository root, found the same way from src/ and from a compiled bundle (bin/run-ts.js).
const ROOT = packageRoot();
const TARGET_PER_HOUR = 100_000;

interface MintedSession extends UpstreamSession {
  userId: number;
}

/** The standalone simulator, in its own process so its CPU is not the monitor's. */
async function startSimulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ofconnect.js'), 'sandbox', '--port', '0', '--no-ip-rate-limit'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`simulator exited (${code}) before listening: ${out}`)));
  });
  return { url, child };
}

/** CPU seconds (user + system) of another process, from /proc. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** The simulator's peak RSS, sampled every 200 ms until stop(). */
function sampleSimulatorMemory(simulatorPid: number): { stop(): number } {
  let peak = rssMbOf(simulatorPid);
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMbOf(simulatorPid));
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Runs bench/monitor-checker.ts in a process of its own and returns what it measured. */
async function runCheckerProcess(input: MonitorCheckerInput): Promise<MonitorCheckerResult> {
  // MONITOR_BENCH_CHECKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the checking process alone.
  const nodeArgs = (process.env.MONITOR_BENCH_CHECKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'bench/monitor-checker.ts')], {
    cwd: ROOT,
    env: { ...process.env, MONITOR_CHECKER_INPUT: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('monitor-checker: '));
  if (code !== 0 || !line) throw new Error(`the monitor checker process failed (exit ${code}): ${out}`);
  return JSON.parse(line.slice('monitor-checker: '.length)) as MonitorCheckerResult;
}

/** Runs `count` jobs with at most `concurrency` in flight. */
async function runBounded(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

async function mintSessions(simulatorUrl: string, count: number): Promise<MintedSession[]> {
  const pool = new Pool(simulatorUrl, { connections: 16, pipelining: 1 });
  const sessions = new Array<MintedSession>(count);
  const run = randomBytes(3).toString('hex');
  await runBounded(count, 32, async (i) => {
    const res = await pool.request({
      method: 'POST',
      path: '/_sandbox/sessions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench${run}x${i}@creator.sandbox.com` }),
    });
    const body = (await res.body.json()) as { cookie: string; userAgent: string; xBc: string; userId: number };
    if (res.statusCode !== 200) throw new Error(`minting failed: ${res.statusCode} ${JSON.stringify(body)}`);
    sessions[i] = { cookie: body.cookie, userAgent: body.userAgent, xBc: body.xBc, userId: body.userId };
  });
  await pool.close();
  return sessions;
}

/** Active Link connections, all due (oldest first), their sessions stored encrypted the way Link stores them. */
async function seedLinkConnections(service: RunningService, orgId: string, sessions: MintedSession[]): Promise<void> {
  const { ctx } = service;
  const now = ctx.clock.now().getTime();
  const BATCH = 1000;
  for (let start = 0; start < sessions.length; start += BATCH) {
    const slice = sessions.slice(start, start + BATCH);
    await ctx.database.db.transaction(async (tx) => {
      const at = new Date(now);
      const rows = slice.map((session, j) => ({
        id: newId('connection'),
        orgId,
        environment: 'sandbox' as const,
        status: 'active',
        platformUserId: String(session.userId),
        userData: { id: String(session.userId), name: '', username: '', avatar: null },
        permissions: READ_CONNECTION_PERMISSIONS,
        imported: false,
        nextCheckAt: new Date(now - sessions.length + start + j),
        createdAt: at,
        updatedAt: at,
      }));
      await tx.insert(connections).values(rows);
      for (let j = 0; j < rows.length; j++) {
        await storeConnectionSession(tx, ctx.vault, { orgId, connectionId: rows[j].id }, slice[j], at);
      }
    });
  }
}

/** The baseline: the same upstream call, through the same client, in a bare loop. */
async function measureBareValidateLoop(
  service: RunningService,
  sessions: MintedSession[],
  concurrency: number,
): Promise<{ perSecond: number; cpuCores: number; cpuMsPerCall: number }> {
  const client = service.ctx.upstreams.forEnvironment('sandbox');
  const cpu = process.cpuUsage();
  const started = performance.now();
  await runBounded(sessions.length, concurrency, async (i) => {
    await client.validateSession(sessions[i]);
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  return { perSecond: sessions.length / seconds, cpuCores: cpuMs / 1000 / seconds, cpuMsPerCall: cpuMs / sessions.length };
}

export async function runMonitorBenchmark(): Promise<Record<string, unknown>> {
  const requested = Number(process.env.MONITOR_BENCH_CONNECTIONS ?? 100_000);
  const concurrency = Number(process.env.MONITOR_BENCH_CONCURRENCY ?? 64);
  const baselineCalls = Number(process.env.MONITOR_BENCH_BASELINE_CALLS ?? 20_000);
  const postgresAdminUrl = process.env.MONITOR_BENCH_DATABASE_URL ?? null;
  const log = (message: string) => process.stderr.write(`[monitor bench] ${message}\n`);

  const simulator = await startSimulatorProcess();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-bench-monitor-'));
  const database = postgresAdminUrl ? await createPostgresDatabaseUrl(postgresAdminUrl, 'ofc_bench') : null;
  const vaultKeys = generateVaultKeySpec('bench1');
  let service: RunningService | null = null;
  try {
    // Role api: the service starts no worker of its own; the benchmark starts exactly one below.
    const config = loadConfig(
      {
        role: 'api',
        port: 0,
        host: '127.0.0.1',
        dataDir,
        databaseUrl: database?.url ?? null,
        sandboxUrl: simulator.url,
        vaultKeys,
        logLevel: 'warn',
        monitorConcurrency: concurrency,
      },
      {},
    );
    service = await startService({ config, logger: createLogger('warn') });
    const orgId = service.bootstrap!.orgId;

    log(`minting ${requested} sessions on the simulator…`);
    let started = performance.now();
    // Simulator user ids come from a hash of the email: drop the rare collision (one active connection per account).
    const minted = await mintSessions(simulator.url, requested);
    const sessions = [...new Map(minted.map((session) => [session.userId, session])).values()];
    const count = sessions.length;
    const mintSeconds = (performance.now() - started) / 1000;
    log(`storing ${count} Link connections (${postgresAdminUrl ? 'PostgreSQL' : 'PGlite'})…`);
    started = performance.now();
    await seedLinkConnections(service, orgId, sessions);
    const storeSeconds = (performance.now() - started) / 1000;

    log('warming up, then the bare validateSession loop…');
    await measureBareValidateLoop(service, sessions.slice(0, Math.min(1000, count)), concurrency);
    const baselineCount = Math.min(count, baselineCalls);
    const bare = await measureBareValidateLoop(service, sessions.slice(0, baselineCount), concurrency);
    const seedingProcessRssMb = process.memoryUsage.rss() / 1024 / 1024;

    // The service that checks is not the one that seeded: minting and storing N sessions leave their memory (the
    // sessions in this process, the embedded database's grown WebAssembly heap) in the process that did it, and the
    // target is the memory of a service checking connections already in its database. So the seeding service closes,
    // and a fresh process opens the same database and runs the worker (bench/monitor-checker.ts).
    await service.close();
    service = null;
    log(`checking ${count} due connections with one monitor worker in a fresh service process (concurrency ${concurrency})…`);
    const simulatorCpuBefore = cpuSecondsOf(simulator.child.pid!);
    const simulatorMemory = sampleSimulatorMemory(simulator.child.pid!);
    const checker = await runCheckerProcess({
      dataDir,
      databaseUrl: database?.url ?? null,
      sandboxUrl: simulator.url,
      vaultKeys,
      concurrency,
      count,
    });
    const monitorSeconds = checker.monitorSeconds;
    const simulatorCpu = cpuSecondsOf(simulator.child.pid!) - simulatorCpuBefore;
    const peakSimulatorRssMb = simulatorMemory.stop();

    const perSecond = count / monitorSeconds;
    const perHour = perSecond * 3600;
    const figures = {
      database: postgresAdminUrl ? 'postgres' : 'pglite',
      connections: count,
      concurrency,
      seedMintSeconds: round(mintSeconds),
      seedStoreSeconds: round(storeSeconds),
      monitorSeconds: round(monitorSeconds),
      checksPerSecond: round(perSecond),
      checksPerHour: Math.round(perHour),
      targetPerHour: TARGET_PER_HOUR,
      meetsTarget: perHour >= TARGET_PER_HOUR,
      headroomOverTarget: round(perHour / TARGET_PER_HOUR),
      secondsToCheck100k: round(TARGET_PER_HOUR / perSecond),
      bareValidateCalls: baselineCount,
      bareValidatePerSecond: round(bare.perSecond),
      ratioToBareLoop: round(perSecond / bare.perSecond),
      monitorProcessCpuCores: round(checker.cpuSeconds / monitorSeconds),
      bareLoopCpuCores: round(bare.cpuCores),
      simulatorCpuCores: round(simulatorCpu / monitorSeconds),
      cpuMsPerCheck: round((checker.cpuSeconds * 1000) / count, 3),
      bareLoopCpuMsPerCall: round(bare.cpuMsPerCall, 3),
      checksPerHourPerCore: Math.round((count / checker.cpuSeconds) * 3600),
      rssBeforeChecksMb: Math.round(checker.rssBeforeChecksMb),
      peakRssWhileCheckingMb: Math.round(checker.peakRssWhileCheckingMb),
      peakJsHeapMb: Math.round(checker.peakJsHeapMb),
      peakRssMb: Math.round(checker.maxRssMb),
      seedingProcessRssMb: Math.round(seedingProcessRssMb),
      ...(checker.liveHeapAfterMb === null
        ? {}
        : { liveHeapBeforeChecksMb: Math.round(checker.liveHeapBeforeMb ?? 0), liveHeapAfterChecksMb: Math.round(checker.liveHeapAfterMb) }),
      peakSimulatorRssMb: Math.round(peakSimulatorRssMb),
      verifiedChecked: checker.verifiedChecked,
      verifiedActive: checker.verifiedActive,
    };
    console.table(
      Object.entries(figures).map(([figure, value]) => ({ figure, value })),
    );
    return figures;
  } finally {
    await service?.close();
    simulator.child.kill('SIGTERM');
    await database?.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMonitorBenchmark();
  process.exit(0);
}
