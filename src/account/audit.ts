// The audit log: who changed what in an organization. Every mutation's use case records one entry in its own
// transaction, so the entry commits (or rolls back) with the change it describes. Actions are a closed union:
// a new mutation adds its action here, and a typo is a compile error rather than an unreadable log.
// Read through GET /v2/audit-log (admin scope): an environment's key sees that environment's entries and the
// org-wide ones (environment null: settings, the vault, the org's creation).
import { and, desc, eq, gte, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { Environment } from '../platform/environment.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
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
  /** A new connection made by a completed Link login (actor `link:<linkSessionId>`). */
  'connection.linked',
  /** An existing connection made active again by a Link reconnect (actor `link:<linkSessionId>`). */
  'connection.reconnected',
  'connection.session_rotated',
  'connection.settings_updated',
  'connection.invalidated',
  /** OnlyFans refused the session (an Access call or a monitor check noticed): actor `system`. */
  'connection.expired',
  'connection.disconnected',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_revealed',
  'webhook_endpoint.secret_rotated',
  /** A test event sent to one endpoint. */
  'webhook_endpoint.test_sent',
  'webhook_message.replayed',
  'webhook_message.failed_replayed',
  /** A change made through the sandbox simulator's control API (/_sandbox/…: sessions, rules, faults). */
  'sandbox.changed',
  'vault.rotated',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  orgId: string;
  /** The environment the change belongs to; null for what spans the org (settings, the vault, the org itself). */
  environment: Environment | null;
  /** `key:<apiKeyId>`, `dashboard:<apiKeyId>`, `link:<linkSessionId>`, `cli` or `system`. */
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

export type AuditLogRow = typeof auditLog.$inferSelect;

export interface AuditLogFilter {
  action?: AuditAction;
  actor?: string;
  target?: string;
  since?: Date;
  until?: Date;
  /** Only entries older than this one (the previous page's last id). */
  beforeId?: number;
}

/** The scope's entries, newest first (by id: the order they were written); `limit` rows. */
export async function listAuditEntries(ex: Executor, scope: TenantScope, filter: AuditLogFilter, limit: number): Promise<AuditLogRow[]> {
  const conditions: Array<SQL | undefined> = [
    eq(auditLog.orgId, scope.orgId),
    or(eq(auditLog.environment, scope.environment), isNull(auditLog.environment)),
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
    filter.target ? eq(auditLog.target, filter.target) : undefined,
    filter.since ? gte(auditLog.createdAt, filter.since) : undefined,
    filter.until ? lt(auditLog.createdAt, filter.until) : undefined,
    filter.beforeId !== undefined ? lt(auditLog.id, filter.beforeId) : undefined,
  ];
  return ex.select().from(auditLog).where(and(...conditions)).orderBy(desc(auditLog.id)).limit(limit);
}
