// API key authentication for every /v2 route that declares a scope. Keys are looked up by hash, cached briefly in
// memory (the Access hot path must not hit the database per request), and lastUsedAt is written in batches.
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
    for (const [hash, entry] of cache) if (entry.auth?.keyId === keyId) cache.delete(hash);
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

  async function lookup(hash: string): Promise<CacheEntry> {
    const now = Date.now();
    const cached = cache.get(hash);
    if (cached && cached.expiresAt > now) return cached;
    const row = await findApiKeyByHash(ctx.database.db, hash);
    let entry: CacheEntry;
    if (!row) entry = { auth: null, refusal: 'Invalid API key', expiresAt: now + CACHE_TTL_MS };
    else if (row.revokedAt) entry = { auth: null, refusal: 'API key has been revoked', expiresAt: now + CACHE_TTL_MS };
    else
      entry = {
        auth: { orgId: row.orgId, keyId: row.id, environment: row.environment, scopes: row.scopes },
        expiresAt: now + CACHE_TTL_MS,
      };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, entry);
    return entry;
  }

  return {
    async authenticate(request) {
      const secret = headerValue(request);
      if (!secret) throw new ApiError('UNAUTHORIZED', 'Missing API key: send it in the apikey header', { details: { field: 'apikey' } });
      if (!environmentOfKey(secret)) throw new ApiError('UNAUTHORIZED', 'Malformed API key: expected sk_sandbox_… or sk_live_…', { details: { field: 'apikey' } });
      const entry = await lookup(hashApiKey(secret));
      if (!entry.auth) throw new ApiError('UNAUTHORIZED', entry.refusal ?? 'Invalid API key', { details: { field: 'apikey' } });
      usedKeyIds.add(entry.auth.keyId);
      return entry.auth;
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
  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config?.scope;
    if (!scope) return;
    const auth = await authenticator.authenticate(request);
    if (!auth.scopes.includes(scope)) {
      throw new ApiError('FORBIDDEN', `This API key lacks the ${scope} scope`, { details: { requiredScope: scope } });
    }
    request.auth = auth;
  });
}
