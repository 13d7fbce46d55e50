// Stories: a creator's own (with views, likes and tips, which feed the stories statistics) and, generated the same
// way from their own seed, those of the creators an account follows. A story is live for 24 hours.
import type { Faker } from '@faker-js/faker';
import { DAY_MS, anchorOf, pastTime } from './fixture-faker.ts';
import type { MediaItem } from './media.ts';
import { generateMediaItem } from './media.ts';

export const STORY_LIFETIME_MS = DAY_MS;

export interface Story {
  id: number;
  createdAtMs: number;
  media: MediaItem[];
  viewsCount: number;
  likesCount: number;
  tipsAmount: number;
}

/** Newest first; the two newest lie within hours of the anchor, so a sandbox started today shows live stories. */
export function generateStories(faker: Faker, isPerformer: boolean): Story[] {
  if (!isPerformer) return [];
  let id = faker.number.int({ min: 5_000_000, max: 5_900_000 });
  let mediaId = faker.number.int({ min: 5_000_000_000, max: 5_900_000_000 });
  const count = faker.number.int({ min: 8, max: 24 });
  const anchor = anchorOf(faker);
  const stories: Story[] = [];
  for (let i = 0; i < count; i++) {
    const createdAtMs = i < 2 ? anchor - faker.number.int({ min: 60_000, max: 6 * 3_600_000 }) : pastTime(faker, 90);
    const views = faker.number.int({ min: 20, max: 900 });
    stories.push({
      id: (id += faker.number.int({ min: 1, max: 9000 })),
      createdAtMs,
      media: Array.from({ length: faker.number.int({ min: 1, max: 3 }) }, () => generateMediaItem(faker, mediaId++, createdAtMs)),
      viewsCount: views,
      likesCount: Math.floor(views * faker.number.float({ min: 0.02, max: 0.3 })),
      tipsAmount: faker.helpers.arrayElement([0, 0, 0, 5, 10, 20]),
    });
  }
  return stories.sort((a, b) => b.createdAtMs - a.createdAtMs);
}

export function isStoryLive(story: Story, nowMs: number): boolean {
  return nowMs - story.createdAtMs < STORY_LIFETIME_MS;
}
