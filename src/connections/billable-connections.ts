// The billing signal's query: which Link connections of an org were active during a period. The monitor's billing
// report (monitor/billing.ts) asks it; the statement lives here, with the table it reads.
import { sql } from 'drizzle-orm';
import type { Executor } from '../platform/db/database.ts';
import { rowsOf, timestampAt } from '../platform/db/sql.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { connections } from './tables.ts';

/**
 * Link connections of an org that were active at some moment of [from, to). The record keeps no status history, so
 * "active until" is read from the columns: still active → now; expired → expired_at; disconnected → when it was
 * disconnected, or when it expired if that came first. A connection that never completed a login (no upstream
 * user) was never active.
 */
export async function countConnectionsActiveBetween(
  ex: Executor,
  scope: TenantScope,
  from: Date,
  to: Date,
): Promise<number> {
  const result = await ex.execute(sql`
    select count(*)::int as n from ${connections}
    where ${connections.orgId} = ${scope.orgId}
      and ${connections.environment} = ${scope.environment}
      and ${connections.imported} = false
      and ${connections.platformUserId} is not null
      and ${connections.createdAt} < ${timestampAt(to)}
      and case ${connections.status}
        when 'active' then true
        when 'disconnected' then least(${connections.disconnectedAt}, ${connections.expiredAt}) >= ${timestampAt(from)}
        else ${connections.expiredAt} >= ${timestampAt(from)}
      end`);
  return Number(rowsOf<{ n: number }>(result)[0]?.n ?? 0);
}
