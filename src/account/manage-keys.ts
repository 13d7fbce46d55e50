// Creating and revoking API keys. The secret is returned once, at creation; only its hash is kept.
import type { ServiceContext } from '../platform/context.ts';
import type { DatabaseHandle, Executor } from '../platform/db/database.ts';
import { ApiError, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { mintApiKey } from './api-keys.ts';
import { recordAuditEntry } from './audit.ts';
import { broadcastApiKeyRevoked } from './authenticate.ts';
import { findApiKeyAcrossOrgs } from './operator-store.ts';
import type { CreateApiKeyInput } from './schemas.ts';
import { SCOPES, type Scope } from './scopes.ts';
import * as store from './store.ts';
import type { ApiKeyRow } from './store.ts';

export interface CreatedKey {
  row: ApiKeyRow;
  secret: string;
}

/** Whatever forgets a revoked key's cached authentication (the API key authenticator). */
export interface RevokedKeyCache {
  forget(keyId: string): Promise<void> | void;
}

/**
 * POST /v2/api-keys, in its own transaction: a key of the calling key's environment unless the body names another.
 * Who may mint a key of the other environment:
 * - a live admin key may create sandbox keys (a step down: sandbox reaches only the simulator);
 * - a sandbox admin key may create the org's first live key, so a node can go live without the CLI, and nothing more:
 *   once the org holds a live key that is not revoked, live keys come from a live admin key (or `ofconnect keys
 *   create --env live`). Sandbox keys are handed around more freely (CI, demos); they must not keep minting keys that
 *   act on real accounts. The org row is locked while deciding, so two concurrent requests cannot both be "first".
 */
export async function createApiKey(ctx: ServiceContext, scope: ActingScope, input: CreateApiKeyInput): Promise<CreatedKey> {
  const now = ctx.clock.now();
  const environment = input.environment ?? scope.environment;
  return ctx.database.db.transaction(async (tx) => {
    if (environment === 'live' && scope.environment !== 'live') await assertFirstLiveKey(tx, scope);
    return issueApiKey(tx, { ...scope, environment, name: input.name, scopes: input.scopes, now });
  });
}

async function assertFirstLiveKey(tx: Executor, scope: ActingScope): Promise<void> {
  await store.lockOrgRow(tx, scope.orgId);
  if (!(await store.hasActiveApiKey(tx, { orgId: scope.orgId, environment: 'live' }))) return;
  throw new ApiError(
    'FORBIDDEN',
    'This organization already has a live API key, so a sandbox key cannot create more: call POST /v2/api-keys ' +
      'with a live admin key (apikey: sk_live_…), or run `ofconnect keys create --org <id> --env live`',
    { details: { field: 'environment', environment: 'live' } },
  );
}

/**
 * The key and its audit entry, inside a transaction the caller already holds: the first-start bootstrap and the CLI
 * create an org and its first key together.
 */
export async function issueApiKey(
  ex: Executor,
  input: ActingScope & { name?: string; scopes?: readonly Scope[]; now: Date },
): Promise<CreatedKey> {
  const material = mintApiKey(input.environment);
  const row = await store.insertApiKey(ex, {
    id: newId('apiKey'),
    orgId: input.orgId,
    environment: input.environment,
    name: input.name ?? `${input.environment} key`,
    prefix: material.prefix,
    hash: material.hash,
    scopes: [...(input.scopes ?? SCOPES)],
    createdAt: input.now,
  });
  await recordAuditEntry(ex, { orgId: input.orgId, environment: input.environment, actor: input.actor, action: 'api_key.created', target: row.id, data: { environment: input.environment } });
  return { row, secret: material.secret };
}

/**
 * DELETE /v2/api-keys/{id}, within the calling key's org and environment: a sandbox key cannot revoke live keys nor
 * the reverse, and another environment's key is "not found" exactly like a key that does not exist. The cache forgets
 * the key once the revocation commits.
 */
export async function revokeApiKey(ctx: ServiceContext, scope: ActingScope, keyId: string, cache: RevokedKeyCache): Promise<ApiKeyRow> {
  const now = ctx.clock.now();
  const revoked = await ctx.database.db.transaction(async (tx) => {
    const existing = await store.findApiKey(tx, scope, keyId);
    if (!existing) throw notFound('API key', keyId);
    const row = (await store.revokeApiKeyRow(tx, scope, keyId, now)) ?? existing;
    await recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action: 'api_key.revoked', target: keyId });
    return row;
  });
  await cache.forget(revoked.id);
  return revoked;
}

/**
 * `ofconnect keys revoke <id>`: the operator names a key by id alone, so it is found in whichever org holds it and
 * revoked within that org and environment, with its audit entry; running nodes drop it from their caches (the
 * broadcast reaches PostgreSQL nodes; an embedded node cannot be running while the CLI holds its data directory).
 * Revoking a revoked key changes nothing and returns it as it is.
 */
export async function revokeApiKeyAsOperator(database: DatabaseHandle, keyId: string, now: Date): Promise<{ row: ApiKeyRow; wasRevoked: boolean }> {
  const result = await database.db.transaction(async (tx) => {
    const existing = await findApiKeyAcrossOrgs(tx, keyId);
    if (!existing) throw new Error(`API key ${keyId} not found (ofconnect keys list shows every key)`);
    if (existing.revokedAt) return { row: existing, wasRevoked: true };
    const scope = { orgId: existing.orgId, environment: existing.environment };
    const row = (await store.revokeApiKeyRow(tx, scope, keyId, now)) ?? existing;
    await recordAuditEntry(tx, { orgId: existing.orgId, environment: existing.environment, actor: 'cli', action: 'api_key.revoked', target: keyId });
    return { row, wasRevoked: false };
  });
  if (!result.wasRevoked) await broadcastApiKeyRevoked(database, keyId);
  return result;
}

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    environment: row.environment,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
