// Mass messages (the queue): a generated history plus what the sandbox user sends.
import type { Faker } from '@faker-js/faker';
import { pastTime } from './fixture-faker.ts';

export interface QueuedMassMessage {
  id: number;
  text: string;
  price: number;
  mediaCount: number;
  createdAtMs: number;
  scheduledAtMs: number | null;
  recipients: number;
  viewedCount: number;
  purchasedCount: number;
  isCanceled: boolean;
}

export interface MassMessageBook {
  items: QueuedMassMessage[];
  nextId: number;
}

export function generateMassMessages(faker: Faker, isPerformer: boolean, audience: number): MassMessageBook {
  let nextId = faker.number.int({ min: 600_000_000, max: 690_000_000 });
  const items: QueuedMassMessage[] = [];
  for (let i = 0; isPerformer && i < 12; i++) {
    const price = faker.number.float() < 0.4 ? faker.helpers.arrayElement([4.99, 9.99, 14.99]) : 0;
    const recipients = Math.max(1, Math.floor(audience * faker.number.float({ min: 0.5, max: 1 })));
    const viewed = Math.floor(recipients * faker.number.float({ min: 0.2, max: 0.8 }));
    items.push({
      id: nextId,
      text: faker.lorem.sentence(),
      price,
      mediaCount: price > 0 ? faker.number.int({ min: 1, max: 4 }) : 0,
      createdAtMs: pastTime(faker, 90),
      scheduledAtMs: null,
      recipients,
      viewedCount: viewed,
      purchasedCount: price > 0 ? Math.floor(viewed * faker.number.float({ min: 0, max: 0.3 })) : 0,
      isCanceled: false,
    });
    nextId += faker.number.int({ min: 1, max: 90_000 });
  }
  return { items: items.sort((a, b) => b.createdAtMs - a.createdAtMs), nextId };
}
