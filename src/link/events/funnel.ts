// GET /v2/link/analytics: the Link conversion funnel per client app and UTC day the sessions started — how many
// started, opened the page, accepted the consent, submitted credentials, were asked for a 2FA code and connected;
// where the others stopped; the errors (by step and public code) and exits (by step) they met.
import type { ServiceContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import type { LinkEventStep } from './names.ts';
import type { DayFunnel, Funnel, FunnelStageName, LinkAnalyticsQuery, LinkAnalyticsReply } from './schemas.ts';
import { countFunnelIssues, countFunnelStages, type FunnelCountRow, type FunnelIssueRow } from './store.ts';

const DEFAULT_RANGE_DAYS = 7;
/** About a quarter: one statement scans the range's sessions, so the range is bounded. */
export const MAX_RANGE_DAYS = 92;
const DAY_MS = 86_400_000;

const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const shiftDay = (day: string, days: number) => new Date(dayStart(day).getTime() + days * DAY_MS).toISOString().slice(0, 10);

/** from/to as the caller meant them: defaults filled, order and span checked, each refusal naming its field. */
function readRange(ctx: ServiceContext, query: LinkAnalyticsQuery): { from: string; to: string } {
  const to = query.to ?? ctx.clock.now().toISOString().slice(0, 10);
  const from = query.from ?? shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw badRequest(`from (${from}) is after to (${to})`, 'from');
  const span = Math.round((dayStart(to).getTime() - dayStart(from).getTime()) / DAY_MS) + 1;
  if (span > MAX_RANGE_DAYS) throw badRequest(`The range spans ${span} days; at most ${MAX_RANGE_DAYS} are allowed`, 'to', { maxDays: MAX_RANGE_DAYS });
  return { from, to };
}

export async function reportLinkFunnel(ctx: ServiceContext, scope: TenantScope, query: LinkAnalyticsQuery): Promise<LinkAnalyticsReply> {
  const { from, to } = readRange(ctx, query);
  const filter = { startsAt: dayStart(from), endsBefore: dayStart(shiftDay(to, 1)), clientAppId: query.clientAppId };
  const [counts, issues] = await Promise.all([
    countFunnelStages(ctx.database.db, scope, filter),
    countFunnelIssues(ctx.database.db, scope, filter),
  ]);
  const days: DayFunnel[] = counts.map((row) => ({
    day: row.day,
    ...funnelOf(row, issues.filter((i) => i.day === row.day && i.client_app_id === row.client_app_id)),
  }));
  const totals = [...new Set(counts.map((row) => row.client_app_id))].sort().map((appId) =>
    funnelOf(
      sumCounts(counts.filter((row) => row.client_app_id === appId)),
      issues.filter((i) => i.client_app_id === appId),
    ),
  );
  return { from, to, environment: scope.environment, days, totals };
}

function funnelOf(row: FunnelCountRow, issues: FunnelIssueRow[]): Funnel {
  const reached: Record<FunnelStageName, number> = {
    started: row.started,
    opened: row.opened,
    consent: row.consent,
    credentials: row.credentials,
    two_factor: row.two_factor,
    connected: row.connected,
  };
  // Every session that did not connect stopped at exactly one stage, so the dropped counts add up to started − connected.
  const dropped: Record<FunnelStageName, number> = {
    started: row.started - row.opened,
    opened: row.opened - row.consent,
    consent: row.consent - row.credentials,
    credentials: row.stopped_at_credentials,
    two_factor: row.credentials - row.connected - row.stopped_at_credentials,
    connected: 0,
  };
  return {
    clientAppId: row.client_app_id,
    stages: (Object.keys(reached) as FunnelStageName[]).map((stage) => ({ stage, sessions: reached[stage], dropped: dropped[stage] })),
    conversionRate: row.started === 0 ? 0 : Math.round((row.connected / row.started) * 10_000) / 10_000,
    errors: mergeIssues(issues.filter((i) => i.name === 'error')).map((i) => ({ step: i.step, code: i.code, events: i.events, sessions: i.sessions })),
    exits: mergeIssues(issues.filter((i) => i.name === 'exit')).map((i) => ({ step: i.step, sessions: i.sessions })),
  };
}

/** Sums rows of several days (a session belongs to one day, so session counts add up too). */
function sumCounts(rows: FunnelCountRow[]): FunnelCountRow {
  const total: FunnelCountRow = { ...rows[0], day: '' };
  for (const key of ['started', 'opened', 'consent', 'credentials', 'two_factor', 'connected', 'stopped_at_credentials'] as const) {
    total[key] = rows.reduce((sum, row) => sum + row[key], 0);
  }
  return total;
}

function mergeIssues(rows: FunnelIssueRow[]): Array<{ step: LinkEventStep; code: string; events: number; sessions: number }> {
  const merged = new Map<string, { step: LinkEventStep; code: string; events: number; sessions: number }>();
  for (const row of rows) {
    const step = (row.step ?? 'login') as LinkEventStep;
    const code = row.error_code ?? '';
    const key = `${step}\u0000${code}`;
    const entry = merged.get(key) ?? { step, code, events: 0, sessions: 0 };
    entry.events += row.events;
    entry.sessions += row.sessions;
    merged.set(key, entry);
  }
  return [...merged.values()];
}
