// Creating and revoking API keys. The secret is returned once, at creation; only its hash is kept.
import type { Environment } from '../platform/environment.ts';
import type { Executor } from '../platform/db/database.ts';
import { notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import { mintApiKey } from './api-keys.ts';
import { SCOPES, type Scope } from './scopes.ts';
import * as store from './store.ts';
import type { ApiKeyRow } from './store.ts';
import { recordAuditEntry } from './audit.ts';

export interface CreatedKey {
  row: ApiKeyRow;
  secret: string;
}

export async function createApiKey(
  ex: Executor,
  input: { orgId: string; environment: Environment; name?: string; scopes?: readonly Scope[]; actor: string; now: Date },
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

export async function revokeApiKey(ex: Executor, input: { orgId: string; keyId: string; actor: string; now: Date }): Promise<ApiKeyRow> {
  const existing = await store.findApiKey(ex, input.orgId, input.keyId);
  if (!existing) throw notFound('API key', input.keyId);
  const revoked = (await store.revokeApiKey(ex, input.orgId, input.keyId, input.now)) ?? existing;
  await recordAuditEntry(ex, { orgId: input.orgId, actor: input.actor, action: 'api_key.revoked', target: input.keyId });
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
