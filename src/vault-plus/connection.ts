// The connection a Vault+ request names in x-connection-id, refused the way the Access API refuses it (401
// SESSION_NOT_PROVIDED naming the header: missing, unknown or another org's — indistinguishable on purpose).
import type { FastifyRequest } from 'fastify';
import { loadConnectionSession } from '../connections/session-vault.ts';
import { findConnection, type ConnectionRow } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamSession } from '../upstream/session.ts';

export function connectionIdOf(request: FastifyRequest): string {
  const raw = request.headers['x-connection-id'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) {
    throw new ApiError('SESSION_NOT_PROVIDED', 'Missing connection: send its id in the x-connection-id header', {
      details: { field: 'x-connection-id', reason: 'header_missing' },
    });
  }
  return value;
}

export async function requestConnection(ctx: ServiceContext, scope: TenantScope, request: FastifyRequest): Promise<ConnectionRow> {
  const connectionId = connectionIdOf(request);
  const row = await findConnection(ctx.database.db, scope, connectionId);
  if (!row) {
    throw new ApiError('SESSION_NOT_PROVIDED', `Connection ${connectionId} not found`, {
      details: { field: 'x-connection-id', reason: 'connection_not_found', connectionId },
    });
  }
  return row;
}

/** The decrypted session of an active connection, for calls to the upstream. */
export async function usableSessionOf(ctx: ServiceContext, row: ConnectionRow): Promise<UpstreamSession> {
  if (row.status === 'expired') {
    throw new ApiError('SESSION_EXPIRED', 'Session has expired', { actionRequired: 'reconnect', details: { connectionId: row.id, reason: 'connection_expired' } });
  }
  const session = row.status === 'active' ? await loadConnectionSession(ctx.database.db, ctx.vault, { orgId: row.orgId, connectionId: row.id }) : null;
  if (!session) {
    throw new ApiError('SESSION_NOT_PROVIDED', `Connection ${row.id} is not active or has no session data`, {
      details: { field: 'x-connection-id', reason: 'session_missing', connectionId: row.id, status: row.status },
    });
  }
  return session;
}
