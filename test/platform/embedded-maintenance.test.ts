import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/platform/db/database.ts';
import { startEmbeddedMaintenance } from '../../src/platform/db/embedded-maintenance.ts';
import { createLogger } from '../../src/platform/logger.ts';

describe('embedded database maintenance', () => {
  // It opens and migrates a database of its own: a set-up's time budget (hookTimeout), not a test's.
  it('gives the planner statistics the embedded engine never gathers on its own', async () => {
    const database = await openDatabase({ databaseUrl: null, dataDir: null });
    try {
      await database.migrate();
      await database.db.execute(sql`insert into orgs (id, name) select 'org_' || g, 'org ' || g from generate_series(1, 500) g`);
      const rows = async () =>
        Number(((await database.db.execute(sql`select reltuples from pg_class where relname = 'orgs'`)) as unknown as { rows: Array<{ reltuples: number }> }).rows[0].reltuples);
      expect(await rows()).toBe(-1); // single-user PostgreSQL: no autovacuum, no autoanalyze
      const maintenance = startEmbeddedMaintenance(database, createLogger('silent'));
      await maintenance.runOnce();
      await maintenance.stop();
      expect(await rows()).toBe(500);
    } finally {
      await database.close();
    }
  }, 60_000);
});
