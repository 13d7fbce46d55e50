// GET /v2/account/usage (ofconnect extension): Access requests per connection and day over a date range. This
// node's unwritten counts are flushed first, so a caller sees its own recent traffic. Usage is per org (billing
// is), so a sandbox key sees live connections' rows too; connection ids do not say more than that.
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { UsageMeter } from './usage-meter.ts';
import { listUsage } from './usage-store.ts';
import { countBillableConnections } from '../monitor/billing.ts';

const DEFAULT_RANGE_DAYS = 30;
const MAX_RANGE_DAYS = 366;

export async function reportUsage(
  ctx: ServiceContext,
  meter: UsageMeter,
  orgId: string,
  filter: { from?: string; to?: string; connectionId?: string },
) {
  const today = ctx.clock.now().toISOString().slice(0, 10);
  const to = filter.to ?? today;
  const from = filter.from ?? shiftDay(to, -(DEFAULT_RANGE_DAYS - 1));
  if (from > to) throw new ApiError('BAD_REQUEST', 'from is after to', { details: { field: 'from' } });
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) {
    throw new ApiError('BAD_REQUEST', `The range may span at most ${MAX_RANGE_DAYS} days`, { details: { field: 'from' } });
  }
  await meter.flush();
  const list = await listUsage(ctx.database.db, orgId, { from, to, connectionId: filter.connectionId });
  const billing = [];
  for (const month of monthsBetween(from, to)) {
    billing.push({ month, billableConnections: await countBillableConnections(ctx, orgId, month, { environment: 'live' }) });
  }
  return { from, to, list, totalRequests: list.reduce((sum, row) => sum + row.requests, 0), billing };
}

/** Every YYYY-MM from the month of `from` to the month of `to`. */
function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.slice(0, 7).split('-').map(Number);
  const last = to.slice(0, 7);
  for (;;) {
    const current = `${year}-${String(month).padStart(2, '0')}`;
    months.push(current);
    if (current >= last) return months;
    month += 1;
    if (month > 12) [year, month] = [year + 1, 1];
  }
}

function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
