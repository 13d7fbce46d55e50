// Where a finished Link sends the browser: the session's redirect URL plus OFAuth's query parameters
// (status, connection_id | step | error_code, client_reference_id).
import type { RedirectErrorCode } from './outcomes.ts';
import type { LinkSessionRow } from './store.ts';

export type CancelStep = 'pre-login' | 'authorization' | 'login' | '2fa';

function withParams(session: LinkSessionRow, params: Record<string, string>): string | null {
  if (!session.redirectUrl) return null;
  const url = new URL(session.redirectUrl);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (session.clientReferenceId) url.searchParams.set('client_reference_id', session.clientReferenceId);
  return url.toString();
}

export function successRedirectUrl(session: LinkSessionRow, connectionId: string): string | null {
  return withParams(session, { status: 'success', connection_id: connectionId });
}

export function cancelRedirectUrl(session: LinkSessionRow, step: CancelStep): string | null {
  return withParams(session, { status: 'cancelled', step });
}

export function errorRedirectUrl(session: LinkSessionRow, code: RedirectErrorCode): string | null {
  return withParams(session, { status: 'error', error_code: code });
}

/** The origin forms may redirect to (CSP form-action applies to the redirect after a post). */
export function redirectOrigin(session: LinkSessionRow): string | null {
  if (!session.redirectUrl) return null;
  try {
    return new URL(session.redirectUrl).origin;
  } catch {
    return null;
  }
}
