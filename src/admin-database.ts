// Opens the configured database for a one-shot CLI command: takes the embedded data directory's lock (so it never
// writes under a running server) and applies migrations first.
import path from 'node:path';
import type { Config } from './platform/config.ts';
import { lockDataDir } from './platform/db/data-dir-lock.ts';
import { openDatabase, type DatabaseHandle } from './platform/db/database.ts';

export async function openAdminDatabase(config: Config): Promise<{ database: DatabaseHandle; close(): Promise<void> }> {
  const release = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite'),
      poolSize: 2,
    });
    await database.migrate();
    return {
      database,
      async close() {
        await database.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}
