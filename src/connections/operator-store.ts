// connections/' statements for the node's operator (the CLI): they cross orgs on purpose, and say so in their names.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import type { ConnectionStatus } from './statuses.ts';
import type { ConnectionRow } from './store.ts';
import { connections } from './tables.ts';

export async function listConnectionsAcrossOrgs(
  ex: Executor,
  filter: { orgId?: string; statuses: readonly ConnectionStatus[]; limit: number },
): Promise<ConnectionRow[]> {
  const conditions = [inArray(connections.status, [...filter.statuses])];
  if (filter.orgId) conditions.push(eq(connections.orgId, filter.orgId));
  return ex
    .select()
    .from(connections)
    .where(and(...conditions))
    .orderBy(desc(connections.createdAt), desc(connections.id))
    .limit(filter.limit);
}

/** A connection by its id in whichever org holds it, whatever its status. */
export async function findConnectionAcrossOrgs(ex: Executor, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await ex.select().from(connections).where(eq(connections.id, id));
  return row;
}
