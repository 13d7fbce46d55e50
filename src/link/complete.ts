// A login that upstream accepted becomes a connection: a new one (connection.created) or, for a reconnect, the same
// id made active again (connection.updated). Session, event and the Link session's result commit together.
import { readOrgSettings } from '../account/settings.ts';
import { findOrg, type ClientAppRow } from '../account/store.ts';
import { ONE_ACTIVE_PER_USER_INDEX, userDataFrom } from '../connections/import.ts';
import { recordConnectionEvent } from '../connections/events.ts';
import { storeConnectionSession } from '../connections/session-vault.ts';
import * as connections from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Transaction } from '../platform/db/database.ts';
import { isUniqueViolation } from '../platform/db/errors.ts';
import { newId } from '../platform/ids.ts';
import type { LoginDone } from '../upstream/login.ts';
import type { LinkFailureReason } from './outcomes.ts';
import { storeReloginCredentials, type ReloginCredentials } from '../connections/relogin-credentials.ts';
import { transitionLinkSession, type LinkSessionRow } from './store.ts';
import { firstCheckForNewConnection } from '../monitor/start-monitoring.ts';

class LinkRefusal extends Error {
  constructor(readonly reason: LinkFailureReason) {
    super(reason);
  }
}

export async function completeLinkLogin(
  ctx: ServiceContext,
  session: LinkSessionRow,
  app: ClientAppRow,
  login: LoginDone,
  credentials: ReloginCredentials | null,
): Promise<LinkSessionRow> {
  const now = ctx.clock.now();
  const scope = { orgId: session.orgId, environment: session.environment };
  try {
    return await ctx.database.db.transaction(async (tx) => {
      const connectionId = session.connectionId
        ? await reconnect(ctx, tx, session, app, login, now)
        : await createConnection(ctx, tx, session, app, login, now);
      const org = await findOrg(tx, scope.orgId);
      const keep = readOrgSettings(org?.settings).storeCredentialsForRelogin ? credentials : null;
      await storeReloginCredentials(tx, ctx.vault, { orgId: scope.orgId, connectionId }, keep);
      const done = await transitionLinkSession(tx, session.id, ['pending'], {
        status: 'completed',
        resultConnectionId: connectionId,
        challengeBlob: null,
        twoFactorState: null,
        errorCode: null,
        updatedAt: now,
      });
      // Someone cancelled (or a stale claim was taken over) while upstream answered: nothing is kept.
      if (!done) throw new LinkRefusal('challenge_lost');
      return done;
    });
  } catch (error) {
    const reason = error instanceof LinkRefusal ? error.reason : isUniqueViolation(error, ONE_ACTIVE_PER_USER_INDEX) ? 'account_already_connected' : null;
    if (!reason) throw error;
    const failed = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
      status: 'failed',
      errorCode: reason,
      challengeBlob: null,
      updatedAt: now,
    });
    return failed ?? session;
  }
}

async function createConnection(
  ctx: ServiceContext,
  tx: Transaction,
  session: LinkSessionRow,
  app: ClientAppRow,
  login: LoginDone,
  now: Date,
): Promise<string> {
  const scope = { orgId: session.orgId, environment: session.environment };
  // One active connection per upstream account per org: a second Link of the same account is refused, not merged.
  if (await connections.findActiveConnectionForUser(tx, scope, login.profile.id)) throw new LinkRefusal('account_already_connected');
  const row = await connections.insertConnection(tx, {
    id: newId('connection'),
    orgId: scope.orgId,
    environment: scope.environment,
    status: 'active',
    platformUserId: login.profile.id,
    userData: userDataFrom(login.profile),
    permissions: app.permissions,
    clientReferenceId: session.clientReferenceId,
    clientAppId: app.id,
    imported: false,
    lastCheckedAt: now,
    // The monitor's schedule (interval and jitter from config) spreads a burst of new connections out.
    nextCheckAt: firstCheckForNewConnection(ctx.config, now),
    createdAt: now,
    updatedAt: now,
  });
  await storeConnectionSession(tx, ctx.vault, { orgId: scope.orgId, connectionId: row.id }, login.session, now);
  await recordConnectionEvent(tx, 'connection.created', row, now);
  return row.id;
}

async function reconnect(
  ctx: ServiceContext,
  tx: Transaction,
  session: LinkSessionRow,
  app: ClientAppRow,
  login: LoginDone,
  now: Date,
): Promise<string> {
  const scope = { orgId: session.orgId, environment: session.environment };
  const existing = await connections.findConnectionForUpdate(tx, scope, session.connectionId!);
  if (!existing) throw new LinkRefusal('connection_not_found');
  // Reconnecting must not silently swap the account behind a connection id the integrator already maps to a user.
  if (existing.platformUserId && existing.platformUserId !== login.profile.id) throw new LinkRefusal('account_mismatch');
  const other = await connections.findActiveConnectionForUser(tx, scope, login.profile.id);
  if (other && other.id !== existing.id) throw new LinkRefusal('account_already_connected');
  const row = await connections.updateConnection(tx, scope, existing.id, {
    status: 'active',
    platformUserId: login.profile.id,
    userData: userDataFrom(login.profile),
    permissions: app.permissions,
    clientReferenceId: session.clientReferenceId ?? existing.clientReferenceId,
    clientAppId: app.id,
    imported: false,
    expiredAt: null,
    lastCheckedAt: now,
    nextCheckAt: firstCheckForNewConnection(ctx.config, now),
    checkFailures: 0,
    updatedAt: now,
  });
  await storeConnectionSession(tx, ctx.vault, { orgId: scope.orgId, connectionId: row.id }, login.session, now);
  await recordConnectionEvent(tx, 'connection.updated', row, now);
  return row.id;
}
