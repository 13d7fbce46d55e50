// The statistics charts' arithmetic: events (a time and a value) summed per UTC day over a range, with the total
// and its change against the equally long range before. Every chart the simulator serves is computed this way
// from the account's seeded world, so a chart's total always equals the sum of the rows it was made from.
import { isoTime, money } from './formats.ts';

const DAY_MS = 86_400_000;

export interface StatEvent {
  atMs: number;
  value: number;
}

export interface Range {
  startMs: number;
  endMs: number;
}

export interface ChartSeries {
  total: number;
  /** Percent change of the total against the previous range; 0 when that was 0. */
  delta: number;
  chart: Array<{ date: string; count: number }>;
}

export function chartSeries(events: StatEvent[], range: Range): ChartSeries {
  const previousStart = range.startMs - (range.endMs - range.startMs);
  const inRange = events.filter((e) => e.atMs >= range.startMs && e.atMs <= range.endMs);
  const before = events.filter((e) => e.atMs >= previousStart && e.atMs < range.startMs).reduce((n, e) => n + e.value, 0);
  const total = money(inRange.reduce((n, e) => n + e.value, 0));
  const byDay = new Map<number, number>();
  for (const e of inRange) {
    const day = Math.floor(e.atMs / DAY_MS) * DAY_MS;
    byDay.set(day, (byDay.get(day) ?? 0) + e.value);
  }
  const chart: ChartSeries['chart'] = [];
  for (let day = Math.floor(range.startMs / DAY_MS) * DAY_MS; day <= range.endMs; day += DAY_MS) chart.push({ date: isoTime(day), count: money(byDay.get(day) ?? 0) });
  return { total, delta: before === 0 ? 0 : money(((total - before) / before) * 100), chart };
}

/** Several named series over the same range. */
export function chartOf(range: Range, series: Record<string, StatEvent[]>): Record<string, ChartSeries> {
  const out: Record<string, ChartSeries> = {};
  for (const [name, events] of Object.entries(series)) out[name] = chartSeries(events, range);
  return out;
}

export const one = (atMs: number): StatEvent => ({ atMs, value: 1 });
