// Set-up shared by the Access tests: a connection imported through the public API from a session the simulator
// minted, and calls made the way OFAuth's SDK makes them (apikey + x-connection-id).
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { call, type ApiReply, type TestService } from '../support/service.ts';
import { mintSandboxSession, type MintedSession } from '../support/sandbox.ts';

export const ALL_PERMISSIONS = CONNECTION_PERMISSIONS;

export interface ImportedConnection {
  id: string;
  session: MintedSession;
}

let counter = 0;

/** A fresh creator account each time (unique email), imported with the given permissions (default: all). */
export async function importConnection(
  t: TestService,
  options: { key?: string; permissions?: string[]; email?: string } = {},
): Promise<ImportedConnection> {
  const email = options.email ?? `acc${process.pid}x${Date.now().toString(36)}${counter++}@creator.sandbox.com`;
  const session = await mintSandboxSession(t.sandboxUrl, email);
  const res = await call(t.url, 'POST', '/v2/account/connections/import', {
    key: options.key ?? t.adminKey,
    body: { cookie: session.cookie, userAgent: session.userAgent, permissions: options.permissions ?? ALL_PERMISSIONS },
  });
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, session };
}

/** One Access call as the SDK sends it. */
export function access<T = any>(
  t: TestService,
  connectionId: string | null,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiReply<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (connectionId) headers['x-connection-id'] = connectionId;
  return call<T>(t.url, method, path, { key: options.key ?? t.adminKey, body: options.body, headers });
}

/** Injects a fault into the simulator (429 / 500 / 503 / latency / reset) for the next `count` matching requests. */
export async function injectFault(
  t: TestService,
  fault: { kind: '429' | '500' | '503' | 'latency' | 'reset'; count?: number; pathPrefix?: string; retryAfterSeconds?: number; latencyMs?: number },
): Promise<void> {
  const res = await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: fault });
  if (res.status !== 200) throw new Error(`fault injection failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function clearFaults(t: TestService): Promise<void> {
  await call(t.sandboxUrl, 'DELETE', '/_sandbox/faults');
}

/** Requests the simulator received since `since` (its request log), to count upstream attempts. */
export async function upstreamRequests(t: TestService, since = 0): Promise<{ list: Array<{ seq: number; method: string; url: string; status: number | null }>; lastSeq: number }> {
  const res = await call(t.sandboxUrl, 'GET', `/_sandbox/requests?since=${since}`);
  return res.body;
}

/** A fan this account can message: the simulator (like OnlyFans) refuses messages to users who blocked the creator,
 *  and accounts are random per test, so the first chat is not always one. */
export async function messageableFanId(t: TestService, connectionId: string): Promise<number> {
  const chats = await access(t, connectionId, 'GET', '/v2/access/proxy/chats?limit=50&offset=0&order=recent');
  const chat = (chats.body.list as Array<{ withUser: { id: number }; canSendMessage?: boolean }>).find((c) => c.canSendMessage !== false);
  if (!chat) throw new Error('no chat of this sandbox account accepts messages');
  return chat.withUser.id;
}
