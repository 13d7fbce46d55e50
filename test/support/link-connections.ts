// Link connections for tests of what happens after a login (monitor, billing): a session minted by the simulator as
// if the hosted login had just completed, stored the way Link stores it, on a connection row that is active and
// scheduled for the monitor. Imported rows can be made the same way, to prove they are treated differently.
import { randomBytes } from 'node:crypto';
import { READ_CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { storeConnectionSession } from '../../src/connections/session-vault.ts';
import { insertConnection, type ConnectionRow } from '../../src/connections/store.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import type { Environment } from '../../src/platform/environment.ts';
import { newId } from '../../src/platform/ids.ts';
import { mintSandboxSession, type MintedSession } from './sandbox.ts';

export interface LinkConnectionOptions {
  orgId: string;
  /** Default: a fresh {random}@creator.sandbox.com, so every connection is its own upstream account. */
  email?: string;
  /** Default: due now (the context clock's now). Null: not scheduled. */
  nextCheckAt?: Date | null;
  imported?: boolean;
  environment?: Environment;
  clientReferenceId?: string | null;
}

export interface CreatedLinkConnection {
  row: ConnectionRow;
  /** The upstream account id (the simulator logs it per request as userId and the user-id header). */
  userId: string;
  session: MintedSession;
}

export function sandboxEmail(scenario = 'creator'): string {
  return `mon${randomBytes(6).toString('hex')}@${scenario}.sandbox.com`;
}

export async function createLinkConnection(ctx: ServiceContext, sandboxUrl: string, options: LinkConnectionOptions): Promise<CreatedLinkConnection> {
  const session = await mintSandboxSession(sandboxUrl, options.email ?? sandboxEmail());
  const userId = String(session.userId);
  const now = ctx.clock.now();
  const row = await ctx.database.db.transaction(async (tx) => {
    const inserted = await insertConnection(tx, {
      id: newId('connection'),
      orgId: options.orgId,
      environment: options.environment ?? 'sandbox',
      status: 'active',
      platformUserId: userId,
      userData: { id: userId, name: `Creator ${userId}`, username: `u${userId}`, avatar: null },
      permissions: READ_CONNECTION_PERMISSIONS,
      clientReferenceId: options.clientReferenceId ?? null,
      imported: options.imported ?? false,
      nextCheckAt: options.nextCheckAt === undefined ? now : options.nextCheckAt,
      createdAt: now,
      updatedAt: now,
    });
    await storeConnectionSession(tx, ctx.vault, { orgId: options.orgId, connectionId: inserted.id }, session, now);
    return inserted;
  });
  return { row, userId, session };
}

/** A reconnect as Link performs it, reduced to what the monitor sees: a fresh session stored, the row active again. */
export async function storeFreshSession(ctx: ServiceContext, sandboxUrl: string, connection: ConnectionRow, email: string): Promise<MintedSession> {
  const session = await mintSandboxSession(sandboxUrl, email);
  await storeConnectionSession(ctx.database.db, ctx.vault, { orgId: connection.orgId, connectionId: connection.id }, session, ctx.clock.now());
  return session;
}
