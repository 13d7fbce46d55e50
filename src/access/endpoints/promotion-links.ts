// Access: tracking links (OnlyFans' "campaigns") and trial links (free days for whoever opens one), with the fans
// who claimed a tracking link and the sharing of a link's statistics with other users. Upstream paths and bodies:
// docs/onlyfans-web-api.md §9, "Paths the simulator serves for the remaining Access families"; the request and reply
// shapes follow OFAuth's SDK (src/client.ts, promotions.trackingLinks and promotions.trialLinks).
import { Type, type Static } from 'typebox';
import { ApiError } from '../../platform/errors.ts';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint, type SendUpstream } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { NumericId, PageQuery, shapeSuccess, SuccessReply } from './promotions.ts';
import { Bool, Num, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { upstreamDate } from './shared/upstream-date.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, bool, num, overUpstream, str, strOrNull, type UpstreamObject } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const MAX_NAME = 64;
const LinkName = Type.String({ minLength: 1, maxLength: MAX_NAME });
const SharedWithUserIds = Opt(Type.Array(Num, { description: 'ofconnect: the users the statistics are shared with' }));

/** The SDK declares `{id, name}`; upstream's campaign fields ride along, the ones below declared. */
export const TrackingLink = Type.Object({
  id: Num,
  name: Str,
  campaignUrl: Opt(Str),
  subscribersCount: Opt(Num),
  clicksCount: Opt(Num),
  createdAt: Opt(Str),
  sharedWithUserIds: SharedWithUserIds,
});
export const TrackingLinksPage = sdkPage(TrackingLink);
export const TrackingLinkParams = Type.Object({ trackingLinkId: NumericId });
/** The SDK's list query (its own names on the wire); the four after offset are passed on to upstream as given. */
export const TrackingLinksQuery = Type.Object({
  ...PageQuery.properties,
  pagination: Opt(Type.Integer({ minimum: 0 })),
  with_deleted: Opt(Type.Integer({ minimum: 0, maximum: 1 })),
  sorting_deleted: Opt(Str),
  stats: Opt(Type.Union([Type.Literal('true'), Type.Literal('false')])),
});
export const TrackingLinkBody = Type.Object({ name: LinkName }, { additionalProperties: false });
export const TrackingLinkReplaceBody = Type.Object({ name: Opt(LinkName) }, { additionalProperties: false });

/** A fan who subscribed through the link (the SDK leaves the item open): upstream's user, with when they claimed. */
export const Claimer = Type.Object({ id: Num, username: Str, name: Str, avatar: Nullable(Str), claimedAt: Opt(Str) });
export const ClaimersPage = sdkPage(Claimer);

export const TrialLink = Type.Object({
  id: Num,
  trialLinkName: Str,
  url: Str,
  subscribeDays: Num,
  subscribeCounts: Num,
  claimCounts: Num,
  clicksCounts: Num,
  expiredAt: Nullable(Str),
  createdAt: Str,
  isFinished: Bool,
  user: Opt(Type.Unknown()),
  sharedWith: Opt(Nullable(Str)),
  sharedWithUserIds: SharedWithUserIds,
});
export const TrialLinksPage = sdkPage(TrialLink);
export const TrialLinkParams = Type.Object({ trialLinkId: NumericId });

const trialFields = {
  trialLinkName: LinkName,
  subscribeDays: Type.Integer({ minimum: 1, maximum: 30, description: 'Free days (1–30)' }),
  subscribeCounts: Opt(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Most claims; 0 (default): unlimited' })),
  expiredAt: Opt(Nullable(Type.String({ format: 'date-time', description: 'ISO 8601; absent or null: never expires' }))),
};
export const TrialLinkBody = Type.Object(trialFields, { additionalProperties: false });
/** Replacing a trial link: the fields given replace the link's, the others stay as they are. */
export const TrialLinkReplaceBody = Type.Object(
  { trialLinkName: Opt(trialFields.trialLinkName), subscribeDays: Opt(trialFields.subscribeDays), subscribeCounts: trialFields.subscribeCounts, expiredAt: trialFields.expiredAt },
  { additionalProperties: false },
);

const UserId = Type.Integer({ minimum: 1, description: 'A user the account knows (a fan, a follower…)' });
export const TrackingLinkShareBody = Type.Object({ campaignId: Type.Integer({ minimum: 1, description: 'The tracking link id' }), userId: UserId }, { additionalProperties: false });
export const TrialLinkShareBody = Type.Object({ trialId: Type.Integer({ minimum: 1, description: 'The trial link id' }), userId: UserId }, { additionalProperties: false });

type TrialLink = Static<typeof TrialLink>;

// ---- shapes -------------------------------------------------------------------------------------------------

const enc = encodeURIComponent;

function sharedWithUserIdsOf(link: UpstreamObject): { sharedWithUserIds?: number[] } {
  return Array.isArray(link.sharedWithUserIds) ? { sharedWithUserIds: asArray(link.sharedWithUserIds).map((id) => num(id)) } : {};
}

export function shapeTrackingLink(value: unknown): Static<typeof TrackingLink> {
  const link = asObject(value);
  return overUpstream(link, { id: num(link.id), name: str(link.campaignName, str(link.name)), ...sharedWithUserIdsOf(link) });
}

export function shapeClaimer(value: unknown): Static<typeof Claimer> {
  const user = asObject(value);
  return overUpstream(user, { id: num(user.id), username: str(user.username), name: str(user.name), avatar: strOrNull(user.avatar) });
}

export function shapeTrialLink(value: unknown): TrialLink {
  const trial = asObject(value);
  return overUpstream(trial, {
    id: num(trial.id),
    trialLinkName: str(trial.trialLinkName),
    url: str(trial.url),
    subscribeDays: num(trial.subscribeDays),
    subscribeCounts: num(trial.subscribeCounts),
    claimCounts: num(trial.claimCounts),
    clicksCounts: num(trial.clicksCounts),
    expiredAt: strOrNull(trial.expiredAt),
    createdAt: str(trial.createdAt),
    isFinished: bool(trial.isFinished),
    ...sharedWithUserIdsOf(trial),
  });
}

interface TrialInput {
  trialLinkName?: string;
  subscribeDays?: number;
  subscribeCounts?: number;
  expiredAt?: string | null;
}

/** The SDK's trial body over the link as it is → upstream's whole body (expiry in upstream's date form, '' = never). */
function upstreamTrial(body: TrialInput, current?: TrialLink) {
  const expiredAt = body.expiredAt === undefined ? current?.expiredAt ?? null : body.expiredAt;
  return {
    trialLinkName: body.trialLinkName ?? current?.trialLinkName,
    subscribeDays: body.subscribeDays ?? current?.subscribeDays,
    subscribeCounts: body.subscribeCounts ?? current?.subscribeCounts ?? 0,
    expiredAt: upstreamDate(expiredAt ?? undefined) ?? '',
  };
}

async function readTrialLink(send: SendUpstream, trialLinkId: string): Promise<TrialLink> {
  return shapeTrialLink(await send({ method: 'GET', path: `/trials/${enc(trialLinkId)}` }));
}

/**
 * A share-access body as upstream takes it: `{<linkField>, userId}`. DELETE bodies skip schema validation
 * (routes.ts), so both methods read it here, with the same 400 naming the field as the validator's.
 */
function upstreamShare(body: Record<string, unknown>, linkField: 'campaignId' | 'trialId') {
  return { [linkField]: positiveWholeNumber(body, linkField), userId: positiveWholeNumber(body, 'userId') };
}

function positiveWholeNumber(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 1) return n;
  throw new ApiError('BAD_REQUEST', `Invalid body: ${field} must be a positive whole number`, { details: { field, location: 'body' } });
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: promotions';
const trackingLink = (id: string) => `/campaigns/${enc(id)}`;

export const family = defineFamily({
  name: 'promotion links',
  permissions: ['promotions:read', 'promotions:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/tracking-links', tag, summary: 'Tracking links (newest first)', permission: 'promotions:read',
      querystring: TrackingLinksQuery, reply: TrackingLinksPage,
      upstream: ({ query }) => ({
        method: 'GET',
        path: '/campaigns',
        query: { ...offsetPage(query), pagination: given(query.pagination), with_deleted: given(query.with_deleted), sorting_deleted: given(query.sorting_deleted), stats: given(query.stats) },
      }),
      shape: shapeOffsetPage(shapeTrackingLink),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/tracking-links', tag, summary: 'Create a tracking link', permission: 'promotions:write',
      body: TrackingLinkBody, reply: TrackingLink,
      upstream: ({ body }) => ({ method: 'POST', path: '/campaigns', body: { campaignName: body.name } }),
      shape: shapeTrackingLink,
    }),
    // Static share-access paths before /{trackingLinkId}: the router prefers them anyway, and the id is digits only.
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/tracking-links/share-access', tag, summary: "Share a tracking link's statistics with a user", permission: 'promotions:write',
      body: TrackingLinkShareBody, reply: SuccessReply,
      upstream: ({ body }) => ({ method: 'POST', path: '/campaigns/share-access', body: upstreamShare(body, 'campaignId') }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/promotions/tracking-links/share-access', tag, summary: "Stop sharing a tracking link's statistics with a user", permission: 'promotions:write',
      body: TrackingLinkShareBody, reply: SuccessReply,
      upstream: ({ body }) => ({ method: 'DELETE', path: '/campaigns/share-access', body: upstreamShare(body, 'campaignId') }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/tracking-links/:trackingLinkId', tag, summary: 'One tracking link', permission: 'promotions:read',
      params: TrackingLinkParams, reply: TrackingLink,
      upstream: ({ params }) => ({ method: 'GET', path: trackingLink(params.trackingLinkId) }),
      shape: shapeTrackingLink,
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/promotions/tracking-links/:trackingLinkId', tag, summary: 'Rename a tracking link (without a name: unchanged)', permission: 'promotions:write',
      params: TrackingLinkParams, body: TrackingLinkReplaceBody, reply: TrackingLink,
      run: async ({ params, body }, send) => {
        const path = trackingLink(params.trackingLinkId);
        const reply = body.name === undefined ? await send({ method: 'GET', path }) : await send({ method: 'PUT', path, body: { campaignName: body.name } });
        return shapeTrackingLink(reply);
      },
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/promotions/tracking-links/:trackingLinkId', tag, summary: 'Delete a tracking link', permission: 'promotions:write',
      params: TrackingLinkParams, reply: SuccessReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: trackingLink(params.trackingLinkId) }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/tracking-links/:trackingLinkId/claimers', tag, summary: 'The fans who subscribed through a tracking link', permission: 'promotions:read',
      params: TrackingLinkParams, querystring: PageQuery, reply: ClaimersPage,
      upstream: ({ params, query }) => ({ method: 'GET', path: `${trackingLink(params.trackingLinkId)}/claimers`, query: offsetPage(query) }),
      shape: shapeOffsetPage(shapeClaimer),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/trial-links', tag, summary: 'Trial links (newest first)', permission: 'promotions:read',
      querystring: PageQuery, reply: TrialLinksPage,
      upstream: ({ query }) => ({ method: 'GET', path: '/trials', query: offsetPage(query) }),
      shape: shapeOffsetPage(shapeTrialLink),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/trial-links', tag, summary: 'Create a trial link', permission: 'promotions:write',
      body: TrialLinkBody, reply: TrialLink,
      upstream: ({ body }) => ({ method: 'POST', path: '/trials', body: upstreamTrial(body) }),
      shape: shapeTrialLink,
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/trial-links/share-access', tag, summary: "Share a trial link's statistics with a user", permission: 'promotions:write',
      body: TrialLinkShareBody, reply: SuccessReply,
      upstream: ({ body }) => ({ method: 'POST', path: '/trials/share-access', body: upstreamShare(body, 'trialId') }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/promotions/trial-links/share-access', tag, summary: "Stop sharing a trial link's statistics with a user", permission: 'promotions:write',
      body: TrialLinkShareBody, reply: SuccessReply,
      upstream: ({ body }) => ({ method: 'DELETE', path: '/trials/share-access', body: upstreamShare(body, 'trialId') }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/trial-links/:trialLinkId', tag, summary: 'One trial link', permission: 'promotions:read',
      params: TrialLinkParams, reply: TrialLink,
      upstream: ({ params }) => ({ method: 'GET', path: `/trials/${enc(params.trialLinkId)}` }),
      shape: shapeTrialLink,
    }),
    defineEndpoint({
      // Upstream's PUT takes the whole link; the SDK's fields are optional, so the link is read first. The SDK's
      // reply is {success}.
      method: 'PUT', url: '/v2/access/promotions/trial-links/:trialLinkId', tag, summary: 'Replace a trial link (fields left out stay)', permission: 'promotions:write',
      params: TrialLinkParams, body: TrialLinkReplaceBody, reply: SuccessReply,
      run: async ({ params, body }, send) => {
        const current = await readTrialLink(send, params.trialLinkId);
        await send({ method: 'PUT', path: `/trials/${enc(params.trialLinkId)}`, body: upstreamTrial(body, current) });
        return { success: true };
      },
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/promotions/trial-links/:trialLinkId', tag, summary: 'Delete a trial link', permission: 'promotions:write',
      params: TrialLinkParams, reply: SuccessReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/trials/${enc(params.trialLinkId)}` }),
      shape: shapeSuccess,
    }),
  ],
});
