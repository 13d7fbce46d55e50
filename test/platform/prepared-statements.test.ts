// executePrepared: a statement repeated with the same text is prepared once per PostgreSQL connection (the webhook
// worker's round runs through it); on PGlite, and inside transactions, it runs like any statement.
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

  it.runIf(backend === 'postgres')('is prepared on the connection that ran it, once', async () => {
    const names = await database.handle.db.transaction(async (tx) => {
      await executePrepared(tx, 'probe_once', sql`select ${1}::int as one`);
      await executePrepared(tx, 'probe_once', sql`select ${2}::int as one`);
      return (await tx.execute(sql`select name from pg_prepared_statements where name = 'probe_once'`)) as unknown as { rows: unknown[] };
    });
    expect(names.rows).toEqual([{ name: 'probe_once' }]);
  });
});
