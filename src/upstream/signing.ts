// OnlyFans request signing (docs/onlyfans-web-api.md §2.1): SHA-1 over static_param, time, path+query and user id,
// plus a checksum of selected hex characters. Shared by the client (to sign) and the simulator (to verify).
import { hash } from 'node:crypto';
import type { DynamicRules } from './rules.ts';

export interface SignInput {
  /** Path with its query exactly as sent on the wire, e.g. /api2/v2/chats?limit=10 */
  path: string;
  /** Unix time in milliseconds. */
  time: number | string;
  /** auth_id, or 0 when anonymous. */
  userId: number | string;
}

export interface SignedParts {
  sign: string;
  time: string;
  sha1: string;
  checksum: number;
}

export function signUpstreamRequest(rules: DynamicRules, input: SignInput): SignedParts {
  const time = String(input.time);
  const message = `${rules.static_param}\n${time}\n${input.path}\n${input.userId}`;
  // crypto.hash: one-shot, without a Hash object per request (UTF-8 for string input, as before).
  const sha1 = hash('sha1', message, 'hex');
  let checksum = rules.checksum_constant;
  const indexes = rules.checksum_indexes;
  for (let i = 0; i < indexes.length; i++) checksum += sha1.charCodeAt(indexes[i]);
  const sign = `${rules.prefix}:${sha1}:${Math.abs(checksum).toString(16)}:${rules.suffix}`;
  return { sign, time, sha1, checksum };
}
