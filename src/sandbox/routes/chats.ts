// Chats, messages (message-id cursor), send and unsend (persisted), chat media (last_id cursor), likes, read marks.
import type { FastifyInstance } from 'fastify';
import type { ChatMessage, ChatThread } from '../data/chats.ts';
import { appendSentMessage, chatsByRecent } from '../data/chats.ts';
import { deliverDueMassMessages } from '../data/mass-message-delivery.ts';
import { htmlText, isoTime } from '../data/formats.ts';
import { mediaView } from '../data/media.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound, userNotFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { resolveMediaFiles } from './media-files.ts';
import { offsetPage, pageOf, queryInt, queryOf, queryString } from './paging.ts';
import { slimUser, userView } from './user-view.ts';

const CHAT_FILTERS = ['unread', 'pinned', 'priority', 'who_tipped'];
const UNSEND_WINDOW_MS = 24 * 3_600_000;

export function messageView(message: ChatMessage, ownerId: number) {
  const fromOwner = message.fromUserId === ownerId;
  return {
    responseType: 'message',
    id: message.id,
    text: htmlText(message.text),
    giphyId: null,
    lockedText: false,
    isFree: message.price === 0,
    price: message.price,
    isMediaReady: true,
    mediaCount: message.media.length,
    media: message.media.map((m) => mediaView(m, fromOwner || message.price === 0 || message.isOpened)),
    previews: message.previewIds,
    isTip: message.isTip,
    tipAmount: message.isTip ? message.tipAmount : undefined,
    isReportedByMe: false,
    fromUser: slimUser(message.fromUserId),
    isFromQueue: message.isFromQueue,
    queueId: message.queueId ?? (message.isFromQueue ? message.id - 7 : null),
    canUnsendQueue: false,
    isOpened: message.isOpened,
    isNew: message.isNew,
    createdAt: isoTime(message.createdAtMs),
    changedAt: isoTime(message.createdAtMs),
    expiredAt: null,
    isLiked: message.isLiked,
    canPurchase: !fromOwner && message.price > 0 && !message.isOpened,
    canPurchaseReason: !fromOwner && message.price > 0 && !message.isOpened ? 'can' : 'opened',
    canReport: !fromOwner,
    canBePinned: true,
    isPinned: false,
    replyToMessageId: message.replyToMessageId,
  };
}

function chatView(thread: ChatThread, data: AccountData, skipUsers: boolean) {
  const relation = data.relationsById.get(thread.withUserId);
  const last = thread.messages.at(-1);
  return {
    withUser: skipUsers || !relation ? slimUser(thread.withUserId) : userView(relation.person, data),
    lastMessage: last ? messageView(last, data.profile.id) : null,
    lastReadMessageId: thread.lastReadMessageId,
    unreadMessagesCount: thread.unreadMessagesCount,
    hasUnreadTips: false,
    hasPurchasedFeed: thread.messages.some((m) => m.fromUserId === data.profile.id && m.price > 0 && m.isOpened),
    countPinnedMessages: thread.countPinnedMessages,
    isMutedNotifications: thread.isMutedNotifications,
    canSendMessage: !(relation?.isBlocked ?? false),
    canNotSendReason: relation?.isBlocked ? 'blocked' : null,
    canGoToProfile: true,
  };
}

function threadFor(data: AccountData, userId: string): ChatThread {
  const thread = data.chats.threads.get(Number(userId));
  if (thread) return thread;
  if (data.relationsById.has(Number(userId))) {
    return { withUserId: Number(userId), messages: [], lastReadMessageId: 0, unreadMessagesCount: 0, isMutedNotifications: false, countPinnedMessages: 0 };
  }
  throw userNotFound();
}

export function registerChatRoutes(app: FastifyInstance, state: SandboxState): void {
  // Chats show scheduled mass messages whose time has come, however long since anyone looked at the queue.
  const accountData = (req: Parameters<typeof requireAccountData>[0]) => {
    const data = requireAccountData(req, state);
    deliverDueMassMessages(data, state.now());
    return data;
  };

  app.get('/api2/v2/chats', async (req) => {
    const data = accountData(req);
    const query = queryOf(req);
    if (query.search !== undefined) throw badRequest('Invalid filter');
    const filter = queryString(query, 'filter');
    if (filter !== undefined && !CHAT_FILTERS.includes(filter)) throw badRequest('Invalid filter');
    const { limit, offset } = pageOf(query, 10);
    let threads = chatsByRecent(data.chats);
    if (filter === 'unread') threads = threads.filter((t) => t.unreadMessagesCount > 0);
    if (filter === 'pinned' || filter === 'priority') threads = [];
    const page = offsetPage(threads, limit, offset);
    const skipUsers = queryString(query, 'skip_users') === 'all';
    return { list: page.list.map((t) => chatView(t, data, skipUsers)), hasMore: page.hasMore, ...(page.hasMore ? { nextOffset: offset + page.list.length } : {}) };
  });

  app.get<{ Params: { userId: string } }>('/api2/v2/chats/:userId', async (req) => {
    const data = requireAccountData(req, state);
    return chatView(threadFor(data, req.params.userId), data, false);
  });

  app.get<{ Params: { userId: string } }>('/api2/v2/chats/:userId/messages', async (req) => {
    const data = accountData(req);
    const thread = threadFor(data, req.params.userId);
    const query = queryOf(req);
    const { limit } = pageOf(query, 10);
    const cursor = queryInt(query, 'id', 0);
    const ascending = queryString(query, 'order') === 'asc';
    // desc: newest first, `id` = older than; asc: oldest first, `id` = newer than.
    const candidates = ascending
      ? thread.messages.filter((m) => cursor === 0 || m.id > cursor)
      : thread.messages.filter((m) => cursor === 0 || m.id < cursor).reverse();
    const list = candidates.slice(0, limit);
    return { list: list.map((m) => messageView(m, data.profile.id)), hasMore: candidates.length > list.length };
  });

  app.post<{ Params: { userId: string } }>('/api2/v2/chats/:userId/messages', async (req) => {
    const data = requireAccountData(req, state);
    const withUserId = Number(req.params.userId);
    const relation = data.relationsById.get(withUserId);
    if (!relation || relation.isBlocked) throw badRequest('Cannot send message to this user');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = body.text ?? '';
    if (typeof text !== 'string') throw badRequest('text must be a string');
    const price = body.price ?? 0;
    if (typeof price !== 'number' || price < 0) throw badRequest('price must be a non-negative number');
    const book = data.chats;
    const now = state.now();
    const media = resolveMediaFiles(data, body.mediaFiles);
    if (text.trim() === '' && media.length === 0) throw badRequest('Message is empty');
    if (price > 0 && media.length === 0) throw badRequest('Paid messages need media');
    const message = appendSentMessage(book, withUserId, 1 + (now % 997), {
      fromUserId: data.profile.id,
      text,
      createdAtMs: now,
      price,
      isTip: false,
      tipAmount: 0,
      isOpened: false,
      isNew: true,
      isLiked: false,
      media,
      previewIds: Array.isArray(body.previews) ? body.previews.map(Number).filter(Number.isFinite) : [],
      replyToMessageId: typeof body.replyToMessageId === 'number' ? body.replyToMessageId : null,
      isFromQueue: false,
    });
    return messageView(message, data.profile.id);
  });

  app.delete<{ Params: { messageId: string } }>('/api2/v2/messages/:messageId', async (req) => {
    const data = requireAccountData(req, state);
    const messageId = Number(req.params.messageId);
    const chatUserId = data.chats.messageIndex.get(messageId);
    const thread = chatUserId === undefined ? undefined : data.chats.threads.get(chatUserId);
    const message = thread?.messages.find((m) => m.id === messageId);
    if (!thread || !message) throw notFound('Message not found');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.withUserId !== undefined && Number(body.withUserId) !== chatUserId) throw notFound('Message not found');
    if (message.fromUserId !== data.profile.id) throw badRequest('You cannot delete this message');
    if (state.now() - message.createdAtMs > UNSEND_WINDOW_MS) throw badRequest('This message can no longer be unsent');
    thread.messages = thread.messages.filter((m) => m.id !== messageId);
    data.chats.messageIndex.delete(messageId);
    return { success: true };
  });

  for (const method of ['post', 'delete'] as const) {
    app[method]<{ Params: { messageId: string } }>('/api2/v2/messages/:messageId/like', async (req) => {
      const data = requireAccountData(req, state);
      const messageId = Number(req.params.messageId);
      const chatUserId = data.chats.messageIndex.get(messageId);
      const message = chatUserId === undefined ? undefined : data.chats.threads.get(chatUserId)?.messages.find((m) => m.id === messageId);
      if (!message) throw notFound('Message not found');
      message.isLiked = method === 'post';
      return { success: true, isLiked: message.isLiked };
    });
    app[method]<{ Params: { userId: string } }>('/api2/v2/chats/:userId/mark-as-read', async (req) => {
      const thread = threadFor(requireAccountData(req, state), req.params.userId);
      if (method === 'post') {
        thread.unreadMessagesCount = 0;
        thread.lastReadMessageId = thread.messages.at(-1)?.id ?? 0;
      }
      return { success: true };
    });
  }

  app.get<{ Params: { userId: string } }>('/api2/v2/chats/:userId/media', async (req) => {
    const data = requireAccountData(req, state);
    const thread = threadFor(data, req.params.userId);
    const query = queryOf(req);
    const { limit, offset } = pageOf(query, 24);
    const lastId = queryInt(query, 'last_id', 0);
    let rows = thread.messages
      .slice()
      .reverse()
      .flatMap((m) => m.media.map((item) => ({ item, message: m })));
    if (queryString(query, 'purchased') === '1') rows = rows.filter((row) => row.message.price > 0 && row.message.isOpened);
    if (lastId > 0) {
      const index = rows.findIndex((row) => row.item.id === lastId);
      rows = index >= 0 ? rows.slice(index + 1) : rows;
    }
    const page = offsetPage(rows, limit, lastId > 0 ? 0 : offset);
    return {
      list: page.list.map(({ item, message }) => ({ ...mediaView(item), messageId: message.id, fromUser: slimUser(message.fromUserId) })),
      hasMore: page.hasMore,
      nextLastId: page.list.at(-1)?.item.id ?? null,
    };
  });
}
