// One Faker per (sandbox seed, account, area): each area's data is the same whatever order areas are read in,
// and two sandboxes with the same seed (started the same UTC day, or with the same injected clock) generate
// the same accounts. Fixture times lie before the anchor: the start of the UTC day the sandbox started.
import { Faker, en } from '@faker-js/faker';
import { deriveSeed } from '../random.ts';

export const DAY_MS = 86_400_000;

export function fixtureAnchor(nowMs: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS;
}

export function fixtureFaker(seed: number, userId: number, area: string, anchorMs: number): Faker {
  const faker = new Faker({ locale: [en] });
  faker.seed(deriveSeed(seed, userId, area));
  faker.setDefaultRefDate(anchorMs);
  return faker;
}

export function anchorOf(faker: Faker): number {
  return faker.defaultRefDate().getTime();
}

/** A time within the last `days` days before the anchor. */
export function pastTime(faker: Faker, days: number): number {
  return anchorOf(faker) - faker.number.int({ min: 60_000, max: days * DAY_MS });
}
