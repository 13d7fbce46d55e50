// Data the dashboard's browser tests and screenshots show, made through the public API as an integrator would:
// connections imported from simulator sessions (one with a client reference), a webhook endpoint whose receiver
// refused the first deliveries (so they failed, with the refusal's body recorded), a client app, a Link session
// started with it, and an Access call.
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { mintSandboxSession } from '../support/sandbox.ts';
import { call, type TestService } from '../support/service.ts';
import type { Receiver } from '../webhooks/receiver.ts';

export interface SeededOrg {
  connectionIds: string[];
  clientReferenceId: string;
  /** The connection that carries clientReferenceId. */
  referencedConnectionId: string;
  endpointId: string;
  /** Messages whose delivery failed, those with a refused attempt first. */
  failedMessageIds: string[];
  clientAppId: string;
  clientAppName: string;
  /** The client reference of the seeded Link session (started, not finished). */
  linkClientReferenceId: string;
}

let seq = 0;

async function ok<T = any>(reply: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const answer = await reply;
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * Seeds one org through `key`. The receiver refuses (HTTP 500) until the deliveries of the seeded events have been
 * attempted; disabling the endpoint then ends them as failed, and it is enabled again with the receiver accepting,
 * so a replay succeeds.
 */
export async function seedOrg(t: TestService, key: string, receiver: Receiver, label: string): Promise<SeededOrg> {
  const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key, body });
  receiver.answer = () => ({ status: 500, body: `receiver refuses (${label})` });
  const endpoint = await ok(api('POST', '/v2/webhooks/endpoints', { url: `${receiver.url}/${label}`, description: `${label} receiver` }), 'endpoint');
  const clientReferenceId = `${label}-crm-user-${seq}`;
  const connectionIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const session = await mintSandboxSession(t.sandboxUrl, `${label}${Date.now().toString(36)}${seq++}@creator.sandbox.com`);
    const body = { cookie: session.cookie, userAgent: session.userAgent, ...(i === 0 ? { clientReferenceId } : {}) };
    connectionIds.push((await ok(api('POST', '/v2/account/connections/import', body), 'import')).id);
  }
  await ok(api('POST', `/v2/account/connections/${connectionIds[2]}/invalidate`), 'invalidate');
  // Each connection's first event has been refused (a connection's later events wait behind it: deliveries are in order).
  const attempted = await eventually(
    async () => {
      const attempts = await ok(api('GET', `/v2/webhooks/endpoints/${endpoint.id}/attempts?status=failed&limit=250`), 'attempts');
      const messageIds = new Set<string>(attempts.list.map((a: { messageId: string }) => a.messageId));
      return messageIds.size >= connectionIds.length && messageIds;
    },
    { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: `${label}: the refused deliveries attempted` },
  );
  await ok(api('PATCH', `/v2/webhooks/endpoints/${endpoint.id}`, { enabled: false }), 'disable');
  receiver.answer = () => 200;
  await ok(api('PATCH', `/v2/webhooks/endpoints/${endpoint.id}`, { enabled: true }), 'enable');
  const failed = await ok(api('GET', '/v2/webhooks/messages?status=failed&limit=250'), 'failed messages');
  const app = await ok(
    api('POST', '/v2/client-apps', {
      name: `${label} Inbox`,
      redirectUris: ['http://127.0.0.1:9/callback'],
      permissions: ['profile:read', 'messages:read'],
      profile: { description: 'The CRM for creator teams.' },
    }),
    'client app',
  );
  const linkClientReferenceId = `${label}-link-${seq++}`;
  await ok(api('POST', '/v2/link/init', { clientAppId: app.id, clientReferenceId: linkClientReferenceId }), 'link session');
  await call(t.url, 'GET', '/v2/access/self', { key, headers: { 'x-connection-id': connectionIds[0] } });
  return {
    connectionIds,
    clientReferenceId,
    referencedConnectionId: connectionIds[0],
    endpointId: endpoint.id,
    // Those with a refused attempt (and its response snippet) first.
    failedMessageIds: failed.list.map((m: { id: string }) => m.id).sort((x: string, y: string) => Number(attempted.has(y)) - Number(attempted.has(x))),
    clientAppId: app.id,
    clientAppName: app.name,
    linkClientReferenceId,
  };
}

export interface DashboardStop {
  /** A file-name-safe name of the page. */
  name: string;
  path: string;
  heading: string | RegExp;
  /** Text the page shows for the seeded org. */
  shows?: string;
}

/** Every dashboard page, with the seeded org's ids filled in: what the browser test walks and the screenshots show. */
export function dashboardStops(seeded: SeededOrg, adminKeyId: string): DashboardStop[] {
  return [
    { name: 'overview', path: '/dashboard', heading: 'Overview' },
    { name: 'connections', path: '/dashboard/connections', heading: 'Connections', shows: seeded.connectionIds[1] },
    { name: 'connection', path: `/dashboard/connections/${seeded.referencedConnectionId}`, heading: /^@/, shows: seeded.clientReferenceId },
    { name: 'api-keys', path: '/dashboard/api-keys', heading: 'API keys', shows: adminKeyId },
    { name: 'webhooks', path: '/dashboard/webhooks', heading: 'Webhooks', shows: 'alpha receiver' },
    { name: 'webhook-endpoint', path: `/dashboard/webhooks/endpoints/${seeded.endpointId}`, heading: 'Webhook endpoint', shows: 'receiver refuses (alpha)' },
    { name: 'deliveries', path: '/dashboard/webhooks/messages', heading: 'Webhook deliveries', shows: 'connection.created' },
    { name: 'delivery', path: `/dashboard/webhooks/messages/${seeded.failedMessageIds[0]}`, heading: 'Webhook message', shows: 'receiver refuses (alpha)' },
    { name: 'link-apps', path: '/dashboard/link', heading: 'Link client apps', shows: 'alpha Inbox' },
    { name: 'link-sessions', path: '/dashboard/link/sessions', heading: 'Link sessions', shows: seeded.linkClientReferenceId },
    { name: 'usage', path: '/dashboard/usage', heading: 'Usage' },
    { name: 'audit-log', path: '/dashboard/audit-log', heading: 'Audit log' },
    { name: 'sandbox', path: '/dashboard/sandbox', heading: 'Sandbox tools', shows: 'creator' },
  ];
}
