// The embedded database runs on its own thread (src/platform/db/pglite-thread.mjs). What crosses the thread must
// behave as PGlite in-process did: errors keep their SQLSTATE fields, transactions commit or leave nothing, a
// statement outside a transaction waits for an open one, NOTIFY arrives; and the event loop keeps turning while a
// statement runs, which is why the thread exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/database.ts';
import { isUniqueViolation } from '../../src/platform/db/errors.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';

describe('the embedded database thread', () => {
  let database: DatabaseHandle;
  const rows = async <T>(query: ReturnType<typeof sql>) => ((await database.db.execute(query)) as unknown as { rows: T[] }).rows;

  beforeAll(async () => {
    database = await openDatabase({ databaseUrl: null, dataDir: null });
    await database.db.execute(sql`create table items (id int primary key, label text not null)`);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('keeps the event loop turning while a statement runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      await database.db.execute(sql`select pg_sleep(0.3)`);
    } finally {
      clearInterval(timer);
    }
    // On the service's own thread the sleep would block every timer until it ended.
    expect(ticks).toBeGreaterThanOrEqual(10);
  });

  it('passes errors with their SQLSTATE fields, so callers recognise them', async () => {
    await database.db.execute(sql`insert into items values (1, 'one')`);
    const error = await database.db.execute(sql`insert into items values (1, 'again')`).catch((e: unknown) => e);
    expect(isUniqueViolation(error, 'items_pkey')).toBe(true);
  });

  it('commits a transaction, and leaves nothing of one whose work throws', async () => {
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into items values (2, 'two')`);
      await tx.execute(sql`update items set label = 'TWO' where id = 2`);
    });
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`insert into items values (3, 'three')`);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await rows<{ id: number; label: string }>(sql`select id, label from items where id in (2, 3) order by id`)).toEqual([{ id: 2, label: 'TWO' }]);
  });

  it('runs a statement from outside an open transaction after it, never inside it', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = database.db.transaction(async (tx) => {
      await tx.execute(sql`insert into items values (4, 'four')`);
      await held;
      await tx.execute(sql`update items set label = 'FOUR' where id = 4`);
    });
    const outside = rows<{ label: string }>(sql`select label from items where id = 4`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await transaction;
    expect(await outside).toEqual([{ label: 'FOUR' }]);
  });

  it('delivers NOTIFY to listeners on the service thread', async () => {
    const payloads: string[] = [];
    const unlisten = await database.listen('items_changed', (payload) => payloads.push(payload));
    await database.notify('items_changed', 'hello');
    await eventually(() => payloads.length > 0, { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the NOTIFY payload' });
    expect(payloads).toEqual(['hello']);
    await unlisten();
  });
});
