// How a CLI command gets the database: for a view, as it is; for a change, migrated first. Both take the embedded data
// directory's lock for the length of the command.
//
// A running embedded node holds that lock (its PGlite owns the directory: one process at a time), and the commands
// refuse rather than reading through the node's HTTP API: the API answers per org and environment to an admin key of
// that org, while these commands are the operator's view across every org, without a key; a key is also what an
// operator who lost theirs comes here to make. The refusal says what to do instead: stop the node, or call the API.
import { openAdminDatabase, openAdminDatabaseForReading, type AdminDatabase } from '../admin-database.ts';
import { loadConfig, type Config } from '../platform/config.ts';
import { DataDirInUseError } from '../platform/db/data-dir-lock.ts';
import type { DatabaseHandle } from '../platform/db/database.ts';

/** What to do instead while an embedded node runs, e.g. "GET /v2/api-keys with an admin key of the org". */
export type WhileRunning = string;

async function using<T>(open: (config: Config) => Promise<AdminDatabase>, whileRunning: WhileRunning, work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const config = loadConfig();
  let admin: AdminDatabase;
  try {
    admin = await open(config);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    throw new Error(
      `${error.message.replace(/ Stop it first.*$/, '')} This command needs the embedded database to itself: stop that node ` +
        `(SIGTERM) and run it again, or, while it runs, use its HTTP API: ${whileRunning}`,
    );
  }
  try {
    return await work(admin.database);
  } finally {
    await admin.close();
  }
}

export const withDatabaseForReading = <T>(whileRunning: WhileRunning, work: (database: DatabaseHandle) => Promise<T>) =>
  using(openAdminDatabaseForReading, whileRunning, work);

export const withDatabaseForWriting = <T>(whileRunning: WhileRunning, work: (database: DatabaseHandle) => Promise<T>) =>
  using(openAdminDatabase, whileRunning, work);
