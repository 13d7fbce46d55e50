// The audit log: who changed what in an organization. Every mutation's use case records one entry in its own
// transaction, so the entry commits (or rolls back) with the change it describes. Actions are a closed union:
// a new mutation adds its action here, and a typo is a compile error rather than an unreadable log.
import type { Executor } from '../platform/db/database.ts';
import { auditLog } from './tables.ts';

export const AUDIT_ACTIONS = [
  'org.bootstrapped',
  'settings.updated',
  'api_key.created',
  'api_key.revoked',
  'client_app.created',
  'client_app.updated',
  'client_app.deleted',
  'connection.imported',
  'connection.session_rotated',
  'connection.settings_updated',
  'connection.invalidated',
  'connection.disconnected',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_revealed',
  'webhook_endpoint.secret_rotated',
  'webhook_message.replayed',
  'webhook_message.failed_replayed',
  'vault.rotated',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  orgId: string;
  /** An API key id, `cli` or `system`. */
  actor: string;
  action: AuditAction;
  /** The id of what was changed. */
  target?: string | null;
  /** What changed, never a secret (field names, not values, for settings). */
  data?: Record<string, unknown>;
}

export async function recordAuditEntry(ex: Executor, entry: AuditEntry): Promise<void> {
  await ex.insert(auditLog).values({ ...entry, data: entry.data ?? {} });
}
