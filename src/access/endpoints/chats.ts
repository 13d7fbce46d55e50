// Access: chats — the inbox, messages with one user (send, unsend) and the media exchanged in a chat
// (docs/onlyfans-web-api.md §9, "Chats and messages"; §8 for the message-id cursor).
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { ContentFields, ReleaseFormsInput, upstreamContent } from './shared/content-body.ts';
import { Media, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Flag, Id, Limit, literalUnion, Num, Offset, Opt, ResultReply, sdkPage, Str, UserIdParams } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, num, overUpstream, passedOn, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const FromUser = Type.Object({ id: Num, name: Opt(Str), _view: Opt(Str) });
export const ChatMessage = Type.Object({
  id: Num,
  text: Str,
  fromUser: FromUser,
  media: Type.Array(Media),
  previews: Type.Array(Num),
  mediaCount: Opt(Num),
  createdAt: Opt(Str),
  changedAt: Opt(Str),
  isFree: Opt(Bool),
  isTip: Opt(Bool),
  isOpened: Opt(Bool),
  isNew: Opt(Bool),
  isLiked: Opt(Bool),
  isFromQueue: Opt(Bool),
  queueId: Opt(Num),
  lockedText: Opt(Bool),
  canPurchase: Opt(Bool),
  responseType: Opt(Str),
});

const Chat = Type.Object({
  canGoToProfile: Opt(Bool),
  canNotSendReason: Opt(Type.Union([Bool, Str])),
  canSendMessage: Opt(Bool),
  countPinnedMessages: Opt(Num),
  hasPurchasedFeed: Opt(Bool),
  hasUnreadTips: Opt(Bool),
  isMutedNotifications: Opt(Bool),
  lastMessage: Opt(ChatMessage),
  lastReadMessageId: Opt(Num),
  unreadMessagesCount: Opt(Num),
  withUser: Type.Object({ _view: Str, id: Num }),
});
export const ChatsReply = Type.Object({ hasMore: Bool, nextOffset: Opt(Num), list: Type.Array(Chat) });
export const ChatMessagesReply = sdkPage(ChatMessage);
export const DeleteMessageReply = Type.Object({ success: Bool, queue: Opt(ResultReply) });

export const MessageParams = Type.Object({ userId: Str, messageId: Str });
export const ChatsQuery = Type.Object({
  limit: Limit(20, 10),
  offset: Offset,
  order: Opt(literalUnion(['recent', 'old'])),
  filter: Opt(literalUnion(['priority', 'who_tipped', 'unread'])),
  query: Opt(Str),
  userListId: Opt(Num),
});
export const ChatMessagesQuery = Type.Object({ limit: Limit(20, 10), offset: Offset, query: Opt(Str), id: Opt(Str), first_id: Opt(Str) });
export const ChatMediaQuery = Type.Object({
  limit: Limit(100, 10),
  offset: Offset,
  skip_users: Opt(Str),
  last_id: Opt(Str),
  opened: Opt(Flag),
  type: Opt(literalUnion(['photos', 'videos', 'audios'])),
});
export const SendMessageBody = Type.Object({
  ...ContentFields,
  isLockedText: Opt(Nullable(Bool)),
  isMarkdown: Opt(Nullable(Bool)),
  isForwardedMessage: Opt(Nullable(Bool)),
  releaseForms: Opt(ReleaseFormsInput),
  userTags: Opt(Type.Array(Num)),
});
export const DeleteMessageBody = Type.Object({ withUserId: Opt(Id) });

type ChatMessage = Static<typeof ChatMessage>;

// ---- shapes -------------------------------------------------------------------------------------------------

/** Upstream sends null where the SDK declares an optional number (queueId, …): such keys are left out. */
const OPTIONAL_MESSAGE_NUMBERS = ['queueId', 'mediaCount', 'cancelSeconds', 'unsendSecondsQueue'];

export function shapeChatMessage(value: unknown): ChatMessage {
  const message = { ...asObject(value) };
  for (const key of OPTIONAL_MESSAGE_NUMBERS) if (message[key] === null) delete message[key];
  const fromUser = asObject(message.fromUser);
  return overUpstream(message, {
    id: num(message.id),
    text: str(message.text),
    fromUser: overUpstream(fromUser, { id: num(fromUser.id) }),
    media: asArray(message.media).map(shapeMedia),
    previews: asArray(message.previews).map((p) => (typeof p === 'object' ? num(asObject(p).id) : num(p))),
  });
}

/** /chats/{id}/media: real upstream lists messages with their media; a bare media row is wrapped as a message. */
export function shapeChatMediaItem(value: unknown): ChatMessage {
  const item = asObject(value);
  if (Array.isArray(item.media)) return shapeChatMessage(item);
  const { messageId, fromUser, ...media } = item;
  return shapeChatMessage({ id: messageId ?? media.id, fromUser, text: '', media: [media], previews: [], mediaCount: 1 });
}

export function shapeChat(value: unknown): Static<typeof Chat> {
  const chat = asObject(value);
  const withUser = asObject(chat.withUser);
  const { lastMessage, ...rest } = chat;
  return overUpstream(rest, {
    withUser: { id: num(withUser.id), _view: str(withUser._view, 'm') },
    ...(lastMessage ? { lastMessage: shapeChatMessage(lastMessage) } : {}),
    ...(typeof chat.canNotSendReason === 'string' || typeof chat.canNotSendReason === 'boolean' ? {} : { canNotSendReason: false }),
  });
}

/** The SDK's message body → upstream's (previews are the first previewMediaCount media). */
function upstreamMessage(body: Static<typeof SendMessageBody>) {
  const { media, previewCount, ...content } = upstreamContent(body);
  return { ...content, previews: media.slice(0, previewCount), isForward: body.isForwardedMessage ?? false };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: chats';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'chats',
  permissions: ['messages:read', 'messages:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/chats', tag, summary: 'Inbox', permission: 'messages:read',
      querystring: ChatsQuery, reply: ChatsReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/chats',
        query: { ...offsetPage(query), order: given(query.order) ?? 'recent', skip_users: 'all', filter: given(query.filter), query: given(query.query), list_id: given(query.userListId) },
      }),
      shape: shapeOffsetPage(shapeChat),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/chats/:userId/messages', tag, summary: 'Messages with one user (newest first; `id` = older than)', permission: 'messages:read',
      params: UserIdParams, querystring: ChatMessagesQuery, reply: ChatMessagesReply,
      upstream: ({ params, query }) => ({
        method: 'GET',
        path: `/chats/${enc(params.userId)}/messages`,
        query: { ...offsetPage(query), order: 'desc', skip_users: 'all', id: given(query.id), firstId: given(query.first_id), query: given(query.query) },
      }),
      shape: shapeOffsetPage(shapeChatMessage),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/chats/:userId/messages', tag, summary: 'Send a message', permission: 'messages:write',
      params: UserIdParams, body: SendMessageBody, reply: ChatMessage,
      upstream: ({ params, body }) => ({ method: 'POST', path: `/chats/${enc(params.userId)}/messages`, body: upstreamMessage(body) }),
      shape: shapeChatMessage,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/chats/:userId/messages/:messageId', tag, summary: 'Unsend a message', permission: 'messages:write',
      params: MessageParams, body: DeleteMessageBody, reply: DeleteMessageReply,
      upstream: ({ params, body }) => ({ method: 'DELETE', path: `/messages/${enc(params.messageId)}`, body: { withUserId: body.withUserId ?? params.userId } }),
      shape: (body) => {
        const reply = asObject(body);
        return overUpstream(reply, { success: reply.success !== false, ...(reply.queue === undefined ? {} : { queue: passedOn<Record<string, unknown>>(reply.queue) }) });
      },
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/chats/:userId/media', tag, summary: 'Media exchanged with one user', permission: 'messages:read',
      params: UserIdParams, querystring: ChatMediaQuery, reply: ChatMessagesReply,
      upstream: ({ params, query }) => ({
        method: 'GET',
        path: `/chats/${enc(params.userId)}/media`,
        query: { ...offsetPage(query), skip_users: given(query.skip_users) ?? 'all', last_id: given(query.last_id), opened: given(query.opened), type: given(query.type) },
      }),
      shape: shapeOffsetPage(shapeChatMediaItem),
    }),
  ],
});
