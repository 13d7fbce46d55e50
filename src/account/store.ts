// account/'s queries. Every query but the key lookup is scoped by orgId (key management and client apps by org and
// environment); the key lookup is how a request finds its org in the first place.
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { apiKeys, auditLog, clientApps, orgs } from './tables.ts';

export type OrgRow = typeof orgs.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ClientAppRow = typeof clientApps.$inferSelect;

export async function insertOrg(ex: Executor, row: typeof orgs.$inferInsert): Promise<OrgRow> {
  const [created] = await ex.insert(orgs).values(row).returning();
  return created;
}

export async function findOrg(ex: Executor, orgId: string): Promise<OrgRow | undefined> {
  const [row] = await ex.select().from(orgs).where(eq(orgs.id, orgId));
  return row;
}

export async function findFirstOrg(ex: Executor): Promise<OrgRow | undefined> {
  const [row] = await ex.select().from(orgs).orderBy(asc(orgs.createdAt)).limit(1);
  return row;
}

export async function updateOrgSettingsRow(ex: Executor, orgId: string, settings: Record<string, unknown>, at: Date): Promise<void> {
  await ex.update(orgs).set({ settings, updatedAt: at }).where(eq(orgs.id, orgId));
}

export async function insertApiKey(ex: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [created] = await ex.insert(apiKeys).values(row).returning();
  return created;
}

export async function findApiKeyByHash(ex: Executor, hash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex.select().from(apiKeys).where(eq(apiKeys.hash, hash));
  return row;
}

/** The keys of one environment of an org: a key manages only keys of its own environment (issue 16). */
export async function listApiKeys(ex: Executor, scope: TenantScope): Promise<ApiKeyRow[]> {
  return ex
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.environment, scope.environment)))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function revokeApiKeyRow(ex: Executor, scope: TenantScope, keyId: string, at: Date): Promise<ApiKeyRow | undefined> {
  const [row] = await ex
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.environment, scope.environment), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning();
  return row;
}

export async function findApiKey(ex: Executor, scope: TenantScope, keyId: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.environment, scope.environment), eq(apiKeys.id, keyId)));
  return row;
}

/** Holds the org row until the transaction ends: decisions about the org's keys (the first live key) serialise on it. */
export async function lockOrgRow(ex: Executor, orgId: string): Promise<void> {
  await ex.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)).for('update');
}

/** Whether the org has a key of this environment that is not revoked. */
export async function hasActiveApiKey(ex: Executor, scope: TenantScope): Promise<boolean> {
  const [row] = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.environment, scope.environment), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row !== undefined;
}

export async function touchApiKeysLastUsed(ex: Executor, keyIds: string[], at: Date): Promise<void> {
  if (keyIds.length === 0) return;
  await ex.update(apiKeys).set({ lastUsedAt: at }).where(inArray(apiKeys.id, keyIds));
}

export async function insertClientApp(ex: Executor, row: typeof clientApps.$inferInsert): Promise<ClientAppRow> {
  const [created] = await ex.insert(clientApps).values(row).returning();
  return created;
}

export async function listClientApps(ex: Executor, scope: TenantScope): Promise<ClientAppRow[]> {
  return ex
    .select()
    .from(clientApps)
    .where(and(eq(clientApps.orgId, scope.orgId), eq(clientApps.environment, scope.environment)))
    .orderBy(asc(clientApps.createdAt), asc(clientApps.id));
}

export async function findClientApp(ex: Executor, scope: TenantScope, appId: string): Promise<ClientAppRow | undefined> {
  const [row] = await ex
    .select()
    .from(clientApps)
    .where(and(eq(clientApps.orgId, scope.orgId), eq(clientApps.environment, scope.environment), eq(clientApps.id, appId)));
  return row;
}

export async function updateClientAppRow(
  ex: Executor,
  orgId: string,
  appId: string,
  changes: Partial<typeof clientApps.$inferInsert>,
): Promise<ClientAppRow | undefined> {
  const [row] = await ex
    .update(clientApps)
    .set(changes)
    .where(and(eq(clientApps.orgId, orgId), eq(clientApps.id, appId)))
    .returning();
  return row;
}

export async function deleteClientAppRow(ex: Executor, orgId: string, appId: string): Promise<boolean> {
  const rows = await ex
    .delete(clientApps)
    .where(and(eq(clientApps.orgId, orgId), eq(clientApps.id, appId)))
    .returning({ id: clientApps.id });
  return rows.length > 0;
}

export async function listAuditRows(ex: Executor, orgId: string, limit: number) {
  return ex.select().from(auditLog).where(eq(auditLog.orgId, orgId)).orderBy(desc(auditLog.id)).limit(limit);
}
