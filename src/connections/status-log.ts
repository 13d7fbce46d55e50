// Every change of a connection's status is logged at info, once it has committed: from → to, why, and who acted.
import { apiKeyIdOfActor } from '../account/actor.ts';
import type { Logger } from '../platform/logger.ts';

export type StatusChangeReason =
  | 'imported'
  | 'session_rotated'
  | 'linked'
  | 'reconnected'
  | 'invalidated'
  | 'session_rejected_upstream'
  | 'disconnected';

export interface ConnectionStatusChange {
  orgId: string;
  connectionId: string;
  /** null: the connection is new. */
  from: string | null;
  to: string;
  reason: StatusChangeReason;
  /** The audit actor (`key:<id>`, `cli`, `system`) when someone asked for the change. */
  actor?: string;
}

export function logConnectionStatusChange(logger: Logger, change: ConnectionStatusChange): void {
  const apiKeyId = change.actor ? apiKeyIdOfActor(change.actor) : null;
  logger.info(
    {
      orgId: change.orgId,
      connectionId: change.connectionId,
      from: change.from,
      to: change.to,
      reason: change.reason,
      ...(apiKeyId ? { apiKeyId } : change.actor ? { actor: change.actor } : {}),
    },
    `connection status: ${change.from ?? 'new'} → ${change.to} (${change.reason})`,
  );
}
