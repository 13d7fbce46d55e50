// Mass messages (the queue): a generated history plus what the sandbox user sends. Who received, viewed and bought
// each one is kept by id, so the statistics, the buyers list and the fans' chats agree.
import type { Faker } from '@faker-js/faker';
import { stableUnit } from '../random.ts';
import { pastTime } from './fixture-faker.ts';

export interface QueuedMassMessage {
  id: number;
  text: string;
  price: number;
  mediaCount: number;
  /** Vault media sent with it (empty for the generated history, whose media are not kept). */
  mediaIds: number[];
  createdAtMs: number;
  scheduledAtMs: number | null;
  /** Set once it landed in the recipients' chats (at once, or when its scheduled time has come). */
  deliveredAtMs: number | null;
  recipients: number;
  recipientIds: number[];
  viewedCount: number;
  purchasedCount: number;
  buyerIds: number[];
  isCanceled: boolean;
}

export interface MassMessageBook {
  items: QueuedMassMessage[];
  nextId: number;
}

/** A stable share of the recipients: the same message and fan always decide the same way. */
export function stablePick(ids: number[], salt: string, count: number): number[] {
  return ids
    .map((id) => ({ id, rank: stableUnit(salt, id) }))
    .sort((a, b) => a.rank - b.rank)
    .slice(0, count)
    .map((entry) => entry.id);
}

export function generateMassMessages(faker: Faker, isPerformer: boolean, fanIds: number[]): MassMessageBook {
  let nextId = faker.number.int({ min: 600_000_000, max: 690_000_000 });
  const audience = fanIds.length;
  const items: QueuedMassMessage[] = [];
  for (let i = 0; isPerformer && i < 12; i++) {
    const price = faker.number.float() < 0.4 ? faker.helpers.arrayElement([4.99, 9.99, 14.99]) : 0;
    const recipients = Math.max(1, Math.floor(audience * faker.number.float({ min: 0.5, max: 1 })));
    const viewed = Math.floor(recipients * faker.number.float({ min: 0.2, max: 0.8 }));
    // Drawn in the order the history has always been drawn in, so the seeded data stays the same.
    const text = faker.lorem.sentence();
    const mediaCount = price > 0 ? faker.number.int({ min: 1, max: 4 }) : 0;
    const createdAtMs = pastTime(faker, 90);
    const purchasedCount = price > 0 ? Math.floor(viewed * faker.number.float({ min: 0, max: 0.3 })) : 0;
    const recipientIds = stablePick(fanIds, `mass:${nextId}:to`, recipients);
    items.push({
      id: nextId,
      text,
      price,
      mediaCount,
      mediaIds: [],
      createdAtMs,
      scheduledAtMs: null,
      deliveredAtMs: createdAtMs,
      recipients: recipientIds.length,
      recipientIds,
      viewedCount: viewed,
      purchasedCount,
      buyerIds: stablePick(recipientIds, `mass:${nextId}:buy`, purchasedCount),
      isCanceled: false,
    });
    nextId += faker.number.int({ min: 1, max: 90_000 });
  }
  return { items: items.sort((a, b) => b.createdAtMs - a.createdAtMs), nextId };
}
