// link/'s queries. A Link session is found by the hash of its client secret; changes that race (two form posts, a
// post and a DELETE) go through conditional updates on the expected status.
import { and, eq, inArray, lt, or } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { linkSessions } from './tables.ts';

export type LinkSessionRow = typeof linkSessions.$inferSelect;
export type StoredLinkStatus = LinkSessionRow['status'];

export async function insertLinkSession(ex: Executor, row: typeof linkSessions.$inferInsert): Promise<LinkSessionRow> {
  const [created] = await ex.insert(linkSessions).values(row).returning();
  return created;
}

export async function findLinkSessionBySecretHash(ex: Executor, secretHash: string): Promise<LinkSessionRow | undefined> {
  const [row] = await ex.select().from(linkSessions).where(eq(linkSessions.secretHash, secretHash));
  return row;
}

export async function findLinkSessionRow(ex: Executor, id: string): Promise<LinkSessionRow | undefined> {
  const [row] = await ex.select().from(linkSessions).where(eq(linkSessions.id, id));
  return row;
}

/**
 * Moves the session from one of `from` to `changes.status`, but only if nobody else moved it first; also takes over a
 * `pending` claim older than `staleBefore` (a process that died mid-login). Returns the updated row or undefined.
 */
export async function transitionLinkSession(
  ex: Executor,
  id: string,
  from: readonly string[],
  changes: Partial<typeof linkSessions.$inferInsert>,
  staleBefore?: Date,
): Promise<LinkSessionRow | undefined> {
  const expected = staleBefore
    ? or(inArray(linkSessions.status, [...from]), and(eq(linkSessions.status, 'pending'), lt(linkSessions.updatedAt, staleBefore)))
    : inArray(linkSessions.status, [...from]);
  const [row] = await ex
    .update(linkSessions)
    .set(changes)
    .where(and(eq(linkSessions.id, id), expected))
    .returning();
  return row;
}
