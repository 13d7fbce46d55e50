// Both database backends for the same suite: PGlite (a copy of the run's migrated template), and a fresh database per test file on the local
// PostgreSQL (dropped afterwards), so runs never see each other's rows.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { removeTempDir, suiteDatabasePrefix } from './test-run.ts';
import { copyPgliteTemplate } from './pglite-template.ts';

export type Backend = 'pglite' | 'postgres';

/** OFCONNECT_TEST_BACKENDS=pglite (or postgres) narrows a local run; CI runs both. */
export const BACKENDS: Backend[] = ((process.env.OFCONNECT_TEST_BACKENDS ?? 'pglite,postgres').split(',') as Backend[]).filter(
  (b) => b === 'pglite' || b === 'postgres',
);

/**
 * Where Chromium flows run: one backend (PGlite when it is in the run). A browser flow tests pages and their
 * requests; the API tests cover both databases, and each browser file costs tens of seconds.
 */
export const BROWSER_BACKENDS: Backend[] = BACKENDS.includes('pglite') ? ['pglite'] : BACKENDS.slice(0, 1);

export const POSTGRES_ADMIN_URL = process.env.OFCONNECT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  backend: Backend;
  handle: DatabaseHandle;
  /** Connection string of the fresh PostgreSQL database (for child processes), null on PGlite. */
  url: string | null;
  drop(): Promise<void>;
}

async function adminQuery(text: string, adminUrl = POSTGRES_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A fresh, empty database on the server of adminUrl (tests and benchmarks); drop() removes it. The default prefix
 * carries the run id, so the end-of-run leak check finds this run's leftovers and no other run's.
 */
export async function createPostgresDatabaseUrl(adminUrl = POSTGRES_ADMIN_URL, prefix = suiteDatabasePrefix()): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`, adminUrl),
  };
}

/**
 * The handle with a close() that runs once: a test may close the database under a running service on purpose, and
 * its cleanup then still drops the database instead of failing on a second close.
 */
function closingOnce(handle: DatabaseHandle): DatabaseHandle {
  let closing: Promise<void> | null = null;
  const close = handle.close.bind(handle);
  handle.close = () => (closing ??= close());
  return handle;
}

/** A copy of the run's migrated template (pglite-template.ts); in memory when there is none (outside vitest). */
async function createPgliteTestDatabase(): Promise<TestDatabase> {
  const dir = copyPgliteTemplate();
  if (!dir) {
    const handle = closingOnce(await openDatabase({ databaseUrl: null, dataDir: null }));
    return { backend: 'pglite', handle, url: null, drop: () => handle.close() };
  }
  let handle: DatabaseHandle;
  try {
    handle = closingOnce(await openDatabase({ databaseUrl: null, dataDir: dir }));
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  return {
    backend: 'pglite',
    handle,
    url: null,
    drop: async () => {
      try {
        await handle.close();
      } finally {
        removeTempDir(dir);
      }
    },
  };
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') return createPgliteTestDatabase();
  const created = await createPostgresDatabaseUrl();
  let handle: DatabaseHandle;
  try {
    handle = closingOnce(await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 5 }));
  } catch (error) {
    await created.drop();
    throw error;
  }
  return {
    backend,
    handle,
    url: created.url,
    drop: async () => {
      // The database goes even if closing the pool fails.
      try {
        await handle.close();
      } finally {
        await created.drop();
      }
    },
  };
}
