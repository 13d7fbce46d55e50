import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startEmbeddedMaintenance } from '../../src/platform/db/embedded-maintenance.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase } from '../support/databases.ts';

describe('embedded database maintenance', () => {
  // A database of its own (a copy of the run's migrated template, not an in-memory initdb: that took over 60 s on a
  // loaded machine), whose statistics nothing else touches.
  it('gives the planner statistics the embedded engine never gathers on its own', async () => {
    const testDatabase = await createTestDatabase('pglite');
    const database = testDatabase.handle;
    try {
      await database.db.execute(sql`insert into orgs (id, name) select 'org_' || g, 'org ' || g from generate_series(1, 500) g`);
      const rows = async () =>
        Number(((await database.db.execute(sql`select reltuples from pg_class where relname = 'orgs'`)) as unknown as { rows: Array<{ reltuples: number }> }).rows[0].reltuples);
      expect(await rows()).toBe(-1); // single-user PostgreSQL: no autovacuum, no autoanalyze
      const maintenance = startEmbeddedMaintenance(database, createLogger('silent'));
      await maintenance.runOnce();
      await maintenance.stop();
      expect(await rows()).toBe(500);
    } finally {
      await testDatabase.drop();
    }
  }, 60_000);
});
