// Session material at rest: {cookie, userAgent, xBc} encrypted by the vault, bound to its connection id (a blob
// copied onto another connection does not decrypt). Plain session material never sits in a column.
import type { Executor } from '../platform/db/database.ts';
import type { Vault } from '../platform/vault.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { deleteSessionBlob, findSessionBlob, upsertSessionBlob } from './store.ts';

const associatedData = (connectionId: string) => `connection-session:${connectionId}`;

export async function storeConnectionSession(
  ex: Executor,
  vault: Vault,
  target: { orgId: string; connectionId: string },
  session: UpstreamSession,
  at: Date,
): Promise<void> {
  const { keyId, blob } = vault.encryptJson(
    { cookie: session.cookie, userAgent: session.userAgent, xBc: session.xBc },
    associatedData(target.connectionId),
  );
  await upsertSessionBlob(ex, { connectionId: target.connectionId, orgId: target.orgId, keyId, blob, updatedAt: at });
}

export async function loadConnectionSession(
  ex: Executor,
  vault: Vault,
  target: { orgId: string; connectionId: string },
): Promise<UpstreamSession | null> {
  const row = await findSessionBlob(ex, target.orgId, target.connectionId);
  if (!row) return null;
  return openConnectionSession(vault, target.connectionId, row.blob);
}

/** Decrypts a session blob already read with its connection (the monitor reads a claimed batch's sessions at once). */
export function openConnectionSession(vault: Vault, connectionId: string, blob: string): UpstreamSession {
  return vault.decryptJson<UpstreamSession>(blob, associatedData(connectionId));
}

export async function destroyConnectionSession(ex: Executor, target: { orgId: string; connectionId: string }): Promise<void> {
  await deleteSessionBlob(ex, target.orgId, target.connectionId);
}
