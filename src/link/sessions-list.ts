// GET /v2/link/sessions (ofconnect extension; the link scope, as the rest of /v2/link/): the recent Link sessions of the
// key's org and environment, newest first, and how each ended. One module for the family: its schemas, query and route.
// A session's outcome is its stored status read at the time of asking: an open session (initialized, pending, waiting
// for a code, or after a wrong password) whose 30 minutes have passed is `expired`, however it was left. Never the
// client secret (only its hash is stored), the challenge or the geolocation.
import { and, desc, eq, gt, inArray, lte, type SQL } from 'drizzle-orm';
import { Type, type Static } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { Nullable, PageOf, PageQueryFields, SingleLineString, Timestamp } from '../platform/http/schema-kit.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { OPEN_STATUSES } from './flow.ts';
import { failureMessageOf, redirectErrorCodeOf } from './outcomes.ts';
import type { LinkSessionRow } from './store.ts';
import { linkSessions } from './tables.ts';

// ----- schemas -----

const LinkSessionOutcome = Type.Union([
  Type.Literal('open'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('denied'),
  Type.Literal('cancelled'),
  Type.Literal('expired'),
]);
export type LinkSessionOutcomeValue = Static<typeof LinkSessionOutcome>;

export const LinkSessionSummary = Type.Object(
  {
    id: Type.String(),
    clientAppId: Type.String(),
    outcome: LinkSessionOutcome,
    status: Type.String({ description: 'The stored status: initialized, pending, awaiting_2fa, invalid_credentials, completed, failed, denied or cancelled' }),
    errorCode: Nullable(Type.String({ description: 'For a failed or denied session (or an open one after a failed attempt): the redirect\'s error_code' })),
    errorMessage: Nullable(Type.String()),
    failedAttempts: Type.Integer(),
    clientReferenceId: Nullable(Type.String()),
    reconnectConnectionId: Nullable(Type.String({ description: 'The connection the session was started to reconnect' })),
    connectionId: Nullable(Type.String({ description: 'The connection a completed session made or reconnected' })),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    expiresAt: Timestamp,
  },
  { $id: 'LinkSessionSummary' },
);

export const LinkSessionListQuery = Type.Object({
  outcome: Type.Optional(LinkSessionOutcome),
  clientAppId: Type.Optional(Type.String({ pattern: '^app_[a-zA-Z0-9]+$' })),
  clientReferenceId: Type.Optional(SingleLineString({ minLength: 1, maxLength: 255 })),
  ...PageQueryFields(100, 20),
});
export type LinkSessionListQueryInput = Static<typeof LinkSessionListQuery>;

export const LinkSessionList = PageOf(LinkSessionSummary);
type LinkSessionListPage = Static<typeof LinkSessionList>;

// ----- query -----

const ENDED_OUTCOMES = ['completed', 'failed', 'denied', 'cancelled'] as const;

function outcomeCondition(outcome: LinkSessionOutcomeValue, now: Date): SQL {
  if (outcome === 'open') return and(inArray(linkSessions.status, [...OPEN_STATUSES]), gt(linkSessions.expiresAt, now))!;
  if (outcome === 'expired') return and(inArray(linkSessions.status, [...OPEN_STATUSES]), lte(linkSessions.expiresAt, now))!;
  return eq(linkSessions.status, outcome);
}

/** The scope's sessions, newest first; one row more than the page to tell whether another exists. */
async function listLinkSessionRows(
  ex: Executor,
  scope: TenantScope,
  filter: { outcome?: LinkSessionOutcomeValue; clientAppId?: string; clientReferenceId?: string; now: Date },
  page: { limit: number; offset: number },
): Promise<LinkSessionRow[]> {
  const conditions: Array<SQL | undefined> = [
    eq(linkSessions.orgId, scope.orgId),
    eq(linkSessions.environment, scope.environment),
    filter.outcome ? outcomeCondition(filter.outcome, filter.now) : undefined,
    filter.clientAppId ? eq(linkSessions.clientAppId, filter.clientAppId) : undefined,
    filter.clientReferenceId ? eq(linkSessions.clientReferenceId, filter.clientReferenceId) : undefined,
  ];
  return ex
    .select()
    .from(linkSessions)
    .where(and(...conditions))
    .orderBy(desc(linkSessions.createdAt), desc(linkSessions.id))
    .limit(page.limit + 1)
    .offset(page.offset);
}

// ----- use case -----

export function outcomeOf(session: LinkSessionRow, now: Date): LinkSessionOutcomeValue {
  if ((ENDED_OUTCOMES as readonly string[]).includes(session.status)) return session.status as LinkSessionOutcomeValue;
  return now.getTime() >= session.expiresAt.getTime() ? 'expired' : 'open';
}

function presentLinkSessionSummary(session: LinkSessionRow, now: Date): Static<typeof LinkSessionSummary> {
  // An open session keeps the code of its last failed attempt (a wrong password) while the user may try again.
  const hasError = session.errorCode !== null && session.status !== 'completed';
  return {
    id: session.id,
    clientAppId: session.clientAppId,
    outcome: outcomeOf(session, now),
    status: session.status,
    errorCode: hasError ? redirectErrorCodeOf(session.errorCode) : null,
    errorMessage: hasError ? failureMessageOf(session.errorCode) : null,
    failedAttempts: session.failedAttempts,
    clientReferenceId: session.clientReferenceId,
    reconnectConnectionId: session.connectionId,
    connectionId: session.resultConnectionId,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
  };
}

export async function listRecentLinkSessions(ctx: ServiceContext, scope: TenantScope, query: LinkSessionListQueryInput): Promise<LinkSessionListPage> {
  const now = ctx.clock.now();
  const page = { limit: query.limit ?? 20, offset: query.offset ?? 0 };
  const rows = await listLinkSessionRows(
    ctx.database.db,
    scope,
    { outcome: query.outcome, clientAppId: query.clientAppId, clientReferenceId: query.clientReferenceId, now },
    page,
  );
  return { list: rows.slice(0, page.limit).map((row) => presentLinkSessionSummary(row, now)), hasMore: rows.length > page.limit };
}

// ----- route -----

export function registerLinkSessionListRoute(app: HttpApp, ctx: ServiceContext): void {
  app.get('/v2/link/sessions', {
    config: { scope: 'link' },
    schema: {
      tags: ['Link'],
      summary: 'Recent Link sessions and how they ended, newest first (ofconnect extension)',
      description:
        'outcome: open (the user may still finish), completed, failed, denied, cancelled, or expired (left open past its 30 minutes). ' +
        'Filter by outcome, clientAppId or clientReferenceId.',
      querystring: LinkSessionListQuery,
      response: { 200: LinkSessionList },
    },
  }, async (request) => listRecentLinkSessions(ctx, request.auth, request.query));
}
