// Access: self — the connected account, its profile update, its notifications, its release forms and the users it
// may tag (docs/onlyfans-web-api.md §9, "Account and session", "Notifications, lists, misc" and "Paths the simulator
// serves": release-forms, posts/tagged-friend-users).
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, Direction, Limit, literalUnion, Num, Offset, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asObject, bool, num, numOrNull, overUpstream, passedOn, str, strOrNull } from './shared/upstream-readers.ts';
import { shapeUserProfile, userIdentity, UserProfile } from './shared/user-shapes.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

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

const Notification = Type.Object({
  canGoToProfile: Bool,
  createdAt: Str,
  id: Num,
  isRead: Bool,
  replacePairs: Nullable(Type.Record(Type.String(), Type.String())),
  subType: Nullable(Str),
  text: Str,
  type: Str,
  userId: Nullable(Num),
});
export const NotificationsReply = sdkPage(Notification);

const NOTIFICATION_TYPES = ['subscribed', 'purchases', 'tip', 'post', 'commented', 'mentioned', 'favorited', 'message'] as const;
export const NotificationsQuery = Type.Object({
  limit: Limit(20, 10),
  offset: Offset,
  type: Opt(literalUnion(NOTIFICATION_TYPES)),
  relatedUsername: Opt(Str),
});
export const SelfUpdateBody = Type.Object({ about: Opt(Str), name: Opt(Str) });

const ReleaseForm = Type.Object({
  id: Num,
  type: Str,
  name: Str,
  partnerId: Nullable(Num),
  code: Nullable(Str),
  status: Nullable(Str),
  createdAt: Nullable(Str),
  approvedAt: Nullable(Str),
  lastChangedAt: Nullable(Str),
  userName: Nullable(Str),
  hasUser: Bool,
  isHidden: Bool,
});
export const ReleaseFormsReply = sdkPage(ReleaseForm);

const TaggedFriendUser = Type.Object({
  id: Num,
  type: Str,
  name: Str,
  user: Type.Object({ id: Num, name: Str, username: Str, isVerified: Bool, avatar: Nullable(Str), isHidden: Bool }),
});
export const TaggedFriendUsersReply = sdkPage(TaggedFriendUser);

/** The SDK's query for both lists (AccessSelfListReleaseFormsParams, AccessSelfListTaggedFriendUsersParams). */
export const ReleaseFormsQuery = Type.Object({
  limit: Limit(20, 10),
  offset: Offset,
  filter: Opt(literalUnion(['all', 'pending'])),
  sortBy: Opt(literalUnion(['date', 'name'])),
  sortDirection: Opt(Direction),
  search: Opt(Type.String({ maxLength: 200 })),
});

// ---- shapes -------------------------------------------------------------------------------------------------

/** SDK notification types → upstream's singular past tense (docs/onlyfans-web-api.md §9). */
const NOTIFICATION_TYPE: Record<(typeof NOTIFICATION_TYPES)[number], string> = {
  subscribed: 'subscribed',
  tip: 'tipped',
  commented: 'commented',
  mentioned: 'mentioned',
  favorited: 'liked',
  message: 'message',
  purchases: 'purchased',
  post: 'post',
};

/** GET /users/me → the SDK's self object. Only the declared fields: /users/me also carries email and wsAuthToken. */
export function shapeSelf(value: unknown): Static<typeof SelfReply> {
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

export function shapeNotification(value: unknown): Static<typeof Notification> {
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
    replacePairs: n.replacePairs && typeof n.replacePairs === 'object' ? passedOn<Record<string, string>>(n.replacePairs) : null,
    userId: n.userId !== undefined ? numOrNull(n.userId) : user.id !== undefined ? num(user.id) : null,
  };
}

/** A release form; its partner (the user who signed it, or was invited) is upstream's `user`, null for a document. */
export function shapeReleaseForm(value: unknown): Static<typeof ReleaseForm> {
  const form = asObject(value);
  const user = form.user ? asObject(form.user) : null;
  return overUpstream(form, {
    id: num(form.id),
    type: str(form.type),
    name: str(form.name),
    partnerId: form.partnerId !== undefined ? numOrNull(form.partnerId) : user ? num(user.id) : null,
    code: strOrNull(form.code),
    status: strOrNull(form.status),
    createdAt: strOrNull(form.createdAt),
    approvedAt: strOrNull(form.approvedAt),
    lastChangedAt: strOrNull(form.lastChangedAt ?? form.createdAt),
    userName: form.userName !== undefined ? strOrNull(form.userName) : user ? str(user.name) : null,
    hasUser: bool(form.hasUser, user !== null),
    isHidden: bool(form.isHidden),
  });
}

/** A taggable user: upstream lists users (an entry may also wrap one in `user`), the SDK an entry naming its user. */
export function shapeTaggedFriendUser(value: unknown): Static<typeof TaggedFriendUser> {
  const entry = asObject(value);
  const user = entry.user ? asObject(entry.user) : entry;
  const identity = userIdentity(user);
  return {
    id: num(entry.id, identity.id),
    type: str(entry.type, 'friend'),
    name: str(entry.name, identity.name),
    user: { id: identity.id, name: identity.name, username: identity.username, avatar: identity.avatar, isVerified: bool(user.isVerified), isHidden: bool(user.isHidden) },
  };
}

/** The two lists' query → upstream's (the simulator pages them; the filters pass on under the SDK's names). */
function releaseFormsQuery(query: Static<typeof ReleaseFormsQuery>) {
  return { ...offsetPage(query), filter: given(query.filter), sortBy: given(query.sortBy), sortDirection: given(query.sortDirection), search: given(query.search) };
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: self';

export const family = defineFamily({
  name: 'self',
  permissions: ['profile:read', 'profile:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/self', tag, summary: 'The connected account', permission: 'profile:read',
      reply: SelfReply,
      upstream: () => ({ method: 'GET', path: '/users/me' }),
      shape: shapeSelf,
    }),
    defineEndpoint({
      method: 'PATCH', url: '/v2/access/self', tag, summary: 'Update name or about', permission: 'profile:write',
      body: SelfUpdateBody, reply: UserProfile,
      // Upstream answers a profile update with {success}; the SDK expects the profile, so it is read back.
      run: async ({ body }, send) => {
        await send({ method: 'PATCH', path: '/users/me', body: { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.about !== undefined ? { about: body.about } : {}) } });
        return shapeUserProfile(await send({ method: 'GET', path: '/users/me' }));
      },
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/self/notifications', tag, summary: 'Notifications', permission: 'profile:read',
      querystring: NotificationsQuery, reply: NotificationsReply,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/users/notifications',
        query: { ...offsetPage(query), skip_users: 'all', format: 'infinite', type: query.type ? NOTIFICATION_TYPE[query.type] : undefined, relatedUsername: given(query.relatedUsername) },
      }),
      shape: shapeOffsetPage(shapeNotification),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/self/release-forms', tag, summary: 'Release forms', permission: 'profile:read',
      querystring: ReleaseFormsQuery, reply: ReleaseFormsReply,
      // Upstream path chosen by the simulator, not confirmed (docs/onlyfans-web-api.md §9, marked (U)).
      upstream: ({ query }) => ({ method: 'GET', path: '/release-forms', query: releaseFormsQuery(query) }),
      shape: shapeOffsetPage(shapeReleaseForm),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/self/tagged-friend-users', tag, summary: 'Users the account may tag', permission: 'profile:read',
      querystring: ReleaseFormsQuery, reply: TaggedFriendUsersReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/posts/tagged-friend-users', query: releaseFormsQuery(query) }),
      shape: shapeOffsetPage(shapeTaggedFriendUser),
    }),
  ],
});
