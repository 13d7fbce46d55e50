// Recording a Link session's named steps (for the funnel) and handing them to the page that tells the embedding host.
// Recording never breaks a sign-in: a failed insert is logged and the flow goes on, except inside the completing
// transaction, where `success` commits with the connection it reports.
import type { ServiceContext } from '../../platform/context.ts';
import type { Executor } from '../../platform/db/database.ts';
import { ApiError } from '../../platform/errors.ts';
import { redirectErrorCodeOf } from '../outcomes.ts';
import type { LinkSessionRow } from '../store.ts';
import { PAGE_DELIVERED, type LinkEventInput, type LinkEventName, type LinkEventStep } from './names.ts';
import { hasLinkEventRow, insertLinkEventRow, takeUndeliveredLinkEvents } from './store.ts';

function rowOf(session: LinkSessionRow, event: LinkEventInput, now: Date) {
  return {
    orgId: session.orgId,
    environment: session.environment,
    clientAppId: session.clientAppId,
    linkSessionId: session.id,
    name: event.name,
    step: event.step ?? null,
    errorCode: event.errorCode ?? null,
    createdAt: now,
  };
}

export async function recordLinkEvent(ctx: ServiceContext, session: LinkSessionRow, event: LinkEventInput): Promise<void> {
  try {
    await insertLinkEventRow(ctx.database.db, rowOf(session, event, ctx.clock.now()));
  } catch (error) {
    ctx.logger.warn({ err: error, linkSessionId: session.id, event: event.name }, 'Link event not recorded');
  }
}

/** Inside a transaction (the completing one): the event commits or rolls back with the change it reports. */
export async function recordLinkEventWith(ex: Executor, ctx: ServiceContext, session: LinkSessionRow, event: LinkEventInput): Promise<void> {
  await insertLinkEventRow(ex, rowOf(session, event, ctx.clock.now()));
}

/** A failure the session recorded (its error_code), under the public code the redirect carries. */
export async function recordLinkFailure(ctx: ServiceContext, session: LinkSessionRow, step: LinkEventStep): Promise<void> {
  await recordLinkEvent(ctx, session, { name: 'error', step, errorCode: redirectErrorCodeOf(session.errorCode) });
}

/** A refusal that left the session as it was (too many attempts, OnlyFans unreachable): the user saw an error too. */
export async function recordLinkRefusal(ctx: ServiceContext, session: LinkSessionRow, step: LinkEventStep, error: unknown): Promise<void> {
  if (!(error instanceof ApiError)) return;
  const errorCode = error.type === 'RATE_LIMIT_EXCEEDED' ? 'rate_limited' : 'upstream_unavailable';
  await recordLinkEvent(ctx, session, { name: 'error', step, errorCode });
}

/** The step a session is leaving from, by its state: a fresh session is on the consent screen until it accepted. */
export async function currentLinkStep(ctx: ServiceContext, session: LinkSessionRow): Promise<LinkEventStep> {
  if (session.status === 'awaiting_2fa') return '2fa';
  if (session.status !== 'initialized') return 'login';
  return (await hasLinkEventRow(ctx.database.db, session.id, 'consent_accepted')) ? 'login' : 'consent';
}

/** The user left (the page's cancel form, Escape in the embed, or the integrator's DELETE). */
export async function recordLinkExit(ctx: ServiceContext, session: LinkSessionRow): Promise<void> {
  await recordLinkEvent(ctx, session, { name: 'exit', step: await currentLinkStep(ctx, session) });
}

/** A message a Link page posts to its embedding host: `{type: 'OFAUTH_LINK', event, metadata}`. */
export interface HostEventMessage {
  event: LinkEventName;
  metadata: { name: string; at: string; step?: string; errorCode?: string };
}

/**
 * A Link page is about to render: records `opened` (the first time) and `consent_accepted` (the sign-in screen of a
 * fresh session), then returns every event the host has not heard yet, oldest first, marking them delivered.
 */
export async function takeLinkPageEvents(ctx: ServiceContext, session: LinkSessionRow, screen: unknown): Promise<HostEventMessage[]> {
  try {
    if (session.status === 'initialized') {
      await recordLinkEvent(ctx, session, { name: 'opened' });
      if (screen === 'login') await recordLinkEvent(ctx, session, { name: 'consent_accepted' });
    }
    const rows = await takeUndeliveredLinkEvents(ctx.database.db, session.id, PAGE_DELIVERED, ctx.clock.now());
    return rows.map((row) => ({
      event: row.name as LinkEventName,
      metadata: {
        name: row.name,
        at: row.createdAt.toISOString(),
        ...(row.step ? { step: row.step } : {}),
        ...(row.errorCode ? { errorCode: row.errorCode } : {}),
      },
    }));
  } catch (error) {
    ctx.logger.warn({ err: error, linkSessionId: session.id }, 'Link events not delivered to the page');
    return [];
  }
}
