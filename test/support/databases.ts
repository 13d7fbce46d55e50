// Both database backends for the same suite: in-memory PGlite, and a fresh database per test file on the local
// PostgreSQL (dropped afterwards), so runs never see each other's rows.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';

export type Backend = 'pglite' | 'postgres';

/** OFCONNECT_TEST_BACKENDS=pglite (or postgres) narrows a local run; CI runs both. */
export const BACKENDS: Backend[] = ((process.env.OFCONNECT_TEST_BACKENDS ?? 'pglite,postgres').split(',') as Backend[]).filter(
  (b) => b === 'pglite' || b === 'postgres',
);

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

/** A fresh, empty database on the server of adminUrl (tests and benchmarks); drop() removes it. */
export async function createPostgresDatabaseUrl(adminUrl = POSTGRES_ADMIN_URL, prefix = 'ofc_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`, adminUrl),
  };
}

export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const handle = await openDatabase({ databaseUrl: null, dataDir: null });
    return { backend, handle, url: null, drop: () => handle.close() };
  }
  const created = await createPostgresDatabaseUrl();
  const handle = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 5 });
  return {
    backend,
    handle,
    url: created.url,
    drop: async () => {
      await handle.close();
      await created.drop();
    },
  };
}
