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
