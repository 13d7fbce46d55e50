// Access: analytics of offers (promotions, trial links, tracking-link campaigns), of visitors' countries and of mass
// messages. The entries join the analytics family in analytics.ts; paths and shapes as stated there.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import {
  ChartPoint,
  ChartSeries,
  ChartsReply,
  RangeFields,
  TopPage,
  TopQuery,
  emptySeriesLike,
  shapeCharts,
  shapeChartSeries,
  shapeTopPage,
  upstreamRange,
  upstreamTopQuery,
} from './analytics-range.ts';
import { Media, ReleaseFormRef, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Limit, literalUnion, Num, Offset, Opt, Str } from './shared/schema-fields.ts';
import { offsetPage } from './shared/upstream-query.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { ListUserRef, shapeListUserRef } from './shared/user-shapes.ts';
import { asArray, asObject, bool, num, numOrNull, overUpstream, passedOnArray, str, strOrNull } from './shared/upstream-readers.ts';

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

export const MassMessagesChartReply = Type.Object({
  group_messages: ChartSeries,
  group_messages_purchases: ChartSeries,
  direct_messages: ChartSeries,
  direct_messages_purchases: ChartSeries,
});
export const MassMessageStat = Type.Object({
  id: Num,
  date: Str,
  responseType: Opt(Str),
  text: Str,
  rawText: Opt(Str),
  giphyId: Opt(Nullable(Str)),
  isFree: Opt(Bool),
  isMediaReady: Opt(Bool),
  mediaCount: Opt(Num),
  media: Type.Array(Media),
  previews: Type.Array(Media),
  isTip: Opt(Bool),
  isReportedByMe: Opt(Bool),
  viewedCount: Opt(Num),
  sentCount: Opt(Num),
  isCanceled: Opt(Bool),
  releaseForms: Type.Array(ReleaseFormRef),
  template: Opt(Str),
  canUnsend: Opt(Bool),
  unsendSeconds: Opt(Num),
  price: Opt(Str),
  purchasedCount: Opt(Num),
  canSendMessageToBuyers: Opt(Bool),
});
export const MassMessageStatsReply = TopPage(MassMessageStat);
export const BuyersReply = Type.Object({ list: Type.Array(ListUserRef), hasMore: Bool, nextMarker: Opt(Nullable(Num)) });
export const PurchasedQuery = Type.Object({ limit: Limit(100, 10), offset: Offset });
/** `marker` is where the next page starts (the SDK's iterator passes nextMarker back); `offset` does the same. */
export const BuyersQuery = Type.Object({ limit: Limit(100, 10), offset: Offset, marker: Opt(Type.Integer({ minimum: 0 })) });
export const MassMessageIdParams = Type.Object({ massMessageId: Type.String({ pattern: '^[0-9]+$' }) });
const ChartQuery = Type.Object({ ...RangeFields, withTotal: Opt(Bool) });

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

/**
 * Upstream's queue chart counts mass messages (`messages`) and their purchases (`purchased`); direct (one-to-one)
 * messages are not part of it, so their series are empty over the same days.
 */
function shapeMassMessagesChart(body: unknown): Static<typeof MassMessagesChartReply> {
  const charts = asObject(body);
  const messages = shapeChartSeries(charts.messages);
  const purchases = shapeChartSeries(charts.purchased);
  return { group_messages: messages, group_messages_purchases: purchases, direct_messages: emptySeriesLike(messages), direct_messages_purchases: emptySeriesLike(messages) };
}

function shapeMassMessageStat(value: unknown): Static<typeof MassMessageStat> {
  const m = asObject(value);
  const media = asArray(m.media).map(shapeMedia);
  return overUpstream(m, {
    id: num(m.id),
    date: str(m.date),
    text: str(m.text),
    media,
    previews: asArray(m.previews).filter((p) => typeof p === 'object').map(shapeMedia),
    releaseForms: passedOnArray<Static<typeof ReleaseFormRef>>(m.releaseForms),
    mediaCount: num(m.mediaCount, media.length),
    // The SDK types a mass message's price as a string, as OnlyFans' web client receives it.
    ...(m.price !== undefined && m.price !== null ? { price: str(m.price) } : {}),
  });
}

function shapeMassMessageStats(body: unknown): Static<typeof MassMessageStatsReply> {
  const page = upstreamPage(body);
  return { hasMore: page.hasMore, items: page.list.map(shapeMassMessageStat) };
}

function shapeBuyers(body: unknown, start: number): Static<typeof BuyersReply> {
  const page = upstreamPage(body);
  return { list: page.list.map(shapeListUserRef), hasMore: page.hasMore, nextMarker: page.hasMore ? start + page.list.length : null };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: analytics';
const permission = 'analytics:read';
const withTotal = 'true';
const chartCall = (path: string, query: { startDate?: string; endDate?: string }) => ({ method: 'GET' as const, path, query: { ...upstreamRange(query), withTotal } });
/** Upstream's visitor top list is short (one row per country): fetched whole, then ranked by the asked `by`. */
const ALL_COUNTRIES = 100;

export const offerAndMessageEndpoints = [
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
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/mass-messages/chart', tag, summary: 'Mass messages sent and bought over time', permission,
    querystring: ChartQuery, reply: MassMessagesChartReply,
    upstream: ({ query }) => chartCall('/messages/queue/chart', query),
    shape: shapeMassMessagesChart,
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/mass-messages/sent', tag, summary: 'Sent mass messages with their views and purchases', permission,
    querystring: TopQuery, reply: MassMessageStatsReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/users/me/stats/messages/group', query: { ...upstreamRange(query), ...offsetPage(query) } }),
    shape: shapeMassMessageStats,
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/mass-messages/purchased', tag, summary: 'Mass messages fans bought, most bought first', permission,
    querystring: PurchasedQuery, reply: MassMessageStatsReply,
    upstream: ({ query }) => ({ method: 'GET', path: '/users/me/stats/messages/purchased', query: offsetPage(query) }),
    shape: shapeMassMessageStats,
  }),
  defineEndpoint({
    method: 'GET', url: '/v2/access/analytics/mass-messages/:massMessageId/buyers', tag, summary: 'Fans who bought one mass message', permission,
    params: MassMessageIdParams, querystring: BuyersQuery, reply: BuyersReply,
    upstream: ({ params, query }) => ({ method: 'GET', path: `/messages/queue/${params.massMessageId}/buyers`, query: { limit: query.limit, offset: query.marker ?? query.offset } }),
    shape: (body, { query }) => shapeBuyers(body, query.marker ?? query.offset ?? 0),
  }),
];
