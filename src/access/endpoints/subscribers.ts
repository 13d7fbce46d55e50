// Access: subscribers — the account's fans, and what it can set on one (display name, note, renewal discount)
// (docs/onlyfans-web-api.md §9, "Subscribers and subscriptions").
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, Id, Limit, literalUnion, Num, Offset, Opt, ResultReply, sdkPage, Str, UserIdParams } from './shared/schema-fields.ts';
import { upstreamDate } from './shared/upstream-date.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { deepFilters, given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, bool, num, numOrNull, str, strOrNull } from './shared/upstream-readers.ts';
import { avatarThumbsOf, listsOf, Thumbs } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const Subscriber = Type.Object({
  avatar: Nullable(Str),
  avatarThumbs: Nullable(Thumbs),
  capabilities: Type.Object({
    canBlock: Bool,
    canReceiveMessages: Bool,
    canReport: Bool,
    canRestrict: Bool,
    canSendTrial: Bool,
    canUnsubscribe: Bool,
  }),
  displayName: Str,
  id: Num,
  isBlocked: Bool,
  isRestricted: Bool,
  isVerified: Bool,
  lastSeen: Nullable(Str),
  lists: Type.Array(Type.Object({ id: Id, name: Str })),
  name: Str,
  spending: Type.Object({ messages: Num, posts: Num, streams: Num, subscriptions: Num, tips: Num, total: Num }),
  subscription: Type.Object({
    discountFinishedAt: Nullable(Str),
    discountPercent: Nullable(Num),
    discountPeriod: Nullable(Num),
    discountStartedAt: Nullable(Str),
    expiresAt: Nullable(Str),
    history: Type.Array(
      Type.Object({ action: Str, discount: Num, expireDate: Str, id: Num, isCurrent: Bool, price: Num, regularPrice: Num, startDate: Str, type: Str }),
    ),
    isActive: Bool,
    isExpired: Bool,
    price: Nullable(Num),
    regularPrice: Nullable(Num),
    renewedAt: Nullable(Str),
    subscribedAt: Nullable(Str),
  }),
  username: Str,
});
export const SubscribersReply = sdkPage(Subscriber);

// Object-valued filters arrive deep-object style (filter[online]=1) and pass through; the SDK's "[object Object]" is ignored.
export const SubscribersQuery = Type.Object({
  limit: Limit(100, 10),
  offset: Offset,
  query: Opt(Str),
  filter: Opt(Str),
  type: Opt(literalUnion(['all', 'active', 'expired', 'latest'])),
  startDate: Opt(Str),
  endDate: Opt(Str),
  latestType: Opt(literalUnion(['total', 'new', 'renewals'])),
});
export const CustomNameBody = Type.Object({ displayName: Str });
export const NoteBody = Type.Object({ notice: Str });
export const DiscountBody = Type.Object({ discount: Type.Number({ minimum: 0, maximum: 100 }), period: Type.Integer({ minimum: 1 }) });

// ---- shapes -------------------------------------------------------------------------------------------------

/** A fan as the SDK's subscriber item: capabilities, spending and subscription blocks instead of subscribedOnData. */
export function shapeSubscriber(value: unknown): Static<typeof Subscriber> {
  const user = asObject(value);
  const data = asObject(user.subscribedOnData ?? user.subscribedByData);
  const isActive = bool(user.subscribedOn, bool(user.subscribedBy));
  const blocked = bool(user.isBlocked);
  return {
    id: num(user.id),
    username: str(user.username),
    name: str(user.name),
    displayName: str(user.displayName),
    avatar: strOrNull(user.avatar),
    avatarThumbs: avatarThumbsOf(user),
    isBlocked: blocked,
    isRestricted: bool(user.isRestricted),
    isVerified: bool(user.isVerified),
    lastSeen: strOrNull(user.lastSeen),
    lists: listsOf(user).map(({ id, name }) => ({ id, name })),
    capabilities: {
      canBlock: !blocked,
      canReceiveMessages: bool(user.canReceiveChatMessage, bool(user.canChat, !blocked)),
      canReport: bool(user.canReport, true),
      canRestrict: bool(user.canRestrict, true),
      canSendTrial: bool(user.canTrialSend, false),
      canUnsubscribe: bool(user.canUnsubscribe, false),
    },
    spending: {
      messages: num(data.messagesSumm),
      posts: num(data.postsSumm),
      streams: num(data.streamsSumm),
      subscriptions: num(data.subscribesSumm),
      tips: num(data.tipsSumm),
      total: num(data.totalSumm, num(data.messagesSumm) + num(data.postsSumm) + num(data.streamsSumm) + num(data.subscribesSumm) + num(data.tipsSumm)),
    },
    subscription: {
      discountFinishedAt: strOrNull(data.discountFinishedAt),
      discountPercent: numOrNull(data.discountPercent),
      discountPeriod: numOrNull(data.discountPeriod),
      discountStartedAt: strOrNull(data.discountStartedAt),
      expiresAt: strOrNull(data.expiredAt),
      history: asArray(data.subscribes).map(asObject).map((e) => ({
        id: num(e.id),
        action: str(e.action, str(e.type)),
        type: str(e.type),
        startDate: str(e.startDate),
        expireDate: str(e.expireDate),
        price: num(e.price),
        regularPrice: num(e.regularPrice),
        discount: num(e.discount),
        isCurrent: bool(e.isCurrent),
      })),
      isActive,
      isExpired: bool(user.subscribedOnExpiredNow, !isActive),
      price: numOrNull(data.price ?? data.subscribePrice),
      regularPrice: numOrNull(data.regularPrice),
      renewedAt: strOrNull(data.renewedAt),
      subscribedAt: strOrNull(data.subscribeAt),
    },
  };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: subscribers';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'subscribers',
  permissions: ['subscribers:read', 'subscribers:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/subscribers', tag, summary: 'Fans (type=latest: new and renewed in a date range)', permission: 'subscribers:read',
      querystring: SubscribersQuery, reply: SubscribersReply,
      upstream: ({ query }) =>
        query.type === 'latest'
          ? {
              method: 'GET',
              path: '/subscriptions/subscribers/latest',
              query: { ...offsetPage(query), format: 'infinite', type: given(query.latestType), startDate: upstreamDate(query.startDate), endDate: upstreamDate(query.endDate) },
            }
          : {
              method: 'GET',
              path: '/subscriptions/subscribers',
              query: { ...offsetPage(query), type: given(query.type) ?? 'active', query: given(query.query), format: 'infinite', ...deepFilters(query) },
            },
      shape: shapeOffsetPage(shapeSubscriber),
    }),
    // PUT /subscriptions/{id} sets one field of the fan at a time.
    defineEndpoint({
      method: 'PUT', url: '/v2/access/subscribers/:userId/custom-name', tag, summary: 'Set the fan\'s display name', permission: 'subscribers:write',
      params: UserIdParams, body: CustomNameBody, reply: ResultReply,
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/subscriptions/${enc(params.userId)}`, body: { displayName: body.displayName } }),
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/subscribers/:userId/note', tag, summary: 'Set the private note about the fan', permission: 'subscribers:write',
      params: UserIdParams, body: NoteBody, reply: ResultReply,
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/subscriptions/${enc(params.userId)}`, body: { notice: body.notice } }),
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/subscribers/:userId/discount', tag, summary: 'Give the fan a renewal discount', permission: 'subscribers:write',
      params: UserIdParams, body: DiscountBody, reply: ResultReply,
      // Upstream path not confirmed by docs/onlyfans-web-api.md §9 (a guess; the simulator serves it).
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/subscriptions/${enc(params.userId)}/discount`, body: { discount: body.discount, period: body.period } }),
    }),
  ],
});
