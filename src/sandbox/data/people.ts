// The other users an account knows: its subscribers (creators) and the creators it subscribes to, with the
// relation fields OnlyFans shows from the viewer's side (subscribedOnData for fans, subscribedByData for creators).
import type { Faker } from '@faker-js/faker';
import { DAY_MS, anchorOf, pastTime } from './fixture-faker.ts';
import { money } from './formats.ts';
import type { AccountPlan } from './profile.ts';
import { usernameFrom } from './profile.ts';

export interface Person {
  id: number;
  username: string;
  name: string;
  about: string;
  isPerformer: boolean;
  isVerified: boolean;
  subscribePrice: number;
  postsCount: number;
  photosCount: number;
  videosCount: number;
  joinDateMs: number;
  lastSeenMs: number;
}

export interface SubscriptionPeriod {
  id: number;
  startMs: number;
  expireMs: number;
  price: number;
  regularPrice: number;
}

export interface Relation {
  person: Person;
  /** 'subscriber': the person subscribes to the viewer; 'subscription': the viewer subscribes to the person. */
  role: 'subscriber' | 'subscription';
  isActive: boolean;
  subscribeAtMs: number;
  expiredAtMs: number;
  autoprolong: boolean;
  price: number;
  subscribesSumm: number;
  tipsSumm: number;
  messagesSumm: number;
  postsSumm: number;
  streamsSumm: number;
  periods: SubscriptionPeriod[];
  notice: string;
  displayName: string;
  isBlocked: boolean;
  isRestricted: boolean;
  /** A renewal discount the creator gave this fan (PUT /subscriptions/{userId}/discount); null when none. */
  discount: RenewalDiscount | null;
}

export interface RenewalDiscount {
  percent: number;
  /** Days the discounted price applies to renewals. */
  periodDays: number;
  startedAtMs: number;
  finishedAtMs: number;
}

export function generatePerson(faker: Faker, isPerformer: boolean): Person {
  const joinDateMs = pastTime(faker, 4 * 365);
  return {
    id: faker.number.int({ min: 100_000, max: 999_999_999 }),
    username: isPerformer ? usernameFrom(faker) : `u${faker.number.int({ min: 10_000_000, max: 499_999_999 })}`,
    name: faker.person.fullName(),
    about: isPerformer ? faker.lorem.sentence() : '',
    isPerformer,
    isVerified: isPerformer,
    subscribePrice: isPerformer ? faker.helpers.arrayElement([0, 3, 4.99, 9.99, 14.99]) : 0,
    postsCount: isPerformer ? faker.number.int({ min: 10, max: 900 }) : 0,
    photosCount: isPerformer ? faker.number.int({ min: 10, max: 1500 }) : 0,
    videosCount: isPerformer ? faker.number.int({ min: 0, max: 400 }) : 0,
    joinDateMs,
    lastSeenMs: pastTime(faker, 20),
  };
}

function generateRelation(faker: Faker, person: Person, role: Relation['role'], viewerPrice: number): Relation {
  const subscribeAtMs = pastTime(faker, 400);
  const months = faker.number.int({ min: 1, max: 12 });
  const anchor = anchorOf(faker);
  const isActive = faker.number.float() < 0.75;
  const expiredAtMs = isActive ? anchor + faker.number.int({ min: 1, max: 30 }) * DAY_MS : Math.min(subscribeAtMs + months * 30 * DAY_MS, anchor - DAY_MS);
  const price = role === 'subscriber' ? viewerPrice : person.subscribePrice;
  const periods: SubscriptionPeriod[] = [];
  // Periods that have begun: an active subscription's next one starts at a renewal still to come.
  for (let start = subscribeAtMs, i = 0; start < Math.min(expiredAtMs, anchor) && i < 12; start += 30 * DAY_MS, i++) {
    periods.push({ id: faker.number.int({ min: 10_000_000, max: 999_999_999 }), startMs: start, expireMs: Math.min(start + 30 * DAY_MS, expiredAtMs), price, regularPrice: price });
  }
  const net = 0.8;
  return {
    person,
    role,
    isActive,
    subscribeAtMs,
    expiredAtMs,
    autoprolong: isActive && faker.datatype.boolean(),
    price,
    subscribesSumm: money(periods.length * price * net),
    tipsSumm: money(faker.number.int({ min: 0, max: 6 }) * faker.helpers.arrayElement([5, 10, 20, 50]) * net),
    messagesSumm: money(faker.number.int({ min: 0, max: 8 }) * faker.helpers.arrayElement([4.99, 9.99, 19.99]) * net),
    postsSumm: money(faker.number.int({ min: 0, max: 2 }) * 9.99 * net),
    streamsSumm: 0,
    periods,
    notice: '',
    displayName: '',
    isBlocked: false,
    isRestricted: false,
    discount: null,
  };
}

/** Decided at generation (relative to the anchor), not re-judged on the clock, so fixtures stay stable. */
export function isRelationActive(relation: Relation): boolean {
  return relation.isActive;
}

/** The next renewal's price: the fan's discount applies from the moment it is given. */
export function renewalPrice(relation: Relation): number {
  return relation.discount ? money(relation.price * (1 - relation.discount.percent / 100)) : relation.price;
}

export function relationTotal(relation: Relation): number {
  return money(relation.subscribesSumm + relation.tipsSumm + relation.messagesSumm + relation.postsSumm + relation.streamsSumm);
}

/** Subscribers first (newest subscription first), then subscriptions. */
export function generateRelations(faker: Faker, plan: AccountPlan, viewerPrice: number): Relation[] {
  const relations: Relation[] = [];
  const seen = new Set<number>();
  const add = (role: Relation['role'], isPerformer: boolean) => {
    let person = generatePerson(faker, isPerformer);
    while (seen.has(person.id)) person = generatePerson(faker, isPerformer);
    seen.add(person.id);
    relations.push(generateRelation(faker, person, role, viewerPrice));
  };
  for (let i = 0; i < plan.subscribers; i++) add('subscriber', false);
  for (let i = 0; i < plan.subscriptions; i++) add('subscription', true);
  // A few fans are blocked or restricted, as on any real creator account.
  for (const relation of relations) {
    const roll = faker.number.float();
    if (relation.role === 'subscriber' && roll < 0.03) relation.isBlocked = true;
    else if (relation.role === 'subscriber' && roll < 0.07) relation.isRestricted = true;
  }
  return relations.sort((a, b) => (a.role === b.role ? b.subscribeAtMs - a.subscribeAtMs : a.role === 'subscriber' ? -1 : 1));
}
