// The Link client secret (cs_…): a bearer token in the hosted URL and the whitelabel API. Only its SHA-256 is stored.
import { createHash } from 'node:crypto';
import { newId } from '../platform/ids.ts';

export function newClientSecret(): string {
  return newId('linkSession', 32);
}

export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
