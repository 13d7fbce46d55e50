// The Link session as OFAuth's status object (SDK LinkGetResponse), for GET /v2/link/{clientSecret} and the
// whitelabel extension routes.
import { linkedConnectionOf, rawSessionOf } from '../connections/linked-connections.ts';
import type { ServiceContext } from '../platform/context.ts';
import { hasExpired, MAX_FAILED_ATTEMPTS, type LinkSessionWithApp, type StoredTwoFactorState } from './flow.ts';
import { failureMessageOf, redirectErrorCodeOf } from './outcomes.ts';
import type { LinkStatusObject, TwoFactorStateObject } from './schemas.ts';
import type { LinkSessionRow } from './store.ts';

export const NOT_FOUND_STATUS: LinkStatusObject = { status: 'not_found' };

export function presentTwoFactorState(session: LinkSessionRow): TwoFactorStateObject {
  const state = (session.twoFactorState ?? {}) as unknown as Partial<StoredTwoFactorState>;
  const attemptsLeft = state.attemptsLeft ?? Math.max(0, MAX_FAILED_ATTEMPTS - session.failedAttempts);
  const options = state.options ?? ['app'];
  return {
    options,
    ...(options.includes('phone')
      ? {
          phoneCode: {
            requestAttemptsLeft: state.resendsLeft ?? 0,
            requestAttemptsLimit: state.resendsLimit ?? 0,
            checkAttemptsLeft: attemptsLeft,
            checkAttemptsLimit: MAX_FAILED_ATTEMPTS,
          },
        }
      : {}),
    ...(state.phoneLast4 ? { phoneLast4: state.phoneLast4 } : {}),
    attemptsLeft,
  };
}

function failure(session: LinkSessionRow) {
  return {
    code: redirectErrorCodeOf(session.errorCode),
    message: failureMessageOf(session.errorCode),
    attemptsLeft: Math.max(0, MAX_FAILED_ATTEMPTS - session.failedAttempts),
  };
}

export async function presentLinkStatus(ctx: ServiceContext, linked: LinkSessionWithApp): Promise<LinkStatusObject> {
  const { session, app } = linked;
  // Cancelled and expired sessions are gone, as far as the integrator is concerned.
  if (session.status === 'cancelled' || hasExpired(session, ctx.clock.now())) return NOT_FOUND_STATUS;
  const expiresAt = session.expiresAt.toISOString();
  switch (session.status) {
    case 'initialized':
    case 'pending':
      return { status: session.status, expiresAt };
    case 'awaiting_2fa':
      return {
        status: 'awaiting_2fa',
        data: { twoFactorState: presentTwoFactorState(session) },
        ...(session.errorCode ? { error: failure(session) } : {}),
        expiresAt,
      };
    case 'invalid_credentials':
    case 'denied':
    case 'failed':
      return { status: session.status, error: failure(session), expiresAt };
    case 'completed':
      return presentCompleted(ctx, session, app.returnsRawSession);
    default:
      return NOT_FOUND_STATUS;
  }
}

async function presentCompleted(ctx: ServiceContext, session: LinkSessionRow, returnsRawSession: boolean): Promise<LinkStatusObject> {
  const scope = { orgId: session.orgId, environment: session.environment };
  const connection = session.resultConnectionId ? await linkedConnectionOf(ctx, scope, session.resultConnectionId) : null;
  if (!connection) return NOT_FOUND_STATUS;
  const { userData } = connection;
  const data: Extract<NonNullable<LinkStatusObject['data']>, { id: string }> = { id: connection.id, userData };
  if (returnsRawSession) {
    const raw = await rawSessionOf(ctx, scope, connection.id);
    if (raw) data.session = { cookie: raw.cookie, 'user-agent': raw.userAgent, 'user-id': userData.id, 'x-bc': raw.xBc };
  }
  return { status: 'completed', data };
}
