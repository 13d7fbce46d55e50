// `ofconnect keys create|list|revoke`: API keys across every org of the node. A key's secret is printed once, by
// create; list and revoke never print a secret or a hash (the database holds only the hash anyway).
import { issueApiKey, presentApiKey, revokeApiKeyAsOperator } from '../account/manage-keys.ts';
import { listApiKeysAcrossOrgs } from '../account/operator-store.ts';
import type { Scope } from '../account/scopes.ts';
import { findOrg, type ApiKeyRow } from '../account/store.ts';
import type { Environment } from '../platform/environment.ts';
import { withDatabaseForReading, withDatabaseForWriting } from './database.ts';
import { printJson, printTable, shortTime } from './output.ts';

const CREATE_WHILE_RUNNING = 'POST /v2/api-keys with an admin key of the org';
const LIST_WHILE_RUNNING = 'GET /v2/api-keys with an admin key of the org (one environment per key)';
const REVOKE_WHILE_RUNNING = 'DELETE /v2/api-keys/{id} with an admin key of the org and environment';

export async function createKey(opts: { org: string; env: Environment; scopes?: Scope[]; name?: string }): Promise<void> {
  await withDatabaseForWriting(CREATE_WHILE_RUNNING, async (database) => {
    const org = await findOrg(database.db, opts.org);
    if (!org) throw new Error(`organization ${opts.org} not found (ofconnect orgs list shows them)`);
    const created = await database.db.transaction((tx) =>
      issueApiKey(tx, { orgId: org.id, environment: opts.env, scopes: opts.scopes, name: opts.name, actor: 'cli', now: new Date() }),
    );
    console.log(created.secret);
  });
}

/** A key as the views show it: presentApiKey's fields (no secret, no hash) and its org. */
const keyView = (row: ApiKeyRow) => ({ ...presentApiKey(row), orgId: row.orgId });

export async function listKeys(opts: { org?: string; env?: Environment; json?: boolean }): Promise<void> {
  const rows = await withDatabaseForReading(LIST_WHILE_RUNNING, (database) =>
    listApiKeysAcrossOrgs(database.db, { orgId: opts.org, environment: opts.env }),
  );
  if (opts.json) return printJson(rows.map(keyView));
  printTable(
    ['ID', 'ORG', 'NAME', 'PREFIX', 'ENV', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'],
    rows.map((row) => [
      row.id,
      row.orgId,
      row.name,
      `${row.prefix}…`,
      row.environment,
      row.scopes.join(','),
      shortTime(row.createdAt),
      shortTime(row.lastUsedAt),
      shortTime(row.revokedAt),
    ]),
    opts.org ? `no API keys in ${opts.org}` : 'no API keys',
  );
}

export async function revokeKey(keyId: string, opts: { json?: boolean }): Promise<void> {
  const { row, wasRevoked } = await withDatabaseForWriting(REVOKE_WHILE_RUNNING, (database) =>
    revokeApiKeyAsOperator(database, keyId, new Date()),
  );
  if (opts.json) return printJson({ ...keyView(row), wasAlreadyRevoked: wasRevoked });
  console.log(
    wasRevoked
      ? `API key ${row.id} (${row.name}, ${row.environment}, org ${row.orgId}) was already revoked at ${row.revokedAt!.toISOString()}`
      : `revoked API key ${row.id} (${row.name}, ${row.environment}, org ${row.orgId}); requests with it now get 401`,
  );
}
