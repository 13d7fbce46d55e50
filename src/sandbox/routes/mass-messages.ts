// Mass messages: POST /messages/queue (delivered into the recipients' chats at once, or at scheduledDate), the
// queue, one item, replacing a scheduled one, cancelling/unsending, and the audience size.
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime } from '../data/formats.ts';
import { mediaView } from '../data/media.ts';
import { deliverDueMassMessages, deliverMassMessage, unsendMassMessage } from '../data/mass-message-delivery.ts';
import type { QueuedMassMessage } from '../data/mass-messages.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { parseUpstreamDate } from './date-range.ts';
import { resolveMediaFiles } from './media-files.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';

export const UNSEND_WINDOW_MS = 24 * 3_600_000;

export function queueView(item: QueuedMassMessage, nowMs: number) {
  const isDone = item.deliveredAtMs !== null;
  return {
    id: item.id,
    date: isoTime(item.scheduledAtMs ?? item.createdAtMs),
    isReady: true,
    isDone: isDone && !item.isCanceled,
    total: item.recipients,
    pending: isDone ? 0 : item.recipients,
    canUnsend: !item.isCanceled && nowMs - item.createdAtMs < UNSEND_WINDOW_MS,
    isCanceled: item.isCanceled,
    text: htmlText(item.text),
    price: item.price,
    isFree: item.price === 0,
    mediaCount: item.mediaCount,
  };
}

function listIds(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Recipients from userLists (built-in or custom ids) and userIds, minus excludedLists, and, with
 * subscribedAfterDate (the simulator's name for it; not confirmed upstream), only fans who subscribed since then.
 */
function recipientsOf(data: AccountData, body: Record<string, unknown>): number[] {
  const members = (ids: string[]) =>
    ids.flatMap((id) => {
      const list = data.userLists.lists.find((l) => String(l.id) === id);
      if (!list) throw notFound('List not found');
      return list.userIds;
    });
  const chosen = new Set<number>([...members(listIds(body.userLists)), ...(Array.isArray(body.userIds) ? body.userIds.map(Number) : [])]);
  for (const id of members(listIds(body.excludedLists))) chosen.delete(id);
  const after = typeof body.subscribedAfterDate === 'string' ? parseUpstreamDate(body.subscribedAfterDate, 0) : null;
  return [...chosen].filter((id) => {
    const relation = data.relationsById.get(id);
    return relation !== undefined && !relation.isBlocked && (after === null || (relation.role === 'subscriber' && relation.subscribeAtMs >= after));
  });
}

interface MassMessageContent {
  text: string;
  price: number;
  mediaIds: number[];
  scheduledAtMs: number | null;
}

function contentOf(data: AccountData, body: Record<string, unknown>): MassMessageContent {
  const text = typeof body.text === 'string' ? body.text : '';
  const price = body.price ?? 0;
  if (typeof price !== 'number' || price < 0) throw badRequest('price must be a non-negative number');
  const media = resolveMediaFiles(data, body.mediaFiles);
  if (text.trim() === '' && media.length === 0) throw badRequest('Message is empty');
  if (price > 0 && media.length === 0) throw badRequest('Paid messages need media');
  const scheduledAtMs = typeof body.scheduledDate === 'string' && body.scheduledDate !== '' ? Date.parse(body.scheduledDate) : null;
  if (scheduledAtMs !== null && !Number.isFinite(scheduledAtMs)) throw badRequest('Invalid scheduledDate');
  return { text, price, mediaIds: media.map((m) => m.id), scheduledAtMs };
}

function findItem(data: AccountData, id: string): QueuedMassMessage {
  const item = data.massMessages.items.find((m) => m.id === Number(id));
  if (!item) throw notFound('Message not found');
  return item;
}

/** One queue item with what it carries: its media and, once delivered, its counters. */
function itemView(data: AccountData, item: QueuedMassMessage, nowMs: number) {
  const media = item.mediaIds.map((id) => data.vault.byId.get(id)).filter((m) => m !== undefined);
  return {
    ...queueView(item, nowMs),
    createdAt: isoTime(item.createdAtMs),
    scheduledDate: item.scheduledAtMs === null ? null : isoTime(item.scheduledAtMs),
    media: media.map((m) => mediaView(m)),
    sentCount: item.deliveredAtMs === null ? 0 : item.recipients,
    viewedCount: item.viewedCount,
    purchasedCount: item.purchasedCount,
  };
}

export function registerMassMessageRoutes(app: FastifyInstance, state: SandboxState): void {
  const accountData = (req: Parameters<typeof requireAccountData>[0]) => {
    const data = requireAccountData(req, state);
    deliverDueMassMessages(data, state.now());
    return data;
  };

  app.post('/api2/v2/messages/queue', async (req) => {
    const data = accountData(req);
    if (!data.profile.isPerformer) throw badRequest('Only creators can send mass messages');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const content = contentOf(data, body);
    const recipientIds = recipientsOf(data, body);
    if (recipientIds.length === 0) throw badRequest('No recipients');
    const now = state.now();
    const book = data.massMessages;
    const item: QueuedMassMessage = {
      id: book.nextId++,
      ...content,
      mediaCount: content.mediaIds.length,
      createdAtMs: now,
      deliveredAtMs: null,
      recipients: recipientIds.length,
      recipientIds,
      viewedCount: 0,
      purchasedCount: 0,
      buyerIds: [],
      isCanceled: false,
    };
    book.items.unshift(item);
    if (item.scheduledAtMs === null || item.scheduledAtMs <= now) deliverMassMessage(data, item, now);
    return queueView(item, now);
  });

  app.post('/api2/v2/messages/queue/size', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const excludeIds = new Set(Array.isArray(body.excludeIds) ? body.excludeIds.map(Number) : []);
    return { size: data.relations.filter((r) => r.role === 'subscriber' && r.isActive && !excludeIds.has(r.person.id)).length };
  });

  app.get('/api2/v2/messages/queue', async (req) => {
    const data = accountData(req);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.massMessages.items, limit, offset);
    return { list: page.list.map((item) => queueView(item, state.now())), hasMore: page.hasMore };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/messages/queue/:id', async (req) => {
    const data = accountData(req);
    return itemView(data, findItem(data, req.params.id), state.now());
  });

  // Replaces the content and schedule of a mass message that has not gone out yet; recipients change only
  // when the body names them again.
  app.put<{ Params: { id: string } }>('/api2/v2/messages/queue/:id', async (req) => {
    const data = accountData(req);
    const item = findItem(data, req.params.id);
    if (item.isCanceled) throw badRequest('Message is canceled');
    if (item.deliveredAtMs !== null) throw badRequest('Message has already been sent');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const content = contentOf(data, body);
    if (body.userLists !== undefined || body.userIds !== undefined) {
      const recipientIds = recipientsOf(data, body);
      if (recipientIds.length === 0) throw badRequest('No recipients');
      item.recipientIds = recipientIds;
      item.recipients = recipientIds.length;
    }
    Object.assign(item, content, { mediaCount: content.mediaIds.length });
    const now = state.now();
    if (item.scheduledAtMs === null || item.scheduledAtMs <= now) deliverMassMessage(data, item, now);
    return itemView(data, item, now);
  });

  // Cancels a scheduled one; unsends a delivered one (it leaves the fans' chats).
  app.delete<{ Params: { id: string } }>('/api2/v2/messages/queue/:id', async (req) => {
    const data = accountData(req);
    const item = findItem(data, req.params.id);
    unsendMassMessage(data, item);
    return { success: true };
  });
}
