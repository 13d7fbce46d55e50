// Seeded pseudo-random numbers for the simulator's own choices (rules, faults) and seeds derived per area,
// so two sandboxes started with the same seed behave the same way.
import { createHash } from 'node:crypto';

export type RandomSource = () => number;

/** mulberry32: small, fast, good enough for fixtures; not for secrets. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 31-bit seed from any list of parts (sandbox seed, user id, area name). */
export function deriveSeed(...parts: Array<string | number>): number {
  return createHash('sha1').update(parts.join('\u0000')).digest().readUInt32BE(0) & 0x7fffffff;
}

export function randomInt(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomString(random: RandomSource, length: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
  return out;
}

/** A stable number in [0, 1) from any parts: picks that must not draw from (and so shift) an area's faker. */
export function stableUnit(...parts: Array<string | number>): number {
  return deriveSeed(...parts) / 0x80000000;
}
