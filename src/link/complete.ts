// A login that upstream accepted becomes a connection: a new one (connection.created) or, for a reconnect, the same
// id made active again (connection.updated). connections/ does the connection's part inside this transaction, so
// session, event and the Link session's result commit together.
import type { ClientAppRow } from '../account/store.ts';
import {
  createLinkedConnection,
  isAccountAlreadyConnected,
  reconnectConnection,
  type LinkedLogin,
  type ReloginCredentials,
} from '../connections/linked-connections.ts';
import { firstCheckForNewConnection } from '../monitor/start-monitoring.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { LoginDone } from '../upstream/login.ts';
import { logConnectionStatusChange } from '../connections/status-log.ts';
import { recordLinkEventWith, recordLinkFailure } from './events/record.ts';
import { logLinkFailure, type LinkFailureReason } from './outcomes.ts';
import { transitionLinkSession, type LinkSessionRow } from './store.ts';

class LinkRefusal extends Error {
  constructor(readonly reason: LinkFailureReason) {
    super(reason);
  }
}

export async function completeLinkLogin(
  ctx: ServiceContext,
  session: LinkSessionRow,
  app: ClientAppRow,
  login: LoginDone,
  credentials: ReloginCredentials | null,
): Promise<LinkSessionRow> {
  const now = ctx.clock.now();
  const linked: LinkedLogin = {
    scope: { orgId: session.orgId, environment: session.environment },
    linkSessionId: session.id,
    profile: login.profile,
    session: login.session,
    credentials,
    permissions: app.permissions,
    clientAppId: app.id,
    clientReferenceId: session.clientReferenceId,
    // The monitor's schedule (interval and jitter from config) spreads a burst of new connections out.
    firstCheckAt: firstCheckForNewConnection(ctx.config, now),
    now,
  };
  try {
    let previousStatus: string | null = null;
    const completed = await ctx.database.db.transaction(async (tx) => {
      const result = session.connectionId
        ? await reconnectConnection(tx, ctx, session.connectionId, linked)
        : await createLinkedConnection(tx, ctx, linked);
      if ('refused' in result) throw new LinkRefusal(result.refused);
      previousStatus = result.previousStatus;
      const done = await transitionLinkSession(tx, session.id, ['pending'], {
        status: 'completed',
        resultConnectionId: result.connectionId,
        challengeBlob: null,
        twoFactorState: null,
        errorCode: null,
        updatedAt: now,
      });
      // Someone cancelled (or a stale claim was taken over) while upstream answered: nothing is kept.
      if (!done) throw new LinkRefusal('challenge_lost');
      await recordLinkEventWith(tx, ctx, done, { name: 'success' });
      return done;
    });
    logConnectionStatusChange(ctx.logger, {
      orgId: session.orgId,
      connectionId: completed.resultConnectionId ?? '',
      from: previousStatus,
      to: 'active',
      reason: session.connectionId ? 'reconnected' : 'linked',
    });
    return completed;
  } catch (error) {
    const reason = error instanceof LinkRefusal ? error.reason : isAccountAlreadyConnected(error) ? 'account_already_connected' : null;
    if (!reason) throw error;
    const failed = await transitionLinkSession(ctx.database.db, session.id, ['pending'], {
      status: 'failed',
      errorCode: reason,
      challengeBlob: null,
      updatedAt: now,
    });
    if (failed) logLinkFailure(ctx.logger, failed);
    if (failed) await recordLinkFailure(ctx, failed, session.twoFactorState ? '2fa' : 'login');
    return failed ?? session;
  }
}
