// One health check of one claimed connection: a light upstream call (GET /users/me) through the connection's own
// session, user agent, x-bc and outbound proxy, paced like any other call on the account. Only a conclusive answer
// changes the connection: a dead session expires it (once, with connection.expired, however many checkers or Access
// calls see it at the same time); an upstream hiccup only moves its next check later, with exponential backoff.
import { proxyUrlOf } from '../connections/connection-settings.ts';
import { markConnectionExpired } from '../connections/expire.ts';
import * as healthChecks from '../connections/health-checks.ts';
import type { ClaimedCheck, PassedCheck, StoredSession } from '../connections/health-checks.ts';
import { loadConnectionSession, openConnectionSession } from '../connections/session-vault.ts';
import type { ConnectionRow } from '../connections/store.ts';
import type { Clock } from '../platform/clock.ts';
import type { ServiceContext } from '../platform/context.ts';
import { Deadline } from '../platform/deadline.ts';
import { ApiError } from '../platform/errors.ts';
import type { ClaimedRow } from '../platform/leases.ts';
import type { UpstreamProfile } from '../upstream/profile.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import type { CheckOutcome, MonitorMetrics } from './metrics.ts';
import { pacedRetryAfterMs, type ConnectionPacer, type PacingSlot } from './pacing.ts';
import { nextRegularCheckAt, retryCheckAt, type MonitorSchedule, type RandomSource } from './schedule.ts';

export interface CheckDeps {
  ctx: ServiceContext;
  clock: Clock;
  schedule: MonitorSchedule;
  random: RandomSource;
  pace: ConnectionPacer;
  /** Upper bound on the upstream call: well inside the lease, so a live worker never has its check taken over. */
  timeoutMs: number;
  /** Session age at which connection.expiring is sent; null: never. */
  expiringAfterMs: number | null;
  metrics: MonitorMetrics;
  /** Writes a passed check (grouped with others, see passed-check-writer.ts); false when the lease was lost. */
  recordPassed(check: PassedCheck): Promise<boolean>;
  /** Aborts in-flight calls when the worker stops. */
  stopSignal: AbortSignal;
}

type Verdict =
  | { kind: 'alive' }
  | { kind: 'expired'; session: UpstreamSession | null; reason: string }
  | { kind: 'inconclusive'; error: unknown; retryAfterMs: number | null };

/** A session that comes back for a re-check this soon was replaced while it was being checked. */
const RECHECK_REPLACED_SESSION_MS = 1000;

export async function checkConnection(deps: CheckDeps, claimed: ClaimedCheck): Promise<CheckOutcome> {
  const { ctx } = deps;
  const { row: connection, lease: claim, storedSession } = claimed;
  let slot: PacingSlot;
  try {
    slot = await deps.pace(connection);
  } catch (error) {
    const waitMs = pacedRetryAfterMs(error);
    if (waitMs === null) throw error;
    // The account's bucket is spent by its own traffic: check later, and this is not a failure of the connection.
    const later = new Date(deps.clock.now().getTime() + waitMs);
    return (await healthChecks.recordCheckFailed(ctx.database.db, claim, connection.checkFailures, later)) ? 'paced' : 'lease_lost';
  }
  let verdict: Verdict;
  try {
    verdict = await askUpstream(deps, connection, storedSession);
  } finally {
    slot.release();
  }
  const now = deps.clock.now();
  switch (verdict.kind) {
    case 'alive': {
      const kept = await deps.recordPassed({ claim, checkedAt: now, nextCheckAt: nextRegularCheckAt(deps.schedule, now, deps.random) });
      if (!kept) return 'lease_lost';
      await warnIfSessionIsAging(deps, connection, storedSession, now);
      return 'active';
    }
    case 'expired':
      return expireCheckedConnection(deps, connection, claim, verdict.session, verdict.reason);
    case 'inconclusive': {
      const failures = connection.checkFailures + 1;
      const next = retryCheckAt(deps.schedule, now, failures, { retryAfterMs: verdict.retryAfterMs, random: deps.random });
      ctx.logger.debug(
        { connectionId: connection.id, failures, nextCheckAt: next.toISOString(), err: describeFailure(verdict.error) },
        'connection check inconclusive; retrying later',
      );
      return (await healthChecks.recordCheckFailed(ctx.database.db, claim, failures, next)) ? 'transient_failure' : 'lease_lost';
    }
  }
}

async function askUpstream(deps: CheckDeps, connection: ConnectionRow, stored: StoredSession | null): Promise<Verdict> {
  const { ctx } = deps;
  let session: UpstreamSession | null = null;
  const startedAt = performance.now();
  try {
    // Read with the claim; a session replaced since then is caught before expiring (expireCheckedConnection).
    session = stored ? openConnectionSession(ctx.vault, connection.id, stored.blob) : null;
    if (!session) {
      // Not the account's fault: something wrote an active Link connection without its session. Keep retrying
      // (and say so) rather than telling the customer to reconnect.
      return { kind: 'inconclusive', error: new ApiError('INTERNAL', 'no session is stored for this connection'), retryAfterMs: null };
    }
    // Aborted at the check's time limit or when the worker stops, and let go of as soon as the call ends.
    const deadline = new Deadline(deps.timeoutMs, deps.stopSignal, () => new DOMException(`the check took longer than ${deps.timeoutMs} ms`, 'TimeoutError'));
    let profile: UpstreamProfile;
    try {
      profile = await ctx.upstreams.forEnvironment(connection.environment).validateSession(session, {
        proxyUrl: proxyUrlOf(ctx, connection),
        signal: deadline.signal,
      });
    } finally {
      deadline.clear();
    }
    if (connection.platformUserId && profile.id !== connection.platformUserId) {
      return { kind: 'expired', session, reason: 'session_belongs_to_another_account' };
    }
    return { kind: 'alive' };
  } catch (error) {
    if (error instanceof ApiError && error.type === 'SESSION_EXPIRED') {
      return { kind: 'expired', session, reason: String(error.details?.reason ?? 'session_expired') };
    }
    return { kind: 'inconclusive', error, retryAfterMs: upstreamRetryAfterMs(error) };
  } finally {
    deps.metrics.checkDuration.observe((performance.now() - startedAt) / 1000);
  }
}

async function expireCheckedConnection(
  deps: CheckDeps,
  connection: ConnectionRow,
  claim: ClaimedRow,
  checked: UpstreamSession | null,
  reason: string,
): Promise<CheckOutcome> {
  const { ctx } = deps;
  const db = ctx.database.db;
  // A reconnect may have stored a fresh session while the old one was being checked: expiring the connection then
  // would break a connection that works. Re-check the new session instead.
  const current = await loadConnectionSession(db, ctx.vault, { orgId: connection.orgId, connectionId: connection.id });
  if (checked && current && !isSameSession(checked, current)) {
    const soon = new Date(deps.clock.now().getTime() + RECHECK_REPLACED_SESSION_MS);
    return (await healthChecks.recordCheckFailed(db, claim, connection.checkFailures, soon)) ? 'transient_failure' : 'lease_lost';
  }
  const scope = { orgId: connection.orgId, environment: connection.environment };
  const flipped = await markConnectionExpired(ctx, scope, connection.id);
  if (flipped) ctx.logger.info({ connectionId: connection.id, orgId: connection.orgId, reason }, 'monitor found the session expired');
  await healthChecks.recordCheckFoundExpired(db, claim, deps.clock.now());
  return 'expired';
}

/**
 * connection.expiring, once per session: upstream publishes no session lifetime, so the signal is the session's age
 * (time since it was stored by a login or reconnect) passing the configured threshold.
 */
async function warnIfSessionIsAging(deps: CheckDeps, connection: ConnectionRow, stored: StoredSession | null, now: Date): Promise<void> {
  if (deps.expiringAfterMs === null || !stored) return;
  const { ctx } = deps;
  const storedAt = stored.updatedAt;
  if (now.getTime() - storedAt.getTime() < deps.expiringAfterMs) return;
  if (connection.expiringNotifiedSessionAt?.getTime() === storedAt.getTime()) return;
  await healthChecks.recordSessionAgingWarning(ctx, connection.id, storedAt, now);
}

function isSameSession(a: UpstreamSession, b: UpstreamSession): boolean {
  return a.cookie === b.cookie && a.userAgent === b.userAgent && a.xBc === b.xBc;
}

/** Upstream's own Retry-After on a 429, so backoff never retries sooner than OnlyFans asked. */
function upstreamRetryAfterMs(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.type !== 'RATE_LIMIT_EXCEEDED') return null;
  const seconds = Number(error.details?.retryAfterSeconds);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

function describeFailure(error: unknown): Record<string, unknown> {
  if (error instanceof ApiError) return { type: error.type, message: error.message, reason: error.details?.reason };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { message: String(error) };
}
