// Access: mass messages — the account's message queue: queue one (now or scheduled), read, replace before it goes
// out, cancel or unsend, and list the queue (docs/onlyfans-web-api.md §9, "Paths the simulator serves": messages/queue).
// Request and reply shapes follow the SDK (AccessCreateMassMessagesRequest, AccessGetMassMessagesResponse …); the
// list route is in OFAuth's endpoint manifest without a declared type, so its items are queue items as for create.
import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../../platform/http/schema-kit.ts';
import { ChatMessage, DeleteMessageReply, shapeChatMessage } from './chats.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { ContentFields, ReleaseFormsInput, upstreamContent } from './shared/content-body.ts';
import { Bool, Id, Limit, Num, Offset, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { upstreamDate } from './shared/upstream-date.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { offsetPage } from './shared/upstream-query.ts';
import { asObject, bool, num, overUpstream, passedOn, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

/** A queue item as create and replace answer it (the SDK's AccessCreateMassMessagesResponse). */
export const MassMessageQueueItem = Type.Object({
  id: Num,
  date: Str,
  isReady: Opt(Bool),
  isDone: Opt(Bool),
  total: Opt(Num),
  pending: Opt(Num),
  canUnsend: Opt(Bool),
  unsendSeconds: Opt(Num),
  hasError: Opt(Bool),
  isCanceled: Opt(Bool),
  isCouplePeopleMedia: Opt(Bool),
});
export const MassMessagesReply = sdkPage(MassMessageQueueItem);
/** One mass message read back: a message, as in a chat (the SDK's AccessGetMassMessagesResponse). */
export const MassMessageReply = ChatMessage;
export const DeleteMassMessageReply = DeleteMessageReply;

const Recipients = Type.Array(Id, { maxItems: 10_000 });
export const MassMessageBody = Type.Object(
  {
    ...ContentFields,
    isForwardedMessage: Opt(Nullable(Bool)),
    isLockedText: Opt(Nullable(Bool)),
    isMarkdown: Opt(Nullable(Bool)),
    releaseForms: Opt(ReleaseFormsInput),
    userTags: Opt(Type.Array(Num)),
    /** Unset or null: sent at once. */
    scheduledDate: Opt(Nullable(Timestamp)),
    userIds: Opt(Recipients),
    userLists: Opt(Recipients),
    excludeUserLists: Opt(Recipients),
    /** Only fans who subscribed at or after this instant. */
    subscribedAfterDate: Opt(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export const MassMessageParams = Type.Object({ massMessageId: Type.String({ pattern: '^[0-9]+$', maxLength: 20 }) });
export const MassMessagesQuery = Type.Object({ limit: Limit(100, 10), offset: Offset });

type MassMessageBody = Static<typeof MassMessageBody>;

// ---- shapes -------------------------------------------------------------------------------------------------

export function shapeQueueItem(value: unknown): Static<typeof MassMessageQueueItem> {
  const item = asObject(value);
  return overUpstream(item, { id: num(item.id), date: str(item.date, str(item.createdAt)) });
}

/**
 * A queue item read back → the SDK's message. Upstream's item has no sender (it is always the account) and no
 * preview list; both are filled in so the reply is the message shape the SDK declares.
 */
export function shapeMassMessage(value: unknown, accountUserId: string | null): Static<typeof ChatMessage> {
  const item = asObject(value);
  return shapeChatMessage({
    ...item,
    fromUser: item.fromUser ?? { id: num(accountUserId), _view: 'm' },
    previews: item.previews ?? [],
    isFree: bool(item.isFree, num(item.price) === 0),
  });
}

/** ISO 8601 → the instant upstream's queue takes; the simulator and the web client send it as ISO 8601 UTC. */
function scheduledInstant(value: string | null | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return new Date(Date.parse(value)).toISOString();
}

/** The content part of upstream's queue body (as a chat message's, plus the schedule). */
function upstreamMassContent(body: MassMessageBody) {
  const { media, previewCount, ...content } = upstreamContent(body);
  return {
    ...content,
    previews: media.slice(0, previewCount),
    isForward: body.isForwardedMessage ?? false,
    ...(body.scheduledDate ? { scheduledDate: scheduledInstant(body.scheduledDate) } : {}),
    ...(body.subscribedAfterDate ? { subscribedAfterDate: upstreamDate(body.subscribedAfterDate) } : {}),
  };
}

/** Creating names the audience in full (absent lists are empty). */
function upstreamNewMassMessage(body: MassMessageBody) {
  return {
    ...upstreamMassContent(body),
    userIds: body.userIds ?? [],
    userLists: body.userLists ?? [],
    excludedLists: body.excludeUserLists ?? [],
  };
}

/** Replacing keeps the audience unless the body names it again: upstream recomputes it only for lists it is sent. */
function upstreamReplacedMassMessage(body: MassMessageBody) {
  return {
    ...upstreamMassContent(body),
    ...(body.userIds ? { userIds: body.userIds } : {}),
    ...(body.userLists ? { userLists: body.userLists } : {}),
    ...(body.excludeUserLists ? { excludedLists: body.excludeUserLists } : {}),
  };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: mass messages';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'mass-messages',
  permissions: ['messages:read', 'messages:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/mass-messages', tag, summary: 'The mass message queue (newest first)', permission: 'messages:read',
      querystring: MassMessagesQuery, reply: MassMessagesReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/messages/queue', query: offsetPage(query) }),
      shape: shapeOffsetPage(shapeQueueItem),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/mass-messages', tag, summary: 'Queue a mass message (now, or at scheduledDate)', permission: 'messages:write',
      body: MassMessageBody, reply: MassMessageQueueItem,
      upstream: ({ body }) => ({ method: 'POST', path: '/messages/queue', body: upstreamNewMassMessage(body) }),
      shape: shapeQueueItem,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/mass-messages/:massMessageId', tag, summary: 'One mass message', permission: 'messages:read',
      params: MassMessageParams, reply: MassMessageReply,
      upstream: ({ params }) => ({ method: 'GET', path: `/messages/queue/${enc(params.massMessageId)}` }),
      shape: (body, { connection }) => shapeMassMessage(body, connection.platformUserId),
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/mass-messages/:massMessageId', tag, summary: 'Replace a mass message that has not gone out', permission: 'messages:write',
      params: MassMessageParams, body: MassMessageBody, reply: MassMessageQueueItem,
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/messages/queue/${enc(params.massMessageId)}`, body: upstreamReplacedMassMessage(body) }),
      shape: shapeQueueItem,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/mass-messages/:massMessageId', tag, summary: 'Cancel a scheduled mass message, or unsend a sent one', permission: 'messages:write',
      params: MassMessageParams, reply: DeleteMassMessageReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/messages/queue/${enc(params.massMessageId)}` }),
      shape: (body) => {
        const reply = asObject(body);
        return overUpstream(reply, { success: reply.success !== false, ...(reply.queue === undefined ? {} : { queue: passedOn<Record<string, unknown>>(reply.queue) }) });
      },
    }),
  ],
});
