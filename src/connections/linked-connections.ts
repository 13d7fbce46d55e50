// What Link asks of connections/: when a login completes, a new connection (createLinkedConnection) or an existing
// one made active again under the same id (reconnectConnection), each with its session, its event and, when the org
// opted in, the credentials for re-login. Both run inside the caller's transaction, so the connection commits together
// with the Link session's result. Link also reads back the connection it produced (linkedConnectionOf, rawSessionOf).
import { recordAuditEntry } from '../account/audit.ts';
import { readOrgSettings } from '../account/settings.ts';
import { findOrg } from '../account/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { newId } from '../platform/ids.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamProfile } from '../upstream/client.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { recordConnectionEvent } from './events.ts';
import { userDataFrom } from './import.ts';
import { userDataOf, type UserData } from './present.ts';
import { storeReloginCredentials, type ReloginCredentials } from './relogin-credentials.ts';
import { loadConnectionSession, storeConnectionSession } from './session-vault.ts';
import * as store from './store.ts';

export type { ReloginCredentials } from './relogin-credentials.ts';

/** A login upstream accepted, and what the Link session says about the connection it makes. */
export interface LinkedLogin {
  scope: TenantScope;
  /** The Link session the login completed: the audit log's actor (`link:<id>`). */
  linkSessionId: string;
  profile: UpstreamProfile;
  session: UpstreamSession;
  /** The email and password, kept (encrypted) only if the org stores credentials for re-login. */
  credentials: ReloginCredentials | null;
  permissions: string[];
  clientAppId: string;
  clientReferenceId: string | null;
  /** The monitor's first check of the connection (Link asks the monitor's schedule for it). */
  firstCheckAt: Date;
  now: Date;
}

/** Why a completed login makes no connection. */
export type LinkedConnectionRefusal = 'account_already_connected' | 'connection_not_found' | 'account_mismatch';

/** previousStatus: what the connection was before (null: it is new), for the status-change log line. */
export type LinkedConnectionResult = { connectionId: string; previousStatus: string | null } | { refused: LinkedConnectionRefusal };

/** A concurrent writer made the same upstream account active first (the database's unique index decided). */
export { isOneActivePerUserViolation as isAccountAlreadyConnected } from './store.ts';

/** connection.created: a new, active Link connection. One active connection per upstream account per org. */
export async function createLinkedConnection(ex: Executor, ctx: ServiceContext, login: LinkedLogin): Promise<LinkedConnectionResult> {
  const { scope, now } = login;
  // A second Link of an account that is already connected is refused, not merged.
  if (await store.findActiveConnectionForUser(ex, scope, login.profile.id)) return { refused: 'account_already_connected' };
  const row = await store.insertConnection(ex, {
    id: newId('connection'),
    orgId: scope.orgId,
    environment: scope.environment,
    status: 'active',
    platformUserId: login.profile.id,
    userData: userDataFrom(login.profile),
    permissions: login.permissions,
    clientReferenceId: login.clientReferenceId,
    clientAppId: login.clientAppId,
    imported: false,
    lastCheckedAt: now,
    nextCheckAt: login.firstCheckAt,
    createdAt: now,
    updatedAt: now,
  });
  await storeSessionAndCredentials(ex, ctx, login, row.id);
  await recordConnectionEvent(ex, 'connection.created', row, now);
  await recordLinkAudit(ex, login, 'connection.linked', row.id, { clientAppId: login.clientAppId, platformUserId: login.profile.id });
  return { connectionId: row.id, previousStatus: null };
}

/** connection.updated: the same id active again with the fresh session, for the same upstream account only. */
export async function reconnectConnection(
  ex: Executor,
  ctx: ServiceContext,
  connectionId: string,
  login: LinkedLogin,
): Promise<LinkedConnectionResult> {
  const { scope, now } = login;
  const existing = await store.findConnectionForUpdate(ex, scope, connectionId);
  if (!existing) return { refused: 'connection_not_found' };
  // Reconnecting must not silently swap the account behind a connection id the integrator already maps to a user.
  if (existing.platformUserId && existing.platformUserId !== login.profile.id) return { refused: 'account_mismatch' };
  const other = await store.findActiveConnectionForUser(ex, scope, login.profile.id);
  if (other && other.id !== existing.id) return { refused: 'account_already_connected' };
  const row = await store.updateConnection(ex, scope, existing.id, {
    status: 'active',
    platformUserId: login.profile.id,
    userData: userDataFrom(login.profile),
    permissions: login.permissions,
    clientReferenceId: login.clientReferenceId ?? existing.clientReferenceId,
    clientAppId: login.clientAppId,
    imported: false,
    expiredAt: null,
    lastCheckedAt: now,
    nextCheckAt: login.firstCheckAt,
    checkFailures: 0,
    updatedAt: now,
  });
  await storeSessionAndCredentials(ex, ctx, login, row.id);
  await recordConnectionEvent(ex, 'connection.updated', row, now);
  await recordLinkAudit(ex, login, 'connection.reconnected', row.id, { clientAppId: login.clientAppId, previousStatus: existing.status });
  return { connectionId: row.id, previousStatus: existing.status };
}

/** The audit entry of a Link completion, in its transaction: the actor is the Link session the user logged in through. */
function recordLinkAudit(ex: Executor, login: LinkedLogin, action: 'connection.linked' | 'connection.reconnected', connectionId: string, data: Record<string, unknown>): Promise<void> {
  const { orgId, environment } = login.scope;
  return recordAuditEntry(ex, { orgId, environment, actor: `link:${login.linkSessionId}`, action, target: connectionId, data });
}

/** Without the org's opt-in the credentials blob is cleared, so turning it off forgets them on the next login. */
async function storeSessionAndCredentials(ex: Executor, ctx: ServiceContext, login: LinkedLogin, connectionId: string): Promise<void> {
  const target = { orgId: login.scope.orgId, connectionId };
  await storeConnectionSession(ex, ctx.vault, target, login.session, login.now);
  const org = await findOrg(ex, login.scope.orgId);
  const keep = readOrgSettings(org?.settings).storeCredentialsForRelogin ? login.credentials : null;
  await storeReloginCredentials(ex, ctx.vault, target, keep);
}

/** The connection a Link session produced, as Link shows it (null once it is disconnected or gone). */
export async function linkedConnectionOf(ctx: ServiceContext, scope: TenantScope, connectionId: string): Promise<{ id: string; userData: UserData } | null> {
  const row = await store.findConnection(ctx.database.db, scope, connectionId);
  return row ? { id: row.id, userData: userDataOf(row) } : null;
}

/** The connection's session material, for client apps that return the raw session. */
export async function rawSessionOf(ctx: ServiceContext, scope: TenantScope, connectionId: string): Promise<UpstreamSession | null> {
  return loadConnectionSession(ctx.database.db, ctx.vault, { orgId: scope.orgId, connectionId });
}
