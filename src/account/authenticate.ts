// API key authentication for every /v2 route that declares a scope. Keys are looked up by hash, cached briefly in
// memory (the Access hot path must not hit the database per request), and lastUsedAt is written in batches.
//
// Two bounded LRU caches, keyed by the key exactly as presented (a cached key costs neither the format check nor the
// SHA-256): keys found valid, and refusals (unknown or revoked keys) kept apart, so a flood of wrong keys can only
// push out other refusals, never a valid key, and a wrong key sent again costs no database lookup.
//
// Failed attempts (malformed, unknown or revoked keys) are throttled per client address through the shared rate
// limiters (Redis when configured): past config.apiKeyFailuresPerMinute, the address gets 429 with Retry-After, and
// this node stops looking up new keys from it until the block lifts. Keys this node has found valid are exempt: they
// are answered from the cache, or looked up again when their entry is stale, blocked or not; only a key the node has
// not seen yet waits out its address's block (it cannot be told from a guess without a lookup).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../platform/errors.ts';
import type { Environment } from '../platform/environment.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { DatabaseHandle } from '../platform/db/database.ts';
import { environmentOfKey, hashApiKey } from './api-keys.ts';
import type { Scope } from './scopes.ts';
import { findApiKeyByHash, touchApiKeysLastUsed } from './store.ts';

export interface AuthContext {
  orgId: string;
  keyId: string;
  environment: Environment;
  scopes: string[];
  /** Who the audit log names when not `key:<keyId>`: `dashboard:<keyId>` for a dashboard session (src/dashboard). */
  actor?: string;
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

/** How long a lookup's answer is trusted before the database is asked again (revocations are also broadcast). */
const CACHE_TTL_MS = 30_000;
const LAST_USED_FLUSH_MS = 30_000;
const FAILURES_LIMIT_NAME = 'api-key-failures';

interface ValidEntry {
  auth: AuthContext;
  checkedAt: number;
}

/** Revocations are broadcast so every node drops the key from its cache at once, not after the cache TTL. */
const REVOKED_CHANNEL = 'ofconnect_api_key_revoked';

/** Tells every running node to drop a revoked key from its cache (the CLI revokes without an authenticator). */
export async function broadcastApiKeyRevoked(database: Pick<DatabaseHandle, 'notify'>, keyId: string): Promise<void> {
  await database.notify(REVOKED_CHANNEL, keyId);
}

export interface ApiKeyAuthenticator {
  authenticate(request: FastifyRequest): Promise<AuthContext>;
  /**
   * The key's context when this node already knows it as valid (cached and fresh), without waiting; undefined when
   * the key must go through authenticate() (unknown here, stale, or refused).
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

const unauthorized = (message: string) => new ApiError('UNAUTHORIZED', message, { details: { field: 'apikey' } });

/** No apikey header; a key sent the common OAuth way (Authorization: Bearer) gets told where it goes instead. */
function missingKey(request: FastifyRequest): ApiError {
  const authorization = request.headers.authorization;
  // Node gives Authorization as one string or none, and the pattern never matches "undefined".
  // Stryker disable next-line ConditionalExpression: see above
  if (typeof authorization === 'string' && /^bearer\s/i.test(authorization)) {
    return unauthorized('Missing API key: the key goes in the apikey header (apikey: sk_…), not in Authorization: Bearer');
  }
  return unauthorized('Missing API key: send it in the apikey header');
}

function tooManyFailures(retryAfterSeconds: number): ApiError {
  const retryAfter = Math.max(1, retryAfterSeconds);
  return new ApiError('RATE_LIMIT_EXCEEDED', `Too many failed API key attempts from this address; retry in ${retryAfter} s`, {
    headers: { 'retry-after': String(retryAfter) },
    details: { field: 'apikey', retryAfter },
  });
}

export function createApiKeyAuthenticator(ctx: ServiceContext): ApiKeyAuthenticator {
  const max = ctx.config.apiKeyCacheSize;
  const valid = new LRUCache<string, ValidEntry>({ max });
  const refusals = new LRUCache<string, string>({ max, ttl: CACHE_TTL_MS });
  /** Client address → when this node may look up its new keys again (ms since the epoch). */
  const blockedUntil = new LRUCache<string, number>({ max });
  const failureLimit = { perMinute: ctx.config.apiKeyFailuresPerMinute, burst: ctx.config.apiKeyFailuresPerMinute };
  const usedKeyIds = new Set<string>();
  const timer = setInterval(() => void flushLastUsed().catch(() => {}), LAST_USED_FLUSH_MS);
  timer.unref();
  const forgetLocally = (keyId: string) => {
    for (const [secret, entry] of valid.entries()) if (entry.auth.keyId === keyId) valid.delete(secret);
  };
  // Stryker disable next-line BlockStatement: a warning and a no-op unlisten; the cache TTL still bounds revocations
  const unlisten = ctx.database.listen(REVOKED_CHANNEL, forgetLocally).catch((error: unknown) => {
    // Stryker disable next-line ObjectLiteral,StringLiteral: the warning's fields and text
    ctx.logger.warn({ err: error }, 'API key revocations from other nodes will apply after the cache TTL');
    return async () => {};
  });

  async function flushLastUsed(): Promise<void> {
    // Stryker disable next-line ConditionalExpression: a shortcut; touchApiKeysLastUsed writes nothing for no ids either
    if (usedKeyIds.size === 0) return;
    const ids = [...usedKeyIds];
    usedKeyIds.clear();
    await touchApiKeysLastUsed(ctx.database.db, ids, ctx.clock.now());
  }

  /** The database's answer, cached: the key's context, or the refusal it earned. */
  async function lookup(secret: string): Promise<AuthContext | string> {
    const row = await findApiKeyByHash(ctx.database.db, hashApiKey(secret));
    const result = !row ? 'unknown' : row.revokedAt ? 'revoked' : 'valid';
    ctx.metrics.apiKeyLookups.inc({ result });
    if (!row || row.revokedAt) {
      const refusal = row ? 'API key has been revoked' : 'Invalid API key';
      valid.delete(secret);
      refusals.set(secret, refusal);
      return refusal;
    }
    const auth: AuthContext = { orgId: row.orgId, keyId: row.id, environment: row.environment, scopes: row.scopes };
    valid.set(secret, { auth, checkedAt: Date.now() });
    return auth;
  }

  /** Counts a failed attempt against the address; the refusal to throw (429 once the address is over its limit). */
  async function failedAttempt(address: string, refusal: ApiError): Promise<ApiError> {
    const decision = await ctx.rateLimiters.consume(FAILURES_LIMIT_NAME, failureLimit, address);
    if (decision.allowed) return refusal;
    blockedUntil.set(address, Date.now() + Math.max(1, decision.retryAfterSeconds) * 1000);
    ctx.metrics.apiKeyAttemptsThrottled.inc();
    return tooManyFailures(decision.retryAfterSeconds);
  }

  function blockOf(address: string): ApiError | null {
    const until = blockedUntil.get(address);
    if (until === undefined) return null;
    const left = until - Date.now();
    if (left <= 0) {
      blockedUntil.delete(address);
      return null;
    }
    ctx.metrics.apiKeyAttemptsThrottled.inc();
    return tooManyFailures(Math.ceil(left / 1000));
  }

  function accept(auth: AuthContext): AuthContext {
    usedKeyIds.add(auth.keyId);
    return auth;
  }

  function freshValid(secret: string): AuthContext | undefined {
    const entry = valid.get(secret);
    return entry && Date.now() - entry.checkedAt < CACHE_TTL_MS ? entry.auth : undefined;
  }

  return {
    async authenticate(request) {
      const secret = headerValue(request);
      if (!secret) throw missingKey(request);
      const fresh = freshValid(secret);
      if (fresh) return accept(fresh);
      // A key found valid before is exempt from its address's block: only its freshness is in question.
      if (valid.has(secret)) {
        const answer = await lookup(secret);
        if (typeof answer !== 'string') return accept(answer);
        throw await failedAttempt(request.ip, unauthorized(answer));
      }
      const blocked = blockOf(request.ip);
      if (blocked) throw blocked;
      const refused = refusals.get(secret);
      if (refused) throw await failedAttempt(request.ip, unauthorized(refused));
      if (!environmentOfKey(secret)) {
        throw await failedAttempt(request.ip, unauthorized('Malformed API key: expected sk_sandbox_… or sk_live_…'));
      }
      const answer = await lookup(secret);
      if (typeof answer !== 'string') return accept(answer);
      throw await failedAttempt(request.ip, unauthorized(answer));
    },
    authenticateFromCache(request) {
      const secret = headerValue(request);
      const fresh = secret ? freshValid(secret) : undefined;
      return fresh ? accept(fresh) : undefined;
    },
    async forget(keyId) {
      forgetLocally(keyId);
      await broadcastApiKeyRevoked(ctx.database, keyId).catch(() => {});
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
    // Stryker disable next-line OptionalChaining: Fastify gives every route (and the not-found handler) a config object
    const scope = request.routeOptions.config?.scope;
    if (!scope) return done();
    const known = authenticator.authenticateFromCache(request);
    // The synchronous path: authenticate() answers a cached key the same, a promise later.
    // Stryker disable next-line ConditionalExpression,BlockStatement: see above
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
