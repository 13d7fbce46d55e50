// access/' queries on the usage table: batched upserts from the meter and the per-day report, scoped by org.
import { and, asc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { usage } from './tables.ts';

export interface UsageIncrement {
  orgId: string;
  connectionId: string;
  /** YYYY-MM-DD (UTC). */
  day: string;
  requests: number;
}

/** Adds each increment to its (org, connection, day) row, creating the row when needed: one statement per batch. */
export async function addUsage(ex: Executor, increments: UsageIncrement[]): Promise<void> {
  if (increments.length === 0) return;
  await ex
    .insert(usage)
    .values(increments)
    .onConflictDoUpdate({
      target: [usage.orgId, usage.connectionId, usage.day],
      set: { requests: sql`${usage.requests} + excluded.requests` },
    });
}

export async function listUsage(
  ex: Executor,
  orgId: string,
  filter: { from: string; to: string; connectionId?: string },
): Promise<Array<{ connectionId: string; day: string; requests: number }>> {
  const conditions = [eq(usage.orgId, orgId), gte(usage.day, filter.from), lte(usage.day, filter.to)];
  if (filter.connectionId) conditions.push(eq(usage.connectionId, filter.connectionId));
  return ex
    .select({ connectionId: usage.connectionId, day: usage.day, requests: usage.requests })
    .from(usage)
    .where(and(...conditions))
    .orderBy(asc(usage.day), asc(usage.connectionId));
}
