// The embedded database every PGlite test starts from. Creating a PGlite cluster (initdb in WebAssembly) costs
// several seconds of CPU, which made a file's PGlite half three times slower than its PostgreSQL half. The global
// setup creates one migrated cluster per run; each test database is a copy of its directory, on tmpfs where the
// machine has one (a copy takes ~0.1 s and opening it ~1 s), so it stays as fast as the in-memory database.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/platform/db/database.ts';
import { copyPrebuiltPgliteTemplate } from '../../src/platform/db/pglite-template.ts';
import { packageRoot } from '../../src/platform/package-root.ts';
import { suiteTempPrefix } from './test-run.ts';

/** Set by the global setup; the vitest workers inherit it. */
export const PGLITE_TEMPLATE_ENV = 'OFCONNECT_TEST_PGLITE_TEMPLATE';

/** Where the suite keeps database directories: tmpfs when there is one, the temp directory otherwise. */
export function databaseTempRoot(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

/** Creates the run's migrated template cluster and returns its directory (the global setup removes it). */
export async function createPgliteTemplate(runId: string): Promise<string> {
  const dir = mkdtempSync(path.join(databaseTempRoot(), `${suiteTempPrefix(runId)}pglite-template-`));
  // The install's prebuilt cluster when there is one (the global setup has just run the build that makes it);
  // otherwise initdb in a child, as the service does on a first start without it (the global setup's module runner
  // cannot resolve the service's own way of finding PGlite). Opening the directory then migrates it.
  if (!copyPrebuiltPgliteTemplate(dir)) initialiseInChild(dir);
  const handle = await openDatabase({ databaseUrl: null, dataDir: dir });
  try {
    await handle.migrate();
  } finally {
    await handle.close();
  }
  return dir;
}

function initialiseInChild(dir: string): void {
  const script = "const { PGlite } = await import('@electric-sql/pglite'); const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();";
  execFileSync(process.execPath, ['--input-type=module', '-e', script, dir], { cwd: packageRoot(), stdio: 'inherit' });
}

/** A fresh copy of the template for one test database, or null outside a vitest run (no template). */
export function copyPgliteTemplate(): string | null {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  if (!template || !existsSync(template)) return null;
  const dir = mkdtempSync(path.join(databaseTempRoot(), `${suiteTempPrefix()}pglite-`));
  cpSync(template, dir, { recursive: true });
  return dir;
}
