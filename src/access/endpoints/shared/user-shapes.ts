// The user shapes several families reply with (profiles, list members, the identity inside earnings and
// subscriptions), in the SDK's form (docs/ofauth-wire-contract.md §1: the SDK's src/client.ts is the reference).
import { Type, type Static } from 'typebox';
import { Nullable } from '../../../platform/http/schema-kit.ts';
import { Bool, Id, Num, Opt, Str } from './schema-fields.ts';
import {
  asArray,
  asObject,
  bool,
  num,
  numberOrString,
  overUpstream,
  passedOn,
  passedOnArray,
  str,
  strOrNull,
  type UpstreamObject,
} from './upstream-readers.ts';

export const Thumbs = Type.Object({ c144: Str, c50: Str });

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
export const UserListRef = Type.Object({ id: Id, name: Str, type: Str });

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

export type UserListRef = Static<typeof UserListRef>;
export type Thumbs = Static<typeof Thumbs>;
type SubscribeEntry = Static<typeof SubscribeEntry>;

/** The id, names and avatar every SDK user shape starts with. */
export function userIdentity(value: unknown): { id: number; username: string; name: string; avatar: string | null } {
  const user = asObject(value);
  return { id: num(user.id), username: str(user.username), name: str(user.name), avatar: strOrNull(user.avatar) };
}

/** Upstream's avatarThumbs as sent (the SDK's Thumbs), null when absent. */
export function avatarThumbsOf(user: UpstreamObject): Thumbs | null {
  return passedOn<Thumbs | null>(user.avatarThumbs ?? null);
}

/** Upstream's listsStates (every list, with hasUser) → the SDK's lists (the lists the user is in). */
export function listsOf(user: UpstreamObject): UserListRef[] {
  if (Array.isArray(user.lists)) return user.lists.map(asObject).map((l) => ({ id: numberOrString(l.id), name: str(l.name), type: str(l.type) }));
  return asArray(user.listsStates)
    .map(asObject)
    .filter((state) => bool(state.hasUser))
    .map((state) => ({ id: numberOrString(state.id), name: str(state.name), type: str(state.type) }));
}

/** subscribedByData / subscribedOnData with `subscribes` always a list (upstream sends null without history). */
function subscriptionData(data: unknown): (UpstreamObject & { subscribes: SubscribeEntry[] }) | undefined {
  if (data === null || data === undefined) return undefined;
  return overUpstream(asObject(data), { subscribes: passedOnArray<SubscribeEntry>(asObject(data).subscribes) });
}

export function shapeUserProfile(value: unknown): Static<typeof UserProfile> {
  const user = asObject(value);
  const { listsStates: _listsStates, view: _view, subscribedByData, subscribedOnData, ...rest } = user;
  const byData = subscriptionData(subscribedByData);
  const onData = subscriptionData(subscribedOnData);
  return overUpstream(rest, {
    ...userIdentity(user),
    isVerified: bool(user.isVerified),
    lists: listsOf(user),
    ...(byData ? { subscribedByData: byData } : {}),
    ...(onData ? { subscribedOnData: { ...onData, totalSumm: num(onData.totalSumm) } } : {}),
  });
}

export function shapeListUserRef(value: unknown): Static<typeof ListUserRef> {
  const user = asObject(value);
  return { ...userIdentity(user), avatarThumbs: avatarThumbsOf(user), isVerified: bool(user.isVerified) };
}
