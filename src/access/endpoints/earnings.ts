// Access: earnings — the earnings chart, transactions and chargebacks (docs/onlyfans-web-api.md §9, "Earnings and
// payouts"; §8 for marker pagination).
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, literalUnion, Num, Opt, Str } from './shared/schema-fields.ts';
import { upstreamDate } from './shared/upstream-date.ts';
import { upstreamPage } from './shared/upstream-page.ts';
import { flag, given } from './shared/upstream-query.ts';
import { asArray, asObject, num, numOrNull, str, strOrNull } from './shared/upstream-readers.ts';
import { userIdentity } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const Amounts = Type.Object({ fee: Num, gross: Num, net: Num, tax: Num, vat: Num });
const EarnUser = Type.Object({ avatar: Nullable(Str), id: Num, name: Str, username: Str });
export const Transaction = Type.Object({
  amounts: Amounts,
  createdAt: Str,
  currency: Str,
  description: Nullable(Str),
  id: Str,
  payoutPendingDays: Nullable(Num),
  status: Nullable(Str),
  type: Nullable(Str),
  user: EarnUser,
});
export const Chargeback = Type.Object({
  createdAt: Str,
  id: Num,
  payment: Type.Object({
    amounts: Amounts,
    createdAt: Nullable(Str),
    currency: Nullable(Str),
    description: Nullable(Str),
    id: Nullable(Str),
    status: Nullable(Str),
    user: EarnUser,
  }),
  paymentType: Nullable(Str),
});
const ChartPoint = Type.Object({ count: Num, date: Str });

export const EarningsChartReply = Type.Object({ chart: Type.Array(ChartPoint), delta: Opt(Num), gross: Opt(Num), total: Num });
export const TransactionsReply = Type.Object({ hasMore: Bool, list: Type.Array(Transaction), nextMarker: Nullable(Num) });
export const ChargebacksReply = Type.Object({ hasMore: Bool, list: Type.Array(Chargeback), nextMarker: Nullable(Num) });

const EARNINGS_BY = ['total', 'messages', 'tips', 'stream', 'post', 'subscribes', 'tips_profile', 'tips_post', 'tips_chat', 'tips_stream', 'tips_story', 'ref'] as const;
export const EarningsChartQuery = Type.Object({ startDate: Opt(Str), endDate: Opt(Str), by: Opt(literalUnion(EARNINGS_BY)), withTotal: Opt(Bool), monthlyTotal: Opt(Bool) });
export const TransactionsQuery = Type.Object({
  startDate: Opt(Str),
  marker: Opt(Str),
  type: Opt(literalUnion(['subscribes', 'chat_messages', 'post', 'stream', 'tips'])),
  tipsSource: Opt(literalUnion(['chat', 'post_all', 'profile', 'story', 'stream'])),
});
export const ChargebacksQuery = Type.Object({ startDate: Opt(Str), endDate: Opt(Str), marker: Opt(Str) });

// ---- shapes -------------------------------------------------------------------------------------------------

export function shapeTransaction(value: unknown, type: string | null): Static<typeof Transaction> {
  const t = asObject(value);
  return {
    id: str(t.id),
    amounts: { gross: num(t.amount), net: num(t.net), fee: num(t.fee), tax: num(t.taxAmount), vat: num(t.vatAmount) },
    createdAt: str(t.createdAt),
    currency: str(t.currency, 'USD'),
    description: strOrNull(t.description),
    payoutPendingDays: numOrNull(t.payoutPendingDays),
    status: strOrNull(t.status),
    type: strOrNull(t.type) ?? type,
    user: userIdentity(t.user),
  };
}

export function shapeChargeback(value: unknown): Static<typeof Chargeback> {
  const c = asObject(value);
  const payment = asObject(c.payment);
  const amount = num(payment.amount ?? c.amount);
  return {
    id: num(c.id),
    createdAt: str(c.createdAt),
    paymentType: strOrNull(c.paymentType),
    payment: {
      id: strOrNull(payment.id ?? c.transactionId),
      amounts: { gross: amount, net: num(payment.net), fee: num(payment.fee), tax: num(payment.taxAmount), vat: num(payment.vatAmount) },
      createdAt: strOrNull(payment.createdAt),
      currency: strOrNull(payment.currency ?? c.currency),
      description: strOrNull(payment.description),
      status: strOrNull(payment.status),
      user: userIdentity(payment.user ?? c.user),
    },
  };
}

/** Upstream's chart is keyed by category with chartAmount series; the SDK wants one series for the asked `by`. */
const CHART_KEY_OF_BY: Record<(typeof EARNINGS_BY)[number], string> = {
  total: 'total',
  messages: 'chat_messages',
  tips: 'tips',
  tips_profile: 'tips',
  tips_post: 'tips',
  tips_chat: 'tips',
  tips_stream: 'tips',
  tips_story: 'tips',
  stream: 'stream',
  post: 'post',
  subscribes: 'subscribes',
  ref: 'ref',
};

export function shapeEarningsChart(value: unknown, by: (typeof EARNINGS_BY)[number] | undefined): Static<typeof EarningsChartReply> {
  const chart = asObject(value);
  const series = asObject(chart[CHART_KEY_OF_BY[by ?? 'total']] ?? chart.total);
  return {
    chart: asArray(series.chartAmount ?? series.chart).map(asObject).map((p) => ({ date: str(p.date), count: num(p.count) })),
    total: num(series.total),
    ...(series.gross !== undefined ? { gross: num(series.gross) } : {}),
    ...(series.delta !== undefined ? { delta: num(series.delta) } : {}),
  };
}

/** A marker as the SDK's number, null at the end. */
function markerOf(value: unknown): number | null {
  return typeof value === 'number' ? value : value === null || value === undefined ? null : Number(value);
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: earnings';

export const family = defineFamily({
  name: 'earnings',
  permissions: ['earnings:read'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/earnings/chart', tag, summary: 'Earnings over time for one category', permission: 'earnings:read',
      querystring: EarningsChartQuery, reply: EarningsChartReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/earnings/chart',
        query: { startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate), withTotal: 'true', monthlyTotal: flag(query.monthlyTotal) },
      }),
      shape: (body, { query }) => shapeEarningsChart(body, query.by),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/earnings/transactions', tag, summary: 'Transactions (marker pagination: pass nextMarker back as marker)', permission: 'earnings:read',
      querystring: TransactionsQuery, reply: TransactionsReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/payouts/transactions',
        query: { startDate: upstreamDate(query.startDate), marker: given(query.marker), type: given(query.type), tipsSource: given(query.tipsSource) },
      }),
      shape: (body, { query }) => {
        const page = upstreamPage(body);
        return { list: page.list.map((t) => shapeTransaction(t, query.type ?? null)), hasMore: page.hasMore, nextMarker: markerOf(page.raw.nextMarker) };
      },
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/earnings/chargebacks', tag, summary: 'Chargebacks (marker pagination)', permission: 'earnings:read',
      querystring: ChargebacksQuery, reply: ChargebacksReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/payouts/chargebacks',
        query: { startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate), marker: given(query.marker) },
      }),
      // Upstream answers {list, marker} (marker = where the next page starts, null at the end).
      shape: (body) => {
        const page = upstreamPage(body);
        const nextMarker = markerOf(page.raw.nextMarker ?? page.raw.marker);
        return { list: page.list.map(shapeChargeback), hasMore: page.hasMore || nextMarker !== null, nextMarker };
      },
    }),
  ],
});
