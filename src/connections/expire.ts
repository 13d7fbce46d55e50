// Expiry: POST …/invalidate forces it; Access calls and the monitor call markConnectionExpired when OnlyFans says
// the session is gone. The status flips once and connection.expired is recorded once, however many callers race.
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { notFound } from '../platform/errors.ts';
import type { ActingScope, TenantScope } from '../platform/tenant-scope.ts';
import { recordConnectionStatusEvent } from './events.ts';
import { logConnectionStatusChange } from './status-log.ts';
import * as store from './store.ts';

/** Flips an active connection to expired with its event; false when it was not active (someone else got there first). */
async function expireWithEvent(ex: Executor, scope: TenantScope, connectionId: string, now: Date): Promise<boolean> {
  const expired = await store.expireIfActive(ex, scope, connectionId, now);
  if (!expired) return false;
  await recordConnectionStatusEvent(ex, 'connection.expired', expired, now);
  return true;
}

/** Returns true if this call expired the connection (false: it was not active). Audited as `system`. */
export async function markConnectionExpired(ctx: ServiceContext, scope: TenantScope, connectionId: string): Promise<boolean> {
  const now = ctx.clock.now();
  const hasExpired = await ctx.database.db.transaction(async (tx) => {
    const flipped = await expireWithEvent(tx, scope, connectionId, now);
    if (flipped) {
      await recordAuditEntry(tx, {
        orgId: scope.orgId, environment: scope.environment, actor: 'system', action: 'connection.expired', target: connectionId, data: { reason: 'session_rejected_upstream' },
      });
    }
    return flipped;
  });
  if (hasExpired) {
    logConnectionStatusChange(ctx.logger, { orgId: scope.orgId, connectionId, from: 'active', to: 'expired', reason: 'session_rejected_upstream' });
  }
  return hasExpired;
}

/** POST …/invalidate: audited on every call; the event goes out only for the call that expired it. */
export async function invalidateConnection(ctx: ServiceContext, scope: ActingScope, connectionId: string): Promise<void> {
  const now = ctx.clock.now();
  const hasExpired = await ctx.database.db.transaction(async (tx) => {
    const existing = await store.findConnection(tx, scope, connectionId);
    if (!existing) throw notFound('Connection', connectionId);
    const flipped = await expireWithEvent(tx, scope, connectionId, now);
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'connection.invalidated', target: connectionId, data: { hasExpired: flipped } });
    return flipped;
  });
  if (hasExpired) {
    logConnectionStatusChange(ctx.logger, { orgId: scope.orgId, connectionId, from: 'active', to: 'expired', reason: 'invalidated', actor: scope.actor });
  }
}
