// One database API over two engines: embedded PGlite (default) and PostgreSQL (DATABASE_URL).
// Both speak the same SQL, so there is one schema, one migration set and one store code path.
import fs from 'node:fs';
import path from 'node:path';
import { is, SQL, sql, type Query } from 'drizzle-orm';
import { packagePath } from '../package-root.ts';
import { startPgliteThread, type PgliteSessionLike } from './pglite-thread-client.ts';
import { copyPrebuiltPgliteTemplate } from './pglite-template.ts';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';

export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** Anything a store query can run on: the database itself or an open transaction. */
export type Executor = Database | Transaction;

export type DatabaseKind = 'pglite' | 'postgres';

export interface DatabaseHandle {
  db: Database;
  kind: DatabaseKind;
  /** Subscribes to NOTIFY on a channel; resolves to an unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  notify(channel: string, payload: string): Promise<void>;
  /**
   * How the embedded cluster came to be when it was opened: it was there, it was copied from the install's prebuilt
   * template (a first start), or initdb made it (a first start without the template); null on PostgreSQL.
   */
  embeddedOrigin: 'existing' | 'template' | 'initdb' | null;
  /** Applies the committed migrations (idempotent). */
  migrate(): Promise<void>;
  /** True when every committed migration has been applied. */
  isMigrated(): Promise<boolean>;
  ping(): Promise<void>;
  /** Reclaims dead rows and refreshes planner statistics (the embedded engine has no autovacuum). */
  vacuumAnalyze(): Promise<void>;
  close(): Promise<void>;
}

/** node-postgres' classes, once PostgreSQL is opened: executePrepared recognises its connections by them. */
let nodePostgres: { Pool: new (...args: never[]) => object; Client: new (...args: never[]) => object } | null = null;

interface NodePostgresQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs a statement its caller repeats with the same text, many times a second (the webhook worker's round), as a
 * named prepared statement: parsed and planned once per connection rather than on every call. Measured on the
 * webhook round: +15–20% deliveries/s on PostgreSQL; on PGlite it also replaces six calls into the WebAssembly
 * module with one (pglite-prepared.mjs). `name` must stand for exactly one text: callers whose text varies use one
 * name per variant. The statement comes as drizzle SQL, or already rendered (text and parameters) by a caller that
 * renders its text once.
 */
export async function executePrepared(ex: Executor, name: string, statement: SQL | Query): Promise<{ rows: unknown[] }> {
  const client = (ex as unknown as { session?: { client?: unknown } }).session?.client;
  const query = () => (isSQL(statement) ? (ex as unknown as { dialect: { sqlToQuery(sql: SQL): Query } }).dialect.sqlToQuery(statement) : statement);
  if (nodePostgres && (client instanceof nodePostgres.Pool || client instanceof nodePostgres.Client)) {
    const { sql: text, params } = query();
    return (client as NodePostgresQueryable).query({ name, text, values: params });
  }
  if (isPgliteSession(client)) {
    const { sql: text, params } = query();
    return client.prepared(name, text, params);
  }
  if (!isSQL(statement)) throw new Error('executePrepared: a rendered statement needs node-postgres or the embedded database');
  return (await ex.execute(statement)) as unknown as { rows: unknown[] };
}

const isSQL = (statement: SQL | Query): statement is SQL => is(statement, SQL);

const isPgliteSession = (client: unknown): client is PgliteSessionLike =>
  typeof (client as PgliteSessionLike | undefined)?.prepared === 'function';

/** The committed migrations (drizzle-kit output), beside the sources. */
export const MIGRATIONS_DIR = packagePath('drizzle');

/** The committed migrations in order, from drizzle-kit's journal (name and the timestamp the migrator records). */
export function committedMigrations(): Array<{ tag: string; when: number }> {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  };
  return journal.entries;
}

function committedMigrationCount(): number {
  return committedMigrations().length;
}

async function countAppliedMigrations(db: Database): Promise<number> {
  try {
    const result = await db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    return Number(((result as unknown as { rows: { n: number }[] }).rows[0]).n);
  } catch {
    return 0;
  }
}

export interface OpenDatabaseOptions {
  /** PostgreSQL connection string; null opens PGlite. */
  databaseUrl: string | null;
  /** PGlite data directory; null keeps PGlite in memory (tests). */
  dataDir: string | null;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ?? 10) : openPglite(options.dataDir);
}

const PGLITE_CONF = ['shared_buffers=16MB', 'work_mem=4MB', 'maintenance_work_mem=16MB'];

/**
 * Creating a PGlite cluster (initdb) takes ~500 MB that the WebAssembly heap never gives back. Doing it in a short
 * child process keeps the service's own memory at what an already-initialised database needs.
 */
async function initialisePgliteDataDir(dataDir: string): Promise<'existing' | 'template' | 'initdb'> {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return 'existing';
  fs.mkdirSync(path.dirname(dataDir), { recursive: true });
  if (copyPrebuiltPgliteTemplate(dataDir)) return 'template';
  fs.mkdirSync(dataDir, { recursive: true });
  const moduleUrl = import.meta.resolve('@electric-sql/pglite');
  const script = `const { PGlite } = await import(${JSON.stringify(moduleUrl)});
const db = new PGlite(process.argv[1]); await db.waitReady; await db.close();`;
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script, dataDir], (error, _stdout, stderr) =>
      error ? reject(new Error(`initialising the embedded database in ${dataDir} failed: ${stderr || error.message}`)) : resolve(),
    );
  });
  return 'initdb';
}

async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // In memory (no data directory) there is nothing to copy: PGlite creates the cluster itself.
  const embeddedOrigin = dataDir ? await initialisePgliteDataDir(dataDir) : 'initdb';
  // PostgreSQL's server defaults (128 MB shared buffers) are sized for a dedicated machine; an embedded database
  // inside the service process keeps a small cache instead. It runs on a thread of its own (pglite-thread.mjs).
  const client = await startPgliteThread({ dataDir, postgresqlconf: PGLITE_CONF });
  // drizzle's PGlite driver uses only query and transaction, which the thread client provides.
  const db = drizzle(client as never) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    embeddedOrigin,
    listen: async (channel, onPayload) => {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => unsubscribe();
    },
    notify: async (channel, payload) => {
      await client.query('select pg_notify($1, $2)', [channel, payload]);
    },
    migrate: () => migrate(db as never, { migrationsFolder: MIGRATIONS_DIR }),
    isMigrated: async () => (await countAppliedMigrations(db)) >= committedMigrationCount(),
    ping: async () => {
      await client.query('select 1');
    },
    vacuumAnalyze: async () => {
      await client.exec('vacuum (analyze)');
    },
    close: () => client.close(),
  };
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<DatabaseHandle> {
  const { default: pg } = await import('pg');
  nodePostgres = { Pool: pg.Pool, Client: pg.Client };
  type PgClient = InstanceType<typeof pg.Client>;
  const { drizzle } = await import('drizzle-orm/node-postgres');
  const { migrate } = await import('drizzle-orm/node-postgres/migrator');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = drizzle(pool) as unknown as Database;
  // LISTEN needs one dedicated connection for the life of the subscription.
  let listener: PgClient | null = null;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  async function listenerClient(): Promise<PgClient> {
    if (listener) return listener;
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('error', () => {});
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    await client.connect();
    listener = client;
    return client;
  }
  return {
    db,
    kind: 'postgres',
    embeddedOrigin: null,
    listen: async (channel, onPayload) => {
      const client = await listenerClient();
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await client.query(`listen "${channel.replace(/"/g, '')}"`);
      }
      set.add(onPayload);
      return async () => {
        set.delete(onPayload);
      };
    },
    notify: async (channel, payload) => {
      await pool.query('select pg_notify($1, $2)', [channel, payload]);
    },
    migrate: async () => {
      // Several nodes may start at once: one applies the migrations, the others wait for it.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock(727001)');
        await migrate(drizzle(client) as never, { migrationsFolder: MIGRATIONS_DIR });
      } finally {
        await client.query('select pg_advisory_unlock(727001)').catch(() => {});
        client.release();
      }
    },
    isMigrated: async () => (await countAppliedMigrations(db)) >= committedMigrationCount(),
    ping: async () => {
      await pool.query('select 1');
    },
    vacuumAnalyze: async () => {
      await pool.query('vacuum (analyze)');
    },
    close: async () => {
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
