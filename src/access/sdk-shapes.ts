// Upstream (OnlyFans web API) objects → the shapes OFAuth's SDK declares. Where the two agree the object passes
// through with the SDK's required fields filled in; where they differ (subscribers, subscriptions, earnings, lists
// embedded in users) the object is rebuilt. Upstream replies are untyped JSON: every read goes through the small
// readers below, which never throw, so a missing upstream field becomes a default rather than a 500.
type Raw = Record<string, unknown>;

/** The id, names and avatar every SDK user shape starts with. */
function userIdentity(value: unknown): Raw {
  const user = asObject(value);
  return { id: num(user.id), username: str(user.username), name: str(user.name), avatar: strOrNull(user.avatar) };
}

export function asObject(value: unknown): Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}
function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
function num(value: unknown, fallback = 0): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return fallback;
}
function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = num(value, Number.NaN);
  return Number.isNaN(n) ? null : n;
}
function str(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : fallback;
}
function strOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
function bool(value: unknown, fallback = false): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** `{list, hasMore}` from any upstream list reply: the envelope, or a bare array (lists without format=infinite). */
export function upstreamPage(body: unknown): { list: unknown[]; hasMore: boolean; raw: Raw } {
  if (Array.isArray(body)) return { list: body, hasMore: false, raw: {} };
  const raw = asObject(body);
  return { list: asArray(raw.list ?? raw.users ?? raw.items), hasMore: bool(raw.hasMore), raw };
}

// ---- media, messages, posts ---------------------------------------------------------------------------------

export function shapeMedia(value: unknown): Raw {
  const media = asObject(value);
  return {
    ...media,
    id: num(media.id),
    type: ['photo', 'video', 'gif', 'audio'].includes(str(media.type)) ? media.type : 'photo',
    canView: bool(media.canView, true),
    convertedToVideo: bool(media.convertedToVideo),
    createdAt: str(media.createdAt),
    hasError: bool(media.hasError),
    isReady: bool(media.isReady, true),
    releaseForms: asArray(media.releaseForms),
    ...(media.files ? { files: shapeMediaFiles(media.files) } : {}),
  };
}

function shapeMediaFiles(value: unknown): Raw {
  const files = asObject(value);
  const full = asObject(files.full);
  const preview = files.preview === undefined ? undefined : asObject(files.preview);
  return {
    ...files,
    full: { ...full, url: str(full.url), sources: asArray(full.sources) },
    ...(preview ? { preview: { ...preview, url: str(preview.url), options: asArray(preview.options) } } : {}),
  };
}

/** Upstream sends null where the SDK declares an optional number (queueId, …): such keys are left out. */
const OPTIONAL_MESSAGE_NUMBERS = ['queueId', 'mediaCount', 'cancelSeconds', 'unsendSecondsQueue'];

export function shapeChatMessage(value: unknown): Raw {
  const message = { ...asObject(value) };
  for (const key of OPTIONAL_MESSAGE_NUMBERS) if (message[key] === null) delete message[key];
  const fromUser = asObject(message.fromUser);
  return {
    ...message,
    id: num(message.id),
    text: str(message.text),
    fromUser: { ...fromUser, id: num(fromUser.id) },
    media: asArray(message.media).map(shapeMedia),
    previews: asArray(message.previews).map((p) => (typeof p === 'object' ? num(asObject(p).id) : num(p))),
  };
}

/** /chats/{id}/media: real upstream lists messages with their media; a bare media row is wrapped as a message. */
export function shapeChatMediaItem(value: unknown): Raw {
  const item = asObject(value);
  if (Array.isArray(item.media)) return shapeChatMessage(item);
  const { messageId, fromUser, ...media } = item;
  return shapeChatMessage({ id: messageId ?? media.id, fromUser, text: '', media: [media], previews: [], mediaCount: 1 });
}

export function shapeChat(value: unknown): Raw {
  const chat = asObject(value);
  const withUser = asObject(chat.withUser);
  const { lastMessage, ...rest } = chat;
  return {
    ...rest,
    withUser: { id: num(withUser.id), _view: str(withUser._view, 'm') },
    ...(lastMessage ? { lastMessage: shapeChatMessage(lastMessage) } : {}),
    ...(typeof chat.canNotSendReason === 'string' || typeof chat.canNotSendReason === 'boolean' ? {} : { canNotSendReason: false }),
  };
}

export function shapePost(value: unknown): Raw {
  const post = asObject(value);
  const author = asObject(post.author);
  return {
    ...post,
    id: num(post.id),
    ...(post.author ? { author: { id: num(author.id), _view: str(author._view, 'm') } } : {}),
    canComment: bool(post.canComment),
    canDelete: bool(post.canDelete),
    canEdit: bool(post.canEdit),
    canToggleFavorite: bool(post.canToggleFavorite, true),
    canViewMedia: bool(post.canViewMedia, true),
    favoritesCount: num(post.favoritesCount),
    isFavorite: bool(post.isFavorite),
    isMarkdownDisabled: bool(post.isMarkdownDisabled),
    isMediaReady: bool(post.isMediaReady, true),
    isOpened: bool(post.isOpened, true),
    media: asArray(post.media).map(shapeMedia),
    mediaCount: num(post.mediaCount, asArray(post.media).length),
    postedAt: str(post.postedAt),
    postedAtPrecise: str(post.postedAtPrecise),
    rawText: str(post.rawText),
    responseType: str(post.responseType, 'post'),
    text: str(post.text),
    tipsAmount: str(post.tipsAmount, '0'),
  };
}

/** GET /posts/{id}: the SDK's single-post shape (edit capabilities, preview ids, release forms). */
export function shapeSinglePost(value: unknown): Raw {
  const post = shapePost(value);
  const canEdit = bool(post.canEdit);
  return {
    ...post,
    canEditMedia: bool(post.canEditMedia, canEdit),
    canEditSchedule: bool(post.canEditSchedule, canEdit),
    canEditText: bool(post.canEditText, canEdit),
    canEditVote: bool(post.canEditVote, canEdit),
    preview: asArray(post.preview).map((p) => num(p)),
    releaseForms: asArray(post.releaseForms),
  };
}

export function shapePostsPage(body: unknown): Raw {
  const raw = asObject(body);
  const counters = asObject(raw.counters);
  const counter = (name: string) => num(counters[name]);
  return {
    list: asArray(raw.list).map(shapePost),
    hasMore: bool(raw.hasMore),
    headMarker: str(raw.headMarker),
    tailMarker: str(raw.tailMarker),
    counters: {
      archivedPostsCount: counter('archivedPostsCount'),
      audiosCount: counter('audiosCount'),
      mediasCount: counter('mediasCount'),
      photosCount: counter('photosCount'),
      postsCount: counter('postsCount'),
      privateArchivedPostsCount: counter('privateArchivedPostsCount'),
      streamsCount: counter('streamsCount'),
      videosCount: counter('videosCount'),
    },
  };
}

// ---- users ----------------------------------------------------------------------------------------------

/** Upstream's listsStates (every list, with hasUser) → the SDK's lists (the lists the user is in). */
function listsOf(user: Raw): Array<{ id: string | number; name: string; type: string }> {
  if (Array.isArray(user.lists)) return user.lists.map((l) => ({ id: listId(asObject(l).id), name: str(asObject(l).name), type: str(asObject(l).type) }));
  return asArray(user.listsStates)
    .map(asObject)
    .filter((state) => bool(state.hasUser))
    .map((state) => ({ id: listId(state.id), name: str(state.name), type: str(state.type) }));
}
function listId(value: unknown): string | number {
  return typeof value === 'number' ? value : str(value);
}

function withoutNulls(data: unknown): Raw | undefined {
  if (data === null || data === undefined) return undefined;
  const raw = asObject(data);
  return { ...raw, subscribes: asArray(raw.subscribes) };
}

export function shapeUserProfile(value: unknown): Raw {
  const user = asObject(value);
  const { listsStates: _listsStates, view: _view, subscribedByData, subscribedOnData, ...rest } = user;
  const byData = withoutNulls(subscribedByData);
  const onData = withoutNulls(subscribedOnData);
  return {
    ...rest,
    ...userIdentity(user),
    isVerified: bool(user.isVerified),
    lists: listsOf(user),
    ...(byData ? { subscribedByData: byData } : {}),
    ...(onData ? { subscribedOnData: { ...onData, totalSumm: num(onData.totalSumm) } } : {}),
  };
}

export function shapeListUserRef(value: unknown): Raw {
  const user = asObject(value);
  return {
    ...userIdentity(user),
    avatarThumbs: user.avatarThumbs ?? null,
    isVerified: bool(user.isVerified),
  };
}

export function shapeUserList(value: unknown): Raw {
  const list = asObject(value);
  return {
    ...list,
    id: listId(list.id),
    name: str(list.name),
    type: str(list.type),
    sortList: asArray(list.sortList),
    users: asArray(list.users).map(shapeListUserRef),
  };
}

// ---- subscribers and subscriptions ------------------------------------------------------------------------

/** A fan as the SDK's subscriber item: capabilities, spending and subscription blocks instead of subscribedOnData. */
export function shapeSubscriber(value: unknown): Raw {
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
    avatarThumbs: user.avatarThumbs ?? null,
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
      history: asArray(data.subscribes).map((entry) => {
        const e = asObject(entry);
        return {
          id: num(e.id),
          action: str(e.action, str(e.type)),
          type: str(e.type),
          startDate: str(e.startDate),
          expireDate: str(e.expireDate),
          price: num(e.price),
          regularPrice: num(e.regularPrice),
          discount: num(e.discount),
          isCurrent: bool(e.isCurrent),
        };
      }),
      isActive,
      isExpired: bool(user.subscribedOnExpiredNow, !isActive),
      price: numOrNull(data.price ?? data.subscribePrice),
      regularPrice: numOrNull(data.regularPrice),
      renewedAt: strOrNull(data.renewedAt),
      subscribedAt: strOrNull(data.subscribeAt),
    },
  };
}

/** One of the account's own subscriptions (a creator it follows), from upstream's user + subscribedByData. */
export function shapeSubscription(value: unknown): Raw {
  const user = asObject(value);
  const data = asObject(user.subscribedByData);
  const totals = asObject(user.subscribedOnData);
  return {
    ...userIdentity(user),
    avatarThumbs: user.avatarThumbs ?? null,
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
export function shapeSubscriptionHistory(value: unknown): Raw {
  const user = asObject(value);
  const data = asObject(user.subscribedByData ?? user.subscribedOnData);
  return {
    hasMore: false,
    list: asArray(data.subscribes).map((entry) => {
      const e = asObject(entry);
      return { subscribeDate: str(e.startDate), expireDate: str(e.expireDate), price: num(e.price) };
    }),
  };
}

export function shapeSubscriptionCount(value: unknown): Raw {
  const raw = asObject(value);
  const subscribers = asObject(raw.subscribers);
  const subscriptions = asObject(raw.subscriptions);
  const counts = (source: Raw, names: string[]) => Object.fromEntries(names.map((n) => [n, num(source[n])]));
  return {
    bookmarks: num(raw.bookmarks),
    subscribers: counts(subscribers, ['active', 'activeOnline', 'all', 'blocked', 'expired', 'muted', 'restricted']),
    subscriptions: counts(subscriptions, ['active', 'all', 'attention', 'blocked', 'expired', 'muted', 'restricted']),
  };
}

// ---- self, notifications ------------------------------------------------------------------------------------

/** GET /users/me → the SDK's self object. Only the declared fields: /users/me also carries email and wsAuthToken. */
export function shapeSelf(value: unknown): Raw {
  const me = asObject(value);
  if (!bool(me.isAuth, true)) return { isAuth: false };
  return {
    ...userIdentity(me),
    isAuth: true,
    isVerified: bool(me.isVerified),
    photosCount: num(me.photosCount),
    postsCount: num(me.postsCount),
    videosCount: num(me.videosCount),
    subscribersCount: numOrNull(me.subscribersCount),
  };
}

export function shapeNotification(value: unknown): Raw {
  const n = asObject(value);
  const user = asObject(n.user);
  return {
    id: num(n.id),
    type: str(n.type),
    subType: strOrNull(n.subType),
    text: str(n.text),
    createdAt: str(n.createdAt),
    isRead: bool(n.isRead),
    canGoToProfile: bool(n.canGoToProfile),
    replacePairs: n.replacePairs && typeof n.replacePairs === 'object' ? n.replacePairs : null,
    userId: n.userId !== undefined ? numOrNull(n.userId) : user.id !== undefined ? num(user.id) : null,
  };
}

// ---- vault --------------------------------------------------------------------------------------------------

export function shapeVaultMedia(value: unknown): Raw {
  const media = shapeMedia(value);
  const counters = asObject(media.counters);
  return { ...media, counters: { likesCount: num(counters.likesCount), tipsSumm: num(counters.tipsSumm) }, lists: asArray(media.lists) };
}

export function shapeVaultList(value: unknown): Raw {
  const list = asObject(value);
  const type = str(list.type, 'custom');
  return {
    ...list,
    id: num(list.id),
    name: str(list.name),
    type: ['custom', 'messages', 'posts', 'stories', 'streams', 'media_stickers'].includes(type) ? type : 'custom',
    hasMedia: bool(list.hasMedia),
    canUpdate: bool(list.canUpdate),
    canDelete: bool(list.canDelete),
    medias: asArray(list.medias).map((m) => ({ type: asObject(m).type ?? null, ...(typeof asObject(m).url === 'string' ? { url: asObject(m).url } : {}) })),
  };
}

export function shapeVaultLists(body: unknown): Raw {
  const page = upstreamPage(body);
  const all = asObject(page.raw.all);
  return {
    list: page.list.map(shapeVaultList),
    hasMore: page.hasMore,
    all: {
      audiosCount: num(all.audiosCount),
      gifsCount: num(all.gifsCount),
      photosCount: num(all.photosCount),
      videosCount: num(all.videosCount),
      medias: asArray(all.medias).map((m) => ({ type: asObject(m).type ?? null })),
    },
    canCreateVaultLists: bool(page.raw.canCreateVaultLists, true),
    order: str(page.raw.order, 'desc'),
    sort: str(page.raw.sort, 'recent'),
  };
}

// ---- earnings -----------------------------------------------------------------------------------------------

export function shapeTransaction(value: unknown, type: string | null): Raw {
  const t = asObject(value);
  return {
    id: str(t.id),
    amounts: { gross: num(t.amount), net: num(t.net), fee: num(t.fee), tax: num(t.taxAmount), vat: num(t.vatAmount) },
    createdAt: str(t.createdAt),
    currency: str(t.currency, 'USD'),
    description: strOrNull(t.description),
    payoutPendingDays: numOrNull(t.payoutPendingDays),
    status: strOrNull(t.status),
    type: strOrNull(t.type) ?? type,
    user: userIdentity(t.user),
  };
}

export function shapeChargeback(value: unknown): Raw {
  const c = asObject(value);
  const payment = asObject(c.payment);
  const amount = num(payment.amount ?? c.amount);
  return {
    id: num(c.id),
    createdAt: str(c.createdAt),
    paymentType: strOrNull(c.paymentType),
    payment: {
      id: strOrNull(payment.id ?? c.transactionId),
      amounts: { gross: amount, net: num(payment.net), fee: num(payment.fee), tax: num(payment.taxAmount), vat: num(payment.vatAmount) },
      createdAt: strOrNull(payment.createdAt),
      currency: strOrNull(payment.currency ?? c.currency),
      description: strOrNull(payment.description),
      status: strOrNull(payment.status),
      user: userIdentity(payment.user ?? c.user),
    },
  };
}

/** Upstream's chart is keyed by category with chartAmount series; the SDK wants one series for the asked `by`. */
const CHART_KEY_OF_BY: Record<string, string> = {
  total: 'total',
  messages: 'chat_messages',
  tips: 'tips',
  tips_profile: 'tips',
  tips_post: 'tips',
  tips_chat: 'tips',
  tips_stream: 'tips',
  tips_story: 'tips',
  stream: 'stream',
  post: 'post',
  subscribes: 'subscribes',
  ref: 'ref',
};

export function shapeEarningsChart(value: unknown, by: string | undefined): Raw {
  const chart = asObject(value);
  const series = asObject(chart[CHART_KEY_OF_BY[by ?? 'total'] ?? 'total'] ?? chart.total);
  return {
    chart: asArray(series.chartAmount ?? series.chart).map((p) => ({ date: str(asObject(p).date), count: num(asObject(p).count) })),
    total: num(series.total),
    ...(series.gross !== undefined ? { gross: num(series.gross) } : {}),
    ...(series.delta !== undefined ? { delta: num(series.delta) } : {}),
  };
}
