// "Use another account": after a failure that signing in with a different OnlyFans account can get past (the account is
// already connected, locked, is not the one being reconnected, needs a Face ID check, or a wrong password), the same
// Link session starts over at the sign-in step. Failures that protect the account (too many attempts) or end the
// session (expired, used, cancelled) cannot be restarted; failed attempts keep counting towards the limit.
import type { ServiceContext } from '../platform/context.ts';
import { recordLinkEvent } from './events/record.ts';
import { hasExpired } from './flow.ts';
import { transitionLinkSession, type LinkSessionRow } from './store.ts';

const RESTARTABLE_REASONS = new Set(['account_already_connected', 'account_mismatch', 'account_locked', 'security_check', 'captcha_failed', 'invalid_credentials']);

export function canRestartAfter(session: LinkSessionRow): boolean {
  if (session.status === 'invalid_credentials') return true;
  return session.status === 'failed' && RESTARTABLE_REASONS.has(session.errorCode ?? '');
}

export async function restartLinkSession(ctx: ServiceContext, session: LinkSessionRow): Promise<LinkSessionRow | undefined> {
  const now = ctx.clock.now();
  // A failed session is no longer open, so hasExpired would not say; the link's lifetime still bounds a restart.
  if (!canRestartAfter(session) || hasExpired(session, now) || now.getTime() >= session.expiresAt.getTime()) return undefined;
  const restarted = await transitionLinkSession(ctx.database.db, session.id, [session.status], {
    status: 'initialized',
    errorCode: null,
    challengeBlob: null,
    twoFactorState: null,
    updatedAt: ctx.clock.now(),
  });
  // Recorded at the step it restarts from (always the sign-in), so the funnel shows who tried another account.
  if (restarted) await recordLinkEvent(ctx, restarted, { name: 'restarted', step: 'login' });
  return restarted;
}
