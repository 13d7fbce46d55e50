// Expiry: POST …/invalidate forces it; Access calls and the monitor call markConnectionExpired when OnlyFans says
// the session is gone. The status flips once and connection.expired is recorded once, however many callers race.
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import { recordConnectionStatusEvent } from './events.ts';
import type { OrgScope } from './import.ts';
import * as store from './store.ts';

/** Returns true if this call expired the connection (false: it was not active). */
export async function markConnectionExpired(ctx: ServiceContext, scope: OrgScope, connectionId: string): Promise<boolean> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    const expired = await store.expireIfActive(tx, scope, connectionId, now);
    if (!expired) return false;
    await recordConnectionStatusEvent(tx, 'connection.expired', expired, now);
    return true;
  });
}

export async function invalidateConnection(ctx: ServiceContext, scope: OrgScope, connectionId: string): Promise<void> {
  const existing = await store.findConnection(ctx.database.db, scope, connectionId);
  if (!existing) throw notFound('Connection', connectionId);
  await markConnectionExpired(ctx, scope, connectionId);
}
