// User lists: built-ins with string ids (fans, following, …) and custom lists with numeric ids.
import type { Faker } from '@faker-js/faker';
import type { ChatBook } from './chats.ts';
import type { Relation } from './people.ts';

export interface UserList {
  id: string | number;
  type: string;
  name: string;
  userIds: number[];
  isBuiltIn: boolean;
}

export interface UserListBook {
  lists: UserList[];
  nextListId: number;
}

export function generateUserLists(faker: Faker, relations: Relation[], chats: ChatBook): UserListBook {
  const fans = relations.filter((r) => r.role === 'subscriber').map((r) => r.person.id);
  const following = relations.filter((r) => r.role === 'subscription').map((r) => r.person.id);
  const everyone = relations.map((r) => r.person.id);
  const builtIn = (id: string, name: string, userIds: number[]): UserList => ({ id, type: id, name, userIds, isBuiltIn: true });
  const lists: UserList[] = [
    builtIn('fans', 'Fans', fans),
    builtIn('following', 'Following', following),
    builtIn('friends', 'Friends', faker.helpers.arrayElements(everyone, { min: 0, max: Math.min(3, everyone.length) })),
    builtIn('muted', 'Muted', []),
    builtIn('bookmarks', 'Bookmarks', []),
    builtIn('recent', 'Recent (last 24 hours)', [...chats.threads.keys()].slice(0, 5)),
  ];
  let nextListId = faker.number.int({ min: 1_000_000_000, max: 1_900_000_000 });
  for (const name of faker.helpers.arrayElements(['VIP', 'Big spenders', 'Whales', 'New this week', 'Customs buyers'], { min: 1, max: 3 })) {
    lists.push({ id: nextListId++, type: 'custom', name, userIds: faker.helpers.arrayElements(fans, { min: 0, max: Math.min(15, fans.length) }), isBuiltIn: false });
  }
  return { lists, nextListId };
}
