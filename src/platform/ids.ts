// Prefixed, random, URL-safe identifiers (conn_…, app_…). Random, not sequential, so ids leak nothing.
import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  org: 'org',
  app: 'app',
  connection: 'conn',
  linkSession: 'cs',
  request: 'req',
  event: 'evt',
  message: 'msg',
  webhookEndpoint: 'we',
  webhookSecret: 'whsec',
  apiKey: 'key',
  attempt: 'atm',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 string; rejection sampling keeps every character uniformly likely. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Alphanumeric only after the underscore, so ids match OFAuth's patterns such as ^app_[a-zA-Z0-9]+$. */
export function newId(kind: IdKind, length = 20): string {
  return `${ID_PREFIXES[kind]}_${randomBase62(length)}`;
}
