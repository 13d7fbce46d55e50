// A creator's own posts; the publish-time cursor (tailMarker / beforePublishTime) is postedAtPrecise.
import type { Faker } from '@faker-js/faker';
import { pastTime } from './fixture-faker.ts';
import type { MediaItem } from './media.ts';
import { generateMediaItem } from './media.ts';

export interface Post {
  id: number;
  text: string;
  postedAtMs: number;
  price: number;
  media: MediaItem[];
  favoritesCount: number;
  commentsCount: number;
  tipsAmount: number;
  isPinned: boolean;
  isArchived: boolean;
}

export interface PostBook {
  posts: Post[];
  nextPostId: number;
  nextMediaId: number;
}

export function generatePosts(faker: Faker, count: number): PostBook {
  const book: PostBook = { posts: [], nextPostId: faker.number.int({ min: 1_500_000_000, max: 1_900_000_000 }), nextMediaId: faker.number.int({ min: 4_000_000_000, max: 4_900_000_000 }) };
  const times = Array.from({ length: count }, () => pastTime(faker, 365)).sort((a, b) => a - b);
  for (const postedAtMs of times) {
    const mediaCount = faker.helpers.weightedArrayElement([{ value: 0, weight: 2 }, { value: 1, weight: 5 }, { value: 3, weight: 2 }]);
    book.posts.push({
      id: book.nextPostId,
      text: faker.lorem.sentences({ min: 1, max: 3 }),
      postedAtMs,
      price: faker.number.float() < 0.15 ? faker.helpers.arrayElement([4.99, 9.99, 19.99]) : 0,
      media: Array.from({ length: mediaCount }, () => generateMediaItem(faker, book.nextMediaId++, postedAtMs)),
      favoritesCount: faker.number.int({ min: 0, max: 800 }),
      commentsCount: faker.number.int({ min: 0, max: 60 }),
      tipsAmount: faker.helpers.arrayElement([0, 0, 0, 5, 10, 25]),
      isPinned: false,
      isArchived: false,
    });
    book.nextPostId += faker.number.int({ min: 1, max: 90_000 });
  }
  const pinned = book.posts.at(-1 - faker.number.int({ min: 0, max: Math.max(0, count - 1) }));
  if (pinned) pinned.isPinned = true;
  return book;
}

/** Newest first. */
export function postsByPublishDate(book: PostBook): Post[] {
  return book.posts.filter((post) => !post.isArchived).sort((a, b) => b.postedAtMs - a.postedAtMs);
}
