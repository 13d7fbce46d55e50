// Tells every node that a connection changed (status, permissions, settings, session), so caches of it (the Access
// pipeline's connection snapshots) drop their copy at once instead of serving it until it expires. The NOTIFY is
// issued with the change, inside its transaction: PostgreSQL (and PGlite) deliver it only once that commits.
import { sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';

export const CONNECTION_CHANGED_CHANNEL = 'ofconnect_connection_changed';

export async function announceConnectionChange(ex: Executor, connectionId: string): Promise<void> {
  await ex.execute(sql`select pg_notify(${CONNECTION_CHANGED_CHANNEL}, ${connectionId})`);
}
