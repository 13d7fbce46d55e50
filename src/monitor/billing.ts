// The billing signal: how many connections an org pays for in a month. Like OFAuth, a connection is billable in a
// month when it is a Link connection (imported ones are never billed) that was active at some moment of that month;
// one that was disconnected, or expired and never reconnected, before the month began is not.
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import { badRequest } from '../platform/errors.ts';
import { countConnectionsActiveBetween } from '../connections/billable-connections.ts';

/** [start, end) of a calendar month in UTC, from "YYYY-MM". */
export function monthBounds(month: string): { start: Date; end: Date } {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const monthIndex = match ? Number(match[2]) - 1 : -1;
  if (!match || monthIndex < 0 || monthIndex > 11) throw badRequest('month must be YYYY-MM', 'month');
  const year = Number(match[1]);
  return { start: new Date(Date.UTC(year, monthIndex, 1)), end: new Date(Date.UTC(year, monthIndex + 1, 1)) };
}

/**
 * Billable connections of an org in a month ("YYYY-MM", UTC). Live by default: sandbox connections cost nothing,
 * pass environment 'sandbox' to see what the same count would be there.
 */
export async function countBillableConnections(
  ctx: ServiceContext,
  orgId: string,
  month: string,
  options: { environment?: Environment } = {},
): Promise<number> {
  const { start, end } = monthBounds(month);
  return countConnectionsActiveBetween(ctx.database.db, { orgId, environment: options.environment ?? 'live' }, start, end);
}
