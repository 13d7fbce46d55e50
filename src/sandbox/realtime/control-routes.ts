// The control API of the simulator's realtime channel (sandbox only, like the rest of /_sandbox):
//   POST /_sandbox/realtime/events        a fan acts on a creator's account: message, tip, subscribe, delete (the fan
//                                         unsends a message), typing, post (published), or a raw frame. Messages and
//                                         tips are added to the chat (GET /chats/{fan}/messages shows them), a delete
//                                         removes one; then the frames upstream would push go to the account's sockets.
//   POST /_sandbox/realtime/tokens/expire every wsAuthToken of the user issued so far stops delivering (its sockets
//                                         stay open and answer heartbeats, as upstream's do)
//   POST /_sandbox/realtime/sockets/close the user's sockets on this node are closed by the server (code 1012, as a
//                                         restarting upstream node does): a client must reconnect with a fresh token
//   GET  /_sandbox/realtime/sockets       the sockets open on this node
// Frames reach the sockets held on the node that took the control call.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { accountFromEmail, type SandboxAccount } from '../accounts.ts';
import { appendSentMessage, type ChatMessage } from '../data/chats.ts';
import { htmlText } from '../data/formats.ts';
import type { Person } from '../data/people.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { messageView } from '../routes/chats.ts';
import type { SandboxState } from '../sandbox-state.ts';
import { realtimeHubOf } from './hub.ts';

const EVENT_KINDS = ['message', 'tip', 'subscribe', 'delete', 'typing', 'post', 'frame'] as const;
type EventKind = (typeof EVENT_KINDS)[number];

const FanEventBody = Type.Object({
  kind: Type.Union(EVENT_KINDS.map((k) => Type.Literal(k))),
  /** The creator's account: its sandbox email, or the user id of an account that was issued a token. */
  email: Type.Optional(Type.String({ minLength: 3 })),
  userId: Type.Optional(Type.Union([Type.Integer(), Type.String({ pattern: '^\\d+$' })])),
  /** The fan; default: the account's first subscriber. */
  fanId: Type.Optional(Type.Integer({ minimum: 1 })),
  text: Type.Optional(Type.String({ maxLength: 10_000 })),
  /** Tip amount in dollars. */
  amount: Type.Optional(Type.Number({ minimum: 1, maximum: 1_000 })),
  /** delete: the fan's message to remove. */
  messageId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** frame: the frame to push as it is. */
  frame: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
type FanEvent = Static<typeof FanEventBody>;

const UserBody = Type.Object({ userId: Type.Union([Type.Integer(), Type.String({ pattern: '^\\d+$' })]) });

function parse<T extends typeof FanEventBody | typeof UserBody>(schema: T, body: unknown): Static<T> {
  if (!Value.Check(schema, body ?? {})) {
    const first = [...Value.Errors(schema, body ?? {})][0];
    throw badRequest(`Invalid body at ${first?.instancePath || '/'}: ${first?.message ?? 'bad shape'}`);
  }
  return (body ?? {}) as Static<T>;
}

interface Acted {
  frames: Array<Record<string, unknown>>;
  message?: ChatMessage;
  fanId: number;
}

function fanOf(data: AccountData, state: SandboxState, fanId: number | undefined): Person {
  if (fanId === undefined) {
    const first = data.relations[0]?.person;
    if (!first) throw badRequest('The account has no subscriber to act as; give fanId');
    return first;
  }
  const person = data.relationsById.get(fanId)?.person ?? state.world.directory.find(String(fanId));
  if (!person || !('username' in person)) throw notFound('No such fan');
  return person as Person;
}

const fanUser = (fan: Person) => ({ id: fan.id, name: fan.name, username: fan.username, isVerified: fan.isVerified, lastSeen: null });

/** Inbox counters as upstream pushes them after a message. */
function inboxCounters(data: AccountData): Record<string, unknown> {
  let unread = 0;
  for (const thread of data.chats.threads.values()) unread += thread.unreadMessagesCount > 0 ? 1 : 0;
  return { chat_messages: unread, count_priority_chat: 0, unread_tips: 0 };
}

function fanWrites(state: SandboxState, data: AccountData, fan: Person, body: FanEvent, isTip: boolean): Acted {
  const now = state.now();
  const amount = body.amount ?? 5;
  const message = appendSentMessage(data.chats, fan.id, 1 + (now % 997), {
    fromUserId: fan.id,
    text: body.text ?? (isTip ? '' : 'Hi! 👋'),
    createdAtMs: now,
    price: 0,
    isTip,
    tipAmount: isTip ? amount : 0,
    isOpened: true,
    isNew: true,
    isLiked: false,
    media: [],
    previewIds: [],
    replyToMessageId: null,
    isFromQueue: false,
  });
  const thread = data.chats.threads.get(fan.id);
  if (thread) thread.unreadMessagesCount += 1;
  data.dirty = true;
  const view = { ...messageView(message, data.profile.id), fromUser: fanUser(fan), ...(isTip ? { tipText: body.text ?? '' } : {}) };
  return { frames: [{ api2_chat_message: view }, inboxCounters(data)], message, fanId: fan.id };
}

/** The three frames one subscribe produces upstream: subscribed, a system message and a toast. */
function fanSubscribes(state: SandboxState, data: AccountData, fan: Person): Acted {
  const now = state.now();
  const user = { id: fan.id, username: fan.username, name: fan.name, avatar: null };
  const link = `https://onlyfans.com/${fan.username}`;
  return {
    fanId: fan.id,
    frames: [
      { subscribed: { user, timestamp: Math.floor(now / 1000) } },
      {
        new_message: {
          id: String(now),
          type: 'subscribed',
          subType: 'new_subscriber',
          text: htmlText(`<a href="${link}">${fan.name}</a> subscribed to your profile!`),
          user_id: String(fan.id),
          isRead: false,
          canGoToProfile: true,
          newPrice: null,
          user: { id: fan.id, name: fan.name, username: fan.username },
        },
        hasSystemNotifications: true,
      },
      {
        toasts: [
          {
            id: now + 1,
            title: 'New subscriber',
            text: `${fan.name} subscribed to you`,
            type: 'subscribed',
            data: {
              code: 'new_subscriber',
              template: '{USER_LINK} subscribed to you',
              replacements: { '{USER_LINK}': link, '{USER_NAME}': fan.name, '{RELATED_USER_ID}': String(fan.id) },
              relatedUser: { view: 's', id: fan.id, name: fan.name, username: fan.username, isVerified: fan.isVerified },
            },
          },
        ],
      },
    ],
  };
}

function fanDeletes(data: AccountData, fan: Person, messageId: number | undefined): Acted {
  const thread = data.chats.threads.get(fan.id);
  const message = messageId === undefined ? thread?.messages.filter((m) => m.fromUserId === fan.id).at(-1) : thread?.messages.find((m) => m.id === messageId);
  if (!thread || !message || message.fromUserId !== fan.id) throw notFound('The fan has no such message in the chat');
  thread.messages = thread.messages.filter((m) => m.id !== message.id);
  data.chats.messageIndex.delete(message.id);
  data.dirty = true;
  return { frames: [{ chat_message_delete: String(message.id) }], message, fanId: fan.id };
}

function act(state: SandboxState, data: AccountData, kind: EventKind, body: FanEvent): Acted {
  if (kind === 'frame') {
    if (!body.frame) throw badRequest('kind frame needs frame');
    return { frames: [body.frame], fanId: 0 };
  }
  if (kind === 'post') {
    return { frames: [{ post_published: { id: String(1_000_000_000 + (state.now() % 1_000_000_000)), user_id: String(data.profile.id), show_posts_in_feed: true } }], fanId: 0 };
  }
  const fan = fanOf(data, state, body.fanId);
  switch (kind) {
    case 'message':
      return fanWrites(state, data, fan, body, false);
    case 'tip':
      return fanWrites(state, data, fan, body, true);
    case 'subscribe':
      return fanSubscribes(state, data, fan);
    case 'delete':
      return fanDeletes(data, fan, body.messageId);
    case 'typing':
      return { frames: [{ typing: { id: fan.id } }], fanId: fan.id };
  }
}

export function registerRealtimeControlRoutes(app: FastifyInstance, state: SandboxState): void {
  const hub = realtimeHubOf(state);

  const accountNamed = (body: { email?: string; userId?: number | string }): SandboxAccount => {
    const account = body.email ? accountFromEmail(body.email) : body.userId !== undefined ? hub.accountFor(Number(body.userId)) : undefined;
    if (!account) throw badRequest('Give the email of a sandbox account, or the userId of one that opened a socket');
    return account;
  };

  app.post('/_sandbox/realtime/events', async (req) => {
    const body = parse(FanEventBody, req.body);
    const account = accountNamed(body);
    const data = await state.world.load(account);
    const acted = act(state, data, body.kind, body);
    await state.world.persist(data);
    const sockets = await hub.push(account.userId, acted.frames);
    return {
      userId: account.userId,
      fanId: acted.fanId || null,
      messageId: acted.message?.id ?? null,
      frames: acted.frames.length,
      sockets,
    };
  });

  app.post('/_sandbox/realtime/tokens/expire', async (req) => {
    const body = parse(UserBody, req.body);
    return { sockets: hub.expireTokens(Number(body.userId)) };
  });

  app.post('/_sandbox/realtime/sockets/close', async (req) => {
    const body = parse(UserBody, req.body);
    return { sockets: hub.closeSockets(Number(body.userId)) };
  });

  app.get('/_sandbox/realtime/sockets', async () => ({ list: hub.list() }));
}
