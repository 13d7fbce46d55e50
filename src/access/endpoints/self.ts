// Access: self — the connected account, its profile update and its notifications (docs/onlyfans-web-api.md §9,
// "Account and session" and "Notifications, lists, misc").
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, Limit, literalUnion, Num, Offset, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asObject, bool, num, numOrNull, passedOn, str, strOrNull } from './shared/upstream-readers.ts';
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
  ],
});
