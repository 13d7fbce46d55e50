// The path every Access request takes, managed or proxied: the key's org and environment (already checked by the
// auth hook) → `x-connection-id` → that connection, active, with the permission the route needs → its decrypted
// session → pacing → the caller's work (signed upstream calls) → X-RateLimit-* on the reply, success or not.
//
// Connection errors (ofconnect's decision, following OFAuth's error table: SESSION_NOT_PROVIDED is "connection not
// found or missing session data"):
//   no header                                   → 401 SESSION_NOT_PROVIDED (details.field x-connection-id)
//   unknown id, another org's or environment's  → 401 SESSION_NOT_PROVIDED (reason connection_not_found; the two are
//                                                  indistinguishable on purpose). Not a 404: an Access route's 404
//                                                  means "upstream has no such fan/post/message", and a client must be
//                                                  able to tell "wrong connection id" from that.
//   not yet usable (awaiting 2FA, no session)   → 401 SESSION_NOT_PROVIDED (reason connection_not_ready / session_missing)
//   expired                                     → 401 SESSION_EXPIRED, actionRequired "reconnect"
//   lacks the route's permission                → 403 FORBIDDEN (details.requiredPermission); the raw proxy is not filtered
//
// The raw proxy may carry a raw session (x-session-* headers, proxy.ts) instead of x-connection-id: checked (400
// naming the header), paced per upstream user id within the org like a connection, never stored, not metered
// (usage is per connection). Upstream refusing it is a 401 SESSION_EXPIRED; no connection changes.
import { context } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { createConnectionSnapshots, type ConnectionSnapshot, type ConnectionSnapshots } from './connection-snapshots.ts';
import { createAccessMetrics, type AccessMetrics } from './metrics.ts';
import { createConnectionPacing, type Admission, type ConnectionPacing } from './pacing.ts';
import { hasRawSession, readRawSession } from './proxy.ts';
import { createUpstreamSender, withAdmission, type UpstreamSender } from './send-upstream.ts';
import { createUsageMeter, type UsageMeter } from './usage-meter.ts';

/** A connection that passed every check: active, with a session. */
export type UsableConnection = ConnectionSnapshot & { session: UpstreamSession };

export interface AccessPipeline {
  snapshots: ConnectionSnapshots;
  sender: UpstreamSender;
  meter: UsageMeter;
  metrics: AccessMetrics;
  /**
   * Runs `work` for the request's connection once it is resolved, permitted (when `permission` is given) and paced.
   * The pacing slot is held until `work` settles.
   */
  run<T>(request: FastifyRequest, reply: FastifyReply, permission: string | null, work: (connection: UsableConnection) => Promise<T>): Promise<T>;
  /** The raw proxy's run: the request's connection, or the raw session it carries; no permission check. */
  runProxied<T>(request: FastifyRequest, reply: FastifyReply, work: (connection: UsableConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createAccessPipeline(ctx: ServiceContext): AccessPipeline {
  const metrics = createAccessMetrics(ctx.metrics.registry);
  const snapshots = createConnectionSnapshots(ctx);
  const pacing: ConnectionPacing = createConnectionPacing(ctx.rateLimiters, metrics);
  const sender = createUpstreamSender(ctx, snapshots, metrics);
  const meter = createUsageMeter(ctx);

  // The connection as this node knows it; a fresh snapshot is answered without a promise (the common case).
  /** The caller's work, in a trace context carrying its admission when traced (its upstream spans report the wait). */
  function workAdmitted<T>(admission: Admission, work: (connection: UsableConnection) => Promise<T>, connection: UsableConnection): Promise<T> {
    if (!ctx.tracing.isEnabled) return work(connection);
    return context.with(withAdmission(context.active(), admission), work, undefined, connection);
  }

  function resolveConnection(request: FastifyRequest): UsableConnection | Promise<UsableConnection> {
    const connectionId = connectionIdOf(request);
    const known = snapshots.peek(request.auth, connectionId);
    if (known !== undefined) return usableConnection(known, connectionId);
    return snapshots.get(request.auth, connectionId).then((loaded) => usableConnection(loaded, connectionId));
  }

  return {
    snapshots,
    sender,
    meter,
    metrics,
    async run(request, reply, permission, work) {
      const resolved = resolveConnection(request);
      const connection = resolved instanceof Promise ? await resolved : resolved;
      if (permission !== null && !connection.permissions.has(permission)) {
        throw new ApiError('FORBIDDEN', `This connection was not granted ${permission}`, {
          details: { requiredPermission: permission, connectionId: connection.id },
        });
      }
      const admission = await pacing.admit(connection.id, connection.pacing);
      // From here the slot is held: whatever happens next (a throw before the upstream call, a time limit, the
      // caller going away), `finally` gives it back.
      try {
        reply.headers(admission.headers);
        meter.count(connection.orgId, connection.id);
        return await workAdmitted(admission, work, connection);
      } finally {
        admission.release();
      }
    },
    async runProxied(request, reply, work) {
      if (!hasRawSession(request.headers)) return this.run(request, reply, null, work);
      const raw = readRawSession(request.headers);
      const connection = (await snapshots.rawSession(request.auth, raw.userId, raw.session)) as UsableConnection;
      const admission = await pacing.admit(connection.id, connection.pacing);
      try {
        reply.headers(admission.headers);
        return await workAdmitted(admission, work, connection);
      } finally {
        admission.release();
      }
    },
    close: () => meter.close(),
  };
}

function usableConnection(connection: ConnectionSnapshot | null, connectionId: string): UsableConnection {
  if (!connection) {
    throw new ApiError('SESSION_NOT_PROVIDED', `Connection ${connectionId} not found`, {
      actionRequired: 'reconnect',
      details: { field: 'x-connection-id', reason: 'connection_not_found', connectionId },
    });
  }
  if (connection.status === 'expired') {
    throw new ApiError('SESSION_EXPIRED', 'Session has expired', {
      actionRequired: 'reconnect',
      details: { connectionId, reason: 'connection_expired' },
    });
  }
  if (connection.status !== 'active') {
    throw new ApiError('SESSION_NOT_PROVIDED', `Connection ${connectionId} is not active yet (status ${connection.status})`, {
      details: { field: 'x-connection-id', reason: 'connection_not_ready', connectionId, status: connection.status },
    });
  }
  if (!connection.session) {
    throw new ApiError('SESSION_NOT_PROVIDED', `Connection ${connectionId} has no session data`, {
      actionRequired: 'reconnect',
      details: { field: 'x-connection-id', reason: 'session_missing', connectionId },
    });
  }
  return connection as UsableConnection;
}

function connectionIdOf(request: FastifyRequest): string {
  const raw = request.headers['x-connection-id'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) {
    throw new ApiError('SESSION_NOT_PROVIDED', 'Missing connection: send its id in the x-connection-id header', {
      details: { field: 'x-connection-id', reason: 'header_missing' },
    });
  }
  return value;
}
