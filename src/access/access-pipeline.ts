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
//
// Every call on a stored connection that was found (refused or not) goes to the request log (request-log/): the
// pipeline starts its trip, the sender fills in upstream's status and the retries, and recordCall, the routes'
// onResponse hook, hands the entry to the batching recorder once the reply is sent.
import { context } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { createConnectionSnapshots, type ConnectionSnapshot, type ConnectionSnapshots } from './connection-snapshots.ts';
import { createAccessMetrics, type AccessMetrics } from './metrics.ts';
import { createConnectionPacing, type Admission, type ConnectionPacing } from './pacing.ts';
import { hasRawSession, readRawSession } from './proxy.ts';
import { createRequestLogRecorder, NO_REQUEST_LOG, type RequestLogRecorder } from './request-log/recorder.ts';
import { createUpstreamSender, withAdmission, type UpstreamSender, type UpstreamTrip } from './send-upstream.ts';
import { createUsageMeter, type UsageMeter } from './usage-meter.ts';

/** A connection that passed every check: active, with a session, and this request's trip (none for a raw session). */
export type UsableConnection = ConnectionSnapshot & { session: UpstreamSession; trip?: UpstreamTrip };

/** A call on a stored connection, on its way to the request log. */
export interface LoggedTrip extends UpstreamTrip {
  connection: ConnectionSnapshot;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the Access pipeline once the request's stored connection is found; null otherwise (nothing logged). */
    accessTrip: LoggedTrip | null;
  }
}

export interface AccessPipeline {
  snapshots: ConnectionSnapshots;
  sender: UpstreamSender;
  meter: UsageMeter;
  metrics: AccessMetrics;
  requestLog: RequestLogRecorder;
  /** The Access routes' onResponse hook: the request's call into the request log, when it was made on a connection. */
  recordCall(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
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
  // Retention 0 days: the operator keeps no request log, so nothing is recorded (and retention prunes what was kept).
  const requestLog = ctx.config.requestLogRetentionDays === 0 ? NO_REQUEST_LOG : createRequestLogRecorder(ctx);

  /** The caller's work, in a trace context carrying its admission when traced (its upstream spans report the wait). */
  function workAdmitted<T>(admission: Admission, work: (connection: UsableConnection) => Promise<T>, connection: UsableConnection): Promise<T> {
    // The work runs either way; only its trace context differs (the pacing event on upstream spans: traces.test.ts).
    // Stryker disable next-line BooleanLiteral,ConditionalExpression: see above
    if (!ctx.tracing.isEnabled) return work(connection);
    return context.with(withAdmission(context.active(), admission), work, undefined, connection);
  }

  return {
    snapshots,
    sender,
    meter,
    metrics,
    requestLog,
    recordCall(request, reply, done) {
      const trip = request.accessTrip;
      if (trip !== null) {
        const { connection } = trip;
        const elapsedMs = reply.elapsedTime;
        requestLog.record({
          orgId: connection.orgId,
          environment: connection.environment,
          connectionId: connection.id,
          arrivedAtMs: ctx.clock.now().getTime() - elapsedMs,
          method: request.method,
          url: request.url,
          status: reply.statusCode,
          upstreamStatus: trip.upstreamStatus,
          durationMs: Math.round(elapsedMs),
          retries: trip.retries,
          requestId: request.id,
          apiKeyId: request.auth.keyId,
        });
      }
      done();
    },
    async run(request, reply, permission, work) {
      const connectionId = connectionIdOf(request);
      // The connection as this node knows it; a fresh snapshot is answered without a promise (the common case).
      const known = snapshots.peek(request.auth, connectionId);
      // Stryker disable next-line ConditionalExpression: get() answers a fresh snapshot the same, a promise later
      const snapshot = known !== undefined ? known : await snapshots.get(request.auth, connectionId);
      const connection = usableConnection(snapshot, connectionId, startTrip(request, snapshot));
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
    close: async () => {
      await Promise.all([meter.close(), requestLog.close()]);
    },
  };
}

/** The request's trip on a stored connection that exists, refused or not (a wrong id has no log to go to). */
function startTrip(request: FastifyRequest, connection: ConnectionSnapshot | null): LoggedTrip | null {
  if (connection === null || !connection.isStored) return null;
  const trip: LoggedTrip = { connection, upstreamStatus: null, retries: 0 };
  request.accessTrip = trip;
  return trip;
}

/** The connection as this request's work gets it: checked, and carrying the request's trip for the sender to fill. */
function usableConnection(connection: ConnectionSnapshot | null, connectionId: string, trip: LoggedTrip | null): UsableConnection {
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
  const usable = connection as UsableConnection;
  // Stryker disable next-line ConditionalExpression: run() reads stored snapshots only, so there is always a trip here
  return trip === null ? usable : { ...usable, trip };
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
