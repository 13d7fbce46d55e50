// The account behind a session, as GET /users/me describes it, reduced to what connections store.
import { ApiError } from '../platform/errors.ts';

export interface UpstreamProfile {
  id: string;
  username: string;
  name: string;
  avatar: string | null;
  isPerformer: boolean;
  raw: Record<string, unknown>;
}

/** Parses /users/me. A guest object (`isAuth: false`) means the session is gone (docs/onlyfans-web-api.md §4). */
export function parseUpstreamProfile(body: unknown): UpstreamProfile {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError('UPSTREAM_ERROR', 'OnlyFans answered /users/me with an unexpected body', { details: { reason: 'bad_profile' } });
  }
  const raw = body as Record<string, unknown>;
  if (raw.isAuth === false) {
    throw new ApiError('SESSION_EXPIRED', 'Session has expired', { actionRequired: 'reconnect', details: { reason: 'guest_session' } });
  }
  const id = typeof raw.id === 'number' || typeof raw.id === 'string' ? String(raw.id) : '';
  if (!/^\d+$/.test(id)) {
    throw new ApiError('UPSTREAM_ERROR', 'OnlyFans answered /users/me without a user id', { details: { reason: 'bad_profile' } });
  }
  return {
    id,
    username: typeof raw.username === 'string' ? raw.username : '',
    name: typeof raw.name === 'string' ? raw.name : '',
    avatar: typeof raw.avatar === 'string' && raw.avatar !== '' ? raw.avatar : null,
    isPerformer: raw.isPerformer === true,
    raw,
  };
}
