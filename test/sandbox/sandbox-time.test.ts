// Sandbox time (issue 15): every seeded item of every area is dated in the past, whatever the account or seed.
// Only what is about the future by nature may lie after now (a subscription's expiry, a link's end date).
import { describe, expect, it } from 'vitest';
import { accountFromEmail } from '../../src/sandbox/accounts.ts';
import { fixtureAnchor } from '../../src/sandbox/data/fixture-faker.ts';
import { SandboxWorld, type AccountData } from '../../src/sandbox/data/world.ts';
import { MemorySandboxStore } from '../../src/sandbox/store/memory-store.ts';

/** Fields that name a time to come: expiry and end dates. */
const FUTURE_BY_NATURE = new Set(['expiredAtMs', 'expiresAtMs', 'expireMs', 'finishedAtMs']);

const AREAS = [
  'profile',
  'relations',
  'chats',
  'posts',
  'vault',
  'userLists',
  'earnings',
  'massMessages',
  'promotions',
  'stories',
  'releaseForms',
  'uploads',
  'notifications',
] as const satisfies ReadonlyArray<keyof AccountData>;

function futureTimes(value: unknown, nowMs: number, where: string, out: string[]): void {
  if (value instanceof Map) {
    for (const [key, item] of value) futureTimes(item, nowMs, `${where}[${String(key)}]`, out);
  } else if (value instanceof Set || Array.isArray(value)) {
    let i = 0;
    for (const item of value) futureTimes(item, nowMs, `${where}[${i++}]`, out);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'number' && /Ms$/.test(key) && !FUTURE_BY_NATURE.has(key) && item > nowMs) out.push(`${where}.${key} = ${new Date(item).toISOString()}`);
      else futureTimes(item, nowMs, `${where}.${key}`, out);
    }
  }
}

describe('sandbox time', () => {
  it.each([1, 2, 7, 42])('no seeded item of any area is dated after now (seed %i)', (seed) => {
    const now = Date.now();
    const world = new SandboxWorld(seed, fixtureAnchor(now), new MemorySandboxStore(), false);
    const found: string[] = [];
    for (const scenario of ['creator', 'fan', 'creator-otp', 'rate-limited']) {
      for (let i = 0; i < 5; i++) {
        const data = world.dataFor(accountFromEmail(`time${i}@${scenario}.sandbox.com`)!);
        for (const area of AREAS) futureTimes(data[area], now, `${scenario}#${i}.${area}`, found);
      }
    }
    expect(found.slice(0, 10)).toEqual([]);
  });
});
