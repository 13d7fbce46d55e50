// Notifications; OnlyFans names their types in the singular past tense (subscribed, tipped, …).
import type { Faker } from '@faker-js/faker';
import { pastTime } from './fixture-faker.ts';
import type { Relation } from './people.ts';

export const NOTIFICATION_TYPES = ['subscribed', 'tipped', 'commented', 'mentioned', 'liked', 'message'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface SandboxNotification {
  id: number;
  type: NotificationType;
  createdAtMs: number;
  isRead: boolean;
  userId: number;
  text: string;
}

const TEXTS: Record<NotificationType, (amount: number) => string> = {
  subscribed: () => 'subscribed to your profile!',
  tipped: (amount) => `sent you a $${amount} tip`,
  commented: () => 'commented on your post',
  mentioned: () => 'mentioned you',
  liked: () => 'liked your post',
  message: () => 'sent you a message',
};

export function generateNotifications(faker: Faker, count: number, relations: Relation[]): SandboxNotification[] {
  if (relations.length === 0) return [];
  let nextId = faker.number.int({ min: 9_000_000_000, max: 9_900_000_000 });
  const out: SandboxNotification[] = [];
  for (let i = 0; i < count; i++) {
    const type = faker.helpers.arrayElement(NOTIFICATION_TYPES);
    out.push({
      id: nextId,
      type,
      createdAtMs: pastTime(faker, 60),
      isRead: faker.number.float() < 0.7,
      userId: faker.helpers.arrayElement(relations).person.id,
      text: TEXTS[type](faker.helpers.arrayElement([5, 10, 20])),
    });
    nextId += faker.number.int({ min: 1, max: 10_000 });
  }
  return out.sort((a, b) => b.createdAtMs - a.createdAtMs);
}
