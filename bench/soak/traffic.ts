// The soak's load, made the way integrators make it, through the public API only:
// - Access: each long-lived connection calls managed endpoints and the raw proxy about once a second, reads mostly,
//   with some writes (a chat message; a user list created and deleted);
// - Link: sign-ins completed headlessly, through the whitelabel Link API and through the hosted pages' forms (fetch
//   the page for its CSRF token, POST the form, follow the 303s), with and without 2FA; imports now and then; each
//   new connection is used once and then disconnected, so the number of connections stays flat;
// - webhooks: every change above records an event (created, imported, settings_updated, disconnected), delivered to
//   the soak's receiver; the org's endpoint, messages and attempts are read now and then.
import { randomBytes } from 'node:crypto';
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import type { SoakHttp, Reply } from './http.ts';

const PASSWORD = 'good-password';
const OTP = '123456';
/** Where the hosted flow's redirect app sends the browser; nothing listens there: the soak reads the 303's Location. */
const REDIRECT_URI = 'http://127.0.0.1:9/soak-callback';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Managed reads every creator account answers with 200 (when upstream does). */
const MANAGED_READS = [
  '/v2/access/self',
  '/v2/access/chats?limit=10',
  '/v2/access/subscribers?limit=5&type=all',
  '/v2/access/subscriptions/count',
  '/v2/access/users/lists?limit=20',
  '/v2/access/posts?limit=5',
  '/v2/access/vault/media?limit=5',
  '/v2/access/earnings/transactions?limit=5',
];
/** Raw proxy reads (paths under /api2/v2 upstream). */
const PROXY_READS = ['/v2/access/proxy/users/me', '/v2/access/proxy/chats?limit=10&offset=0&order=recent', '/v2/access/proxy/subscriptions/count/all'];

/** The soak connections' pacing: under the simulator's per-session limit (100 a minute), above the loop's rate. */
const SOAK_PACING = { requestsPerMinute: 90, burst: 90, concurrency: 2 };

export interface SoakOrg {
  adminKey: string;
  endpointId: string;
  whitelabelAppId: string;
  redirectAppId: string;
}

export interface SteadyConnection {
  id: string;
  /** A fan whose chat accepts messages (for the message write), when the account has one. */
  fanId: number | null;
}

/** Outcomes of Link flows and imports: "api creator completed", "pages creator-otp failed: 503 …". */
export type FlowOutcomes = Map<string, number>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const jitter = (ms: number) => ms * (0.6 + Math.random() * 0.8);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const uniqueEmail = (scenario: string) => `soak${randomBytes(5).toString('hex')}@${scenario}.sandbox.com`;

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status} ${reply.text.slice(0, 500)}`);
}

/** The org's webhook endpoint (pointing at the receiver) and the two Link client apps. Returns the endpoint secret too. */
export async function prepareOrg(http: SoakHttp, adminKey: string, receiverUrl: string): Promise<SoakOrg & { secret: string }> {
  const headers = { apikey: adminKey };
  const endpoint = await http.send('set-up', 'POST', '/v2/webhooks/endpoints', { headers, json: { url: receiverUrl, description: 'soak receiver' } });
  expectStatus(endpoint, 201, 'creating the webhook endpoint');
  const whitelabel = await http.send('set-up', 'POST', '/v2/client-apps', {
    headers,
    json: { name: 'Soak headless', integrationType: 'whitelabel', permissions: CONNECTION_PERMISSIONS },
  });
  expectStatus(whitelabel, 201, 'creating the whitelabel app');
  const redirect = await http.send('set-up', 'POST', '/v2/client-apps', {
    headers,
    json: { name: 'Soak hosted', integrationType: 'redirect', redirectUris: [REDIRECT_URI], permissions: CONNECTION_PERMISSIONS },
  });
  expectStatus(redirect, 201, 'creating the redirect app');
  return { adminKey, endpointId: endpoint.body.id, secret: endpoint.body.secret, whitelabelAppId: whitelabel.body.id, redirectAppId: redirect.body.id };
}

/** The long-lived connections Access traffic runs on: Link sign-ins (before faults are injected), paced for the soak. */
export async function createSteadyConnections(http: SoakHttp, org: SoakOrg, count: number): Promise<SteadyConnection[]> {
  const connections: SteadyConnection[] = [];
  for (let i = 0; i < count; i++) {
    const id = await linkThroughApi(http, org, 'creator', new Map());
    if (!id) throw new Error('a Link sign-in failed while setting up (no faults are injected yet)');
    const paced = await http.send('set-up', 'PATCH', `/v2/account/connections/${id}/settings`, { headers: { apikey: org.adminKey }, json: { pacing: SOAK_PACING } });
    expectStatus(paced, 200, 'pacing a soak connection');
    const chats = await http.send('set-up', 'GET', '/v2/access/proxy/chats?limit=50&offset=0&order=recent', { headers: accessHeaders(org, id) });
    const chat = ((chats.body?.list ?? []) as Array<{ withUser: { id: number }; canSendMessage?: boolean }>).find((c) => c.canSendMessage !== false);
    connections.push({ id, fanId: chat?.withUser.id ?? null });
  }
  return connections;
}

const accessHeaders = (org: SoakOrg, connectionId: string) => ({ apikey: org.adminKey, 'x-connection-id': connectionId });

function count(outcomes: FlowOutcomes, outcome: string): void {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

/** Counts a flow that ended without a connection. */
function failed(outcomes: FlowOutcomes, outcome: string): null {
  count(outcomes, outcome);
  return null;
}

function failure(reply: Reply): string {
  const type = reply.body && typeof reply.body === 'object' ? (reply.body.type ?? reply.body.error?.code ?? reply.body.status) : undefined;
  return `${reply.status}${type ? ` ${type}` : ''}`;
}

/** A whitelabel Link sign-in through the JSON API; the new connection's id, or null (the outcome says why). */
export async function linkThroughApi(http: SoakHttp, org: SoakOrg, scenario: 'creator' | 'creator-otp', outcomes: FlowOutcomes): Promise<string | null> {
  const headers = { apikey: org.adminKey };
  const label = `link api ${scenario}`;
  const init = await http.send('link api', 'POST', '/v2/link/init', { headers, json: { clientAppId: org.whitelabelAppId, clientReferenceId: `soak-${Date.now()}` } });
  if (init.status !== 200) return failed(outcomes, `${label} init failed: ${failure(init)}`);
  const secret = init.body.clientSecret as string;
  let state = await http.send('link api', 'POST', `/v2/link/${secret}/login`, { headers, json: { email: uniqueEmail(scenario), password: PASSWORD, userAgent: USER_AGENT } });
  if (state.status === 200 && state.body.status === 'awaiting_2fa') {
    state = await http.send('link api', 'POST', `/v2/link/${secret}/2fa`, { headers, json: { code: OTP } });
  }
  if (state.status === 200 && state.body.status === 'completed') {
    count(outcomes, `${label} completed`);
    return state.body.data.id as string;
  }
  count(outcomes, `${label} failed: ${failure(state)}${state.body?.error?.code ? ` ${state.body.error.code}` : ''}`);
  return null;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? null;

/** A hosted-page Link sign-in as a browser without JavaScript makes it: GET the page, POST its forms, follow 303s. */
export async function linkThroughPages(http: SoakHttp, org: SoakOrg, scenario: 'creator' | 'creator-otp', outcomes: FlowOutcomes): Promise<string | null> {
  const label = `link pages ${scenario}`;
  const init = await http.send('link api', 'POST', '/v2/link/init', { headers: { apikey: org.adminKey }, json: { clientAppId: org.redirectAppId, redirectUrl: REDIRECT_URI } });
  if (init.status !== 200) return failed(outcomes, `${label} init failed: ${failure(init)}`);
  const pageUrl = init.body.url as string;
  const origin = new URL(pageUrl).origin;
  const page = await http.send('link page', 'GET', `${pageUrl}?screen=login`);
  const csrf = csrfOf(page.text);
  if (page.status !== 200 || !csrf) return failed(outcomes, `${label} page failed: ${page.status}`);
  let step = await http.send('link page', 'POST', `${pageUrl}/login`, { headers: { origin }, form: { csrf, email: uniqueEmail(scenario), password: PASSWORD } });
  let location = String(step.headers.location ?? '');
  if (step.status === 303 && !location.startsWith(REDIRECT_URI)) {
    // The 2FA screen: the page the 303 names, then its form.
    const twoFactorPage = await http.send('link page', 'GET', new URL(location, pageUrl).toString());
    const token = csrfOf(twoFactorPage.text) ?? csrf;
    step = await http.send('link page', 'POST', `${pageUrl}/2fa`, { headers: { origin }, form: { csrf: token, code: OTP } });
    location = String(step.headers.location ?? '');
  }
  if (step.status === 303 && location.startsWith(REDIRECT_URI)) {
    const query = new URL(location).searchParams;
    const connectionId = query.get('connection_id');
    if (query.get('status') === 'success' && connectionId) {
      count(outcomes, `${label} completed`);
      return connectionId;
    }
    count(outcomes, `${label} ended: ${query.get('status')} ${query.get('error_code') ?? ''}`.trim());
    return null;
  }
  count(outcomes, `${label} failed: ${step.status}${location ? ` → ${new URL(location, pageUrl).pathname}` : ''}`);
  return null;
}

/** An import of a session the simulator mints (as if the integrator's own browser extension captured it). */
export async function importSession(http: SoakHttp, org: SoakOrg, simulatorUrl: string, outcomes: FlowOutcomes): Promise<string | null> {
  const minted = await http.send('set-up', 'POST', `${simulatorUrl}/_sandbox/sessions`, { json: { email: uniqueEmail('creator'), userAgent: USER_AGENT } });
  if (minted.status !== 200) return failed(outcomes, `import mint failed: ${minted.status}`);
  const imported = await http.send('connections', 'POST', '/v2/account/connections/import', {
    headers: { apikey: org.adminKey },
    json: { cookie: minted.body.cookie, userAgent: minted.body.userAgent, permissions: CONNECTION_PERMISSIONS },
  });
  if (imported.status !== 201) return failed(outcomes, `import failed: ${failure(imported)}`);
  count(outcomes, 'import completed');
  return imported.body.id as string;
}

/** One Access call on a connection: a managed read, a raw proxy read, or a write. */
async function accessCall(http: SoakHttp, org: SoakOrg, connection: SteadyConnection, writeShare: number): Promise<void> {
  const headers = accessHeaders(org, connection.id);
  const roll = Math.random();
  if (roll < writeShare) {
    if (connection.fanId !== null && Math.random() < 0.5) {
      await http.send('access write', 'POST', `/v2/access/chats/${connection.fanId}/messages`, { headers, json: { text: `soak ${Date.now()}` } });
      return;
    }
    const created = await http.send('access write', 'POST', '/v2/access/users/lists', { headers, json: { name: `soak ${Date.now()}` } });
    if (created.status === 200 && created.body?.id !== undefined) {
      await http.send('access write', 'DELETE', `/v2/access/users/lists/${created.body.id}`, { headers });
    }
    return;
  }
  if (roll < writeShare + (1 - writeShare) * 0.6) await http.send('access read', 'GET', pick(MANAGED_READS), { headers });
  else await http.send('proxy read', 'GET', pick(PROXY_READS), { headers });
}

export interface LoopOptions {
  stopAt: number;
}

/** Steady Access traffic on one connection: about one call a second until stopAt. */
export async function runAccessLoop(http: SoakHttp, org: SoakOrg, connection: SteadyConnection, options: LoopOptions & { periodMs: number; writeShare: number }): Promise<void> {
  // Staggered starts, so the connections' calls do not line up.
  await sleep(Math.random() * options.periodMs);
  while (Date.now() < options.stopAt) {
    const started = Date.now();
    await accessCall(http, org, connection, options.writeShare);
    await sleep(Math.min(jitter(options.periodMs) - (Date.now() - started), options.stopAt - Date.now()));
  }
}

/** Link sign-ins (API and pages, with and without 2FA) and imports in turn, each connection used once and disconnected. */
export async function runLinkLoop(http: SoakHttp, org: SoakOrg, simulatorUrl: string, outcomes: FlowOutcomes, options: LoopOptions & { periodMs: number }): Promise<void> {
  const flows = [
    () => linkThroughApi(http, org, 'creator', outcomes),
    () => linkThroughPages(http, org, 'creator', outcomes),
    () => linkThroughApi(http, org, 'creator-otp', outcomes),
    () => linkThroughPages(http, org, 'creator-otp', outcomes),
    () => importSession(http, org, simulatorUrl, outcomes),
  ];
  for (let n = 0; Date.now() < options.stopAt; n++) {
    const started = Date.now();
    const connectionId = await flows[n % flows.length]();
    if (connectionId) {
      const headers = accessHeaders(org, connectionId);
      await http.send('access read', 'GET', '/v2/access/self', { headers });
      await http.send('proxy read', 'GET', '/v2/access/proxy/users/me', { headers });
      const gone = await http.send('connections', 'DELETE', `/v2/account/connections/${connectionId}`, { headers: { apikey: org.adminKey } });
      if (gone.status !== 200 && gone.status !== 204) count(outcomes, `disconnect failed: ${failure(gone)}`);
    }
    await sleep(Math.min(jitter(options.periodMs) - (Date.now() - started), options.stopAt - Date.now()));
  }
}

/** Connection settings changed now and then (each records connection.settings_updated), and the management reads. */
export async function runManagementLoop(http: SoakHttp, org: SoakOrg, connections: SteadyConnection[], options: LoopOptions & { periodMs: number }): Promise<void> {
  const headers = { apikey: org.adminKey };
  for (let n = 0; Date.now() < options.stopAt; n++) {
    const started = Date.now();
    const connection = connections[n % connections.length];
    await http.send('connections', 'GET', `/v2/account/connections/${connection.id}/settings`, { headers });
    const rate = n % 2 === 0 ? SOAK_PACING.requestsPerMinute - 1 : SOAK_PACING.requestsPerMinute;
    await http.send('connections', 'PATCH', `/v2/account/connections/${connection.id}/settings`, { headers, json: { pacing: { ...SOAK_PACING, requestsPerMinute: rate } } });
    await http.send('connections', 'GET', '/v2/account/connections?limit=20', { headers });
    await http.send('webhooks api', 'GET', '/v2/webhooks/messages?limit=20', { headers });
    await http.send('webhooks api', 'GET', `/v2/webhooks/endpoints/${org.endpointId}/attempts?limit=20`, { headers });
    await sleep(Math.min(jitter(options.periodMs) - (Date.now() - started), options.stopAt - Date.now()));
  }
}

export interface RecordedMessage {
  id: string;
  eventType: string;
  status: string;
}

/** Every webhook message of the org's sandbox environment, through the API (newest first, every page). */
export async function listMessages(http: SoakHttp, adminKey: string): Promise<RecordedMessage[]> {
  const messages: RecordedMessage[] = [];
  for (let offset = 0; ; offset += 250) {
    const page = await http.send('set-up', 'GET', `/v2/webhooks/messages?limit=250&offset=${offset}`, { headers: { apikey: adminKey } });
    expectStatus(page, 200, 'listing webhook messages');
    messages.push(...(page.body.list as RecordedMessage[]).map((m) => ({ id: m.id, eventType: m.eventType, status: m.status })));
    if (!page.body.hasMore) return messages;
  }
}
