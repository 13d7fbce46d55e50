// Statistics of mass messages, computed from the queue (generated history plus what was sent here): the chart
// (/messages/queue/chart), the sent list (/users/me/stats/messages/group, docs/onlyfans-web-api.md §9), the
// purchased list and one message's buyers (/users/me/stats/messages/purchased and /messages/queue/{id}/buyers:
// the simulator's choice of path, not confirmed upstream).
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime, money } from '../data/formats.ts';
import { deliverDueMassMessages } from '../data/mass-message-delivery.ts';
import type { QueuedMassMessage } from '../data/mass-messages.ts';
import { chartOf } from '../data/statistics.ts';
import { notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { type DateRange, dateRangeOf, isWithin } from './date-range.ts';
import { UNSEND_WINDOW_MS, queueView } from './mass-messages.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';
import { userView } from './user-view.ts';

type Sent = QueuedMassMessage & { deliveredAtMs: number };

function sentItems(items: QueuedMassMessage[]): Sent[] {
  return items.filter((item): item is Sent => item.deliveredAtMs !== null);
}

function statsRow(item: Sent, nowMs: number) {
  return {
    id: item.id,
    date: isoTime(item.deliveredAtMs),
    text: htmlText(item.text),
    mediaCount: item.mediaCount,
    isFree: item.price === 0,
    price: item.price,
    sentCount: item.recipients,
    viewedCount: item.viewedCount,
    purchasedCount: item.purchasedCount,
    purchasedAmount: money(item.purchasedCount * item.price),
    canUnsend: queueView(item, nowMs).canUnsend,
    unsendSeconds: Math.max(0, Math.floor((item.createdAtMs + UNSEND_WINDOW_MS - nowMs) / 1000)),
    isCanceled: item.isCanceled,
    mediaTypes: item.mediaCount > 0 ? ['photo'] : [],
  };
}

export function registerMassMessageStatisticsRoutes(app: FastifyInstance, state: SandboxState): void {
  const sent = (req: Parameters<typeof requireAccountData>[0]) => {
    const data = requireAccountData(req, state);
    deliverDueMassMessages(data, state.now());
    return { data, items: sentItems(data.massMessages.items) };
  };
  /** Only when asked: without dates these lists cover the whole history, as they always have. */
  const optionalRange = (req: Parameters<typeof requireAccountData>[0]): DateRange | null => {
    const query = queryOf(req);
    return queryString(query, 'startDate') === undefined && queryString(query, 'endDate') === undefined ? null : dateRangeOf(query, state.now());
  };

  app.get('/api2/v2/messages/queue/chart', async (req) => {
    const { items } = sent(req);
    const range = dateRangeOf(queryOf(req), state.now());
    const at = (item: Sent, value: number) => ({ atMs: item.deliveredAtMs, value });
    return chartOf(range, {
      messages: items.map((item) => at(item, 1)),
      sent: items.map((item) => at(item, item.recipients)),
      viewed: items.map((item) => at(item, item.viewedCount)),
      purchased: items.map((item) => at(item, item.purchasedCount)),
      earnings: items.map((item) => at(item, money(item.purchasedCount * item.price * 0.8))),
    });
  });

  app.get('/api2/v2/users/me/stats/messages/group', async (req) => {
    const { items } = sent(req);
    const range = optionalRange(req);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(range ? items.filter((item) => isWithin(range, item.deliveredAtMs)) : items, limit, offset);
    return { hasMore: page.hasMore, items: page.list.map((item) => statsRow(item, state.now())) };
  });

  app.get('/api2/v2/users/me/stats/messages/purchased', async (req) => {
    const { items } = sent(req);
    const range = optionalRange(req);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const bought = items.filter((item) => item.purchasedCount > 0 && (!range || isWithin(range, item.deliveredAtMs))).sort((a, b) => b.purchasedCount - a.purchasedCount);
    const page = offsetPage(bought, limit, offset);
    return { hasMore: page.hasMore, items: page.list.map((item) => statsRow(item, state.now())) };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/messages/queue/:id/buyers', async (req) => {
    const { data } = sent(req);
    const item = data.massMessages.items.find((m) => m.id === Number(req.params.id));
    if (!item) throw notFound('Message not found');
    const { limit, offset } = pageOf(queryOf(req), 10);
    const buyers = item.buyerIds.map((id) => data.relationsById.get(id)).filter((r) => r !== undefined);
    const page = offsetPage(buyers, limit, offset);
    return { list: page.list.map((r) => userView(r.person, data)), hasMore: page.hasMore };
  });
}
