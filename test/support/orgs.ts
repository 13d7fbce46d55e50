// Creating extra orgs and keys for isolation tests: orgs have no public API (CLI only), so this uses the same
// use cases the CLI does.
import { issueApiKey } from '../../src/account/manage-keys.ts';
import type { Scope } from '../../src/account/scopes.ts';
import { insertOrg } from '../../src/account/store.ts';
import type { DatabaseHandle } from '../../src/platform/db/database.ts';
import type { Environment } from '../../src/platform/environment.ts';
import { newId } from '../../src/platform/ids.ts';

export async function createOrg(database: DatabaseHandle, name = 'Other org'): Promise<string> {
  const now = new Date();
  const org = await insertOrg(database.db, { id: newId('org'), name, createdAt: now, updatedAt: now });
  return org.id;
}

export async function createKey(
  database: DatabaseHandle,
  orgId: string,
  environment: Environment = 'sandbox',
  scopes?: Scope[],
): Promise<{ id: string; secret: string }> {
  const created = await database.db.transaction((tx) =>
    issueApiKey(tx, { orgId, environment, scopes, actor: 'test', now: new Date() }),
  );
  return { id: created.row.id, secret: created.secret };
}

/** A new org and a sandbox key of it (every scope): what a test that counts things starts from. */
export async function createOrgKey(database: DatabaseHandle, name: string): Promise<string> {
  return (await createKey(database, await createOrg(database, name))).secret;
}
