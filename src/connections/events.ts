// The webhook events connections/ emits, in OFAuth's payload shapes (docs/ofauth-wire-contract.md §8.3). Always recorded in the
// transaction of the change. Payloads never carry session material.
import type { Executor } from '../platform/db/database.ts';
import { recordEvent } from '../webhooks/outbox.ts';
import { userDataOf } from './present.ts';
import type { ConnectionRow } from './store.ts';

type FullEvent = 'connection.created' | 'connection.updated';
type ShortEvent = 'connection.expired' | 'connection.disconnected' | 'connection.expiring';

function recordForConnection(ex: Executor, type: FullEvent | ShortEvent, row: ConnectionRow, connection: Record<string, unknown>, at: Date) {
  return recordEvent(
    ex,
    { orgId: row.orgId, environment: row.environment, type, connectionId: row.id, data: { clientReferenceId: row.clientReferenceId, connection } },
    at,
  );
}

/** Full form: the connection with its profile. userData carries both id (docs) and userId (SDK). */
export async function recordConnectionEvent(ex: Executor, type: FullEvent, row: ConnectionRow, at: Date): Promise<string> {
  const user = userDataOf(row);
  return recordForConnection(ex, type, row, {
    id: row.id,
    platformUserId: row.platformUserId,
    status: row.status,
    permissions: row.permissions,
    imported: row.imported,
    userData: { id: user.id, userId: user.id, name: user.name, username: user.username, avatar: user.avatar },
  }, at);
}

/** Short form for expiry and disconnection: the id, the upstream user and the new status. */
export async function recordConnectionStatusEvent(ex: Executor, type: ShortEvent, row: ConnectionRow, at: Date): Promise<string> {
  return recordForConnection(ex, type, row, { id: row.id, platformUserId: row.platformUserId, status: row.status }, at);
}
