// Access: analytics of mass messages — the chart, the sent and purchased lists, one message's buyers. The entries join
// the analytics family in analytics.ts; paths and shapes as stated there.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { ChartQuery, ChartSeries, TopPage, TopQuery, chartCall, emptySeriesLike, shapeChartSeries, upstreamRange } from './analytics-range.ts';
import { Media, ReleaseFormRef, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Limit, Num, Offset, Opt, Str } from './shared/schema-fields.ts';
import { offsetPage } from './shared/upstream-query.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { ListUserRef, shapeListUserRef } from './shared/user-shapes.ts';
import { asArray, asObject, num, overUpstream, passedOnArray, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

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
// ---- shapes -------------------------------------------------------------------------------------------------

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

export const massMessageEndpoints = [
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
