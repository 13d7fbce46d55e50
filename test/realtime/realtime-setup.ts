// Set-up shared by the realtime tests: an org of the test's own with realtime on and a webhook endpoint, Link
// connections on fresh simulator accounts, relays with test-sized timings, and the simulator's realtime control API.
import { createLinkConnection, sandboxEmail, type CreatedLinkConnection } from '../support/link-connections.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, type TestService } from '../support/service.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createRealtimeRelay, type RealtimeRelay, type RelayOptions } from '../../src/realtime/relay-worker.ts';
import type { ServiceContext } from '../../src/platform/context.ts';

export interface RealtimeOrg {
  orgId: string;
  key: string;
  endpointId: string;
  endpointSecret: string;
}

/** A new org with realtime on and one endpoint at `url` (eventTypes as given; empty takes every event). */
export async function createRealtimeOrg(t: TestService, url: string, eventTypes: string[] = []): Promise<RealtimeOrg> {
  const orgId = await createOrg(t.database.handle, 'Realtime org');
  const key = (await createKey(t.database.handle, orgId, 'sandbox')).secret;
  const settings = await call(t.url, 'PATCH', '/v2/account/settings', { key, body: { realtime: { enabled: true } } });
  if (settings.status !== 200 || settings.body.realtime?.enabled !== true) throw new Error(`turning realtime on failed: ${settings.status} ${JSON.stringify(settings.body)}`);
  const endpoint = await call(t.url, 'POST', '/v2/webhooks/endpoints', { key, body: { url, eventTypes } });
  if (endpoint.status !== 201) throw new Error(`creating the endpoint failed: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
  return { orgId, key, endpointId: endpoint.body.id, endpointSecret: endpoint.body.secret };
}

export interface RealtimeConnection extends CreatedLinkConnection {
  email: string;
}

export async function createRealtimeConnection(t: TestService, orgId: string): Promise<RealtimeConnection> {
  const email = sandboxEmail();
  return { ...(await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId, email, clientReferenceId: `ref-${email.slice(3, 9)}` })), email };
}

/** Test-sized timings: quick claims, renewals and reconnects; quietMs as the test needs. */
export function startTestRelay(ctx: ServiceContext, options: RelayOptions = {}): RealtimeRelay {
  return createRealtimeRelay(ctx, {
    tickMs: 100,
    syncIntervalMs: 200,
    leaseMs: 3000,
    backoffBaseMs: 100,
    backoffMaxMs: 1000,
    quietMs: 60_000,
    ...options,
  });
}

export interface SimulatedSocket {
  userId: number;
  connectedAt: string;
  tokenIssuedAt: string;
  isTokenValid: boolean;
  userAgent: string;
  origin: string;
}

export async function simulatorSockets(t: TestService): Promise<SimulatedSocket[]> {
  return (await call(t.sandboxUrl, 'GET', '/_sandbox/realtime/sockets')).body.list;
}

/** Waits until the simulator holds an open socket with a valid token for each of the accounts. */
export async function waitForSockets(t: TestService, userIds: string[], what = 'open sockets'): Promise<SimulatedSocket[]> {
  return eventually(
    async () => {
      const sockets = (await simulatorSockets(t)).filter((s) => s.isTokenValid);
      const found = userIds.map((id) => sockets.find((s) => String(s.userId) === id));
      return found.every(Boolean) ? (found as SimulatedSocket[]) : null;
    },
    { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 50, what },
  );
}

export interface FanEventReply {
  userId: number;
  fanId: number | null;
  messageId: number | null;
  frames: number;
  sockets: number;
}

export async function fanActs(t: TestService, body: Record<string, unknown>): Promise<FanEventReply> {
  const res = await call(t.sandboxUrl, 'POST', '/_sandbox/realtime/events', { body });
  if (res.status !== 200) throw new Error(`the fan event failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
