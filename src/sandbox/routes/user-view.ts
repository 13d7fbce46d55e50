// Users as OnlyFans returns them: the owner's /users/me, other users with the viewer-side subscription fields
// (docs/onlyfans-web-api.md §9), and the slim {id, _view} form used with skip_users=all.
import { htmlText, isoTime } from '../data/formats.ts';
import type { Person, Relation } from '../data/people.ts';
import { isRelationActive, relationTotal, renewalPrice } from '../data/people.ts';
import type { AccountData } from '../data/world.ts';

const CDN = 'https://cdn.sandbox.ofconnect.invalid';

export function slimUser(id: number) {
  return { id, _view: 'm' };
}

function avatarOf(id: number) {
  return { avatar: `${CDN}/avatars/${id}.jpg`, avatarThumbs: { c50: `${CDN}/avatars/${id}_c50.jpg`, c144: `${CDN}/avatars/${id}_c144.jpg` }, header: `${CDN}/headers/${id}.jpg`, headerSize: { width: 1920, height: 640 } };
}

export function personOfAccount(data: AccountData): Person {
  const p = data.profile;
  return {
    id: p.id,
    username: p.username,
    name: p.name,
    about: p.about,
    isPerformer: p.isPerformer,
    isVerified: p.isVerified,
    subscribePrice: p.subscribePrice,
    postsCount: p.plan.posts,
    photosCount: data.profile.plan.posts,
    videosCount: 0,
    joinDateMs: p.joinDateMs,
    lastSeenMs: data.anchorMs,
  };
}

export function meView(data: AccountData) {
  const p = data.profile;
  const subscribers = p.plan.subscribers;
  return {
    view: 'main',
    id: p.id,
    username: p.username,
    name: p.name,
    email: p.email,
    isAuth: true,
    ...avatarOf(p.id),
    about: htmlText(p.about),
    rawAbout: p.about,
    location: p.location,
    website: p.website,
    isPerformer: p.isPerformer,
    isVerified: p.isVerified,
    isRealPerformer: p.isPerformer,
    subscribersCount: subscribers,
    subscribesCount: p.plan.subscriptions,
    subscribePrice: p.subscribePrice,
    postsCount: p.plan.posts,
    photosCount: Math.round(p.plan.posts * 1.4),
    videosCount: Math.round(p.plan.posts * 0.4),
    audiosCount: 0,
    mediasCount: p.plan.vaultMedia,
    favoritedCount: p.favoritedCount,
    canEarn: p.isPerformer,
    canAddSubscriber: p.isPerformer,
    joinDate: isoTime(p.joinDateMs),
    creditBalance: p.creditBalance,
    isOtpEnabled: p.isOtpEnabled,
    isTwoFactorAuthEnabled: p.isOtpEnabled,
    notificationsCount: Math.floor(p.plan.notifications / 4),
    chatMessagesCount: Math.floor(p.plan.chats / 8),
    hasNewAlerts: false,
    minPayoutSumm: 20,
    withdrawalPeriod: 'manual',
    replyOnSubscribe: p.replyOnSubscribe,
    canSendChatToAll: p.isPerformer,
    messageMinPrice: 3,
    messageMaxPrice: 200,
    postMinPrice: 3,
    postMaxPrice: 200,
    subscriptionMinPrice: 4.99,
    subscriptionMaxPrice: 50,
    wsUrl: 'wss://ws2.onlyfans.com/ws2/',
    wsAuthToken: p.wsAuthToken,
    forceFaceOtp: false,
    ivStatus: p.isPerformer ? 'approved' : null,
    isEmailChecked: true,
    lastSeen: null,
  };
}

function durationText(startMs: number, endMs: number): string {
  const days = Math.max(1, Math.round((endMs - startMs) / 86_400_000));
  return days >= 30 ? `${Math.round(days / 30)} months` : `${days} days`;
}

/** userId is the creator, subscriberId the fan, whichever side the viewer is on. */
function subscriptionData(relation: Relation, viewerId: number) {
  const active = isRelationActive(relation);
  const [userId, subscriberId] = relation.role === 'subscriber' ? [viewerId, relation.person.id] : [relation.person.id, viewerId];
  const discount = relation.discount;
  return {
    price: relation.price,
    subscribePrice: relation.price,
    regularPrice: relation.price,
    newPrice: renewalPrice(relation),
    discountPercent: discount?.percent ?? null,
    discountPeriod: discount?.periodDays ?? null,
    discountStartedAt: discount ? isoTime(discount.startedAtMs) : null,
    discountFinishedAt: discount ? isoTime(discount.finishedAtMs) : null,
    subscribeAt: isoTime(relation.subscribeAtMs),
    expiredAt: isoTime(relation.expiredAtMs),
    renewedAt: active && relation.autoprolong ? isoTime(relation.expiredAtMs) : null,
    status: active ? (relation.autoprolong ? null : 'Set to Expire') : 'Expired',
    isMuted: false,
    unsubscribeReason: active ? null : 'expired',
    hasActivePaidSubscriptions: active && relation.price > 0,
    duration: durationText(relation.subscribeAtMs, relation.expiredAtMs),
    subscribes: relation.periods.map((period, index) => ({
      id: period.id,
      userId,
      subscriberId,
      date: isoTime(period.startMs),
      startDate: isoTime(period.startMs),
      expireDate: isoTime(period.expireMs),
      cancelDate: null,
      duration: Math.max(1, Math.round((period.expireMs - period.startMs) / 86_400_000)),
      price: period.price,
      regularPrice: period.regularPrice,
      discount: 0,
      earningId: period.id + 1,
      action: index === 0 ? 'subscribe' : 'prolong',
      type: index === 0 ? 'regular' : 'recurring',
      offerStart: null,
      offerEnd: null,
      isCurrent: active && index === relation.periods.length - 1,
    })),
  };
}

/** Another user, with the fields that depend on who is looking. */
export function userView(person: Person, viewer: AccountData) {
  const relation = viewer.relationsById.get(person.id);
  const subscriber = relation?.role === 'subscriber' ? relation : undefined;
  const subscription = relation?.role === 'subscription' ? relation : undefined;
  return {
    view: 't',
    id: person.id,
    username: person.username,
    name: person.name,
    displayName: relation?.displayName ?? '',
    notice: relation?.notice ?? '',
    ...avatarOf(person.id),
    about: htmlText(person.about),
    rawAbout: person.about,
    isPerformer: person.isPerformer,
    isVerified: person.isVerified,
    subscribePrice: person.subscribePrice,
    currentSubscribePrice: person.subscribePrice,
    postsCount: person.postsCount,
    photosCount: person.photosCount,
    videosCount: person.videosCount,
    joinDate: isoTime(person.joinDateMs),
    lastSeen: isoTime(person.lastSeenMs),
    canChat: true,
    canEarn: person.isPerformer,
    isBlocked: relation?.isBlocked ?? false,
    isRestricted: relation?.isRestricted ?? false,
    subscribedBy: subscription ? isRelationActive(subscription) : false,
    subscribedByExpire: subscription ? !subscription.autoprolong : null,
    subscribedByExpireDate: subscription ? isoTime(subscription.expiredAtMs) : null,
    subscribedByAutoprolong: subscription?.autoprolong ?? null,
    subscribedIsExpiredNow: subscription ? !isRelationActive(subscription) : false,
    subscribedByData: subscription ? subscriptionData(subscription, viewer.profile.id) : null,
    subscribedOn: subscriber ? isRelationActive(subscriber) : false,
    subscribedOnExpiredNow: subscriber ? !isRelationActive(subscriber) : null,
    subscribedOnDuration: subscriber ? durationText(subscriber.subscribeAtMs, Math.min(subscriber.expiredAtMs, viewer.anchorMs)) : null,
    subscribedOnData: subscriber
      ? {
          ...subscriptionData(subscriber, viewer.profile.id),
          totalSumm: relationTotal(subscriber),
          subscribesSumm: subscriber.subscribesSumm,
          tipsSumm: subscriber.tipsSumm,
          messagesSumm: subscriber.messagesSumm,
          postsSumm: subscriber.postsSumm,
          streamsSumm: subscriber.streamsSumm,
        }
      : null,
    listsStates: viewer.userLists.lists.map((list) => ({ id: list.id, type: list.type, name: list.name, hasUser: list.userIds.includes(person.id), canAddUser: !list.isBuiltIn })),
  };
}
