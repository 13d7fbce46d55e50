// TypeBox schemas for the Access API: query strings and bodies as OFAuth's SDK sends them, and replies in the SDK's
// shapes (OFAuth-org/onlyfans-sdk-typescript src/client.ts). Reply objects list the fields the SDK declares; objects
// stay open (extra upstream fields may ride along), and tests check every managed reply against these schemas.
import { Type, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Opt = Type.Optional;
const Str = Type.String();
const Num = Type.Number();
const Bool = Type.Boolean();
const Id = Type.Union([Type.String(), Type.Number()]);

// ---- shared reply shapes (sdk-notes §0) -------------------------------------------------------------------

export const Thumbs = Type.Object({ c144: Str, c50: Str });
const Src = Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), type: Opt(Str) });
const Img = Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num) });
const ReleaseFormRef = Type.Object({ id: Num, name: Str, partnerSource: Str, type: Str });
const MediaType = Type.Union([Type.Literal('photo'), Type.Literal('video'), Type.Literal('gif'), Type.Literal('audio')]);

const mediaProperties = {
  canView: Bool,
  convertedToVideo: Bool,
  createdAt: Str,
  duration: Opt(Num),
  files: Opt(
    Type.Object({
      full: Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num), sources: Type.Array(Src) }),
      preview: Opt(Type.Object({ url: Str, width: Opt(Num), height: Opt(Num), size: Opt(Num), options: Type.Array(Src) })),
      squarePreview: Opt(Img),
      thumb: Opt(Img),
    }),
  ),
  hasCustomPreview: Opt(Bool),
  hasError: Bool,
  id: Num,
  isReady: Bool,
  releaseForms: Type.Array(ReleaseFormRef),
  type: MediaType,
  videoSources: Opt(Type.Object({ '240': Opt(Nullable(Str)), '720': Opt(Nullable(Str)) })),
};
export const Media = Type.Object(mediaProperties);

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

export const Post = Type.Object({
  author: Opt(Type.Object({ _view: Str, id: Num })),
  canComment: Bool,
  canDelete: Bool,
  canEdit: Bool,
  canToggleFavorite: Bool,
  canViewMedia: Bool,
  favoritesCount: Num,
  id: Num,
  isFavorite: Bool,
  isMarkdownDisabled: Bool,
  isMediaReady: Bool,
  isOpened: Bool,
  media: Type.Array(Media),
  mediaCount: Num,
  postedAt: Str,
  postedAtPrecise: Str,
  rawText: Str,
  responseType: Str,
  text: Str,
  tipsAmount: Str,
});

export const PostsPage = Type.Object({
  counters: Type.Object({
    archivedPostsCount: Num,
    audiosCount: Num,
    mediasCount: Num,
    photosCount: Num,
    postsCount: Num,
    privateArchivedPostsCount: Num,
    streamsCount: Num,
    videosCount: Num,
  }),
  hasMore: Bool,
  headMarker: Str,
  list: Type.Array(Post),
  tailMarker: Str,
});

export const SinglePost = Type.Object({
  author: Opt(Type.Object({ _view: Str, id: Num })),
  canDelete: Bool,
  canEdit: Bool,
  canEditMedia: Bool,
  canEditSchedule: Bool,
  canEditText: Bool,
  canEditVote: Bool,
  canToggleFavorite: Bool,
  canViewMedia: Bool,
  id: Num,
  isMarkdownDisabled: Bool,
  isMediaReady: Bool,
  isOpened: Bool,
  media: Type.Array(Media),
  mediaCount: Num,
  postedAt: Str,
  postedAtPrecise: Str,
  preview: Type.Array(Num),
  price: Opt(Num),
  releaseForms: Type.Array(ReleaseFormRef),
  responseType: Str,
  tipsAmount: Str,
});

const SubscribeEntry = Type.Object({
  id: Num,
  startDate: Str,
  expireDate: Str,
  cancelDate: Nullable(Str),
  price: Num,
  regularPrice: Num,
  discount: Num,
  type: Str,
  isCurrent: Bool,
});
const UserListRef = Type.Object({ id: Id, name: Str, type: Str });

/** The fields every user shape of the SDK starts with. */
const UserBaseFields = {
  id: Num,
  username: Str,
  name: Str,
  avatar: Nullable(Str),
  avatarThumbs: Opt(Nullable(Thumbs)),
  isVerified: Bool,
  lists: Type.Array(UserListRef),
};

export const UserProfile = Type.Object({
  ...UserBaseFields,
  about: Opt(Nullable(Str)),
  displayName: Opt(Str),
  notice: Opt(Str),
  isPerformer: Opt(Bool),
  isBlocked: Opt(Bool),
  isRestricted: Opt(Bool),
  subscribePrice: Opt(Num),
  currentSubscribePrice: Opt(Nullable(Num)),
  postsCount: Opt(Num),
  photosCount: Opt(Num),
  videosCount: Opt(Num),
  joinDate: Opt(Str),
  lastSeen: Opt(Nullable(Str)),
  subscribedBy: Opt(Bool),
  subscribedOn: Opt(Bool),
  subscribedByData: Opt(Type.Object({ subscribes: Type.Array(SubscribeEntry) })),
  subscribedOnData: Opt(Type.Object({ subscribes: Type.Array(SubscribeEntry), totalSumm: Num })),
});

export const RestrictedUser = Type.Object({
  ...UserBaseFields,
  isBlocked: Opt(Bool),
  isRestricted: Opt(Bool),
  subscribedBy: Opt(Nullable(Bool)),
});

export const ListUserRef = Type.Object({ avatar: Nullable(Str), avatarThumbs: Opt(Nullable(Thumbs)), id: Num, isVerified: Bool, name: Str, username: Str });

export const UserList = Type.Object({
  id: Id,
  name: Str,
  type: Str,
  usersCount: Opt(Num),
  postsCount: Opt(Num),
  canUpdate: Opt(Bool),
  canDelete: Opt(Bool),
  canManageUsers: Opt(Bool),
  canAddUsers: Opt(Bool),
  canPinnedToFeed: Opt(Bool),
  isPinnedToFeed: Opt(Bool),
  sortList: Type.Array(Type.Object({ direction: Str, order: Str })),
  users: Type.Array(ListUserRef),
});

export const VaultMedia = Type.Object({
  ...mediaProperties,
  counters: Type.Object({ likesCount: Num, tipsSumm: Num }),
  hasPosts: Opt(Bool),
  lists: Type.Array(Type.Object({ id: Num, name: Str, type: Str })),
});

const VaultListType = Type.Union(['custom', 'messages', 'posts', 'stories', 'streams', 'media_stickers'].map((t) => Type.Literal(t)));
export const VaultList = Type.Object({
  canDelete: Bool,
  canUpdate: Bool,
  hasMedia: Bool,
  id: Num,
  medias: Type.Array(Type.Object({ type: Nullable(MediaType), url: Opt(Str) })),
  name: Str,
  type: VaultListType,
});

const Amounts = Type.Object({ fee: Num, gross: Num, net: Num, tax: Num, vat: Num });
const EarnUser = Type.Object({ avatar: Nullable(Str), id: Num, name: Str, username: Str });
export const Transaction = Type.Object({
  amounts: Amounts,
  createdAt: Str,
  currency: Str,
  description: Nullable(Str),
  id: Str,
  payoutPendingDays: Nullable(Num),
  status: Nullable(Str),
  type: Nullable(Str),
  user: EarnUser,
});
export const Chargeback = Type.Object({
  createdAt: Str,
  id: Num,
  payment: Type.Object({
    amounts: Amounts,
    createdAt: Nullable(Str),
    currency: Nullable(Str),
    description: Nullable(Str),
    id: Nullable(Str),
    status: Nullable(Str),
    user: EarnUser,
  }),
  paymentType: Nullable(Str),
});

const ChartPoint = Type.Object({ count: Num, date: Str });

// ---- replies per operation --------------------------------------------------------------------------------

const page = <T extends TSchema>(item: T) => Type.Object({ hasMore: Bool, list: Type.Array(item) });
const AnyObject = Type.Record(Type.String(), Type.Unknown());

export const SelfReply = Type.Union([
  Type.Object({
    avatar: Nullable(Str),
    id: Num,
    isAuth: Bool,
    isVerified: Bool,
    name: Str,
    photosCount: Num,
    postsCount: Num,
    subscribersCount: Nullable(Num),
    username: Str,
    videosCount: Num,
  }),
  Type.Object({ isAuth: Bool }),
]);

export const NotificationsReply = page(
  Type.Object({
    canGoToProfile: Bool,
    createdAt: Str,
    id: Num,
    isRead: Bool,
    replacePairs: Nullable(Type.Record(Type.String(), Type.String())),
    subType: Nullable(Str),
    text: Str,
    type: Str,
    userId: Nullable(Num),
  }),
);

export const ChatsReply = Type.Object({
  hasMore: Bool,
  nextOffset: Opt(Num),
  list: Type.Array(
    Type.Object({
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
    }),
  ),
});
export const ChatMessagesReply = page(ChatMessage);
export const DeleteMessageReply = Type.Object({ success: Bool, queue: Opt(AnyObject) });

export const SubscribersReply = page(
  Type.Object({
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
  }),
);

export const SubscriptionsReply = page(
  Type.Object({
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
  }),
);
export const SubscriptionCountReply = Type.Object({
  bookmarks: Num,
  subscribers: Type.Object({ active: Num, activeOnline: Num, all: Num, blocked: Num, expired: Num, muted: Num, restricted: Num }),
  subscriptions: Type.Object({ active: Num, all: Num, attention: Num, blocked: Num, expired: Num, muted: Num, restricted: Num }),
});
export const SubscriptionHistoryReply = page(Type.Object({ expireDate: Str, price: Num, subscribeDate: Str }));

export const UsersPage = page(RestrictedUser);
export const UsersLookupReply = Type.Object({ users: Type.Array(UserProfile) });
export const UserSearchReply = Type.Array(UserProfile);
export const UserListsReply = Type.Object({ hasMore: Bool, list: Type.Array(UserList), order: Opt(Str), sort: Opt(Str) });
export const ListUsersReply = Type.Object({ hasMore: Bool, list: Type.Array(ListUserRef), nextOffset: Opt(Num) });
export const AddUserToListsReply = Type.Object({
  success: Type.Array(Type.Object({ listId: Num, success: Bool })),
  errors: Opt(Type.Array(Type.Object({ error: Str, listId: Num }))),
});
export const ResultReply = AnyObject;

export const VaultListsReply = Type.Object({
  all: Type.Object({ audiosCount: Num, gifsCount: Num, medias: Type.Array(Type.Object({ type: Type.Unknown() })), photosCount: Num, videosCount: Num }),
  canCreateVaultLists: Bool,
  hasMore: Bool,
  list: Type.Array(VaultList),
  order: Str,
  sort: Str,
});
export const VaultMediaReply = page(VaultMedia);

export const EarningsChartReply = Type.Object({ chart: Type.Array(ChartPoint), delta: Opt(Num), gross: Opt(Num), total: Num });
export const TransactionsReply = Type.Object({ hasMore: Bool, list: Type.Array(Transaction), nextMarker: Nullable(Num) });
export const ChargebacksReply = Type.Object({ hasMore: Bool, list: Type.Array(Chargeback), nextMarker: Nullable(Num) });

// ---- requests ---------------------------------------------------------------------------------------------

const Limit = (max: number, fallback: number) => Opt(Type.Integer({ minimum: 1, maximum: max, default: fallback }));
const Offset = Opt(Type.Integer({ minimum: 0, default: 0 }));
const Flag = Type.Union([Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false')]);
const Direction = Type.Union([Type.Literal('asc'), Type.Literal('desc')]);

export const UserIdParams = Type.Object({ userId: Str });
export const MessageParams = Type.Object({ userId: Str, messageId: Str });
export const PostIdParams = Type.Object({ postId: Str });
export const ListIdParams = Type.Object({ listId: Str });
export const ListUserParams = Type.Object({ listId: Str, userId: Str });
export const SubscriptionIdParams = Type.Object({ subscriptionId: Str });

export const OffsetQuery = (max: number, fallback: number) => Type.Object({ limit: Limit(max, fallback), offset: Offset });

export const NotificationsQuery = Type.Object({
  limit: Limit(20, 10),
  offset: Offset,
  type: Opt(Type.Union(['subscribed', 'purchases', 'tip', 'post', 'commented', 'mentioned', 'favorited', 'message'].map((t) => Type.Literal(t)))),
  relatedUsername: Opt(Str),
});
export const SelfUpdateBody = Type.Object({ about: Opt(Str), name: Opt(Str) });

export const ChatsQuery = Type.Object({
  limit: Limit(20, 10),
  offset: Offset,
  order: Opt(Type.Union([Type.Literal('recent'), Type.Literal('old')])),
  filter: Opt(Type.Union([Type.Literal('priority'), Type.Literal('who_tipped'), Type.Literal('unread')])),
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
  type: Opt(Type.Union([Type.Literal('photos'), Type.Literal('videos'), Type.Literal('audios')])),
});
const ReleaseFormsInput = Type.Object({ guests: Opt(Type.Array(Num)), partners: Opt(Type.Array(Num)), users: Opt(Type.Array(Num)) });
export const SendMessageBody = Type.Object({
  text: Opt(Str),
  mediaItems: Opt(Type.Array(Id)),
  previewMediaCount: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  price: Opt(Nullable(Type.Number({ minimum: 0 }))),
  isLockedText: Opt(Nullable(Bool)),
  isMarkdown: Opt(Nullable(Bool)),
  isForwardedMessage: Opt(Nullable(Bool)),
  releaseForms: Opt(ReleaseFormsInput),
  userTags: Opt(Type.Array(Num)),
});
export const DeleteMessageBody = Type.Object({ withUserId: Opt(Id) });

// Object-valued filters arrive deep-object style (filter[online]=1) and pass through; the SDK's "[object Object]" is ignored.
export const SubscribersQuery = Type.Object({
  limit: Limit(100, 10),
  offset: Offset,
  query: Opt(Str),
  filter: Opt(Str),
  type: Opt(Type.Union(['all', 'active', 'expired', 'latest'].map((t) => Type.Literal(t)))),
  startDate: Opt(Str),
  endDate: Opt(Str),
  latestType: Opt(Type.Union(['total', 'new', 'renewals'].map((t) => Type.Literal(t)))),
});
export const CustomNameBody = Type.Object({ displayName: Str });
export const NoteBody = Type.Object({ notice: Str });
export const DiscountBody = Type.Object({ discount: Type.Number({ minimum: 0, maximum: 100 }), period: Type.Integer({ minimum: 1 }) });

export const SubscriptionsQuery = Type.Object({
  limit: Limit(50, 10),
  offset: Offset,
  query: Opt(Str),
  filter: Opt(Str),
  type: Opt(Type.Union(['all', 'active', 'expired'].map((t) => Type.Literal(t)))),
});
export const SubscriptionHistoryQuery = Type.Object({ all: Opt(Flag) });

export const PostsQuery = Type.Object({
  limit: Limit(10, 10),
  sortBy: Opt(Type.Union(['publish_date', 'tips', 'favorites_count'].map((t) => Type.Literal(t)))),
  sortDirection: Opt(Direction),
  pinned: Opt(Bool),
  includePostCounts: Opt(Bool),
  beforePublishTime: Opt(Str),
});
export const PostWriteBody = Type.Object({
  text: Opt(Str),
  mediaItems: Opt(Type.Array(Id)),
  previewMediaCount: Opt(Nullable(Type.Integer({ minimum: 0 }))),
  price: Opt(Nullable(Type.Number({ minimum: 0 }))),
  scheduledDate: Opt(Str),
  expireAfter: Opt(Type.Integer({ minimum: 1 })),
  fundRaisingTargetAmount: Opt(Num),
  fundRaisingTipsPresets: Opt(Type.Array(Num)),
  isLockedText: Opt(Nullable(Bool)),
  isMarkdown: Opt(Nullable(Bool)),
  releaseForms: Opt(ReleaseFormsInput),
  userTags: Opt(Type.Array(Num)),
});

export const UserSearchQuery = Type.Object({ limit: Limit(100, 20), offset: Offset, query: Str });
export const UsersLookupQuery = Type.Object({ userIds: Type.Union([Type.Array(Str), Str]) });
export const UserListsQuery = Type.Object({ limit: Limit(100, 10), offset: Offset, query: Opt(Str) });
export const ListNameBody = Type.Object({ name: Type.String({ minLength: 1 }) });
export const AddUserToListsBody = Type.Object({ listIds: Type.Array(Num, { minItems: 1 }) });

const VaultSort = Type.Union(['recent', 'most-liked', 'highest-tips'].map((t) => Type.Literal(t)));
export const VaultListsQuery = Type.Object({ limit: Limit(40, 24), offset: Offset, query: Opt(Str) });
export const VaultMediaQuery = Type.Object({
  limit: Limit(40, 24),
  offset: Offset,
  sortBy: Opt(VaultSort),
  sortDirection: Opt(Direction),
  listId: Opt(Num),
  query: Opt(Str),
  mediaType: Opt(MediaType),
});
export const VaultListMediaQuery = Type.Object({
  limit: Limit(40, 24),
  offset: Offset,
  sortBy: Opt(VaultSort),
  sortDirection: Opt(Direction),
  query: Opt(Str),
  mediaType: Opt(MediaType),
});
export const VaultListUpdateBody = Type.Object({ name: Type.String({ minLength: 1 }), clearMedia: Opt(Nullable(Bool)) });
export const VaultListAddMediaBody = Type.Object({ mediaIds: Type.Array(Num, { minItems: 1 }) });

const EarningsBy = Type.Union(
  ['total', 'messages', 'tips', 'stream', 'post', 'subscribes', 'tips_profile', 'tips_post', 'tips_chat', 'tips_stream', 'tips_story', 'ref'].map((t) =>
    Type.Literal(t),
  ),
);
export const EarningsChartQuery = Type.Object({ startDate: Opt(Str), endDate: Opt(Str), by: Opt(EarningsBy), withTotal: Opt(Bool), monthlyTotal: Opt(Bool) });
export const TransactionsQuery = Type.Object({
  startDate: Opt(Str),
  marker: Opt(Str),
  type: Opt(Type.Union(['subscribes', 'chat_messages', 'post', 'stream', 'tips'].map((t) => Type.Literal(t)))),
  tipsSource: Opt(Type.Union(['chat', 'post_all', 'profile', 'story', 'stream'].map((t) => Type.Literal(t)))),
});
export const ChargebacksQuery = Type.Object({ startDate: Opt(Str), endDate: Opt(Str), marker: Opt(Str) });

// ---- usage (ofconnect extension) --------------------------------------------------------------------------

const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD (UTC)' });
export const UsageQuery = Type.Object({
  from: Opt(Day),
  to: Opt(Day),
  connectionId: Opt(Str),
});
export const UsageReply = Type.Object({
  from: Day,
  to: Day,
  list: Type.Array(Type.Object({ connectionId: Str, day: Day, requests: Type.Integer() })),
  totalRequests: Type.Integer(),
  /** The billing signal: live Link connections active at any time in each month of the range; imports are free. */
  billing: Type.Array(Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), billableConnections: Type.Integer() })),
});
