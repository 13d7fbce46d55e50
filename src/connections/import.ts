// POST /v2/account/connections/import: a session the integrator already has becomes a connection, after
// OnlyFans (or the simulator, for sandbox keys) confirms it works. Invalid input or a dead session creates nothing.
import { recordAuditEntry } from '../account/audit.ts';
import { unknownPermissions } from '../account/permissions.ts';
import { readDefaultConnectionPermissions } from '../account/settings.ts';
import { findOrg } from '../account/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { ApiError, badRequest } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import type { UpstreamProfile } from '../upstream/client.ts';
import { parseSessionCookie, sessionFromImport, type UpstreamSession } from '../upstream/session.ts';
import { recordConnectionEvent } from './events.ts';
import { logConnectionStatusChange } from './status-log.ts';
import type { ImportConnectionInput } from './schemas.ts';
import { storeConnectionSession } from './session-vault.ts';
import * as store from './store.ts';

export function duplicateConnectionError(existingId: string): ApiError {
  return new ApiError('CONFLICT', `This OnlyFans account is already connected as ${existingId}`, {
    details: { connectionId: existingId },
  });
}

/**
 * Asks upstream who the session belongs to. A session upstream refuses is the caller's bad input (400 naming the
 * cookie), not a failure of ours; upstream outages pass through as they are.
 */
export async function validateImportedSession(ctx: ServiceContext, environment: Environment, session: UpstreamSession): Promise<UpstreamProfile> {
  let profile: UpstreamProfile;
  try {
    profile = await ctx.upstreams.forEnvironment(environment).validateSession(session);
  } catch (error) {
    if (error instanceof ApiError && error.type === 'SESSION_EXPIRED') {
      throw badRequest('OnlyFans did not accept this session: it is expired, logged out, or was created with another user agent', 'cookie', {
        reason: 'session_invalid',
      });
    }
    throw error;
  }
  const authId = parseSessionCookie(session.cookie).authId;
  if (authId && authId !== profile.id) {
    throw badRequest('The cookie\'s auth_id does not match the account OnlyFans returned for the session', 'cookie', { reason: 'auth_id_mismatch' });
  }
  return profile;
}

export function userDataFrom(profile: UpstreamProfile) {
  return { id: profile.id, name: profile.name, username: profile.username, avatar: profile.avatar };
}

/**
 * The OnlyFans user id a session's cookie names (auth_id; sessionFromImport has checked it is numeric). Known before
 * any upstream call: presenting a session upstream is not free of consequences — with a wrong user agent it can end
 * the account's live session, and with it the connection that already uses it.
 */
export function claimedUserIdOf(session: UpstreamSession): string | null {
  return parseSessionCookie(session.cookie).authId ?? null;
}

export async function importConnection(ctx: ServiceContext, scope: ActingScope, input: ImportConnectionInput) {
  const unknown = unknownPermissions(input.permissions ?? []);
  if (unknown.length) throw badRequest(`Unknown permission(s): ${unknown.join(', ')}`, 'permissions', { unknown });
  const session = sessionFromImport(input);
  // An account already connected here is a 409 before upstream sees the session (the upstream check below still
  // holds the cookie to its word: a session whose profile is another user is refused).
  const claimedUserId = claimedUserIdOf(session);
  const connected = claimedUserId ? await store.findActiveConnectionForUser(ctx.database.db, scope, claimedUserId) : undefined;
  if (connected) throw duplicateConnectionError(connected.id);
  const profile = await validateImportedSession(ctx, scope.environment, session);

  const now = ctx.clock.now();
  try {
    const created = await ctx.database.db.transaction(async (tx) => {
      const existing = await store.findActiveConnectionForUser(tx, scope, profile.id);
      if (existing) throw duplicateConnectionError(existing.id);
      const org = await findOrg(tx, scope.orgId);
      // OFAuth: permissions "default to organization permissions" (docs/ofauth-wire-contract.md §4.1).
      const permissions = input.permissions ?? readDefaultConnectionPermissions(org?.settings, scope.environment);
      const row = await store.insertConnection(tx, {
        id: newId('connection'),
        orgId: scope.orgId,
        environment: scope.environment,
        status: 'active',
        platformUserId: profile.id,
        userData: userDataFrom(profile),
        permissions,
        clientReferenceId: input.clientReferenceId ?? null,
        imported: true,
        lastCheckedAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await storeConnectionSession(tx, ctx.vault, { orgId: scope.orgId, connectionId: row.id }, session, now);
      await recordConnectionEvent(tx, 'connection.created', row, now);
      await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'connection.imported', target: row.id, data: { platformUserId: profile.id } });
      return row;
    });
    logConnectionStatusChange(ctx.logger, { orgId: scope.orgId, connectionId: created.id, from: null, to: created.status, reason: 'imported', actor: scope.actor });
    return created;
  } catch (error) {
    // Two imports racing past the check above: the database's unique index lets exactly one win.
    if (store.isOneActivePerUserViolation(error)) {
      const winner = await store.findActiveConnectionForUser(ctx.database.db, scope, profile.id);
      throw duplicateConnectionError(winner?.id ?? 'unknown');
    }
    throw error;
  }
}
