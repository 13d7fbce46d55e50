// Monitor checks are upstream calls like any other and count against the connection's pacing, so a check can never
// push an account over the rate Access promises OnlyFans. The token bucket is Access's own (src/access/pacing.ts,
// shared through ctx.rateLimiters, so checks and Access calls on one account spend the same tokens — across nodes
// when Redis is configured); the settings are the org's pacing with the connection's override, as Access reads them.
// A check that finds the bucket empty is deferred, not failed.
import { readOrgSettings, type PacingSettings } from '../account/settings.ts';
import { findOrg } from '../account/store.ts';
import { createConnectionPacing } from '../access/pacing.ts';
import { pacingOf } from '../connections/connection-settings.ts';
import type { ConnectionRow } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { Counter, Histogram } from 'prom-client';

/** Held while the check's upstream call runs. */
export interface PacingSlot {
  release(): void;
}

/** Spends one of the connection's pacing tokens, or throws ApiError RATE_LIMIT_EXCEEDED (details.retryAfter in s). */
export type ConnectionPacer = (connection: ConnectionRow) => Promise<PacingSlot>;

/** Org pacing settings change rarely; re-read them at most this often per org. */
const ORG_PACING_TTL_MS = 60_000;

/**
 * Paces checks with Access's per-connection token bucket. The in-flight cap is Access's too, but per pacer instance:
 * until Access exposes one service-wide pacer, checks and Access requests share the tokens, not the in-flight slots.
 */
export function paceLikeAccess(ctx: ServiceContext): ConnectionPacer {
  // Access's pacing counts its refusals on Access's metrics; the monitor reports its own as checks{outcome="paced"}.
  const unregistered = (name: string, labelNames: string[]) => new Counter({ name, help: name, labelNames, registers: [] });
  const unregisteredHistogram = (name: string, labelNames: string[]) => new Histogram({ name, help: name, labelNames, registers: [] });
  const pacing = createConnectionPacing(ctx.rateLimiters, {
    upstreamCalls: unregistered('monitor_unused_upstream_calls', ['outcome', 'status']),
    upstreamDuration: unregisteredHistogram('monitor_unused_upstream_duration', ['route', 'outcome']),
    upstreamRetries: unregistered('monitor_unused_upstream_retries', ['reason']),
    pacingWait: unregisteredHistogram('monitor_unused_pacing_wait', ['outcome']),
    pacingRejections: unregistered('monitor_unused_pacing_rejections', ['reason']),
  });
  const orgPacing = new Map<string, { settings: PacingSettings; readAt: number }>();

  async function pacingOfOrg(orgId: string): Promise<PacingSettings> {
    const cached = orgPacing.get(orgId);
    if (cached && Date.now() - cached.readAt < ORG_PACING_TTL_MS) return cached.settings;
    const settings = readOrgSettings((await findOrg(ctx.database.db, orgId))?.settings).pacing;
    orgPacing.set(orgId, { settings, readAt: Date.now() });
    return settings;
  }

  return async (connection) => {
    const settings = pacingOf(connection, await pacingOfOrg(connection.orgId));
    const admission = await pacing.admit(connection.id, settings);
    return { release: () => admission.release() };
  };
}

/** For callers that have no pacing (benchmarks of the bare check path): a check costs no token. */
export const unpaced: ConnectionPacer = async () => ({ release: () => {} });

/** How long a paced-out check waits: the pacer's Retry-After, or a minute when it gave none. Null: not a pacing refusal. */
export function pacedRetryAfterMs(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.type !== 'RATE_LIMIT_EXCEEDED') return null;
  const seconds = Number(error.details?.retryAfter ?? error.details?.retryAfterSeconds);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
}
