// Migration 0013 rewrites the request log's stored batches from arrays of tuples into the compact document
// (src/access/request-log/batch-document.ts). A database migrated up to 0012 gets rows in the former form; after the
// rest of the migrations the log reads back the same entries, in the same order, with the same derived ids, and a
// batch the new writer adds beside them reads the same way.
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { requestLogBatchesOf } from '../../src/access/request-log/recorder.ts';
import { insertRequestLogBatches, listConnectionRequestLog, MAX_BATCH_ENTRIES } from '../../src/access/request-log/store.ts';
import { committedMigrations, MIGRATIONS_DIR, openDatabase, type DatabaseHandle, type Executor } from '../../src/platform/db/database.ts';
import { rowsOf } from '../../src/platform/db/sql.ts';
import { BACKENDS, createPostgresDatabaseUrl } from '../support/databases.ts';

const COMPACT_MIGRATION = '0013_request_log_compact';
const scope = { orgId: 'org_migrated', environment: 'sandbox' as const };
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);

/** The migrations folder as it stood before 0013: the same files, the journal cut before it. */
function migrationsBeforeCompact(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofc-migrations-'));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalPath = path.join(dir, 'meta/_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((entry) => entry.tag === COMPACT_MIGRATION);
  expect(at).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, at);
  fs.writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

/** Rows as the former writer stored them: [at ms, method, path, status, upstream status, duration ms, retries, request id, key id]. */
const FORMER_BATCHES: Array<{ connectionId: string; entries: unknown[][] }> = [
  {
    connectionId: 'conn_a',
    entries: [
      [T0 + 5, 'GET', '/v2/access/proxy/users/me', 200, 200, 31, 0, 'req_a1', 'key_one'],
      [T0 + 2, 'POST', '/v2/access/chats/7/messages', 429, null, 3, 0, 'req_a2', 'key_one'],
      [T0 + 9, 'GET', '/v2/access/proxy/users/me', 502, 503, 900, 2, 'req_a3', 'key_two'],
    ],
  },
  { connectionId: 'conn_b', entries: [[T0 + 1, 'GET', '/v2/access/self?fields=', 200, 200, 12, 0, 'req_b1', 'key_one']] },
];

/** A fresh database of the backend, migrated up to 0012 by drizzle's own migrator and filled by `fill`, then opened
 *  as the service opens it (which applies the remaining migrations). */
async function formerDatabase(backend: string, fill: (db: Executor) => Promise<void>): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const before = migrationsBeforeCompact();
  try {
    if (backend === 'pglite') {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofc-migrated-'));
      const client = new PGlite(dataDir);
      const db = drizzlePglite(client);
      await migratePglite(db, { migrationsFolder: before });
      await fill(db as never);
      await client.close();
      const handle = await openDatabase({ databaseUrl: null, dataDir });
      return { handle, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
    }
    const created = await createPostgresDatabaseUrl();
    const pool = new pg.Pool({ connectionString: created.url, max: 1 });
    const db = drizzlePostgres(pool);
    await migratePostgres(db, { migrationsFolder: before });
    await fill(db as never);
    await pool.end();
    const handle = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 2 });
    return { handle, drop: () => created.drop() };
  } finally {
    fs.rmSync(before, { recursive: true, force: true });
  }
}

describe.each(BACKENDS)('access: the request log across migration 0013 (%s)', (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('rewrites stored tuples as compact documents that read back entry for entry, beside batches the new writer adds', async () => {
    expect(committedMigrations().some((m) => m.tag === COMPACT_MIGRATION)).toBe(true);
    const formerIds: number[] = [];
    const { handle, drop } = await formerDatabase(backend, async (db) => {
      for (const batch of FORMER_BATCHES) {
        const times = batch.entries.map((entry) => entry[0] as number);
        const result = await db.execute(sql`
          insert into request_log_batches (org_id, environment, connection_id, first_at, last_at, entry_count, entries)
          values (${scope.orgId}, ${scope.environment}, ${batch.connectionId}, ${new Date(Math.min(...times)).toISOString()}::timestamptz,
            ${new Date(Math.max(...times)).toISOString()}::timestamptz, ${batch.entries.length}, ${JSON.stringify(batch.entries)}::json)
          returning id`);
        formerIds.push(Number(rowsOf<{ id: unknown }>(result)[0].id));
      }
    });
    cleanups.push(drop, () => handle.close());
    await handle.migrate();
    const database = { db: handle.db };

    // Stored uncompressed: TOAST's compression was most of the write's cost (src/access/tables.ts).
    const storage = rowsOf<{ attstorage: string }>(
      await database.db.execute(sql`select attstorage from pg_attribute where attrelid = 'request_log_batches'::regclass and attname = 'entries'`),
    );
    expect(storage[0].attstorage).toBe('e');
    const stored = rowsOf<{ entries: string }>(await database.db.execute(sql`select entries from request_log_batches where id = ${formerIds[0]}`));
    expect(JSON.parse(stored[0].entries)).toEqual({
      t: T0 + 5,
      p: [['GET', '/v2/access/proxy/users/me'], ['POST', '/v2/access/chats/7/messages']],
      k: ['key_one', 'key_two'],
      e: [
        [0, 0, 200, 200, 31, 0, 'req_a1', 0],
        [-3, 1, 429, null, 3, 0, 'req_a2', 0],
        [4, 0, 502, 503, 900, 2, 'req_a3', 1],
      ],
    });

    // A batch written by the new writer after the migration, for the same connection.
    const added = requestLogBatchesOf(
      [
        {
          ...scope,
          connectionId: 'conn_a',
          arrivedAtMs: T0 + 20.6,
          method: 'DELETE',
          url: '/v2/access/posts/3?reason=spam',
          status: 204,
          upstreamStatus: 204,
          durationMs: 40,
          retries: 1,
          requestId: 'req_a4',
          apiKeyId: 'key_three',
        },
      ],
      false,
    );
    await insertRequestLogBatches(database.db, added);

    const page = await listConnectionRequestLog(database.db, scope, 'conn_a', {}, 10);
    const newestId = Math.max(...page.map((row) => row.id));
    expect(page).toEqual([
      { id: newestId, createdAt: new Date(T0 + 20), method: 'DELETE', path: '/v2/access/posts/3?reason=', status: 204, upstreamStatus: 204, durationMs: 40, retries: 1, requestId: 'req_a4', apiKeyId: 'key_three' },
      { id: formerIds[0] * MAX_BATCH_ENTRIES + 2, createdAt: new Date(T0 + 9), method: 'GET', path: '/v2/access/proxy/users/me', status: 502, upstreamStatus: 503, durationMs: 900, retries: 2, requestId: 'req_a3', apiKeyId: 'key_two' },
      { id: formerIds[0] * MAX_BATCH_ENTRIES, createdAt: new Date(T0 + 5), method: 'GET', path: '/v2/access/proxy/users/me', status: 200, upstreamStatus: 200, durationMs: 31, retries: 0, requestId: 'req_a1', apiKeyId: 'key_one' },
      { id: formerIds[0] * MAX_BATCH_ENTRIES + 1, createdAt: new Date(T0 + 2), method: 'POST', path: '/v2/access/chats/7/messages', status: 429, upstreamStatus: null, durationMs: 3, retries: 0, requestId: 'req_a2', apiKeyId: 'key_one' },
    ]);
    expect(await listConnectionRequestLog(database.db, scope, 'conn_b', { method: 'GET', status: [200, 299] }, 10)).toEqual([
      { id: formerIds[1] * MAX_BATCH_ENTRIES, createdAt: new Date(T0 + 1), method: 'GET', path: '/v2/access/self?fields=', status: 200, upstreamStatus: 200, durationMs: 12, retries: 0, requestId: 'req_b1', apiKeyId: 'key_one' },
    ]);
  });
});
