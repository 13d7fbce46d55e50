// Chats and their messages. The chat id is the other user's id; message ids are ~13 digits, increasing with
// time inside a chat, unique in the account; sent and unsent messages persist for the sandbox's life.
import type { Faker } from '@faker-js/faker';
import { DAY_MS, pastTime } from './fixture-faker.ts';
import type { MediaItem } from './media.ts';
import { generateMediaItem } from './media.ts';
import type { Relation } from './people.ts';

export interface ChatMessage {
  id: number;
  chatUserId: number;
  fromUserId: number;
  text: string;
  createdAtMs: number;
  price: number;
  isTip: boolean;
  tipAmount: number;
  isOpened: boolean;
  isNew: boolean;
  isLiked: boolean;
  media: MediaItem[];
  previewIds: number[];
  replyToMessageId: number | null;
  isFromQueue: boolean;
  /** The mass message it was delivered from (null for the generated history and direct messages). */
  queueId?: number | null;
}

export interface ChatThread {
  withUserId: number;
  /** Oldest first. */
  messages: ChatMessage[];
  lastReadMessageId: number;
  unreadMessagesCount: number;
  isMutedNotifications: boolean;
  countPinnedMessages: number;
}

export interface ChatBook {
  threads: Map<number, ChatThread>;
  /** message id → chat user id, for DELETE /messages/{id}. */
  messageIndex: Map<number, number>;
  nextMessageId: number;
  nextMediaId: number;
}

export function generateChats(faker: Faker, ownerId: number, relations: Relation[], chatCount: number): ChatBook {
  const book: ChatBook = {
    threads: new Map(),
    messageIndex: new Map(),
    nextMessageId: faker.number.int({ min: 3_100_000_000_000, max: 3_900_000_000_000 }),
    nextMediaId: faker.number.int({ min: 3_000_000_000, max: 3_900_000_000 }),
  };
  for (const relation of relations.slice(0, chatCount)) {
    const withUserId = relation.person.id;
    const messageCount = faker.number.int({ min: 3, max: 40 });
    // The gaps are drawn first so the chat can end at a time in the past: walking forward from a past start, up to
    // 40 gaps of up to two days each used to carry the last messages weeks past the anchor (dated in the future).
    const gaps = Array.from({ length: messageCount }, () => faker.number.int({ min: 30_000, max: 2 * DAY_MS }));
    let time = pastTime(faker, 120) - gaps.reduce((sum, gap) => sum + gap, 0);
    const messages: ChatMessage[] = [];
    for (let i = 0; i < messageCount; i++) {
      time += gaps[i];
      const fromOwner = faker.datatype.boolean();
      const isPaid = fromOwner && faker.number.float() < 0.15;
      const isTip = !fromOwner && faker.number.float() < 0.08;
      const media = isPaid || faker.number.float() < 0.1 ? [generateMediaItem(faker, book.nextMediaId++, time)] : [];
      messages.push({
        id: book.nextMessageId,
        chatUserId: withUserId,
        fromUserId: fromOwner ? ownerId : withUserId,
        text: isTip ? '' : faker.lorem.sentence({ min: 2, max: 16 }),
        createdAtMs: time,
        price: isPaid ? faker.helpers.arrayElement([4.99, 9.99, 14.99, 24.99]) : 0,
        isTip,
        tipAmount: isTip ? faker.helpers.arrayElement([5, 10, 20, 50]) : 0,
        isOpened: !fromOwner || faker.datatype.boolean(),
        isNew: false,
        isLiked: faker.number.float() < 0.1,
        media,
        previewIds: [],
        replyToMessageId: null,
        isFromQueue: fromOwner && faker.number.float() < 0.1,
      });
      book.messageIndex.set(book.nextMessageId, withUserId);
      book.nextMessageId += faker.number.int({ min: 1, max: 5000 });
    }
    const unread = Math.min(messages.filter((m) => m.fromUserId !== ownerId).length, faker.helpers.arrayElement([0, 0, 0, 1, 2, 3]));
    const lastRead = messages[Math.max(0, messages.length - 1 - unread)];
    book.threads.set(withUserId, {
      withUserId,
      messages,
      lastReadMessageId: lastRead?.id ?? 0,
      unreadMessagesCount: unread,
      isMutedNotifications: faker.number.float() < 0.05,
      countPinnedMessages: 0,
    });
  }
  return book;
}

/** Chats by their last message, newest first (order=recent). */
export function chatsByRecent(book: ChatBook): ChatThread[] {
  const lastTime = (thread: ChatThread) => thread.messages.at(-1)?.createdAtMs ?? 0;
  return [...book.threads.values()].sort((a, b) => lastTime(b) - lastTime(a));
}

/** What a message the account sends says; its id and chat come from appendSentMessage. */
export type SentMessage = Omit<ChatMessage, 'id' | 'chatUserId'>;

/**
 * Adds a message the account sent to its chat with one user, opening the chat if there is none, and indexes it.
 * Ids grow by an uneven step, as real message ids do (other accounts' messages take the numbers between).
 */
export function appendSentMessage(book: ChatBook, withUserId: number, idStep: number, sent: SentMessage): ChatMessage {
  let thread = book.threads.get(withUserId);
  if (!thread) {
    thread = { withUserId, messages: [], lastReadMessageId: 0, unreadMessagesCount: 0, isMutedNotifications: false, countPinnedMessages: 0 };
    book.threads.set(withUserId, thread);
  }
  book.nextMessageId += idStep;
  const message: ChatMessage = { id: book.nextMessageId, chatUserId: withUserId, ...sent };
  thread.messages.push(message);
  book.messageIndex.set(message.id, withUserId);
  return message;
}
