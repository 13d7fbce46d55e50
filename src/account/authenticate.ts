// API key authentication for every /v2 route that declares a scope. Keys are looked up by hash, cached briefly in
// memory (the Access hot path must not hit the database per request), and lastUsedAt is written in batches.
// The cache is keyed by the key exactly as presented, so a cached key costs neither the format check nor the SHA-256
// (only well-formed keys ever reach the cache); it is bounded, entries live CACHE_TTL_MS, and revocation drops them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../platform/errors.ts';
import type { Environment } from '../platform/environment.ts';
import type { ServiceContext } from '../platform/context.ts';
import { environmentOfKey, hashApiKey } from './api-keys.ts';
import type { Scope } from './scopes.ts';
import { findApiKeyByHash, touchApiKeysLastUsed } from './store.ts';

export interface AuthContext {
  orgId: string;
  keyId: string;
  environment: Environment;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API key scope a route requires; routes without one are public (health, Link pages, OpenAPI). */
    scope?: Scope;
  }
  interface FastifyRequest {
    auth: AuthContext;
  }
}

const CACHE_TTL_MS = 30_000;
const LAST_USED_FLUSH_MS = 30_000;

interface CacheEntry {
  auth: AuthContext | null;
  /** Why the key is refused, when it is. */
  refusal?: string;
  expiresAt: number;
}

/** Revocations are broadcast so every node drops the key from its cache at once, not after the cache TTL. */
const REVOKED_CHANNEL = 'ofconnect_api_key_revoked';

export interface ApiKeyAuthenticator {
  authenticate(request: FastifyRequest): Promise<AuthContext>;
  /**
   * The same answer as authenticate() when this node already knows the key (cached and fresh), without waiting:
   * the key's context, or throws its refusal. Undefined when the key must be looked up.
   */
  authenticateFromCache(request: FastifyRequest): AuthContext | undefined;
  /** Drops a key from every node's cache (revocation). */
  forget(keyId: string): Promise<void>;
  flushLastUsed(): Promise<void>;
  close(): Promise<void>;
}

function headerValue(request: FastifyRequest): string | undefined {
  // Header names are case-insensitive (Node lowercases them): covers apikey, apiKey and APIKEY.
  const raw = request.headers.apikey;
  return Array.isArray(raw) ? raw[0] : raw;
}

export function createApiKeyAuthenticator(ctx: ServiceContext): ApiKeyAuthenticator {
  const cache = new Map<string, CacheEntry>();
  const usedKeyIds = new Set<string>();
  const timer = setInterval(() => void flushLastUsed().catch(() => {}), LAST_USED_FLUSH_MS);
  timer.unref();
  const forgetLocally = (keyId: string) => {
    for (const [secret, entry] of cache) if (entry.auth?.keyId === keyId) cache.delete(secret);
  };
  const unlisten = ctx.database.listen(REVOKED_CHANNEL, forgetLocally).catch((error: unknown) => {
    ctx.logger.warn({ err: error }, 'API key revocations from other nodes will apply after the cache TTL');
    return async () => {};
  });

  async function flushLastUsed(): Promise<void> {
    if (usedKeyIds.size === 0) return;
    const ids = [...usedKeyIds];
    usedKeyIds.clear();
    await touchApiKeysLastUsed(ctx.database.db, ids, ctx.clock.now());
  }

  async function lookup(secret: string): Promise<CacheEntry> {
    const row = await findApiKeyByHash(ctx.database.db, hashApiKey(secret));
    const now = Date.now();
    let entry: CacheEntry;
    if (!row) entry = { auth: null, refusal: 'Invalid API key', expiresAt: now + CACHE_TTL_MS };
    else if (row.revokedAt) entry = { auth: null, refusal: 'API key has been revoked', expiresAt: now + CACHE_TTL_MS };
    else
      entry = {
        auth: { orgId: row.orgId, keyId: row.id, environment: row.environment, scopes: row.scopes },
        expiresAt: now + CACHE_TTL_MS,
      };
    if (cache.size > 10_000) cache.clear();
    cache.set(secret, entry);
    return entry;
  }

  function accept(entry: CacheEntry): AuthContext {
    if (!entry.auth) throw new ApiError('UNAUTHORIZED', entry.refusal ?? 'Invalid API key', { details: { field: 'apikey' } });
    usedKeyIds.add(entry.auth.keyId);
    return entry.auth;
  }

  function freshEntry(secret: string): CacheEntry | undefined {
    const cached = cache.get(secret);
    return cached && cached.expiresAt > Date.now() ? cached : undefined;
  }

  return {
    async authenticate(request) {
      const secret = headerValue(request);
      if (!secret) throw new ApiError('UNAUTHORIZED', 'Missing API key: send it in the apikey header', { details: { field: 'apikey' } });
      const cached = freshEntry(secret);
      if (cached) return accept(cached);
      if (!environmentOfKey(secret)) throw new ApiError('UNAUTHORIZED', 'Malformed API key: expected sk_sandbox_… or sk_live_…', { details: { field: 'apikey' } });
      return accept(await lookup(secret));
    },
    authenticateFromCache(request) {
      const secret = headerValue(request);
      const cached = secret ? freshEntry(secret) : undefined;
      return cached ? accept(cached) : undefined;
    },
    async forget(keyId) {
      forgetLocally(keyId);
      await ctx.database.notify(REVOKED_CHANNEL, keyId).catch(() => {});
    },
    flushLastUsed,
    async close() {
      clearInterval(timer);
      await (await unlisten)().catch(() => {});
      await flushLastUsed().catch(() => {});
    },
  };
}

/** Installs the check: a route with config.scope needs a valid key holding that scope. */
export function installApiKeyAuth(app: FastifyInstance, authenticator: ApiKeyAuthenticator): void {
  app.decorateRequest('auth', null as unknown as AuthContext);
  // Callback style with a synchronous path for a cached key: no promise per request on the Access hot path.
  app.addHook('onRequest', (request, _reply, done) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return done();
    const known = authenticator.authenticateFromCache(request);
    if (known) {
      request.auth = authorise(known, scope);
      return done();
    }
    authenticator.authenticate(request).then((auth) => {
      if (!auth.scopes.includes(scope)) return done(missingScope(scope));
      request.auth = auth;
      done();
    }, done);
  });
}

function authorise(auth: AuthContext, scope: Scope): AuthContext {
  if (!auth.scopes.includes(scope)) throw missingScope(scope);
  return auth;
}

function missingScope(scope: Scope): ApiError {
  return new ApiError('FORBIDDEN', `This API key lacks the ${scope} scope`, { details: { requiredScope: scope } });
}
