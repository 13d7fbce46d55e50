// executePrepared: a statement repeated with the same text is prepared once per connection (the webhook worker's
// round runs through it): by node-postgres on PostgreSQL, in the extended query protocol on PGlite's thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { executePrepared } from '../../src/platform/db/database.ts';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe.each(BACKENDS)('prepared statements (%s)', (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('returns the rows of each call with its own parameters, in and out of transactions', async () => {
    const double = (n: number) => sql`select ${n}::int * 2 as doubled`;
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect((await executePrepared(database.handle.db, 'probe_double', double(n))).rows).toEqual([{ doubled: n * 2 }]);
    const inside = await database.handle.db.transaction((tx) => executePrepared(tx, 'probe_double', double(21)));
    expect(inside.rows).toEqual([{ doubled: 42 }]);
  });

  it('is prepared on the connection that ran it, once', async () => {
    const names = await database.handle.db.transaction(async (tx) => {
      await executePrepared(tx, 'probe_once', sql`select ${1}::int as one`);
      await executePrepared(tx, 'probe_once', sql`select ${2}::int as one`);
      return (await tx.execute(sql`select name from pg_prepared_statements where name = 'probe_once'`)) as unknown as { rows: unknown[] };
    });
    expect(names.rows).toEqual([{ name: 'probe_once' }]);
  });

  it('passes nulls, dates and text, and parses results by type', async () => {
    const stamp = new Date('2026-11-25T12:34:56.789Z');
    const echo = (text: string | null, at: Date) => sql`select ${text}::text as text, ${at.toISOString()}::timestamptz as at, 7::int as n, true as yes`;
    for (const text of ['héllo ✓', null, "it's"]) {
      const [row] = (await executePrepared(database.handle.db, 'probe_echo', echo(text, stamp))).rows as Array<Record<string, unknown>>;
      expect(row).toEqual({ text, at: stamp, n: 7, yes: true });
    }
  });

  it('fails with the SQLSTATE of the error and keeps working afterwards, in and out of transactions', async () => {
    const divide = (n: number) => sql`select 10 / ${n}::int as q`;
    await expect(executePrepared(database.handle.db, 'probe_divide', divide(0))).rejects.toMatchObject({ code: '22012' });
    expect((await executePrepared(database.handle.db, 'probe_divide', divide(5))).rows).toEqual([{ q: 2 }]);
    await expect(database.handle.db.transaction((tx) => executePrepared(tx, 'probe_divide', divide(0)))).rejects.toMatchObject({ code: '22012' });
    expect((await database.handle.db.transaction((tx) => executePrepared(tx, 'probe_divide', divide(2)))).rows).toEqual([{ q: 5 }]);
  });

  it('writes inside a transaction are rolled back with it', async () => {
    await database.handle.db.execute(sql`create table if not exists probe_rows (n int)`);
    const insert = (n: number) => sql`insert into probe_rows (n) values (${n}) returning n`;
    await expect(
      database.handle.db.transaction(async (tx) => {
        await executePrepared(tx, 'probe_insert', insert(1));
        throw new Error('abandon');
      }),
    ).rejects.toThrow('abandon');
    await executePrepared(database.handle.db, 'probe_insert', insert(2));
    const rows = (await database.handle.db.execute(sql`select n from probe_rows order by n`)) as unknown as { rows: unknown[] };
    expect(rows.rows).toEqual([{ n: 2 }]);
  });
});
