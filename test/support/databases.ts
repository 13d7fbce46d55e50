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

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export async function createPostgresDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ofc_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
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
