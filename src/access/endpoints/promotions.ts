// Access: promotions (a discounted subscription offered to new, expired or all fans) and subscription bundles
// (several months at a discount). Upstream paths and bodies: docs/onlyfans-web-api.md §9, "Paths the simulator
// serves for the remaining Access families"; the request and reply shapes follow OFAuth's SDK (src/client.ts).
// Tracking and trial links, the rest of OFAuth's promotions namespace, are in promotion-links.ts.
import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint, type SendUpstream } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Bool, literalUnion, Num, Opt, sdkPage, Str } from './shared/schema-fields.ts';
import { shapeOffsetPage } from './shared/upstream-page.ts';
import { offsetPage } from './shared/upstream-query.ts';
import { asObject, bool, num, numOrNull, overUpstream, str, strOrNull } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

/**
 * A numeric id in a path. The digits-only pattern keeps `/promotions/bundles` (a path of its own) from being read
 * as a promotion id by the PUT and DELETE of `/promotions/{promotionId}`: such a call is a 400 naming the field.
 */
export const NumericId = Type.String({ pattern: '^[0-9]+$', description: 'A numeric id' });
export const PromotionParams = Type.Object({ promotionId: NumericId });
export const BundleParams = Type.Object({ bundleId: NumericId });

/** `{success}` as upstream answers a write that returns nothing else. */
export const SuccessReply = Type.Object({ success: Bool });
export function shapeSuccess(body: unknown): Static<typeof SuccessReply> {
  const reply = asObject(body);
  return overUpstream(reply, { success: bool(reply.success, true) });
}

export const PageQuery = Type.Object({ limit: Opt(Type.Integer({ minimum: 1, maximum: 100, default: 20 })), offset: Opt(Type.Integer({ minimum: 0, default: 0 })) });

const PROMOTION_AUDIENCES = ['all', 'new', 'expired'] as const;
type PromotionAudience = (typeof PROMOTION_AUDIENCES)[number];

export const Promotion = Type.Object({
  id: Num,
  message: Str,
  rawMessage: Str,
  hasRelatedPromo: Bool,
  price: Num,
  type: Str,
  canClaim: Bool,
  claimsCount: Num,
  subscribeCounts: Num,
  subscribeDays: Num,
  createdAt: Str,
  // The SDK types it as a string; upstream sends null for a promotion that runs until stopped, and so do we.
  finishedAt: Nullable(Str),
  isFinished: Bool,
});
export const PromotionsPage = sdkPage(Promotion);

/**
 * The SDK's promotion body (create and replace). `type` is a list of audiences in the SDK; a single audience as a
 * plain string is accepted too (the validator wraps it). Limits are upstream's (the simulator's choice, §9).
 */
export const PromotionBody = Type.Object(
  {
    discount: Type.Integer({ minimum: 5, maximum: 90, description: 'Percent off the subscription price (5–90)' }),
    message: Opt(Type.String({ maxLength: 1000 })),
    finishDays: Opt(Type.Integer({ minimum: 0, maximum: 365, description: 'Days the promotion runs; 0 (default): until stopped' })),
    subscribeCounts: Opt(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Most claims; 0 (default): unlimited' })),
    subscribeDays: Opt(Type.Integer({ minimum: 1, maximum: 360, description: 'Days the discounted subscription lasts (default 30)' })),
    type: Opt(Type.Array(literalUnion(PROMOTION_AUDIENCES), { minItems: 1, maxItems: 3, description: 'Who may claim it: all (default), new, expired' })),
  },
  { additionalProperties: false },
);

export const Bundle = Type.Object({ id: Num, discount: Num, duration: Num, price: Num, canBuy: Bool });
export const BundlesPage = sdkPage(Bundle);

const BUNDLE_MONTHS = [3, 6, 12] as const;
const bundleFields = {
  discount: Type.Integer({ minimum: 0, maximum: 50, description: 'Percent off (0–50)' }),
  duration: Type.Enum(BUNDLE_MONTHS, { description: 'Months: 3, 6 or 12 (one bundle per duration)' }),
};
export const BundleBody = Type.Object(bundleFields, { additionalProperties: false });
/** Replacing a bundle: the fields given replace the bundle's, the others stay as they are. */
export const BundleReplaceBody = Type.Object({ discount: Opt(bundleFields.discount), duration: Opt(bundleFields.duration) }, { additionalProperties: false });

type PromotionBody = Static<typeof PromotionBody>;
type Bundle = Static<typeof Bundle>;

// ---- shapes -------------------------------------------------------------------------------------------------

const enc = encodeURIComponent;

export function shapePromotion(value: unknown): Static<typeof Promotion> {
  const promotion = asObject(value);
  return overUpstream(promotion, {
    id: num(promotion.id),
    message: str(promotion.message),
    rawMessage: str(promotion.rawMessage, str(promotion.message)),
    hasRelatedPromo: bool(promotion.hasRelatedPromo),
    price: num(promotion.price),
    type: str(promotion.type, 'all'),
    canClaim: bool(promotion.canClaim),
    claimsCount: num(promotion.claimsCount),
    subscribeCounts: numOrNull(promotion.subscribeCounts) ?? 0,
    subscribeDays: num(promotion.subscribeDays),
    createdAt: str(promotion.createdAt),
    finishedAt: strOrNull(promotion.finishedAt),
    isFinished: bool(promotion.isFinished),
  });
}

export function shapeBundle(value: unknown): Bundle {
  const bundle = asObject(value);
  return overUpstream(bundle, {
    id: num(bundle.id),
    discount: num(bundle.discount),
    duration: num(bundle.duration),
    price: num(bundle.price),
    canBuy: bool(bundle.canBuy),
  });
}

/** The SDK's audience list → upstream's one `type`: new and expired together are everyone. */
function upstreamAudience(types: PromotionAudience[] | undefined): PromotionAudience {
  if (!types || types.includes('all')) return 'all';
  if (types.includes('new') && types.includes('expired')) return 'all';
  return types[0] ?? 'all';
}

function upstreamPromotion(body: PromotionBody) {
  return {
    discount: body.discount,
    message: body.message ?? '',
    finishDays: body.finishDays ?? 0,
    subscribeCounts: body.subscribeCounts ?? 0,
    subscribeDays: body.subscribeDays ?? 30,
    type: upstreamAudience(body.type),
  };
}

async function readBundle(send: SendUpstream, bundleId: string): Promise<Bundle> {
  return shapeBundle(await send({ method: 'GET', path: `/subscriptions/bundles/${enc(bundleId)}` }));
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: promotions';

export const family = defineFamily({
  name: 'promotions',
  permissions: ['promotions:read', 'promotions:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions', tag, summary: 'Promotions (newest first)', permission: 'promotions:read',
      querystring: PageQuery, reply: PromotionsPage,
      upstream: ({ query }) => ({ method: 'GET', path: '/promotions', query: offsetPage(query) }),
      shape: shapeOffsetPage(shapePromotion),
    }),
    defineEndpoint({
      // The SDK types the reply as a page of promotions: it is the one created, so list[0].id is its id.
      method: 'POST', url: '/v2/access/promotions', tag, summary: 'Create a promotion (the reply is a page holding it)', permission: 'promotions:write',
      body: PromotionBody, reply: PromotionsPage,
      upstream: ({ body }) => ({ method: 'POST', path: '/promotions', body: upstreamPromotion(body) }),
      shape: (body) => ({ list: [shapePromotion(body)], hasMore: false }),
    }),
    defineEndpoint({
      method: 'PUT', url: '/v2/access/promotions/:promotionId', tag, summary: 'Replace a promotion (fields left out take their defaults)', permission: 'promotions:write',
      params: PromotionParams, body: PromotionBody, reply: Promotion,
      upstream: ({ params, body }) => ({ method: 'PUT', path: `/promotions/${enc(params.promotionId)}`, body: upstreamPromotion(body) }),
      shape: shapePromotion,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/promotions/:promotionId', tag, summary: 'Delete a promotion', permission: 'promotions:write',
      params: PromotionParams, reply: SuccessReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/promotions/${enc(params.promotionId)}` }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/:promotionId/stop', tag, summary: 'Stop a promotion now (it stays listed, finished)', permission: 'promotions:write',
      params: PromotionParams, reply: SuccessReply,
      upstream: ({ params }) => ({ method: 'POST', path: `/promotions/${enc(params.promotionId)}/stop` }),
      shape: shapeSuccess,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/bundles', tag, summary: 'Subscription bundles (shortest first)', permission: 'promotions:read',
      querystring: PageQuery, reply: BundlesPage,
      upstream: ({ query }) => ({ method: 'GET', path: '/subscriptions/bundles', query: offsetPage(query) }),
      shape: shapeOffsetPage(shapeBundle),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/promotions/bundles', tag, summary: 'Create a subscription bundle', permission: 'promotions:write',
      body: BundleBody, reply: Bundle,
      upstream: ({ body }) => ({ method: 'POST', path: '/subscriptions/bundles', body: { discount: body.discount, duration: body.duration } }),
      shape: shapeBundle,
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/promotions/bundles/:bundleId', tag, summary: 'One subscription bundle', permission: 'promotions:read',
      params: BundleParams, reply: Bundle,
      upstream: ({ params }) => ({ method: 'GET', path: `/subscriptions/bundles/${enc(params.bundleId)}` }),
      shape: shapeBundle,
    }),
    defineEndpoint({
      // Upstream's PUT takes the whole bundle; the SDK's fields are optional, so the missing ones are read first.
      method: 'PUT', url: '/v2/access/promotions/bundles/:bundleId', tag, summary: 'Replace a subscription bundle (fields left out stay)', permission: 'promotions:write',
      params: BundleParams, body: BundleReplaceBody, reply: Bundle,
      run: async ({ params, body }, send) => {
        const current = body.discount !== undefined && body.duration !== undefined ? undefined : await readBundle(send, params.bundleId);
        const next = { discount: body.discount ?? current?.discount, duration: body.duration ?? current?.duration };
        return shapeBundle(await send({ method: 'PUT', path: `/subscriptions/bundles/${enc(params.bundleId)}`, body: next }));
      },
    }),
    defineEndpoint({
      // The SDK's reply to a delete is the bundle as it was; upstream answers only {success}.
      method: 'DELETE', url: '/v2/access/promotions/bundles/:bundleId', tag, summary: 'Delete a subscription bundle (the reply is the bundle deleted)', permission: 'promotions:write',
      params: BundleParams, reply: Bundle,
      run: async ({ params }, send) => {
        const bundle = await readBundle(send, params.bundleId);
        await send({ method: 'DELETE', path: `/subscriptions/bundles/${enc(params.bundleId)}` });
        return bundle;
      },
    }),
  ],
});
