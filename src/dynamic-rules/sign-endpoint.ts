// POST /v2/dynamic-rules/sign: sign one OnlyFans request for a caller that sends it itself.
import { badRequest } from '../platform/errors.ts';
import type { DynamicRules } from '../upstream/rules.ts';
import { signUpstreamRequest } from '../upstream/signing.ts';
import type { SignRequestInput } from './schemas.ts';

/** The path + query that gets signed: a full URL is reduced to its path and query, exactly as written. */
export function signedPathOf(endpoint: string): string {
  if (endpoint.startsWith('/')) return endpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw badRequest('endpoint must be a path such as /api2/v2/users/me or a full https://onlyfans.com/api2/v2/… URL', 'endpoint');
  }
  // Take the raw text after the origin so an unusual query encoding is signed as the caller will send it.
  return endpoint.slice(url.origin.length) || '/';
}

export function signEndpoint(rules: DynamicRules, input: SignRequestInput, nowMs: number) {
  const path = signedPathOf(input.endpoint);
  const userId = input['user-id'] ?? input.user_id;
  const time = input.time ?? input.timestamp ?? nowMs;
  const signed = signUpstreamRequest(rules, { path, time, userId: userId ?? 0 });
  return {
    signed: {
      sign: signed.sign,
      time: signed.time,
      ...(userId !== undefined ? { 'user-id': String(userId) } : {}),
      'app-token': rules.app_token,
      'x-of-rev': rules.revision,
    },
    is_public: true,
    is_early_access: false,
  };
}
