// account/'s statements for the node's operator (the CLI): they cross orgs on purpose, and say so in their names.
// The API never calls these; its statements are scoped by org and environment (store.ts).
import { and, asc, count, eq, isNull } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { Environment } from '../platform/environment.ts';
import type { ApiKeyRow, OrgRow } from './store.ts';
import { apiKeys, orgs } from './tables.ts';

export async function listOrgsAcrossNode(ex: Executor): Promise<Array<OrgRow & { activeKeys: number }>> {
  const rows = await ex.select().from(orgs).orderBy(asc(orgs.createdAt), asc(orgs.id));
  const keyCounts = await ex
    .select({ orgId: apiKeys.orgId, n: count() })
    .from(apiKeys)
    .where(isNull(apiKeys.revokedAt))
    .groupBy(apiKeys.orgId);
  const byOrg = new Map(keyCounts.map((row) => [row.orgId, Number(row.n)]));
  return rows.map((row) => ({ ...row, activeKeys: byOrg.get(row.id) ?? 0 }));
}

/** Every org's keys, or one org's, of both environments unless one is named. */
export async function listApiKeysAcrossOrgs(ex: Executor, filter: { orgId?: string; environment?: Environment }): Promise<ApiKeyRow[]> {
  const conditions = [];
  if (filter.orgId) conditions.push(eq(apiKeys.orgId, filter.orgId));
  if (filter.environment) conditions.push(eq(apiKeys.environment, filter.environment));
  return ex
    .select()
    .from(apiKeys)
    .where(and(...conditions))
    .orderBy(asc(apiKeys.orgId), asc(apiKeys.createdAt), asc(apiKeys.id));
}

/** A key by its id in whichever org holds it (its org and environment then scope the change). */
export async function findApiKeyAcrossOrgs(ex: Executor, keyId: string): Promise<ApiKeyRow | undefined> {
  const [row] = await ex.select().from(apiKeys).where(eq(apiKeys.id, keyId));
  return row;
}

/** Whether any org holds a live key that is not revoked: what decides whether live needs rules and a captcha solver. */
export async function hasActiveLiveKeyAcrossOrgs(ex: Executor): Promise<boolean> {
  const [row] = await ex
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.environment, 'live'), isNull(apiKeys.revokedAt)))
    .limit(1);
  return row !== undefined;
}
