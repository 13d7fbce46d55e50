// Talking to the simulator's control API from tests: mint sessions as if a browser logged in, expire them.
import { call } from './service.ts';

export const TEST_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface MintedSession {
  cookie: string;
  userAgent: string;
  xBc: string;
  userId: number | string;
}

export async function mintSandboxSession(sandboxUrl: string, email: string, userAgent = TEST_USER_AGENT): Promise<MintedSession> {
  const res = await call<MintedSession>(sandboxUrl, 'POST', '/_sandbox/sessions', { body: { email, userAgent } });
  if (res.status !== 200) throw new Error(`minting a sandbox session failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function expireSandboxSession(sandboxUrl: string, by: { sess?: string; userId?: string | number }): Promise<void> {
  const res = await call(sandboxUrl, 'POST', '/_sandbox/sessions/expire', { body: by });
  if (res.status !== 200) throw new Error(`expiring a sandbox session failed: ${res.status}`);
}

export function sessOf(cookie: string): string {
  return /(?:^|;\s*)sess=([^;]+)/.exec(cookie)?.[1] ?? '';
}

/**
 * A simulator reply without what a simulator issues anew on each read: the realtime socket's URL (the host the
 * caller reached) and token in /users/me, and CDN media URLs (signed with their issue time and the node's port).
 * What is left is the account's own data, which must be the same whichever node or sandbox served it.
 */
export function withoutPerReadValues<T>(body: T): T {
  const text = JSON.stringify(body, (key, value) => (key === 'wsUrl' || key === 'wsAuthToken' ? undefined : value));
  return JSON.parse(text.replace(/"https?:\/\/[^"]*\/files\/[^"]*"/g, '"<cdn url>"')) as T;
}
