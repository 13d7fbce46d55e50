// Start-up and idle memory benchmark (issue #24): `ofconnect start` as a new user runs it, a separate process each
// time. Per database: the first start (embedded: an empty data directory, which copies the template npm install
// prepared; PostgreSQL: an empty database, which migrates), then warm restarts on the same data, each timed from
// spawn to the ready line; then the resident memory of the idle service, sampled after it has settled.
//
//   npm run bench -- startup
//   STARTUP_BENCH_RUNS=5 STARTUP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- startup
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/platform/package-root.ts';
import { generateVaultKeySpec } from '../src/platform/vault.ts';
import { createPostgresDatabaseUrl } from '../test/support/databases.ts';

const ROOT = packageRoot();
const READY = /ofconnect is ready on (http:\/\/[^\s]+) in (\d+) ms/;
const FIRST_START_TARGET_SECONDS = 3;
const IDLE_RSS_TARGET_MB = 200;
/** After ready: time for start-up work to finish (first sweeps, the simulator's first writes) before sampling. */
const SETTLE_MS = 10_000;
const SAMPLE_MS = 15_000;

interface Started {
  child: ChildProcess;
  /** From spawn to the ready line, as a user waits for it. */
  wallSeconds: number;
  /** What the banner says (the service's own count, from process start). */
  bannerSeconds: number;
}

async function startService(env: Record<string, string>): Promise<Started> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/ofconnect.js'), 'start'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', OFCONNECT_SANDBOX_PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise<Started>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = READY.exec(output);
      if (match) resolve({ child, wallSeconds: (performance.now() - spawnedAt) / 1000, bannerSeconds: Number(match[2]) / 1000 });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`ofconnect start exited (${code}) before ready:\n${output}`)));
  });
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}

function rssMbOf(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** Median and highest resident memory of an idle service over the sampling window. */
async function idleRss(pid: number): Promise<{ medianMb: number; maxMb: number }> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const samples: number[] = [];
  const until = performance.now() + SAMPLE_MS;
  while (performance.now() < until) {
    samples.push(rssMbOf(pid));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { medianMb: median(samples), maxMb: Math.max(...samples) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** First start on empty data, then `runs` warm restarts; idle memory measured on the last one. */
async function measure(label: string, env: Record<string, string>, runs: number): Promise<Record<string, unknown>> {
  const log = (message: string) => process.stderr.write(`[startup bench] ${label}: ${message}\n`);
  log('first start on empty data…');
  const first = await startService(env);
  await stopService(first.child);
  const warm: Started[] = [];
  let idle = { medianMb: 0, maxMb: 0 };
  for (let i = 0; i < runs; i++) {
    log(`warm start ${i + 1}/${runs}…`);
    const started = await startService(env);
    if (i === runs - 1) {
      log('idle memory…');
      idle = await idleRss(started.child.pid!);
    }
    await stopService(started.child);
    warm.push(started);
  }
  return {
    database: label,
    firstStartSeconds: round(first.wallSeconds),
    firstStartBannerSeconds: round(first.bannerSeconds),
    warmStartSecondsMedian: round(median(warm.map((w) => w.wallSeconds))),
    warmStartSecondsMin: round(Math.min(...warm.map((w) => w.wallSeconds))),
    warmStartBannerSecondsMedian: round(median(warm.map((w) => w.bannerSeconds))),
    idleRssMbMedian: Math.round(idle.medianMb),
    idleRssMbMax: Math.round(idle.maxMb),
  };
}

export async function runStartupBenchmark(): Promise<Record<string, unknown>> {
  const runs = Number(process.env.STARTUP_BENCH_RUNS ?? 3);
  const postgresAdminUrl = process.env.STARTUP_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const results: Record<string, unknown>[] = [];

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-bench-startup-'));
  try {
    results.push(await measure('pglite', { OFCONNECT_DATA_DIR: dataDir }, runs));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }

  const pgDataDir = mkdtempSync(path.join(os.tmpdir(), 'ofc-bench-startup-pg-'));
  const database = await createPostgresDatabaseUrl(postgresAdminUrl, 'ofc_bench');
  try {
    // A vault key ring of its own: on PostgreSQL nothing else would be in the data directory to hold one.
    results.push(await measure('postgres', { DATABASE_URL: database.url, OFCONNECT_DATA_DIR: pgDataDir, OFCONNECT_VAULT_KEYS: generateVaultKeySpec('bench1') }, runs));
  } finally {
    await database.drop().catch(() => {});
    rmSync(pgDataDir, { recursive: true, force: true });
  }

  const embedded = results[0] as { firstStartSeconds: number; idleRssMbMedian: number };
  const figures = {
    results,
    firstStartTargetSeconds: FIRST_START_TARGET_SECONDS,
    firstStartMeetsTarget: embedded.firstStartSeconds < FIRST_START_TARGET_SECONDS,
    idleRssTargetMb: IDLE_RSS_TARGET_MB,
    embeddedIdleRssMeetsTarget: embedded.idleRssMbMedian < IDLE_RSS_TARGET_MB,
  };
  console.table(results);
  console.log(JSON.stringify({ ...figures, results: undefined }));
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runStartupBenchmark();
  process.exit(0);
}
