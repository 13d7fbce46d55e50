// The end-of-run check (called from the global setup's teardown): anything this run left behind — a process it
// spawned, a temp directory with its prefix, a PostgreSQL database with its prefix — is listed, removed, and fails
// the run, so a test that forgets its cleanup (or skips it when an assertion fails) is caught the first time.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { POSTGRES_ADMIN_URL } from './databases.ts';
import { removeTempDir, suiteDatabasePrefix, suiteTempPrefix, TEST_CHILD_ENV } from './test-run.ts';
import { databaseTempRoot } from './pglite-template.ts';

/** Pids of live processes whose environment carries this run's child marker (Linux: /proc/<pid>/environ). */
export function markedProcesses(runId: string): Array<{ pid: number; command: string }> {
  const marker = `${TEST_CHILD_ENV}=${runId}`;
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (!environ.includes(marker)) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // A zombie has no command line: it has exited, its parent just has not reaped it yet.
      if (command) found.push({ pid: Number(entry), command });
    } catch {
      // Gone between the listing and the read, or not ours to read.
    }
  }
  return found;
}

export function leftoverTempDirs(runId: string): string[] {
  const prefix = suiteTempPrefix(runId);
  // Database directories live on tmpfs (pglite-template.ts), the rest in the temp directory.
  return [...new Set([os.tmpdir(), databaseTempRoot()])].flatMap((root) =>
    readdirSync(root)
      .filter((name) => name.startsWith(prefix))
      .map((name) => path.join(root, name)),
  );
}

/** This run's databases still on the server, or null when no server answers (a PGlite-only machine). */
export async function leftoverDatabases(runId: string, adminUrl = POSTGRES_ADMIN_URL): Promise<string[] | null> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const res = await client.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [
      `${suiteDatabasePrefix(runId)}_`,
    ]);
    return res.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

async function dropDatabases(names: string[], adminUrl = POSTGRES_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await client.end();
  }
}

/**
 * Waits a little for processes still exiting (a child's own children go after it), then lists what is left, removes
 * it, and returns the findings: empty when the run was clean.
 */
export async function findAndRemoveLeaks(runId: string, options: { graceMs?: number; runTemp?: string } = {}): Promise<string[]> {
  const graceMs = options.graceMs ?? 5_000;
  const deadline = Date.now() + graceMs;
  let processes = markedProcesses(runId);
  while (processes.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = markedProcesses(runId);
  }
  const findings: string[] = [];
  for (const { pid, command } of processes) {
    findings.push(`process ${pid} still running: ${command.slice(0, 200)}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited meanwhile.
    }
  }
  for (const dir of leftoverTempDirs(runId)) {
    findings.push(`temp directory left behind: ${dir}`);
    removeTempDir(dir);
  }
  if (options.runTemp) {
    // Whatever else is left in the run's temp directory was made by the code under test (or by Chromium) and not
    // removed when it closed; the directory itself goes with the run.
    for (const name of readdirSync(options.runTemp)) findings.push(`temp entry left behind: ${path.join(options.runTemp, name)}`);
    removeTempDir(options.runTemp);
  }
  const databases = await leftoverDatabases(runId);
  if (databases && databases.length > 0) {
    findings.push(...databases.map((name) => `PostgreSQL database left behind: ${name}`));
    await dropDatabases(databases);
  }
  return findings;
}
