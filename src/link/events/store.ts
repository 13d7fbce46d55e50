// link/events/' queries. Every statement is scoped to one Link session or to one org and environment.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/database.ts';
import { rowsOf, timestampAt } from '../../platform/db/sql.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { linkSessions } from '../tables.ts';
import type { LinkEventName } from './names.ts';
import { linkEvents } from './tables.ts';

export type LinkEventRow = typeof linkEvents.$inferSelect;

/** A step recorded once per session (opened, consent_accepted, success) is not recorded again. */
export async function insertLinkEventRow(ex: Executor, row: typeof linkEvents.$inferInsert): Promise<void> {
  await ex.insert(linkEvents).values(row).onConflictDoNothing();
}

export async function hasLinkEventRow(ex: Executor, linkSessionId: string, name: LinkEventName): Promise<boolean> {
  const [row] = await ex
    .select({ id: linkEvents.id })
    .from(linkEvents)
    .where(and(eq(linkEvents.linkSessionId, linkSessionId), eq(linkEvents.name, name)))
    .limit(1);
  return row !== undefined;
}

/** Marks the session's not yet delivered events of these names delivered and returns them, oldest first. */
export async function takeUndeliveredLinkEvents(
  ex: Executor,
  linkSessionId: string,
  names: readonly LinkEventName[],
  now: Date,
): Promise<LinkEventRow[]> {
  const rows = await ex
    .update(linkEvents)
    .set({ deliveredAt: now })
    .where(and(eq(linkEvents.linkSessionId, linkSessionId), isNull(linkEvents.deliveredAt), inArray(linkEvents.name, [...names])))
    .returning();
  return rows.sort((a, b) => a.id - b.id);
}

export async function listLinkEventRows(ex: Executor, linkSessionId: string): Promise<LinkEventRow[]> {
  return ex.select().from(linkEvents).where(eq(linkEvents.linkSessionId, linkSessionId)).orderBy(asc(linkEvents.id));
}

export interface FunnelFilter {
  /** First instant of the range (inclusive) and the instant after its last day (exclusive). */
  startsAt: Date;
  endsBefore: Date;
  clientAppId?: string;
}

/** How far each session got, summed per client app and UTC day of the session's start. */
export interface FunnelCountRow {
  client_app_id: string;
  day: string;
  started: number;
  opened: number;
  consent: number;
  credentials: number;
  two_factor: number;
  connected: number;
  stopped_at_credentials: number;
}

function sessionsInRange(scope: TenantScope, filter: FunnelFilter) {
  return and(
    eq(linkSessions.orgId, scope.orgId),
    eq(linkSessions.environment, scope.environment),
    sql`${linkSessions.createdAt} >= ${timestampAt(filter.startsAt)}`,
    sql`${linkSessions.createdAt} < ${timestampAt(filter.endsBefore)}`,
    filter.clientAppId ? eq(linkSessions.clientAppId, filter.clientAppId) : undefined,
  );
}

/**
 * A session counts at a stage when it recorded that step or any later one (a whitelabel app shows its own consent
 * screen, so its first recorded step is credentials_submitted). 2FA is a branch: connected does not imply it.
 */
export async function countFunnelStages(ex: Executor, scope: TenantScope, filter: FunnelFilter): Promise<FunnelCountRow[]> {
  const result = await ex.execute(sql`
    with per_session as (
      select ${linkSessions.clientAppId} as client_app_id,
             to_char(${linkSessions.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as day,
             coalesce(bool_or(e.name = 'opened'), false) as opened,
             coalesce(bool_or(e.name = 'consent_accepted'), false) as consent,
             coalesce(bool_or(e.name in ('credentials_submitted', '2fa_requested', '2fa_submitted')), false) as credentials,
             coalesce(bool_or(e.name = '2fa_requested'), false) as two_factor,
             coalesce(bool_or(e.name = 'success'), false) as connected
      from ${linkSessions}
      left join ${linkEvents} e on e.link_session_id = ${linkSessions.id}
      where ${sessionsInRange(scope, filter)}
      group by ${linkSessions.id}
    )
    select client_app_id, day,
           count(*)::int as started,
           count(*) filter (where opened or consent or credentials or connected)::int as opened,
           count(*) filter (where consent or credentials or connected)::int as consent,
           count(*) filter (where credentials or connected)::int as credentials,
           count(*) filter (where two_factor)::int as two_factor,
           count(*) filter (where connected)::int as connected,
           count(*) filter (where credentials and not two_factor and not connected)::int as stopped_at_credentials
    from per_session
    group by client_app_id, day
    order by day, client_app_id`);
  return rowsOf<FunnelCountRow>(result);
}

export interface FunnelIssueRow {
  client_app_id: string;
  day: string;
  name: 'error' | 'exit';
  step: string | null;
  error_code: string | null;
  events: number;
  sessions: number;
}

/** Errors (by step and code) and exits (by step) of the same sessions. */
export async function countFunnelIssues(ex: Executor, scope: TenantScope, filter: FunnelFilter): Promise<FunnelIssueRow[]> {
  const result = await ex.execute(sql`
    select ${linkSessions.clientAppId} as client_app_id,
           to_char(${linkSessions.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as day,
           e.name, e.step, e.error_code,
           count(*)::int as events,
           count(distinct e.link_session_id)::int as sessions
    from ${linkEvents} e
    join ${linkSessions} on ${linkSessions.id} = e.link_session_id
    where e.name in ('error', 'exit') and ${sessionsInRange(scope, filter)}
    group by 1, 2, 3, 4, 5
    order by 2, 1, 3, 4, 5`);
  return rowsOf<FunnelIssueRow>(result);
}
