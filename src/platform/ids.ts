// Prefixed, random, URL-safe identifiers (conn_…, app_…). Random, not sequential, so ids leak nothing.
import { randomFillSync } from 'node:crypto';

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

// Every request mints an id: one randomBytes() call each costs a crypto job (~10 µs), so CSPRNG bytes are drawn
// in blocks (what crypto.randomUUID does internally). Each byte is handed out once and wiped after use.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function nextRandomByte(): number {
  if (poolOffset === POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const byte = pool[poolOffset];
  pool[poolOffset++] = 0;
  return byte;
}

/** Random base62 string; rejection sampling keeps every character uniformly likely. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = nextRandomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

/**
 * Alphanumeric only after the underscore, so ids match OFAuth's patterns such as ^app_[a-zA-Z0-9]+$
 * (docs/ofauth-wire-contract.md §9.3).
 */
export function newId(kind: IdKind, length = 20): string {
  return `${ID_PREFIXES[kind]}_${randomBase62(length)}`;
}
