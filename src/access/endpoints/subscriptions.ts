// Access: subscriptions — the creators the account subscribes to, the subscriber/subscription counts, and the
// subscription periods with one user (docs/onlyfans-web-api.md §9, "Subscribers and subscriptions").
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, Flag, Limit, literalUnion, Num, Offset, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { deepFilters, given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, bool, num, str, strOrNull } from './shared/upstream-readers.ts';
import { avatarThumbsOf, listsOf, Thumbs, UserListRef, userIdentity } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const Subscription = Type.Object({
  avatar: Nullable(Str),
  avatarThumbs: Opt(Nullable(Thumbs)),
  expiredAt: Nullable(Str),
  id: Num,
  isActive: Bool,
  lists: Type.Array(UserListRef),
  messagesSumm: Opt(Num),
  name: Str,
  postsSumm: Opt(Num),
  renewedAt: Nullable(Str),
  streamsSumm: Opt(Num),
  subscribedAt: Str,
  subscribesSumm: Opt(Num),
  subscriptionPrice: Num,
  tipsSumm: Opt(Num),
  totalSumm: Opt(Num),
  username: Str,
});
export const SubscriptionsReply = sdkPage(Subscription);
export const SubscriptionCountReply = Type.Object({
  bookmarks: Num,
  subscribers: Type.Object({ active: Num, activeOnline: Num, all: Num, blocked: Num, expired: Num, muted: Num, restricted: Num }),
  subscriptions: Type.Object({ active: Num, all: Num, attention: Num, blocked: Num, expired: Num, muted: Num, restricted: Num }),
});
export const SubscriptionHistoryReply = sdkPage(Type.Object({ expireDate: Str, price: Num, subscribeDate: Str }));

export const SubscriptionIdParams = Type.Object({ subscriptionId: Str });
export const SubscriptionsQuery = Type.Object({
  limit: Limit(50, 10),
  offset: Offset,
  query: Opt(Str),
  filter: Opt(Str),
  type: Opt(literalUnion(['all', 'active', 'expired'])),
});
export const SubscriptionHistoryQuery = Type.Object({ all: Opt(Flag) });

// ---- shapes -------------------------------------------------------------------------------------------------

/** One of the account's own subscriptions (a creator it follows), from upstream's user + subscribedByData. */
export function shapeSubscription(value: unknown): Static<typeof Subscription> {
  const user = asObject(value);
  const data = asObject(user.subscribedByData);
  const totals = asObject(user.subscribedOnData);
  return {
    ...userIdentity(user),
    avatarThumbs: avatarThumbsOf(user),
    isActive: bool(user.subscribedBy),
    expiredAt: strOrNull(data.expiredAt) ?? strOrNull(user.subscribedByExpireDate),
    renewedAt: strOrNull(data.renewedAt),
    subscribedAt: str(data.subscribeAt),
    subscriptionPrice: num(data.price ?? data.subscribePrice ?? user.currentSubscribePrice),
    lists: listsOf(user),
    ...(user.subscribedOnData ? {
      messagesSumm: num(totals.messagesSumm),
      postsSumm: num(totals.postsSumm),
      streamsSumm: num(totals.streamsSumm),
      subscribesSumm: num(totals.subscribesSumm),
      tipsSumm: num(totals.tipsSumm),
      totalSumm: num(totals.totalSumm),
    } : {}),
  };
}

/** Subscription periods with one user, from GET /users/{id}: the account's subscription to them, else theirs to it. */
export function shapeSubscriptionHistory(value: unknown): Static<typeof SubscriptionHistoryReply> {
  const user = asObject(value);
  const data = asObject(user.subscribedByData ?? user.subscribedOnData);
  return {
    hasMore: false,
    list: asArray(data.subscribes).map(asObject).map((e) => ({ subscribeDate: str(e.startDate), expireDate: str(e.expireDate), price: num(e.price) })),
  };
}

export function shapeSubscriptionCount(value: unknown): Static<typeof SubscriptionCountReply> {
  const raw = asObject(value);
  const subscribers = asObject(raw.subscribers);
  const subscriptions = asObject(raw.subscriptions);
  return {
    bookmarks: num(raw.bookmarks),
    subscribers: {
      active: num(subscribers.active),
      activeOnline: num(subscribers.activeOnline),
      all: num(subscribers.all),
      blocked: num(subscribers.blocked),
      expired: num(subscribers.expired),
      muted: num(subscribers.muted),
      restricted: num(subscribers.restricted),
    },
    subscriptions: {
      active: num(subscriptions.active),
      all: num(subscriptions.all),
      attention: num(subscriptions.attention),
      blocked: num(subscriptions.blocked),
      expired: num(subscriptions.expired),
      muted: num(subscriptions.muted),
      restricted: num(subscriptions.restricted),
    },
  };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: subscriptions';

export const family = defineFamily({
  name: 'subscriptions',
  permissions: ['subscribers:read'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/subscriptions', tag, summary: 'Creators the account subscribes to', permission: 'subscribers:read',
      querystring: SubscriptionsQuery, reply: SubscriptionsReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/subscriptions/subscribes',
        query: { ...offsetPage(query), type: given(query.type) ?? 'all', query: given(query.query), format: 'infinite', ...deepFilters(query) },
      }),
      shape: shapeOffsetPage(shapeSubscription),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/subscriptions/count', tag, summary: 'Subscriber and subscription counts', permission: 'subscribers:read',
      reply: SubscriptionCountReply,
      upstream: () => ({ method: 'GET', path: '/subscriptions/count/all' }),
      shape: shapeSubscriptionCount,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/subscriptions/:subscriptionId/history', tag, summary: 'Subscription periods with one user (id or username)', permission: 'subscribers:read',
      params: SubscriptionIdParams, querystring: SubscriptionHistoryQuery, reply: SubscriptionHistoryReply,
      // The periods are the `subscribes` of the user's subscribedByData/subscribedOnData (docs/onlyfans-web-api.md §9).
      upstream: ({ params }) => ({ method: 'GET', path: `/users/${encodeURIComponent(params.subscriptionId)}` }),
      shape: shapeSubscriptionHistory,
    }),
  ],
});
