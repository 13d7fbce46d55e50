// `ofconnect orgs create|list`: organizations have no public API; the operator makes and sees them here.
import { listOrgsAcrossNode } from '../account/operator-store.ts';
import { insertOrg } from '../account/store.ts';
import { newId } from '../platform/ids.ts';
import { withDatabaseForReading, withDatabaseForWriting } from './database.ts';
import { printJson, printTable, shortTime } from './output.ts';

const WHILE_RUNNING = 'GET /v2/account/whoami with a key of the org shows its id and name';

export async function createOrg(opts: { name: string }): Promise<void> {
  await withDatabaseForWriting('organizations have no HTTP API; stop the node to create one', async (database) => {
    const now = new Date();
    const org = await insertOrg(database.db, { id: newId('org'), name: opts.name, createdAt: now, updatedAt: now });
    console.log(org.id);
  });
}

export async function listOrgs(opts: { json?: boolean }): Promise<void> {
  const rows = await withDatabaseForReading(WHILE_RUNNING, (database) => listOrgsAcrossNode(database.db));
  if (opts.json) {
    return printJson(rows.map((row) => ({ id: row.id, name: row.name, activeApiKeys: row.activeKeys, createdAt: row.createdAt.toISOString() })));
  }
  printTable(
    ['ID', 'NAME', 'ACTIVE KEYS', 'CREATED'],
    rows.map((row) => [row.id, row.name, row.activeKeys, shortTime(row.createdAt)]),
    'no organizations (the first `ofconnect start` creates one)',
  );
}
