// `ofconnect connections list|show`: the operator's read-only view of connections across orgs, every status included
// on request. Never a session, a credential or a proxy URL: those are encrypted at rest and stay so.
import { VISIBLE_STATUSES, type ConnectionRow } from '../connections/store.ts';
import { findConnectionAcrossOrgs, listConnectionsAcrossOrgs } from '../connections/operator-store.ts';
import { CONNECTION_STATUSES, type ConnectionStatus } from '../connections/statuses.ts';
import { userDataOf } from '../connections/present.ts';
import { withDatabaseForReading } from './database.ts';
import { printFields, printJson, printTable, shortTime } from './output.ts';

const LIST_WHILE_RUNNING = 'GET /v2/account/connections with a key of the org';
const SHOW_WHILE_RUNNING = 'GET /v2/account/connections/{id} with a key of the org';

export type StatusFilter = ConnectionStatus | 'all';

const isIso = (date: Date | null) => date?.toISOString() ?? null;

/** What the settings hold, without the encrypted proxy URL: only whether there is one, and its country label. */
function proxyOf(row: ConnectionRow): { isConfigured: boolean; country: string | null } {
  const proxy = (row.settings as { proxy?: { urlBlob?: string | null; country?: string | null } }).proxy;
  return { isConfigured: Boolean(proxy?.urlBlob), country: proxy?.country ?? null };
}

function connectionView(row: ConnectionRow) {
  return {
    id: row.id,
    orgId: row.orgId,
    environment: row.environment,
    status: row.status,
    userData: userDataOf(row),
    imported: row.imported,
    permissions: row.permissions,
    clientReferenceId: row.clientReferenceId,
    clientAppId: row.clientAppId,
    proxy: proxyOf(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastCheckedAt: isIso(row.lastCheckedAt),
    nextCheckAt: isIso(row.nextCheckAt),
    checkFailures: row.checkFailures,
    expiredAt: isIso(row.expiredAt),
    disconnectedAt: isIso(row.disconnectedAt),
  };
}

const userOf = (row: ConnectionRow) => {
  const user = userDataOf(row);
  return user.username ? `@${user.username}` : user.id;
};

export async function listConnections(opts: { org?: string; status?: StatusFilter; limit: number; json?: boolean }): Promise<void> {
  const statuses: readonly ConnectionStatus[] =
    opts.status === 'all' ? CONNECTION_STATUSES : opts.status ? [opts.status] : VISIBLE_STATUSES;
  const rows = await withDatabaseForReading(LIST_WHILE_RUNNING, (database) =>
    listConnectionsAcrossOrgs(database.db, { orgId: opts.org, statuses, limit: opts.limit }),
  );
  if (opts.json) return printJson(rows.map(connectionView));
  printTable(
    ['ID', 'ORG', 'ENV', 'STATUS', 'USER', 'IMPORTED', 'CREATED', 'LAST CHECKED'],
    rows.map((row) => [row.id, row.orgId, row.environment, row.status, userOf(row), row.imported ? 'yes' : 'no', shortTime(row.createdAt), shortTime(row.lastCheckedAt)]),
    `no connections${opts.org ? ` in ${opts.org}` : ''} with status ${statuses.join(' or ')}`,
  );
}

export async function showConnection(id: string, opts: { json?: boolean }): Promise<void> {
  const row = await withDatabaseForReading(SHOW_WHILE_RUNNING, (database) => findConnectionAcrossOrgs(database.db, id));
  if (!row) throw new Error(`connection ${id} not found`);
  const view = connectionView(row);
  if (opts.json) return printJson(view);
  printFields([
    ['id', view.id],
    ['org', view.orgId],
    ['environment', view.environment],
    ['status', view.status],
    ['user', `${view.userData.id}${view.userData.username ? ` @${view.userData.username}` : ''}${view.userData.name ? ` (${view.userData.name})` : ''}`],
    ['imported', view.imported ? 'yes (not monitored)' : 'no'],
    ['permissions', view.permissions.join(', ')],
    ['client reference', view.clientReferenceId],
    ['client app', view.clientAppId],
    ['proxy', view.proxy.isConfigured ? `configured${view.proxy.country ? ` (${view.proxy.country})` : ''}` : 'none (direct)'],
    ['created', shortTime(row.createdAt)],
    ['updated', shortTime(row.updatedAt)],
    ['last checked', shortTime(row.lastCheckedAt)],
    ['next check', shortTime(row.nextCheckAt)],
    ['check failures', view.checkFailures],
    ['expired', shortTime(row.expiredAt)],
    ['disconnected', shortTime(row.disconnectedAt)],
  ]);
}
