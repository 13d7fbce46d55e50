// PATCH /v2/account/connections/import/{id}: replace an imported connection's session with a fresh one from the
// same OnlyFans user. The id stays; the old session material is overwritten in the same transaction.
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError, badRequest, notFound } from '../platform/errors.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { sessionFromImport } from '../upstream/session.ts';
import { recordConnectionEvent } from './events.ts';
import { logConnectionStatusChange } from './status-log.ts';
import { claimedUserIdOf, duplicateConnectionError, userDataFrom, validateImportedSession } from './import.ts';
import type { RotateImportedSessionInput } from './schemas.ts';
import { storeConnectionSession } from './session-vault.ts';
import * as store from './store.ts';

export async function rotateImportedSession(ctx: ServiceContext, scope: ActingScope, connectionId: string, input: RotateImportedSessionInput) {
  const current = await store.findConnection(ctx.database.db, scope, connectionId);
  if (!current) throw notFound('Connection', connectionId);
  if (!current.imported) {
    throw badRequest(
      'Only imported connections take a new session here; reconnect a Link connection with POST /v2/link/init and its connectionId',
      'connectionId',
    );
  }
  const session = sessionFromImport(input);
  // A cookie naming another user is refused before upstream sees it (as import does); upstream's answer is checked too.
  const claimedUserId = claimedUserIdOf(session);
  if (claimedUserId && claimedUserId !== current.platformUserId) throw anotherUsersSession(claimedUserId, connectionId);
  const profile = await validateImportedSession(ctx, scope.environment, session);
  if (profile.id !== current.platformUserId) throw anotherUsersSession(profile.id, connectionId);
  const now = ctx.clock.now();
  try {
    let from = current.status;
    const rotated = await ctx.database.db.transaction(async (tx) => {
      const locked = await store.findConnectionForUpdate(tx, scope, connectionId);
      if (!locked) throw notFound('Connection', connectionId);
      from = locked.status;
      const row = await store.updateConnection(tx, scope, connectionId, {
        status: 'active',
        expiredAt: null,
        userData: userDataFrom(profile),
        lastCheckedAt: now,
        checkFailures: 0,
        updatedAt: now,
      });
      await storeConnectionSession(tx, ctx.vault, { orgId: scope.orgId, connectionId }, session, now);
      await recordConnectionEvent(tx, 'connection.updated', row, now);
      await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'connection.session_rotated', target: connectionId });
      return row;
    });
    if (from !== rotated.status) {
      logConnectionStatusChange(ctx.logger, { orgId: scope.orgId, connectionId, from, to: rotated.status, reason: 'session_rotated', actor: scope.actor });
    }
    return rotated;
  } catch (error) {
    // The connection was expired and the same user was imported again meanwhile: that one stays the active one.
    if (store.isOneActivePerUserViolation(error)) {
      const other = await store.findActiveConnectionForUser(ctx.database.db, scope, profile.id);
      throw duplicateConnectionError(other?.id ?? 'unknown');
    }
    throw error;
  }
}

function anotherUsersSession(userId: string, connectionId: string): ApiError {
  return new ApiError('CONFLICT', `The session belongs to OnlyFans user ${userId}, not to this connection's user`, {
    details: { field: 'cookie', connectionId },
  });
}
