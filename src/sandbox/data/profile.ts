// The account owner's own profile (GET|PATCH /users/me) and the sizes of everything else generated for it.
import type { Faker } from '@faker-js/faker';
import type { SandboxAccount } from '../accounts.ts';
import { DAY_MS, pastTime } from './fixture-faker.ts';

export interface AccountPlan {
  subscribers: number;
  subscriptions: number;
  chats: number;
  posts: number;
  vaultMedia: number;
  transactions: number;
  notifications: number;
}

export interface OwnProfile {
  id: number;
  email: string;
  username: string;
  name: string;
  about: string;
  location: string;
  website: string;
  isPerformer: boolean;
  isVerified: boolean;
  subscribePrice: number;
  joinDateMs: number;
  creditBalance: number;
  favoritedCount: number;
  replyOnSubscribe: boolean;
  isOtpEnabled: boolean;
  wsAuthToken: string;
  plan: AccountPlan;
}

export function usernameFrom(faker: Faker): string {
  return faker.internet.username().toLowerCase().replace(/[^a-z0-9_.]/g, '').slice(0, 24) || `u${faker.number.int({ min: 100000, max: 999999 })}`;
}

export function generateOwnProfile(faker: Faker, account: SandboxAccount): OwnProfile {
  const isPerformer = account.scenario.isPerformer;
  const name = faker.person.fullName();
  return {
    id: account.userId,
    email: account.email,
    username: usernameFrom(faker),
    name,
    about: isPerformer ? faker.lorem.sentences({ min: 1, max: 3 }) : '',
    location: isPerformer ? `${faker.location.city()}, ${faker.location.country()}` : '',
    website: isPerformer ? faker.internet.url() : '',
    isPerformer,
    isVerified: isPerformer,
    subscribePrice: isPerformer ? faker.helpers.arrayElement([0, 4.99, 9.99, 12.99, 14.99, 19.99]) : 0,
    joinDateMs: pastTime(faker, 3 * 365) - 30 * DAY_MS,
    creditBalance: isPerformer ? 0 : faker.number.float({ min: 0, max: 200, fractionDigits: 2 }),
    favoritedCount: isPerformer ? faker.number.int({ min: 100, max: 20000 }) : 0,
    replyOnSubscribe: isPerformer && faker.datatype.boolean(),
    isOtpEnabled: account.scenario.hasOtp,
    wsAuthToken: faker.string.alphanumeric(32),
    plan: {
      subscribers: isPerformer ? faker.number.int({ min: 60, max: 140 }) : 0,
      subscriptions: isPerformer ? faker.number.int({ min: 0, max: 4 }) : faker.number.int({ min: 8, max: 25 }),
      chats: isPerformer ? faker.number.int({ min: 25, max: 45 }) : faker.number.int({ min: 4, max: 10 }),
      posts: isPerformer ? faker.number.int({ min: 30, max: 60 }) : 0,
      vaultMedia: isPerformer ? faker.number.int({ min: 40, max: 90 }) : 0,
      transactions: isPerformer ? faker.number.int({ min: 150, max: 260 }) : 0,
      notifications: faker.number.int({ min: 20, max: 60 }),
    },
  };
}
