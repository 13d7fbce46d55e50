// Earnings chart (derived from transactions), transactions with the marker/nextMarker cursor, balances,
// chargebacks ({list, marker}).
import type { FastifyInstance } from 'fastify';
import type { EarningCategory, Transaction } from '../data/earnings.ts';
import { transactionDescription } from '../data/earnings.ts';
import { deliverDueMassMessages } from '../data/mass-message-delivery.ts';
import { isoTime, money } from '../data/formats.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { DAY_MS, parseUpstreamDate as parseDate } from './date-range.ts';
import { pageOf, queryOf, queryString } from './paging.ts';

const CHART_KEYS: Array<EarningCategory | 'ref'> = ['subscribes', 'tips', 'chat_messages', 'post', 'stream', 'ref'];

function userOf(data: AccountData, userId: number) {
  const person = data.relationsById.get(userId)?.person;
  return { id: userId, name: person?.name ?? 'Deleted user', username: person?.username ?? `u${userId}`, avatar: null, isDeleted: !person };
}

function transactionView(data: AccountData, t: Transaction) {
  const user = userOf(data, t.userId);
  return {
    id: t.id,
    amount: t.amount,
    vatAmount: t.vatAmount,
    taxAmount: t.taxAmount,
    mediaTaxAmount: t.mediaTaxAmount,
    net: t.net,
    fee: t.fee,
    currency: 'USD',
    description: transactionDescription(t, user.username, user.name),
    status: t.status,
    createdAt: isoTime(t.createdAtMs),
    payoutPendingDays: t.payoutPendingDays,
    user,
  };
}

function chartOf(rows: Transaction[], start: number, end: number, previous: Transaction[]) {
  const days: number[] = [];
  for (let day = Math.floor(start / DAY_MS) * DAY_MS; day <= end; day += DAY_MS) days.push(day);
  const series = (selected: Transaction[], earlier: Transaction[]) => {
    const total = money(selected.reduce((n, t) => n + t.net, 0));
    const before = earlier.reduce((n, t) => n + t.net, 0);
    return {
      total,
      gross: money(selected.reduce((n, t) => n + t.amount, 0)),
      delta: before === 0 ? 0 : money(((total - before) / before) * 100),
      chartAmount: days.map((day) => ({ date: isoTime(day), count: money(selected.filter((t) => t.createdAtMs >= day && t.createdAtMs < day + DAY_MS).reduce((n, t) => n + t.net, 0)) })),
      chartCount: days.map((day) => ({ date: isoTime(day), count: selected.filter((t) => t.createdAtMs >= day && t.createdAtMs < day + DAY_MS).length })),
    };
  };
  const out: Record<string, ReturnType<typeof series>> = { total: series(rows, previous) };
  for (const key of CHART_KEYS) out[key] = series(rows.filter((t) => t.category === key), previous.filter((t) => t.category === key));
  return out;
}

export function registerEarningsRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/earnings/chart', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const end = parseDate(queryString(query, 'endDate'), state.now());
    const start = parseDate(queryString(query, 'startDate'), end - 30 * DAY_MS);
    if (start > end) throw badRequest('startDate is after endDate');
    const done = data.earnings.transactions.filter((t) => t.status !== 'undo');
    const rows = done.filter((t) => t.createdAtMs >= start && t.createdAtMs <= end);
    const previous = done.filter((t) => t.createdAtMs >= start - (end - start) && t.createdAtMs < start);
    return chartOf(rows, start, end, previous);
  });

  app.get('/api2/v2/payouts/transactions', async (req) => {
    const data = requireAccountData(req, state);
    // Purchases of scheduled mass messages that went out since the last look are earnings too.
    deliverDueMassMessages(data, state.now());
    const query = queryOf(req);
    const { limit } = pageOf(query, 50);
    const start = parseDate(queryString(query, 'startDate'), 0);
    const marker = Number(queryString(query, 'marker'));
    // marker = the createdAt (Unix seconds) of the last row seen; the next page starts strictly older.
    const rows = data.earnings.transactions.filter((t) => t.createdAtMs >= start && (!Number.isFinite(marker) || marker <= 0 || t.createdAtMs / 1000 < marker));
    const list = rows.slice(0, limit);
    const hasMore = rows.length > list.length;
    return { list: list.map((t) => transactionView(data, t)), hasMore, nextMarker: hasMore ? Math.floor(list[list.length - 1].createdAtMs / 1000) : null };
  });

  app.get('/api2/v2/payouts/balances', async (req) => {
    const earnings = requireAccountData(req, state).earnings;
    return {
      currency: 'USD',
      payoutAvailable: earnings.payoutAvailable,
      payoutPending: earnings.payoutPending,
      minPayoutSumm: 20,
      maxPayoutSumm: 50_000,
      manualPayoutPendingDays: 0,
      withdrawalPeriod: 'manual',
      withdrawalPeriodOptions: ['manual', 'weekly', 'monthly'],
    };
  });

  app.get('/api2/v2/payouts/chargebacks', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const { limit } = pageOf(query, 10);
    const marker = Number(queryString(query, 'marker'));
    const rows = data.earnings.chargebacks
      .slice()
      .sort((a, b) => b.createdAtMs - a.createdAtMs)
      .filter((c) => !Number.isFinite(marker) || marker <= 0 || c.createdAtMs / 1000 < marker);
    const list = rows.slice(0, limit);
    return {
      list: list.map((c) => ({ id: c.id, transactionId: c.transactionId, amount: c.amount, currency: 'USD', createdAt: isoTime(c.createdAtMs), user: userOf(data, c.userId) })),
      marker: rows.length > list.length ? Math.floor(list[list.length - 1].createdAtMs / 1000) : null,
    };
  });
}
