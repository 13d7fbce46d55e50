// One Faker per (sandbox seed, account, area): each area's data is the same whatever order areas are read in,
// and two sandboxes with the same seed generate the same accounts.
import { Faker, en } from '@faker-js/faker';
import { deriveSeed } from '../random.ts';

/** Fixture timestamps are spread before this fixed instant (not the clock) so data is reproducible. */
export const FIXTURE_ANCHOR_MS = Date.UTC(2026, 10, 1);
export const DAY_MS = 86_400_000;

export function fixtureFaker(seed: number, userId: number, area: string): Faker {
  const faker = new Faker({ locale: [en] });
  faker.seed(deriveSeed(seed, userId, area));
  faker.setDefaultRefDate(FIXTURE_ANCHOR_MS);
  return faker;
}

/** A time within the last `days` days before the anchor. */
export function pastTime(faker: Faker, days: number): number {
  return FIXTURE_ANCHOR_MS - faker.number.int({ min: 60_000, max: days * DAY_MS });
}
