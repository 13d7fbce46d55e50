// Date parameters of statistics and earnings: OnlyFans takes `YYYY-MM-DD HH:MM:SS` (UTC); ISO and plain dates are
// accepted too. Without them a range is the last 30 days (docs/onlyfans-web-api.md §8).
import { badRequest } from '../onlyfans-error.ts';
import { type Query, queryString } from './paging.ts';

export const DAY_MS = 86_400_000;

export interface DateRange {
  startMs: number;
  endMs: number;
}

export function parseUpstreamDate(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value);
  if (!Number.isFinite(ms)) throw badRequest('Invalid date');
  return ms;
}

export function dateRangeOf(query: Query, nowMs: number): DateRange {
  const endMs = parseUpstreamDate(queryString(query, 'endDate'), nowMs);
  const startMs = parseUpstreamDate(queryString(query, 'startDate'), endMs - 30 * DAY_MS);
  if (startMs > endMs) throw badRequest('startDate is after endDate');
  return { startMs, endMs };
}

export function isWithin(range: DateRange, ms: number): boolean {
  return ms >= range.startMs && ms <= range.endMs;
}

/** The equally long range just before this one (for deltas). */
export function previousRange(range: DateRange): DateRange {
  return { startMs: range.startMs - (range.endMs - range.startMs), endMs: range.startMs - 1 };
}
