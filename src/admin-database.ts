// Opens the configured database for a one-shot CLI command: takes the embedded data directory's lock (so it never
// reads or writes under a running server, whose PGlite owns the directory) and, for commands that change data,
// applies migrations first. The views (keys list, connections show …) change nothing: they refuse a database that is
// missing or behind the code instead of creating or migrating it.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './platform/config.ts';
import { lockDataDir } from './platform/db/data-dir-lock.ts';
import { openDatabase, type DatabaseHandle } from './platform/db/database.ts';

export interface AdminDatabase {
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** The embedded database's directory (under OFCONNECT_DATA_DIR). */
export function embeddedDatabaseDir(config: Config): string {
  return path.join(config.dataDir, 'pglite');
}

/** Whether the embedded database has been created (a first start or `migrate` makes it). */
export function hasEmbeddedDatabase(config: Config): boolean {
  return fs.existsSync(path.join(embeddedDatabaseDir(config), 'PG_VERSION'));
}

async function openLocked(config: Config): Promise<AdminDatabase> {
  const release = config.databaseUrl ? () => {} : lockDataDir(config.dataDir);
  try {
    const database = await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl ? null : embeddedDatabaseDir(config),
      poolSize: 2,
    });
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

/** For commands that write: creates the embedded database if needed and applies migrations. */
export async function openAdminDatabase(config: Config): Promise<AdminDatabase> {
  const admin = await openLocked(config);
  try {
    await admin.database.migrate();
    return admin;
  } catch (error) {
    await admin.close().catch(() => {});
    throw error;
  }
}

/** For the views: the database as it is, or an error saying how to get one that is there and migrated. */
export async function openAdminDatabaseForReading(config: Config): Promise<AdminDatabase> {
  if (!config.databaseUrl && !hasEmbeddedDatabase(config)) {
    throw new Error(`no database in ${config.dataDir} yet: \`ofconnect start\` (or \`ofconnect migrate\`) creates it; set OFCONNECT_DATA_DIR or DATABASE_URL if it is elsewhere`);
  }
  const admin = await openLocked(config);
  try {
    if (!(await admin.database.isMigrated())) {
      throw new Error('the database has migrations pending: run `ofconnect migrate` (or start a node, which applies them) first');
    }
    return admin;
  } catch (error) {
    await admin.close().catch(() => {});
    throw error;
  }
}
