// API key material: sk_sandbox_… / sk_live_… keys, stored only as a SHA-256 hash plus a display prefix.
import { createHash } from 'node:crypto';
import type { Environment } from '../platform/environment.ts';
import { randomBase62 } from '../platform/ids.ts';

const KEY_PATTERN = /^sk_(sandbox|live)_[A-Za-z0-9]{32,64}$/;

export interface NewKeyMaterial {
  secret: string;
  hash: string;
  prefix: string;
}

export function mintApiKey(environment: Environment): NewKeyMaterial {
  const secret = `sk_${environment}_${randomBase62(40)}`;
  return { secret, hash: hashApiKey(secret), prefix: displayPrefix(secret) };
}

/** Keys are 238 bits of randomness, so a fast hash is enough: no password-style stretching needed. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function displayPrefix(secret: string): string {
  const env = secret.startsWith('sk_live_') ? 'sk_live_' : 'sk_sandbox_';
  return `${env}${secret.slice(env.length, env.length + 6)}`;
}

/** The environment a well-formed key belongs to, or null for anything that is not one of our keys. */
export function environmentOfKey(secret: string): Environment | null {
  const match = KEY_PATTERN.exec(secret);
  return match ? (match[1] as Environment) : null;
}
