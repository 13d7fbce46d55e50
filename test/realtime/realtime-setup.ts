// Set-up shared by the realtime tests: a service with a webhook worker and a real receiver, an org of the test's own
// with realtime on and a webhook endpoint, Link connections on fresh simulator accounts, relays with test-sized
// timings, a Server-Sent Events client, and the simulator's realtime control API.
import { request } from 'undici';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { storeConnectionSession } from '../../src/connections/session-vault.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { createRealtimeRelay, type RealtimeRelay, type RelayOptions } from '../../src/realtime/relay-worker.ts';
import { startWebhookWorker, type WebhookWorker } from '../../src/webhooks/worker.ts';
import type { Backend } from '../support/databases.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createLinkConnection, sandboxEmail, type CreatedLinkConnection } from '../support/link-connections.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startReceiver, type ReceivedDelivery, type Receiver } from '../webhooks/receiver.ts';

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

/** A Link connection on a fresh simulator account; with `userAgent`, its stored session carries that user agent. */
export async function createRealtimeConnection(t: TestService, orgId: string, options: { userAgent?: string } = {}): Promise<RealtimeConnection> {
  const email = sandboxEmail();
  const created = await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId, email, clientReferenceId: `ref-${email.slice(3, 9)}` });
  if (!options.userAgent) return { ...created, email };
  const ctx = t.service.ctx;
  const session = await mintSandboxSession(t.sandboxUrl, email, options.userAgent);
  await storeConnectionSession(ctx.database.db, ctx.vault, { orgId, connectionId: created.row.id }, session, ctx.clock.now());
  return { ...created, session, email };
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
  framesSent: number;
  heartbeats: number;
  userAgent: string;
  origin: string;
  /** The path the relay opened (/ws3/<n>). */
  path: string;
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

/**
 * One service per file (role api: no workers of its own; each test starts the relays it needs), a webhook worker
 * and a receiver. After each test: streams closed, relays stopped, and realtime turned off for the orgs the test
 * made, so no later test's relay holds their connections.
 */
export function useRealtimeService(backend: Backend) {
  const state = {} as { t: TestService; receiver: Receiver; webhooks: WebhookWorker };
  const relays: RealtimeRelay[] = [];
  const closers: Array<() => Promise<void>> = [];
  const orgKeys: string[] = [];
  beforeAll(async () => {
    state.t = await startTestService(backend, { config: { role: 'api' } });
    state.receiver = await startReceiver();
    state.webhooks = await startWebhookWorker(state.t.service.ctx, { pollIntervalMs: 100 });
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    for (const key of orgKeys.splice(0)) await call(state.t.url, 'PATCH', '/v2/account/settings', { key, body: { realtime: { enabled: false } } });
  });
  afterAll(async () => {
    await state.webhooks?.stop();
    await state.t?.close();
    await state.receiver?.close();
  });
  return {
    get t() {
      return state.t;
    },
    get receiver() {
      return state.receiver;
    },
    /** A relay on the service's context (or another context), stopped after the test. */
    relay(options: RelayOptions = {}, ctx: ServiceContext = state.t.service.ctx): RealtimeRelay {
      const r = startTestRelay(ctx, options);
      relays.push(r);
      return r;
    },
    /** Runs after the test, before the relays stop (last registered first). */
    onCleanup(close: () => Promise<void>): void {
      closers.push(close);
    },
    async realtimeOrg(path: string, eventTypes?: string[]): Promise<RealtimeOrg> {
      const org = await createRealtimeOrg(state.t, `${state.receiver.url}${path}`, eventTypes);
      orgKeys.push(org.key);
      return org;
    },
    deliveredTo(path: string): ReceivedDelivery[] {
      return state.receiver.received.filter((d) => d.path === path);
    },
    async openStream(query: string, key: string, headers: Record<string, string> = {}): Promise<EventStream> {
      const stream = await openEventStream(`${state.t.url}/v2/realtime/events${query}`, key, headers);
      closers.push(() => stream.close());
      return stream;
    },
  };
}

export interface StreamedSseEvent {
  id: string;
  event: string;
  data: any;
  /** Date.now() when the client read it. */
  receivedAt: number;
}

export interface EventStream {
  status: number;
  contentType: string;
  events: StreamedSseEvent[];
  close(): Promise<void>;
}

/** A Server-Sent Events client on GET /v2/realtime/events: collects events until closed. */
export async function openEventStream(url: string, key: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const res = await request(url, { headers: { apikey: key, accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: StreamedSseEvent[] = [];
  let buffer = '';
  const reading = (async () => {
    try {
      for await (const chunk of res.body) {
        buffer += chunk.toString('utf8');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':') && l.includes(': '))
              .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
          );
          if (fields.data) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data), receivedAt: Date.now() });
        }
      }
    } catch {
      // aborted
    }
  })();
  let closing: Promise<void> | null = null;
  return {
    status: res.statusCode,
    contentType: String(res.headers['content-type']),
    events,
    close() {
      closing ??= (async () => {
        controller.abort();
        await reading;
      })();
      return closing;
    },
  };
}

/** The text of GET /metrics. */
export async function readMetrics(t: TestService): Promise<string> {
  const res = await call<string>(t.url, 'GET', '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  return res.body;
}

/** A sample's value in Prometheus text (0 when absent); `labels` as written, e.g. `{reason="quiet"}`. */
export function metricValue(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}
