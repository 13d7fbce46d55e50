// The processes the soak runs, as an operator would: one OnlyFans simulator (`ofconnect sandbox`) that every node
// shares, one `--role api` node, and two `--role worker` nodes on one fresh PostgreSQL database. One worker lives for
// the whole run (its memory is measured); the other is the one killed with SIGKILL and started again, so work it
// held must be picked up through leases. Resident memory of each is sampled from /proc.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateVaultKeySpec } from '../../src/platform/vault.ts';
import { createPostgresDatabaseUrl, POSTGRES_ADMIN_URL } from '../../test/support/databases.ts';
import { residentSetKilobytes, spawnCli, stopCli, type CliProcess } from '../../test/support/processes.ts';

const READY = /ofconnect is ready on (http:\/\/127\.0\.0\.1:\d+)/;
const SIMULATOR_READY = /OnlyFans simulator listening on (http:\/\/\S+)/;
const FIRST_START_KEY = /^\s+(sk_sandbox_[A-Za-z0-9]+)\s*$/m;

/** The roles sampled and reported; `worker-killed` is a series of processes (one per restart). */
export type SoakRole = 'simulator' | 'api' | 'worker-steady' | 'worker-killed';

export interface RssSample {
  role: SoakRole;
  pid: number;
  /** Milliseconds since the cluster started. */
  atMs: number;
  rssKb: number;
}

export interface SoakCluster {
  apiUrl: string;
  simulatorUrl: string;
  /** The sandbox admin key the api node's first start created (what a new operator gets). */
  adminKey: string;
  samples: RssSample[];
  /** Milliseconds since the cluster started (the time base of the samples). */
  elapsedMs(): number;
  /** SIGKILLs the killable worker, waits for it to die, starts a new one and waits until it is ready. */
  killAndRestartWorker(): Promise<void>;
  kills(): number;
  /** Processes that exited without being asked to (a crash): none in a healthy run. */
  unexpectedExits(): Array<{ role: SoakRole; pid: number | undefined; code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process the run started, killed ones included, by role (for their logs). */
  processes(): Array<{ role: SoakRole; proc: CliProcess }>;
  /** Stops every process, drops the database and removes the data directories. */
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** How often RSS is read, ms. */
  sampleEveryMs: number;
  /** Webhook and monitor leases: short, so work a killed worker held is picked up within the run. */
  leaseMs: number;
  /** The monitor's period, minutes: short enough that Link connections are checked during the run. */
  monitorIntervalMinutes: number;
}

export async function startSoakCluster(options: ClusterOptions): Promise<SoakCluster> {
  const database = await createPostgresDatabaseUrl(process.env.OFCONNECT_SOAK_POSTGRES_URL ?? POSTGRES_ADMIN_URL, 'ofc_soak');
  const dataDirs: string[] = [];
  const started: Array<{ role: SoakRole; proc: CliProcess }> = [];
  const current = new Map<SoakRole, CliProcess>();
  const samples: RssSample[] = [];
  const t0 = Date.now();
  let killCount = 0;
  let sampler: NodeJS.Timeout | undefined;
  let closing: Promise<void> | null = null;

  const stopped = new Set<CliProcess>();
  const launch = (role: SoakRole, args: string[], env: Record<string, string>): CliProcess => {
    const proc = spawnCli(args, { LOG_LEVEL: 'warn', ...env });
    started.push({ role, proc });
    current.set(role, proc);
    return proc;
  };
  const stop = (proc: CliProcess, signal?: NodeJS.Signals) => {
    stopped.add(proc);
    return stopCli(proc, signal);
  };
  const sample = () => {
    for (const [role, proc] of current) {
      const pid = proc.child.pid;
      const rssKb = pid === undefined ? null : residentSetKilobytes(pid);
      if (pid !== undefined && rssKb !== null) samples.push({ role, pid, atMs: Date.now() - t0, rssKb });
    }
  };

  try {
    const simulator = launch('simulator', ['sandbox', '--port', '0', '--no-ip-rate-limit'], {});
    const [, simulatorUrl] = await simulator.waitFor(SIMULATOR_READY);

    const vaultKeys = generateVaultKeySpec('soak1');
    const nodeEnv = (role: string): Record<string, string> => {
      const dataDir = mkdtempSync(path.join(os.tmpdir(), `ofc-soak-${role}-`));
      dataDirs.push(dataDir);
      return {
        DATABASE_URL: database.url,
        OFCONNECT_VAULT_KEYS: vaultKeys,
        OFCONNECT_SANDBOX_URL: simulatorUrl,
        OFCONNECT_DATA_DIR: dataDir,
        PORT: '0',
        OFCONNECT_WEBHOOK_LEASE_MS: String(options.leaseMs),
        OFCONNECT_MONITOR_LEASE_MS: String(options.leaseMs),
        OFCONNECT_MONITOR_INTERVAL_MINUTES: String(options.monitorIntervalMinutes),
      };
    };
    // The api node starts first and alone: its first start creates the org and prints the key.
    const api = launch('api', ['start', '--role', 'api'], nodeEnv('api'));
    const [, apiUrl] = await api.waitFor(READY, 60_000);
    const adminKey = FIRST_START_KEY.exec(api.output())?.[1];
    if (!adminKey) throw new Error(`the api node printed no first-start key:\n${api.output()}`);

    const startWorker = async (role: 'worker-steady' | 'worker-killed') => {
      const worker = launch(role, ['start', '--role', 'worker'], nodeEnv(role));
      await worker.waitFor(READY, 60_000);
    };
    await Promise.all([startWorker('worker-steady'), startWorker('worker-killed')]);
    sample();
    sampler = setInterval(sample, options.sampleEveryMs);

    return {
      apiUrl,
      simulatorUrl,
      adminKey,
      samples,
      elapsedMs: () => Date.now() - t0,
      async killAndRestartWorker() {
        const doomed = current.get('worker-killed')!;
        sample();
        current.delete('worker-killed');
        await stop(doomed, 'SIGKILL');
        killCount++;
        await startWorker('worker-killed');
        sample();
      },
      kills: () => killCount,
      unexpectedExits: () =>
        started
          .filter(({ proc }) => !stopped.has(proc) && (proc.child.exitCode !== null || proc.child.signalCode !== null))
          .map(({ role, proc }) => ({ role, pid: proc.child.pid, code: proc.child.exitCode, signal: proc.child.signalCode })),
      processes: () => [...started],
      close() {
        closing ??= (async () => {
          clearInterval(sampler);
          sample();
          // Workers and the api first (they talk to the simulator and the database), the simulator last.
          const byRole = (role: SoakRole) => started.filter((s) => s.role === role).map((s) => stop(s.proc));
          await Promise.all([...byRole('worker-steady'), ...byRole('worker-killed'), ...byRole('api')]);
          await Promise.all(byRole('simulator'));
          await database.drop();
          for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
        })();
        return closing;
      },
    };
  } catch (error) {
    clearInterval(sampler);
    await Promise.all(started.map((s) => stop(s.proc, 'SIGKILL')));
    await database.drop().catch(() => {});
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
