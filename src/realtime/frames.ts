// From one upstream frame to the events it makes (pure). A frame is one JSON object whose top-level key names its
// kind (docs/onlyfans-realtime.md §1.6); some carry several keys, and the first known one in RULES' order decides.
// Every frame makes one realtime.* event; some also make a named activity.* event. Each event has a dedupe key:
// two workers holding the same account for a moment receive the same frame, and the key lets only one of them
// record it. Frames that carry an id of their own (a message, a notification, a published post) are recorded once
// ever; kinds that repeat with the same text on purpose (typing, counters, an edited post) once per short window.
// A subscribe arrives as three frames (subscribed, new_message, toasts): they share one named key, the fan's.
import { createHash } from 'node:crypto';
import type { ActivityEventType, RealtimeFrameEventType } from './event-types.ts';

/** How long a key keeps an identical frame from being recorded again: forever (within retention), or seconds. */
export type DedupeWindow = 'once' | number;

export interface DerivedEvent {
  type: RealtimeFrameEventType | ActivityEventType;
  /** The event's data beside connection and environment: eventBody for realtime.*, the named payload for activity.*. */
  body: Record<string, unknown> | unknown[];
  key: string;
  window: DedupeWindow;
}

type BodyShape = 'value' | 'frame' | 'id';
interface FrameRule {
  key: string;
  type: RealtimeFrameEventType;
  body: BodyShape;
  window: DedupeWindow;
}

const REPEATS_SECONDS = 5;
const rule = (key: string, type: RealtimeFrameEventType, body: BodyShape, window: DedupeWindow = REPEATS_SECONDS): FrameRule => ({ key, type, body, window });

/** In priority order: a multi-key frame is the kind of its first key listed here. */
const RULES: FrameRule[] = [
  rule('api2_chat_message', 'realtime.chat_message.received', 'value', 'once'),
  rule('chat_message_delete', 'realtime.chat_message.deleted', 'id', 'once'),
  rule('chat_message_like', 'realtime.chat_message.liked', 'value'),
  rule('chat_message_unlike', 'realtime.chat_message.unliked', 'value'),
  rule('typing', 'realtime.chat_typing.updated', 'value'),
  rule('new_message', 'realtime.system_message.received', 'value', 'once'),
  rule('subscribed', 'realtime.subscription.created', 'value', 'once'),
  rule('toasts', 'realtime.toasts.received', 'value', 'once'),
  rule('stories', 'realtime.stories.updated', 'value'),
  rule('story_tips', 'realtime.story_tip.received', 'value', 'once'),
  rule('post_published', 'realtime.post.published', 'value', 'once'),
  rule('post_updated', 'realtime.post.updated', 'id'),
  rule('post_expire', 'realtime.post.expired', 'id', 'once'),
  rule('post_fundraising_updated', 'realtime.post_fundraising.updated', 'value'),
  rule('chat_queue_update', 'realtime.chat_queue.updated', 'value'),
  rule('chat_queue_finish', 'realtime.chat_queue.finished', 'value', 'once'),
  rule('stream_tips', 'realtime.stream_tip.received', 'frame', 'once'),
  rule('stream_start', 'realtime.stream.started', 'value', 'once'),
  rule('stream_stop', 'realtime.stream.stopped', 'value', 'once'),
  rule('stream_update', 'realtime.stream.updated', 'value'),
  rule('stream_look', 'realtime.stream_viewer.joined', 'value'),
  rule('stream_unlook', 'realtime.stream_viewer.left', 'value'),
  rule('stream_comment', 'realtime.stream_comment.received', 'value', 'once'),
  rule('stream_likes', 'realtime.stream_like.received', 'value'),
  rule('stream_like', 'realtime.stream_like.received', 'value'),
  rule('stream', 'realtime.stream.announced', 'value', 'once'),
  rule('chat_messages', 'realtime.inbox_counts.updated', 'frame'),
  rule('messages', 'realtime.system_messages.updated', 'frame'),
];
const RULE_BY_KEY = new Map(RULES.map((r) => [r.key, r]));

/** Frames about the socket itself, not events: the connect acknowledgement, heartbeat replies, refusals. */
const CONTROL_KEYS = new Set(['connected', 'online', 'error']);

/** A subscribe's three frames are one new subscriber within this long (their timestamps differ by about a second). */
const SUBSCRIBER_WINDOW_SECONDS = 600;

export type ParsedFrame = { kind: 'control'; frame: Record<string, unknown> } | { kind: 'content'; frame: Record<string, unknown> } | { kind: 'garbled' };

export function parseFrame(text: string): ParsedFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'garbled' };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { kind: 'garbled' };
  const frame = parsed as Record<string, unknown>;
  const keys = Object.keys(frame);
  if (keys.length > 0 && keys.every((k) => CONTROL_KEYS.has(k) || k === 'v')) return { kind: 'control', frame };
  return { kind: 'content', frame };
}

const hashOf = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

const asRecord = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

const idText = (value: unknown): string | null => (typeof value === 'number' || (typeof value === 'string' && value !== '') ? String(value) : null);

function ruleFor(frame: Record<string, unknown>): FrameRule | null {
  for (const r of RULES) if (r.key in frame) return r;
  return null;
}

function eventBodyOf(rule: FrameRule, frame: Record<string, unknown>): Record<string, unknown> | unknown[] {
  const value = frame[rule.key];
  if (rule.body === 'frame') return frame;
  if (rule.body === 'id' || typeof value !== 'object' || value === null) return { id: value };
  return value as Record<string, unknown> | unknown[];
}

/** The fan a chat message frame's sender is, with whatever identity the frame carries (often only the id). */
function fanOf(user: Record<string, unknown> | null) {
  return { id: idText(user?.id), name: typeof user?.name === 'string' ? user.name : null, username: typeof user?.username === 'string' ? user.username : null };
}

function amountOf(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : null;
}

/** The named events of a chat message: a fan's message or tip (the account's own echoed messages make none). */
function chatMessageActivity(message: Record<string, unknown>, accountUserId: string | null): DerivedEvent[] {
  const from = asRecord(message.fromUser);
  const sender = idText(from?.id);
  const id = idText(message.id);
  if (!id || !sender || sender === accountUserId) return [];
  const base = { messageId: id, chatId: sender, fan: fanOf(from), createdAt: message.createdAt ?? null };
  if (message.isTip === true) {
    // Later clients read tipAmount; earlier ones read price (docs/onlyfans-realtime.md: the api2_chat_message object).
    const amount = amountOf(message.tipAmount) ?? amountOf(message.price);
    const note = typeof message.tipText === 'string' ? message.tipText : typeof message.text === 'string' ? message.text : '';
    return [{ type: 'activity.tip.received', body: { ...base, amount, currency: 'USD', note, source: 'chat' }, key: `tip:chat:${id}`, window: 'once' }];
  }
  const body = {
    ...base,
    text: typeof message.text === 'string' ? message.text : '',
    price: typeof message.price === 'number' ? message.price : 0,
    mediaCount: typeof message.mediaCount === 'number' ? message.mediaCount : 0,
  };
  return [{ type: 'activity.message.received', body, key: `message:${id}`, window: 'once' }];
}

function tipActivity(tip: Record<string, unknown>, source: 'story' | 'stream'): DerivedEvent[] {
  const id = idText(tip.id);
  if (!id) return [];
  const from = asRecord(tip.from_user);
  const body = { messageId: null, chatId: idText(from?.id), fan: fanOf(from), amount: amountOf(tip.amount), currency: 'USD', note: typeof tip.message === 'string' ? tip.message : '', source, createdAt: null };
  return [{ type: 'activity.tip.received', body, key: `tip:${source}:${id}`, window: 'once' }];
}

function newSubscriber(fan: { id: string | null; name: string | null; username: string | null }, subscribedAt: string | null): DerivedEvent[] {
  if (!fan.id) return [];
  return [{ type: 'activity.subscriber.new', body: { fan, subscribedAt }, key: `subscriber:${fan.id}`, window: SUBSCRIBER_WINDOW_SECONDS }];
}

/** Toast codes that announce a subscriber. */
const SUBSCRIBER_TOAST_CODES = new Set(['new_subscriber', 'new_subscriber_trial']);

function activityOf(frame: Record<string, unknown>, rule: FrameRule, accountUserId: string | null, receivedAt: Date): DerivedEvent[] {
  const value = frame[rule.key];
  const record = asRecord(value);
  switch (rule.key) {
    case 'api2_chat_message':
      return record ? chatMessageActivity(record, accountUserId) : [];
    case 'story_tips':
      return record ? tipActivity(record, 'story') : [];
    case 'stream_tips':
      return record ? tipActivity(record, 'stream') : [];
    case 'chat_message_delete': {
      const id = idText(value) ?? idText(record?.id);
      return id ? [{ type: 'activity.message.deleted', body: { messageId: id }, key: `deleted:${id}`, window: 'once' }] : [];
    }
    case 'post_published': {
      const id = idText(record?.id);
      return id ? [{ type: 'activity.post.published', body: { postId: id, userId: idText(record?.user_id) }, key: `post:${id}`, window: 'once' }] : [];
    }
    case 'subscribed': {
      const user = asRecord(record?.user);
      const seconds = typeof record?.timestamp === 'number' ? record.timestamp : null;
      return newSubscriber(fanOf(user), seconds === null ? receivedAt.toISOString() : new Date(seconds * 1000).toISOString());
    }
    case 'new_message': {
      if (record?.type !== 'subscribed' && record?.subType !== 'new_subscriber') return [];
      const user = asRecord(record.user);
      return newSubscriber({ ...fanOf(user), id: idText(user?.id) ?? idText(record.user_id) }, receivedAt.toISOString());
    }
    case 'toasts': {
      const toasts = Array.isArray(value) ? value.map(asRecord) : [];
      return toasts.flatMap((toast) => {
        const data = asRecord(toast?.data);
        if (!data || !SUBSCRIBER_TOAST_CODES.has(String(data.code))) return [];
        const related = asRecord(data.relatedUser);
        const replacements = asRecord(data.replacements);
        const id = idText(related?.id) ?? idText(replacements?.['{RELATED_USER_ID}']);
        return newSubscriber({ ...fanOf(related), id }, receivedAt.toISOString());
      });
    }
    default:
      return [];
  }
}

/**
 * The events one content frame makes. `text` is the frame as received (both workers of a handover receive the same
 * bytes, so its hash is the frame's key); accountUserId tells the account's own messages from fans'.
 */
export function eventsOfFrame(text: string, frame: Record<string, unknown>, accountUserId: string | null, receivedAt: Date): DerivedEvent[] {
  const matched = ruleFor(frame);
  const key = `frame:${hashOf(text)}`;
  if (!matched) {
    return [{ type: 'realtime.other.received', body: frame, key, window: REPEATS_SECONDS }];
  }
  return [{ type: matched.type, body: eventBodyOf(matched, frame), key, window: matched.window }, ...activityOf(frame, matched, accountUserId, receivedAt)];
}

/** Whether a top-level key is one the relay translates (for tests and the docs). */
export function isKnownFrameKey(key: string): boolean {
  return RULE_BY_KEY.has(key);
}
