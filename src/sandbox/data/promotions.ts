// Promotions (discounted first subscription), subscription bundles, tracking links (campaigns) and trial links: a
// generated history for creators plus what the sandbox user creates. Claimers are the account's own fans, picked
// with stableUnit so adding an area never shifts another area's faker.
import type { Faker } from '@faker-js/faker';
import { stableUnit } from '../random.ts';
import { DAY_MS, anchorOf, pastTime } from './fixture-faker.ts';
import type { Relation } from './people.ts';

export type PromotionAudience = 'all' | 'new' | 'expired';

export interface Promotion {
  id: number;
  message: string;
  discountPercent: number;
  subscribeDays: number;
  /** Most claims allowed; 0 = unlimited. */
  subscribeCounts: number;
  type: PromotionAudience;
  createdAtMs: number;
  /** When it ends (set by finishDays or stop); null = runs until stopped. */
  finishedAtMs: number | null;
  claimerIds: number[];
}

export interface Bundle {
  id: number;
  discountPercent: number;
  /** Months. */
  duration: number;
  createdAtMs: number;
}

export interface TrackingLink {
  id: number;
  code: string;
  name: string;
  createdAtMs: number;
  clicksCount: number;
  claimerIds: number[];
  /** Users the creator shared the link's statistics with. */
  sharedWithIds: number[];
}

export interface TrialLink {
  id: number;
  code: string;
  name: string;
  subscribeDays: number;
  /** Most claims allowed; 0 = unlimited. */
  subscribeCounts: number;
  createdAtMs: number;
  expiresAtMs: number | null;
  claimerIds: number[];
  sharedWithIds: number[];
}

export interface PromotionBook {
  promotions: Promotion[];
  bundles: Bundle[];
  trackingLinks: TrackingLink[];
  trialLinks: TrialLink[];
  nextId: number;
}

/** Fans who subscribed inside [fromMs, toMs] and, by a stable draw, came through this offer. */
export function claimersOf(relations: Relation[], salt: string, fromMs: number, toMs: number, share: number, cap = 0): number[] {
  const picked = relations
    .filter((r) => r.role === 'subscriber' && r.subscribeAtMs >= fromMs && r.subscribeAtMs <= toMs && stableUnit(salt, r.person.id) < share)
    .sort((a, b) => a.subscribeAtMs - b.subscribeAtMs)
    .map((r) => r.person.id);
  return cap > 0 ? picked.slice(0, cap) : picked;
}

export function generatePromotions(faker: Faker, isPerformer: boolean, relations: Relation[]): PromotionBook {
  const book: PromotionBook = { promotions: [], bundles: [], trackingLinks: [], trialLinks: [], nextId: faker.number.int({ min: 10_000_000, max: 19_000_000 }) };
  if (!isPerformer) return book;
  const anchor = anchorOf(faker);
  const id = () => (book.nextId += faker.number.int({ min: 1, max: 500 }));
  for (let i = faker.number.int({ min: 2, max: 4 }); i > 0; i--) {
    const createdAtMs = pastTime(faker, 200);
    const finishedAtMs = faker.datatype.boolean() ? Math.min(createdAtMs + faker.number.int({ min: 7, max: 30 }) * DAY_MS, anchor - DAY_MS) : null;
    const subscribeCounts = faker.helpers.arrayElement([0, 0, 50, 100]);
    const promotionId = id();
    book.promotions.push({
      id: promotionId,
      message: faker.helpers.arrayElement(['Limited offer!', 'Welcome back, special price', 'Weekend discount', '']),
      discountPercent: faker.helpers.arrayElement([10, 25, 50, 75]),
      subscribeDays: faker.helpers.arrayElement([30, 60, 90]),
      subscribeCounts,
      type: faker.helpers.arrayElement<PromotionAudience>(['all', 'new', 'expired']),
      createdAtMs,
      finishedAtMs,
      claimerIds: claimersOf(relations, `promotion:${promotionId}`, createdAtMs, finishedAtMs ?? anchor, 0.35, subscribeCounts),
    });
  }
  for (const duration of faker.helpers.arrayElements([3, 6, 12], { min: 0, max: 2 })) {
    book.bundles.push({ id: id(), discountPercent: faker.helpers.arrayElement([5, 10, 15, 25]), duration, createdAtMs: pastTime(faker, 300) });
  }
  for (let i = faker.number.int({ min: 2, max: 5 }); i > 0; i--) {
    const createdAtMs = pastTime(faker, 300);
    const linkId = id();
    const claimerIds = claimersOf(relations, `campaign:${linkId}`, createdAtMs, anchor, 0.25);
    book.trackingLinks.push({
      id: linkId,
      code: faker.string.alphanumeric({ length: 6, casing: 'lower' }),
      name: faker.helpers.arrayElement(['Instagram bio', 'Twitter', 'Reddit', 'TikTok', 'Telegram', 'Linktree']),
      createdAtMs,
      clicksCount: claimerIds.length * faker.number.int({ min: 3, max: 20 }) + faker.number.int({ min: 0, max: 40 }),
      claimerIds,
      sharedWithIds: [],
    });
  }
  for (let i = faker.number.int({ min: 1, max: 3 }); i > 0; i--) {
    const createdAtMs = pastTime(faker, 200);
    const expiresAtMs = faker.datatype.boolean() ? createdAtMs + faker.number.int({ min: 7, max: 60 }) * DAY_MS : null;
    const subscribeCounts = faker.helpers.arrayElement([0, 10, 25, 100]);
    const linkId = id();
    book.trialLinks.push({
      id: linkId,
      code: faker.string.alphanumeric({ length: 8, casing: 'lower' }),
      name: faker.helpers.arrayElement(['Free week', 'Reddit trial', 'VIP trial', 'Come back']),
      subscribeDays: faker.helpers.arrayElement([1, 3, 7, 30]),
      subscribeCounts,
      createdAtMs,
      expiresAtMs,
      claimerIds: claimersOf(relations, `trial:${linkId}`, createdAtMs, Math.min(expiresAtMs ?? anchor, anchor), 0.2, subscribeCounts),
      sharedWithIds: [],
    });
  }
  return book;
}
