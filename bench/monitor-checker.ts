// The checking half of the monitor benchmark (bench/monitor.ts), in a process of its own: a service opened on the
// database the benchmark seeded and closed, running one monitor worker until it has checked every due connection.
// Its CPU and memory are then the service's while checking, and not the seeding's (minting and storing 100,000
// sessions in the same process and embedded database used to leave ~500 MB behind that no check had made).
// Prints one line, `monitor-checker: {json}`, with what it measured.
import { sql } from 'drizzle-orm';
import { startMonitorWorker } from '../src/monitor/worker.ts';
import { rowsOf } from '../src/platform/db/sql.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { startService } from '../src/service.ts';

export interface MonitorCheckerInput {
  dataDir: string;
  databaseUrl: string | null;
  sandboxUrl: string;
  vaultKeys: string;
  concurrency: number;
  /** Checks to wait for: every seeded connection. */
  count: number;
}

export interface MonitorCheckerResult {
  monitorSeconds: number;
  checksMade: number;
  cpuSeconds: number;
  /** RSS of the opened service, idle, before the worker starts. */
  rssBeforeChecksMb: number;
  /** Highest RSS sampled while checking (every 100 ms). */
  peakRssWhileCheckingMb: number;
  /** Where the memory was at that sample: the main thread's JavaScript heap, and the rest (the embedded database's
   *  thread and its WebAssembly heap, buffers, code). */
  peakJsHeapMb: number;
  /** The process's highest RSS over its life (kernel's max RSS): start and checks. */
  maxRssMb: number;
  /** With --expose-gc (MONITOR_BENCH_CHECKER_NODE_ARGS): the main thread's live heap after a full collection,
   *  before the checks and after them — what checking left behind, as against garbage not yet collected. */
  liveHeapBeforeMb: number | null;
  liveHeapAfterMb: number | null;
  /** Connections checked at least once, and still active, read back after the run. */
  verifiedChecked: number;
  verifiedActive: number;
}

const MB = 1024 * 1024;
/** When the embedded database's first maintenance pass starts after a service starts (embedded-maintenance.ts). */
const FIRST_EMBEDDED_MAINTENANCE_MS = 30_000;

async function runMonitorChecker(input: MonitorCheckerInput): Promise<MonitorCheckerResult> {
  const config = loadConfig(
    {
      role: 'api',
      port: 0,
      host: '127.0.0.1',
      dataDir: input.dataDir,
      databaseUrl: input.databaseUrl,
      sandboxUrl: input.sandboxUrl,
      vaultKeys: input.vaultKeys,
      logLevel: 'warn',
      monitorConcurrency: input.concurrency,
    },
    {},
  );
  const startedAt = Date.now();
  const service = await startService({ config, logger: createLogger('warn'), skipBootstrap: true });
  if (service.ctx.database.kind === 'pglite') {
    // The embedded database's first maintenance pass (VACUUM ANALYZE, 30 s after start, then every 10 minutes) would
    // otherwise land inside the checks and charge a pass over 100,000 rows to a minute of them; a service that has
    // been running has had it, and its statistics. A statement queued after it returns once it is over.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + FIRST_EMBEDDED_MAINTENANCE_MS + 1000 - Date.now())));
    await service.ctx.database.ping();
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const liveHeapMb = () => {
    if (!gc) return null;
    gc();
    return process.memoryUsage().heapUsed / MB;
  };
  try {
    const liveHeapBeforeMb = liveHeapMb();
    const rssBeforeChecks = process.memoryUsage.rss();
    let peak = process.memoryUsage();
    // rss() alone is cheap; the full breakdown (heap statistics) only at a new peak.
    const sample = () => {
      if (process.memoryUsage.rss() > peak.rss + 4 * 1024 * 1024) peak = process.memoryUsage();
    };
    const sampler = setInterval(sample, 100);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const worker = await startMonitorWorker(service.ctx, { concurrency: input.concurrency, pollIntervalMs: 100 });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (worker.checksMade >= input.count) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    const monitorSeconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    clearInterval(sampler);
    sample();
    const checksMade = worker.checksMade;
    await worker.stop();
    const liveHeapAfterMb = liveHeapMb();
    const [verified] = rowsOf<{ checked: number; active: number }>(
      await service.ctx.database.db.execute(
        sql`select count(*) filter (where last_checked_at is not null)::int as checked, count(*) filter (where status = 'active')::int as active from connections`,
      ),
    );
    return {
      monitorSeconds,
      checksMade,
      cpuSeconds: (used.user + used.system) / 1e6,
      rssBeforeChecksMb: rssBeforeChecks / MB,
      peakRssWhileCheckingMb: peak.rss / MB,
      peakJsHeapMb: peak.heapTotal / MB,
      // resourceUsage().maxRSS is in kilobytes.
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      liveHeapBeforeMb,
      liveHeapAfterMb,
      verifiedChecked: verified.checked,
      verifiedActive: verified.active,
    };
  } finally {
    await service.close();
  }
}

const input = JSON.parse(process.env.MONITOR_CHECKER_INPUT ?? 'null') as MonitorCheckerInput | null;
if (!input) throw new Error('bench/monitor-checker.ts is started by bench/monitor.ts (MONITOR_CHECKER_INPUT)');
const result = await runMonitorChecker(input);
process.stdout.write(`monitor-checker: ${JSON.stringify(result)}\n`);
process.exit(0);
