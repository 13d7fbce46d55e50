// Transactions (32-hex ids, ~80% net), chargebacks and balances; the earnings chart is derived from them.
import type { Faker } from '@faker-js/faker';
import { DAY_MS, anchorOf, pastTime } from './fixture-faker.ts';
import { money } from './formats.ts';
import type { Relation } from './people.ts';

export type EarningCategory = 'subscribes' | 'tips' | 'chat_messages' | 'post' | 'stream';

export interface Transaction {
  id: string;
  category: EarningCategory;
  amount: number;
  fee: number;
  net: number;
  vatAmount: number;
  taxAmount: number;
  mediaTaxAmount: number;
  status: 'done' | 'loading' | 'undo';
  createdAtMs: number;
  payoutPendingDays: number;
  userId: number;
}

export interface Chargeback {
  id: number;
  transactionId: string;
  amount: number;
  createdAtMs: number;
  userId: number;
}

export interface Earnings {
  /** Newest first; every createdAt distinct to the second, so the seconds marker pages exactly. */
  transactions: Transaction[];
  chargebacks: Chargeback[];
  payoutAvailable: number;
  payoutPending: number;
}

const DESCRIPTIONS: Record<EarningCategory, string> = {
  subscribes: 'Subscription from',
  tips: 'Tip from',
  chat_messages: 'Payment for message from',
  post: 'Payment for post from',
  stream: 'Tip for stream from',
};

export function transactionDescription(transaction: Transaction, username: string, name: string): string {
  return `${DESCRIPTIONS[transaction.category]} <a href="https://onlyfans.com/${username}">${name}</a>`;
}

export function generateEarnings(faker: Faker, count: number, relations: Relation[]): Earnings {
  const fans = relations.filter((r) => r.role === 'subscriber');
  const seconds = new Set<number>();
  const transactions: Transaction[] = [];
  for (let i = 0; i < count && fans.length > 0; i++) {
    let createdAtMs = Math.floor(pastTime(faker, 180) / 1000) * 1000;
    while (seconds.has(createdAtMs)) createdAtMs -= 1000;
    seconds.add(createdAtMs);
    const category = faker.helpers.weightedArrayElement<EarningCategory>([
      { value: 'subscribes', weight: 5 },
      { value: 'tips', weight: 2 },
      { value: 'chat_messages', weight: 3 },
      { value: 'post', weight: 1 },
      { value: 'stream', weight: 0.2 },
    ]);
    const amount = category === 'tips' ? faker.helpers.arrayElement([5, 10, 20, 50, 100]) : faker.helpers.arrayElement([4.99, 9.99, 14.99, 19.99]);
    const fee = money(amount * 0.2);
    const recent = createdAtMs > anchorOf(faker) - 7 * DAY_MS;
    transactions.push({
      id: faker.string.hexadecimal({ length: 32, casing: 'lower', prefix: '' }),
      category,
      amount,
      fee,
      net: money(amount - fee),
      vatAmount: 0,
      taxAmount: 0,
      mediaTaxAmount: 0,
      status: recent ? 'loading' : faker.number.float() < 0.01 ? 'undo' : 'done',
      createdAtMs,
      payoutPendingDays: recent ? 7 : 0,
      userId: faker.helpers.arrayElement(fans).person.id,
    });
  }
  transactions.sort((a, b) => b.createdAtMs - a.createdAtMs);
  const chargebacks = faker.helpers.arrayElements(transactions.filter((t) => t.status === 'done'), { min: 0, max: 3 }).map((t) => ({
    id: faker.number.int({ min: 100_000, max: 9_999_999 }),
    transactionId: t.id,
    amount: t.amount,
    createdAtMs: t.createdAtMs + 86_400_000,
    userId: t.userId,
  }));
  const pending = money(transactions.filter((t) => t.status === 'loading').reduce((sum, t) => sum + t.net, 0));
  return { transactions, chargebacks, payoutAvailable: money(faker.number.float({ min: 50, max: 5000 })), payoutPending: pending };
}
