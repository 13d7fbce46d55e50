// Creating and revoking API keys. The secret is returned once, at creation; only its hash is kept.
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ActingScope } from '../platform/tenant-scope.ts';
import { mintApiKey } from './api-keys.ts';
import { recordAuditEntry } from './audit.ts';
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

/** POST /v2/api-keys: a key in the calling key's environment, in its own transaction. */
export async function createApiKey(ctx: ServiceContext, scope: ActingScope, input: CreateApiKeyInput): Promise<CreatedKey> {
  const now = ctx.clock.now();
  return ctx.database.db.transaction((tx) => issueApiKey(tx, { ...scope, name: input.name, scopes: input.scopes, now }));
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
  await recordAuditEntry(ex, { orgId: input.orgId, actor: input.actor, action: 'api_key.created', target: row.id, data: { environment: input.environment } });
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
    await recordAuditEntry(tx, { orgId: scope.orgId, actor: scope.actor, action: 'api_key.revoked', target: keyId });
    return row;
  });
  await cache.forget(revoked.id);
  return revoked;
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
