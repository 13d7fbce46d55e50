// DELETE /v2/account/connections/{id}: permanent. The session material is destroyed, the connection stops
// answering (404) and cannot be reconnected; the row stays for audit and billing.
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { recordConnectionStatusEvent } from './events.ts';
import { destroyConnectionSession } from './session-vault.ts';
import { logConnectionStatusChange } from './status-log.ts';
import * as store from './store.ts';

export async function disconnectConnection(ctx: ServiceContext, scope: ActingScope, connectionId: string): Promise<void> {
  const now = ctx.clock.now();
  const from = await ctx.database.db.transaction(async (tx) => {
    const existing = await store.findConnectionForUpdate(tx, scope, connectionId);
    if (!existing) throw notFound('Connection', connectionId);
    const row = await store.updateConnection(tx, scope, connectionId, {
      status: 'disconnected',
      disconnectedAt: now,
      nextCheckAt: null,
      updatedAt: now,
    });
    await destroyConnectionSession(tx, { orgId: scope.orgId, connectionId });
    await recordConnectionStatusEvent(tx, 'connection.disconnected', row, now);
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'connection.disconnected', target: connectionId });
    return existing.status;
  });
  logConnectionStatusChange(ctx.logger, { orgId: scope.orgId, connectionId, from, to: 'disconnected', reason: 'disconnected', actor: scope.actor });
}
