// Access: analytics of offers (promotions, trial links, tracking-link campaigns) and of visitors' countries. The
// entries join the analytics family in analytics.ts; paths and shapes as stated there.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import {
  ChartPoint,
  ChartQuery,
  ChartsReply,
  RangeFields,
  TopPage,
  TopQuery,
  chartCall,
  shapeCharts,
  shapeChartSeries,
  shapeTopPage,
  upstreamRange,
  upstreamTopQuery,
} from './analytics-range.ts';
import { Bool, literalUnion, Num, Opt, Str } from './shared/schema-fields.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { asObject, bool, num, numOrNull, overUpstream, str, strOrNull } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

export const TopPromotion = Type.Object({
  id: Num, message: Str, rawMessage: Str, hasRelatedPromo: Bool, price: Num, type: Str, canClaim: Bool, claimsCount: Num,
  subscribeCounts: Nullable(Num), subscribeDays: Num, createdAt: Str, finishedAt: Str, isFinished: Bool,
});
export const TopTrial = Type.Object({
  id: Num, trialLinkName: Str, url: Str, subscribeDays: Num, subscribeCounts: Num, claimCounts: Num, expiredAt: Nullable(Str), createdAt: Str, isFinished: Bool,
});
export const TopCampaign = Type.Object({ id: Num, countSubscribers: Num, countTransitions: Num, campaignCode: Num, campaignName: Str, createdAt: Str, endDate: Str });

const VISITOR_BY = ['guests', 'total', 'users'] as const;
type VisitorBy = (typeof VISITOR_BY)[number];
export const VisitorsQuery = Type.Object({ ...RangeFields, by: Opt(literalUnion(VISITOR_BY)) });
export const VisitorsChartReply = Type.Object({
  isAvailable: Bool,
  chart: Type.Object({ visitors: Type.Array(ChartPoint), duration: Type.Array(ChartPoint) }),
  total: Type.Object({ current: Str, delta: Num }),
  hasStats: Bool,
});
const ViewsCount = Type.Object({ total: Num, guests: Num, users: Num, subscribers: Num });
export const VisitorsTopReply = Type.Object({
  isAvailable: Bool,
  hasStats: Bool,
  topCountries: Type.Object({
    hasMore: Bool,
    totals: Type.Object({ total: Num, guests: Str, users: Str, subscribers: Num }),
    rows: Type.Array(Type.Object({ rank: Num, countryName: Str, countryCode: Str, viewsCount: ViewsCount })),
  }),
});


// ---- shapes -------------------------------------------------------------------------------------------------

function shapeTopPromotion(value: unknown): Static<typeof TopPromotion> {
  const p = asObject(value);
  const finishedAt = strOrNull(p.finishedAt);
  return overUpstream(p, {
    id: num(p.id),
    message: str(p.message),
    rawMessage: str(p.rawMessage ?? p.message),
    hasRelatedPromo: bool(p.hasRelatedPromo),
    price: num(p.price),
    type: str(p.type, 'all'),
    canClaim: bool(p.canClaim, true),
    claimsCount: num(p.claimsCount),
    subscribeCounts: numOrNull(p.subscribeCounts),
    subscribeDays: num(p.subscribeDays),
    createdAt: str(p.createdAt),
    finishedAt: finishedAt ?? '',
    isFinished: bool(p.isFinished),
  });
}

function shapeTopTrial(value: unknown): Static<typeof TopTrial> {
  const t = asObject(value);
  return overUpstream(t, {
    id: num(t.id),
    trialLinkName: str(t.trialLinkName ?? t.name),
    url: str(t.url),
    subscribeDays: num(t.subscribeDays),
    subscribeCounts: num(t.subscribeCounts),
    claimCounts: num(t.claimCounts ?? t.claimsCount),
    expiredAt: strOrNull(t.expiredAt),
    createdAt: str(t.createdAt),
    isFinished: bool(t.isFinished),
  });
}

/** Upstream counts a campaign's subscribers and clicks; the SDK calls clicks transitions. */
function shapeTopCampaign(value: unknown): Static<typeof TopCampaign> {
  const c = asObject(value);
  return overUpstream(c, {
    id: num(c.id),
    countSubscribers: num(c.countSubscribers ?? c.subscribersCount),
    countTransitions: num(c.countTransitions ?? c.clicksCount),
    campaignCode: num(c.campaignCode, num(c.id)),
    campaignName: str(c.campaignName),
    createdAt: str(c.createdAt),
    endDate: str(c.endDate),
  });
}

/**
 * Upstream's visitors chart has a `total` series beside one per country. Visitors are not split into guests and
 * users there, and no view durations are kept: every `by` charts all visitors, and `duration` is empty.
 */
function shapeVisitorsChart(body: unknown): Static<typeof VisitorsChartReply> {
  const total = shapeChartSeries(asObject(body).total);
  return { isAvailable: true, hasStats: total.total > 0, chart: { visitors: total.chart, duration: [] }, total: { current: String(total.total), delta: total.delta } };
}

/** Signed-in visitors are the fans (they visited when subscribing); the rest (link clicks) are guests. */
function shapeVisitorsTop(body: unknown, by: VisitorBy): Static<typeof VisitorsTopReply> {
  const rows = upstreamPage(body).list.map(asObject).map((row) => {
    const total = num(row.visitorsCount);
    const subscribers = num(row.subscribersCount);
    return { countryName: str(row.countryName), countryCode: str(row.countryCode), viewsCount: { total, guests: total - subscribers, users: subscribers, subscribers } };
  });
  rows.sort((a, b) => b.viewsCount[by] - a.viewsCount[by]);
  const sum = (field: keyof (typeof rows)[number]['viewsCount']) => rows.reduce((n, row) => n + row.viewsCount[field], 0);
  return {
    isAvailable: true,
    hasStats: rows.length > 0,
    topCountries: {
      hasMore: false,
      totals: { total: sum('total'), guests: String(sum('guests')), users: String(sum('users')), subscribers: sum('subscribers') },
      rows: rows.map((row, index) => ({ rank: index + 1, ...row })),
    },
  };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: analytics';
const permission = 'analytics:read';
/** Upstream's visitor top list is short (one row per country): fetched whole, then ranked by the asked `by`. */
const ALL_COUNTRIES = 100;

export const offerEndpoints = [
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/promotions/chart', tag, summary: 'Promotion claims and their earnings over time', permission,
    querystring: ChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/promotions/chart', query),
    shape: (body) => shapeCharts(body, undefined),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/promotions/top', tag, summary: 'Promotions with the most claims in a date range', permission,
    querystring: TopQuery, reply: TopPage(TopPromotion),
    upstream: ({ query }) => ({ method: 'GET', path: '/promotions/top', query: upstreamTopQuery(query) }),
    shape: (body) => shapeTopPage(body, shapeTopPromotion),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/trials/chart', tag, summary: 'Trial link claims over time', permission,
    querystring: ChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/trials/chart', query),
    shape: (body) => shapeCharts(body, undefined),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/trials/top', tag, summary: 'Trial links with the most claims in a date range', permission,
    querystring: TopQuery, reply: TopPage(TopTrial),
    upstream: ({ query }) => ({ method: 'GET', path: '/trials/top', query: upstreamTopQuery(query) }),
    shape: (body) => shapeTopPage(body, shapeTopTrial),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/campaigns/chart', tag, summary: 'Tracking link subscribers and clicks over time', permission,
    querystring: ChartQuery, reply: ChartsReply,
    upstream: ({ query }) => chartCall('/campaigns/chart', query),
    shape: (body) => shapeCharts(body, undefined),
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/campaigns/top', tag, summary: 'Tracking links with the most subscribers in a date range', permission,
    querystring: TopQuery, reply: Type.Object({ hasMore: Bool, list: Type.Array(TopCampaign) }),
    upstream: ({ query }) => ({ method: 'GET', path: '/campaigns/top', query: upstreamTopQuery(query) }),
    shape: (body) => {
      const page = upstreamPage(body);
      return { hasMore: page.hasMore, list: page.list.map(shapeTopCampaign) };
    },
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/visitor-countries/chart', tag, summary: 'Profile visitors over time', permission,
    querystring: VisitorsQuery, reply: VisitorsChartReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/users/me/stats/visitors/countries/chart', query: upstreamRange(query) }),
    shape: shapeVisitorsChart,
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/visitor-countries/top', tag, summary: 'Visitors by country, ranked', permission,
    querystring: VisitorsQuery, reply: VisitorsTopReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/users/me/stats/visitors/countries/top', query: { ...upstreamRange(query), limit: ALL_COUNTRIES, offset: 0 } }),
    shape: (body, { query }) => shapeVisitorsTop(body, query.by ?? 'total'),
  }),
];
