// What every analytics route shares: the SDK's date range (ISO 8601 here, upstream's `YYYY-MM-DD HH:MM:SS` there,
// docs/onlyfans-web-api.md §9 "Paths the simulator serves for the remaining Access families"), the top lists'
// paging, and the chart series upstream and the SDK both use.
import { Type, type Static, type TSchema } from 'typebox';
import { ApiError } from '../../platform/errors.ts';
import { Bool, Limit, Num, Offset, Str } from './shared/schema-fields.ts';
import { upstreamDate } from './shared/upstream-date.ts';
import { given } from './shared/upstream-query.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { asArray, asObject, num, str } from './shared/upstream-readers.ts';

/**
 * An ISO 8601 date (`2026-01-31`) or instant with its offset (`2026-01-31T12:00:00Z`). The validator's formats
 * check the calendar, so 2026-02-30 is a 400 naming the field before any upstream call.
 */
const IsoDate = Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], {
  description: 'ISO 8601 date or date-time; a date alone as endDate covers that whole day (UTC)',
});

export const RangeFields = { startDate: Type.Optional(IsoDate), endDate: Type.Optional(IsoDate) };
export const TopFields = { ...RangeFields, limit: Limit(100, 10), offset: Offset };
export const RangeQuery = Type.Object(RangeFields);
export const TopQuery = Type.Object(TopFields);
/** A chart's query where the SDK has no `by`. */
export const ChartQuery = Type.Object({ ...RangeFields, withTotal: Type.Optional(Bool) });

/** A chart's upstream call: the range, and the totals the SDK's series always carry. */
export function chartCall(path: string, query: { startDate?: string; endDate?: string }) {
  return { method: 'GET' as const, path, query: { ...upstreamRange(query), withTotal: 'true' } };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date alone as the end of a range means the end of that day: "up to 2026-01-31" includes the 31st. */
function endOfRange(value: string | undefined): string | undefined {
  return value !== undefined && DATE_ONLY.test(value) ? `${value}T23:59:59Z` : value;
}

/**
 * The range in upstream's form, for upstream's `startDate`/`endDate`. A start after the end is the caller's mistake,
 * refused here rather than passed on (upstream's 400 would not say which field).
 */
export function upstreamRange(query: { startDate?: string; endDate?: string }): { startDate?: string; endDate?: string } {
  const end = endOfRange(given(query.endDate));
  const start = given(query.startDate);
  if (start !== undefined && end !== undefined && Date.parse(start) > Date.parse(end)) {
    throw new ApiError('BAD_REQUEST', 'Invalid querystring: startDate is after endDate', { details: { field: 'startDate', location: 'querystring' } });
  }
  return { startDate: upstreamDate(start), endDate: upstreamDate(end) };
}

/** A top list's upstream query: the range, limit/offset, and `by` when given. */
export function upstreamTopQuery(query: { startDate?: string; endDate?: string; limit?: number; offset?: number; by?: string }) {
  return { ...upstreamRange(query), limit: given(query.limit), offset: given(query.offset), by: given(query.by) };
}

// ---- chart series -------------------------------------------------------------------------------------------

export const ChartPoint = Type.Object({ date: Str, count: Num });
export const ChartSeries = Type.Object({ chart: Type.Array(ChartPoint), total: Num, delta: Num, gross: Type.Optional(Num) });
/** The SDK's chart reply: one series per name (`{likes: {chart, total, delta}, …}`). */
export const ChartsReply = Type.Record(Type.String(), ChartSeries);
export const TopPage = <T extends TSchema>(item: T) => Type.Object({ hasMore: Bool, items: Type.Array(item) });

export type ChartPoint = Static<typeof ChartPoint>;
export type ChartSeries = Static<typeof ChartSeries>;

export function shapeChartPoints(value: unknown): ChartPoint[] {
  return asArray(value).map(asObject).map((point) => ({ date: str(point.date), count: num(point.count) }));
}

export function shapeChartSeries(value: unknown): ChartSeries {
  const series = asObject(value);
  return {
    chart: shapeChartPoints(series.chart ?? series.chartAmount),
    total: num(series.total),
    delta: num(series.delta),
    ...(series.gross !== undefined ? { gross: num(series.gross) } : {}),
  };
}

/** Every series upstream sent, or only the one `by` names (none when upstream has no such series). */
export function shapeCharts(body: unknown, by: string | undefined): Static<typeof ChartsReply> {
  const charts: Static<typeof ChartsReply> = {};
  for (const [name, series] of Object.entries(asObject(body))) {
    if (by === undefined || by === name) charts[name] = shapeChartSeries(series);
  }
  return charts;
}

/** A series with upstream's dates and no counts: for what the account has none of. */
export function emptySeriesLike(series: ChartSeries): ChartSeries {
  return { chart: series.chart.map((point) => ({ date: point.date, count: 0 })), total: 0, delta: 0 };
}

/** Upstream's `{list, hasMore}` top page → the SDK's `{hasMore, items}`. */
export function shapeTopPage<T>(body: unknown, shapeItem: (item: unknown) => T): { hasMore: boolean; items: T[] } {
  const page = upstreamPage(body);
  return { hasMore: page.hasMore, items: page.list.map(shapeItem) };
}
