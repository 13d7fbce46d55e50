// The dashboard calls the same /v2 API an integrator does, with its session cookie instead of an apikey header. This
// wraps the API key authenticator (account/authenticate.ts) so a request that carries no apikey header but a dashboard
// cookie is authenticated as the session's key; everything else (scopes, routes, use cases) is unchanged. Ways a session
// request is refused, in the order they are checked:
//   1. the cookie does not open (forged, altered, sealed by a vault key no longer in the ring)  → 401, field session
//   2. the session's expiry has passed                                                          → 401, field session
//   3. an unsafe method without the session's CSRF token in x-csrf-token                        → 403, field x-csrf-token
//   4. the key is gone, revoked or lacks the admin scope (looked up by id within the session's
//      org and environment, answer cached CACHE_TTL_MS like the key cache)                      → 401, field session
// A request with an apikey header is the key's, whatever cookie it carries. A session's writes are audited as
// `dashboard:<keyId>`, and its bodies may not name the other environment (installDashboardSessions).
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { ApiKeyAuthenticator, AuthContext } from '../account/authenticate.ts';
import { findApiKey } from '../account/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { cookieValue, CSRF_HEADER, hasSessionExpired, isCsrfTokenOf, openSession, SESSION_COOKIE, type DashboardSession } from './session-cookie.ts';

/** The same trust window as the API key cache: a revoked key ends its sessions within it on every node (at once on
 *  the node that revoked it). */
const CACHE_TTL_MS = 30_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ACTOR_PREFIX = 'dashboard:';

interface KeyCheck {
  scopes: string[];
  checkedAt: number;
}

const sessionRefused = (message: string) => new ApiError('UNAUTHORIZED', message, { details: { field: 'session' } });

/** Whether an authenticated request came from a dashboard session (its audit actor says so). */
export function isDashboardSession(auth: AuthContext | null | undefined): boolean {
  return auth?.actor?.startsWith(ACTOR_PREFIX) ?? false;
}

function hasApiKeyHeader(request: FastifyRequest): boolean {
  return request.headers.apikey !== undefined;
}

function sealedCookieOf(request: FastifyRequest): string | undefined {
  return cookieValue(request.headers.cookie, SESSION_COOKIE);
}

export interface DashboardSessions {
  /** The API key authenticator, with dashboard sessions accepted where no apikey header is sent. */
  authenticator: ApiKeyAuthenticator;
  /** The session a request's cookie holds when it opens and has not expired (no key lookup, no CSRF check). */
  sessionOf(request: FastifyRequest): DashboardSession | null;
}

export function createDashboardSessions(ctx: ServiceContext, inner: ApiKeyAuthenticator): DashboardSessions {
  const keys = new LRUCache<string, KeyCheck>({ max: ctx.config.apiKeyCacheSize });

  function sessionOf(request: FastifyRequest): DashboardSession | null {
    const sealed = sealedCookieOf(request);
    const session = sealed ? openSession(ctx.vault, sealed) : null;
    return session && !hasSessionExpired(session, ctx.clock.now().getTime()) ? session : null;
  }

  /** Steps 1 to 3: the session, or the refusal. */
  function checkedSession(request: FastifyRequest): DashboardSession {
    const sealed = sealedCookieOf(request) ?? '';
    const session = openSession(ctx.vault, sealed);
    if (!session) throw sessionRefused('The dashboard session is not valid: sign in again');
    if (hasSessionExpired(session, ctx.clock.now().getTime())) throw sessionRefused('The dashboard session has expired: sign in again');
    if (!SAFE_METHODS.has(request.method) && !isCsrfTokenOf(session, request.headers[CSRF_HEADER])) {
      throw new ApiError('FORBIDDEN', `This request needs the dashboard session's CSRF token in the ${CSRF_HEADER} header`, {
        details: { field: CSRF_HEADER },
      });
    }
    return session;
  }

  function contextOf(session: DashboardSession, check: KeyCheck): AuthContext {
    return { orgId: session.orgId, keyId: session.keyId, environment: session.environment, scopes: check.scopes, actor: `${ACTOR_PREFIX}${session.keyId}` };
  }

  /** Step 4, from the database. */
  async function lookUpKey(session: DashboardSession): Promise<KeyCheck> {
    const row = await findApiKey(ctx.database.db, session, session.keyId);
    if (!row || row.revokedAt || !row.scopes.includes('admin')) {
      keys.delete(session.keyId);
      throw sessionRefused('The API key of this dashboard session has been revoked or changed: sign in again');
    }
    const check = { scopes: row.scopes, checkedAt: Date.now() };
    keys.set(session.keyId, check);
    return check;
  }

  function freshCheck(keyId: string): KeyCheck | undefined {
    const check = keys.get(keyId);
    return check && Date.now() - check.checkedAt < CACHE_TTL_MS ? check : undefined;
  }

  const isSessionRequest = (request: FastifyRequest) => !hasApiKeyHeader(request) && sealedCookieOf(request) !== undefined;

  const authenticator: ApiKeyAuthenticator = {
    async authenticate(request) {
      if (!isSessionRequest(request)) return inner.authenticate(request);
      const session = checkedSession(request);
      return contextOf(session, freshCheck(session.keyId) ?? (await lookUpKey(session)));
    },
    authenticateFromCache(request) {
      if (!isSessionRequest(request)) return inner.authenticateFromCache(request);
      // Anything short of a fully valid, cached session goes through authenticate(), which says why it is refused.
      try {
        const session = checkedSession(request);
        const check = freshCheck(session.keyId);
        return check ? contextOf(session, check) : undefined;
      } catch {
        return undefined;
      }
    },
    async forget(keyId) {
      keys.delete(keyId);
      await inner.forget(keyId);
    },
    flushLastUsed: () => inner.flushLastUsed(),
    close: () => inner.close(),
  };
  return { authenticator, sessionOf };
}

/**
 * Wires sessions into the app: the wrapped authenticator (for installApiKeyAuth and every route that revokes keys) and
 * the environment rule. A session works in its key's environment only, so a body naming the other one (a live key, a
 * sandbox app created from a live session) is refused; the API itself would allow a step down, the dashboard does not.
 */
export function installDashboardSessions(app: HttpApp, ctx: ServiceContext, inner: ApiKeyAuthenticator): DashboardSessions {
  const sessions = createDashboardSessions(ctx, inner);
  app.addHook('preHandler', (request, _reply, done) => {
    if (!isDashboardSession(request.auth)) return done();
    const environment = (request.body as { environment?: unknown } | null | undefined)?.environment;
    if (environment === undefined || environment === request.auth.environment) return done();
    done(
      new ApiError('FORBIDDEN', `This dashboard session works in the ${request.auth.environment} environment only: sign in with a ${String(environment)} admin key`, {
        details: { field: 'environment', environment: request.auth.environment },
      }),
    );
  });
  return sessions;
}
