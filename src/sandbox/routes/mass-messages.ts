// Mass messages: POST /messages/queue (delivered into recipients' chats as isFromQueue messages), the queue,
// its size, cancelling, and the sent-messages statistics.
import type { FastifyInstance } from 'fastify';
import type { ChatMessage } from '../data/chats.ts';
import { htmlText, isoTime } from '../data/formats.ts';
import type { QueuedMassMessage } from '../data/mass-messages.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';

function queueView(item: QueuedMassMessage, nowMs: number) {
  const isDone = item.scheduledAtMs === null || item.scheduledAtMs <= nowMs;
  return {
    id: item.id,
    date: isoTime(item.scheduledAtMs ?? item.createdAtMs),
    isReady: true,
    isDone: isDone && !item.isCanceled,
    total: item.recipients,
    pending: isDone ? 0 : item.recipients,
    canUnsend: !item.isCanceled && nowMs - item.createdAtMs < 24 * 3_600_000,
    isCanceled: item.isCanceled,
    text: htmlText(item.text),
    price: item.price,
    isFree: item.price === 0,
    mediaCount: item.mediaCount,
  };
}

/** Recipients from userLists (built-in or custom ids) and userIds, minus excludedLists. */
function recipientsOf(data: AccountData, body: Record<string, unknown>): number[] {
  const listIds = Array.isArray(body.userLists) ? body.userLists.map(String) : [];
  const excluded = Array.isArray(body.excludedLists) ? body.excludedLists.map(String) : [];
  const members = (ids: string[]) =>
    ids.flatMap((id) => {
      const list = data.userLists.lists.find((l) => String(l.id) === id);
      if (!list) throw notFound('List not found');
      return list.userIds;
    });
  const chosen = new Set<number>([...members(listIds), ...(Array.isArray(body.userIds) ? body.userIds.map(Number) : [])]);
  for (const id of members(excluded)) chosen.delete(id);
  return [...chosen].filter((id) => data.relationsById.has(id) && !data.relationsById.get(id)!.isBlocked);
}

export function registerMassMessageRoutes(app: FastifyInstance, state: SandboxState): void {
  app.post('/api2/v2/messages/queue', async (req) => {
    const data = requireAccountData(req, state);
    if (!data.profile.isPerformer) throw badRequest('Only creators can send mass messages');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof body.text === 'string' ? body.text : '';
    const price = typeof body.price === 'number' ? body.price : 0;
    const mediaFiles = Array.isArray(body.mediaFiles) ? body.mediaFiles : [];
    if (text.trim() === '' && mediaFiles.length === 0) throw badRequest('Message is empty');
    for (const id of mediaFiles) if (!data.vault.byId.has(Number(id))) throw notFound('Media Not Found');
    const recipients = recipientsOf(data, body);
    if (recipients.length === 0) throw badRequest('No recipients');
    const now = state.now();
    const scheduledAtMs = typeof body.scheduledDate === 'string' ? Date.parse(body.scheduledDate) : null;
    if (scheduledAtMs !== null && !Number.isFinite(scheduledAtMs)) throw badRequest('Invalid scheduledDate');
    const book = data.massMessages;
    const item: QueuedMassMessage = { id: book.nextId++, text, price, mediaCount: mediaFiles.length, createdAtMs: now, scheduledAtMs, recipients: recipients.length, viewedCount: 0, purchasedCount: 0, isCanceled: false };
    book.items.unshift(item);
    if (scheduledAtMs === null) {
      const chats = data.chats;
      const media = mediaFiles.map((id) => data.vault.byId.get(Number(id))!);
      for (const userId of recipients) {
        const thread = chats.threads.get(userId);
        if (!thread) continue;
        chats.nextMessageId += 1 + (userId % 97);
        const message: ChatMessage = { id: chats.nextMessageId, chatUserId: userId, fromUserId: data.profile.id, text, createdAtMs: now, price, isTip: false, tipAmount: 0, isOpened: false, isNew: true, isLiked: false, media, previewIds: [], replyToMessageId: null, isFromQueue: true };
        thread.messages.push(message);
        chats.messageIndex.set(message.id, userId);
      }
    }
    return queueView(item, now);
  });

  app.post('/api2/v2/messages/queue/size', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const excludeIds = new Set(Array.isArray(body.excludeIds) ? body.excludeIds.map(Number) : []);
    return { size: data.relations.filter((r) => r.role === 'subscriber' && r.isActive && !excludeIds.has(r.person.id)).length };
  });

  app.get('/api2/v2/messages/queue', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.massMessages.items, limit, offset);
    return { list: page.list.map((item) => queueView(item, state.now())), hasMore: page.hasMore };
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/messages/queue/:id', async (req) => {
    const item = requireAccountData(req, state).massMessages.items.find((m) => m.id === Number(req.params.id));
    if (!item) throw notFound('Message not found');
    item.isCanceled = true;
    return { success: true };
  });

  app.get('/api2/v2/users/me/stats/messages/group', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.massMessages.items, limit, offset);
    return {
      hasMore: page.hasMore,
      items: page.list.map((item) => ({
        id: item.id,
        date: isoTime(item.createdAtMs),
        text: htmlText(item.text),
        mediaCount: item.mediaCount,
        isFree: item.price === 0,
        price: item.price,
        sentCount: item.recipients,
        viewedCount: item.viewedCount,
        purchasedCount: item.purchasedCount,
        canUnsend: queueView(item, state.now()).canUnsend,
        unsendSeconds: Math.max(0, Math.floor((item.createdAtMs + 24 * 3_600_000 - state.now()) / 1000)),
        isCanceled: item.isCanceled,
        mediaTypes: item.mediaCount > 0 ? ['photo'] : [],
      })),
    };
  });
}
