// The org opt-in "store credentials for re-login": the Link password, encrypted and bound to its connection, on
// connection_sessions.credentials_blob. Without the opt-in the blob is cleared, so turning it off forgets on reconnect.
import { and, eq } from 'drizzle-orm';
import { connectionSessions } from './tables.ts';
import type { Executor } from '../platform/db/database.ts';
import type { Vault } from '../platform/vault.ts';

export interface ReloginCredentials {
  email: string;
  password: string;
}

const associatedData = (connectionId: string) => `connection-credentials:${connectionId}`;

export async function storeReloginCredentials(
  ex: Executor,
  vault: Vault,
  target: { orgId: string; connectionId: string },
  credentials: ReloginCredentials | null,
): Promise<void> {
  const credentialsBlob = credentials ? vault.encryptJson(credentials, associatedData(target.connectionId)).blob : null;
  await ex.update(connectionSessions).set({ credentialsBlob }).where(and(eq(connectionSessions.orgId, target.orgId), eq(connectionSessions.connectionId, target.connectionId)));
}

export function readReloginCredentials(vault: Vault, connectionId: string, blob: string): ReloginCredentials {
  return vault.decryptJson<ReloginCredentials>(blob, associatedData(connectionId));
}
