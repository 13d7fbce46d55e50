// Promotions (a discounted first subscription for new, expired or all fans) and subscription bundles (several
// months at a discount): list, create, replace, delete; promotions can also be stopped. /promotions and
// /subscriptions/bundles are in docs/onlyfans-web-api.md §9; the bodies, GET /subscriptions/bundles/{id} and
// POST /promotions/{id}/stop are the simulator's choice (not confirmed upstream).
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime, money, stripHtml } from '../data/formats.ts';
import type { Bundle, Promotion, PromotionAudience } from '../data/promotions.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';

const DAY_MS = 86_400_000;
const AUDIENCES: PromotionAudience[] = ['all', 'new', 'expired'];
const BUNDLE_MONTHS = [3, 6, 12];
const MAX_BUNDLE_DISCOUNT = 50;

type Body = Record<string, unknown>;

function bodyOf(req: { body?: unknown }): Body {
  return (req.body ?? {}) as Body;
}

function intIn(body: Body, name: string, min: number, max: number, fallback?: number): number {
  const value = body[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

function promotionView(data: AccountData, promotion: Promotion, nowMs: number) {
  const isFinished = promotion.finishedAtMs !== null && promotion.finishedAtMs <= nowMs;
  const isFull = promotion.subscribeCounts > 0 && promotion.claimerIds.length >= promotion.subscribeCounts;
  return {
    id: promotion.id,
    message: htmlText(promotion.message),
    rawMessage: promotion.message,
    hasRelatedPromo: false,
    price: money(data.profile.subscribePrice * (1 - promotion.discountPercent / 100)),
    discount: promotion.discountPercent,
    type: promotion.type,
    canClaim: !isFinished && !isFull,
    claimsCount: promotion.claimerIds.length,
    subscribeCounts: promotion.subscribeCounts,
    subscribeDays: promotion.subscribeDays,
    createdAt: isoTime(promotion.createdAtMs),
    finishedAt: promotion.finishedAtMs === null ? null : isoTime(promotion.finishedAtMs),
    isFinished,
  };
}

/** {message, discount (5–90 %), subscribeDays, subscribeCounts (0 = unlimited), finishDays (0 = no end), type}. */
function promotionFields(body: Body, nowMs: number): Omit<Promotion, 'id' | 'createdAtMs' | 'claimerIds'> {
  const type = body.type ?? 'all';
  if (!AUDIENCES.includes(type as PromotionAudience)) throw badRequest('type must be all, new or expired');
  const message = body.message ?? '';
  if (typeof message !== 'string') throw badRequest('message must be a string');
  const finishDays = intIn(body, 'finishDays', 0, 365, 0);
  return {
    message: stripHtml(message),
    discountPercent: intIn(body, 'discount', 5, 90),
    subscribeDays: intIn(body, 'subscribeDays', 1, 360, 30),
    subscribeCounts: intIn(body, 'subscribeCounts', 0, 1_000_000, 0),
    type: type as PromotionAudience,
    finishedAtMs: finishDays === 0 ? null : nowMs + finishDays * DAY_MS,
  };
}

function bundleView(data: AccountData, bundle: Bundle) {
  const price = money(data.profile.subscribePrice * bundle.duration * (1 - bundle.discountPercent / 100));
  return { id: bundle.id, discount: bundle.discountPercent, duration: bundle.duration, price, canBuy: data.profile.subscribePrice > 0, createdAt: isoTime(bundle.createdAtMs) };
}

function bundleFields(body: Body): Pick<Bundle, 'discountPercent' | 'duration'> {
  const duration = body.duration;
  if (typeof duration !== 'number' || !BUNDLE_MONTHS.includes(duration)) throw badRequest(`duration must be one of ${BUNDLE_MONTHS.join(', ')} months`);
  return { discountPercent: intIn(body, 'discount', 0, MAX_BUNDLE_DISCOUNT), duration };
}

function creatorData(req: Parameters<typeof requireAccountData>[0], state: SandboxState): AccountData {
  const data = requireAccountData(req, state);
  if (!data.profile.isPerformer) throw badRequest('Only creators have promotions');
  return data;
}

function findById<T extends { id: number }>(rows: T[], id: string, what: string): T {
  const row = rows.find((r) => r.id === Number(id));
  if (!row) throw notFound(`${what} not found`);
  return row;
}

export function registerPromotionRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/promotions', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const rows = data.promotions.promotions.slice().sort((a, b) => b.createdAtMs - a.createdAtMs);
    const page = offsetPage(rows, limit, offset);
    return { list: page.list.map((p) => promotionView(data, p, state.now())), hasMore: page.hasMore };
  });

  app.post('/api2/v2/promotions', async (req) => {
    const data = creatorData(req, state);
    const now = state.now();
    const book = data.promotions;
    const promotion: Promotion = { id: ++book.nextId, createdAtMs: now, claimerIds: [], ...promotionFields(bodyOf(req), now) };
    book.promotions.push(promotion);
    return promotionView(data, promotion, now);
  });

  app.put<{ Params: { id: string } }>('/api2/v2/promotions/:id', async (req) => {
    const data = creatorData(req, state);
    const promotion = findById(data.promotions.promotions, req.params.id, 'Promotion');
    Object.assign(promotion, promotionFields(bodyOf(req), state.now()));
    return promotionView(data, promotion, state.now());
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/promotions/:id', async (req) => {
    const book = creatorData(req, state).promotions;
    const promotion = findById(book.promotions, req.params.id, 'Promotion');
    book.promotions = book.promotions.filter((p) => p !== promotion);
    return { success: true };
  });

  app.post<{ Params: { id: string } }>('/api2/v2/promotions/:id/stop', async (req) => {
    const data = creatorData(req, state);
    const promotion = findById(data.promotions.promotions, req.params.id, 'Promotion');
    const now = state.now();
    if (promotion.finishedAtMs === null || promotion.finishedAtMs > now) promotion.finishedAtMs = now;
    return { success: true };
  });

  app.get('/api2/v2/subscriptions/bundles', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.promotions.bundles.slice().sort((a, b) => a.duration - b.duration), limit, offset);
    return { list: page.list.map((b) => bundleView(data, b)), hasMore: page.hasMore };
  });

  app.post('/api2/v2/subscriptions/bundles', async (req) => {
    const data = creatorData(req, state);
    const book = data.promotions;
    const fields = bundleFields(bodyOf(req));
    if (book.bundles.some((b) => b.duration === fields.duration)) throw badRequest(`A ${fields.duration}-month bundle already exists`);
    const bundle: Bundle = { id: ++book.nextId, createdAtMs: state.now(), ...fields };
    book.bundles.push(bundle);
    return bundleView(data, bundle);
  });

  app.get<{ Params: { id: string } }>('/api2/v2/subscriptions/bundles/:id', async (req) => {
    const data = requireAccountData(req, state);
    return bundleView(data, findById(data.promotions.bundles, req.params.id, 'Bundle'));
  });

  app.put<{ Params: { id: string } }>('/api2/v2/subscriptions/bundles/:id', async (req) => {
    const data = creatorData(req, state);
    const bundle = findById(data.promotions.bundles, req.params.id, 'Bundle');
    const fields = bundleFields(bodyOf(req));
    if (data.promotions.bundles.some((b) => b !== bundle && b.duration === fields.duration)) throw badRequest(`A ${fields.duration}-month bundle already exists`);
    Object.assign(bundle, fields);
    return bundleView(data, bundle);
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/subscriptions/bundles/:id', async (req) => {
    const book = creatorData(req, state).promotions;
    const bundle = findById(book.bundles, req.params.id, 'Bundle');
    book.bundles = book.bundles.filter((b) => b !== bundle);
    return { success: true };
  });
}
