// The databases the CLI tests point `ofconnect` at: an embedded data directory holding a copy of the run's migrated
// PGlite template (no initdb per case), or a fresh PostgreSQL database; either seeded in-process before the CLI runs.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { createPostgresDatabaseUrl, type Backend } from './databases.ts';
import { databaseTempRoot, PGLITE_TEMPLATE_ENV } from './pglite-template.ts';
import { removeTempDir, suiteTempPrefix } from './test-run.ts';

export interface CliDatabase {
  backend: Backend;
  /** The environment that points a CLI process at it. */
  env: Record<string, string>;
  /** The data directory (embedded) or a scratch one (PostgreSQL: doctor's production checks look into it). */
  dataDir: string;
  /** Opens it in this process (close it before a CLI process runs on an embedded one: one process at a time). */
  open(): Promise<DatabaseHandle>;
  /** Makes the data directory look held by a running node (this test process, alive), as a node's lock does. */
  holdLikeARunningNode(): () => void;
  remove(): Promise<void>;
}

/** A data directory on tmpfs with the suite's prefix (the leak check finds it if a test forgets it). */
export function makeDataDir(label: string): string {
  return mkdtempSync(path.join(databaseTempRoot(), `${suiteTempPrefix()}${label}-`));
}

/** An embedded data directory whose database is the run's migrated template. */
export function embeddedDataDirFromTemplate(label: string): string {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  if (!template) throw new Error(`${PGLITE_TEMPLATE_ENV} is not set: run through vitest (its global setup makes the template)`);
  const dir = makeDataDir(label);
  cpSync(template, path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

export async function createCliDatabase(backend: Backend, label: string): Promise<CliDatabase> {
  const dataDir = backend === 'pglite' ? embeddedDataDirFromTemplate(label) : makeDataDir(label);
  const holdLikeARunningNode = () => {
    const file = path.join(dataDir, 'ofconnect.pid');
    writeFileSync(file, String(process.pid));
    return () => removeTempDir(file);
  };
  if (backend === 'pglite') {
    return {
      backend,
      env: { OFCONNECT_DATA_DIR: dataDir },
      dataDir,
      open: () => openDatabase({ databaseUrl: null, dataDir: path.join(dataDir, 'pglite') }),
      holdLikeARunningNode,
      remove: async () => removeTempDir(dataDir),
    };
  }
  const created = await createPostgresDatabaseUrl();
  try {
    const migrating = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 1 });
    await migrating.migrate().finally(() => migrating.close());
  } catch (error) {
    await created.drop();
    removeTempDir(dataDir);
    throw error;
  }
  return {
    backend,
    env: { DATABASE_URL: created.url, OFCONNECT_DATA_DIR: dataDir },
    dataDir,
    open: () => openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 2 }),
    holdLikeARunningNode,
    remove: async () => {
      try {
        await created.drop();
      } finally {
        removeTempDir(dataDir);
      }
    },
  };
}
