// Every route of the running service × API keys: generated from Fastify's route table (route-table.ts), checked
// against a policy stated here by path (which scope each part of the API needs), independent of the routes' own
// `config.scope`, so a route whose declared scope drifts (POST /v2/api-keys needing `account`) fails here.
//   no key                       → 401 UNAUTHORIZED on every keyed route; public routes answer without one
//   a key with every scope but S → 403 FORBIDDEN naming S (details.requiredScope and the message)
//   a key with S alone           → past the key check (no 401 UNAUTHORIZED, no 403 naming a scope)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES, type Scope } from '../../src/account/scopes.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { concretePath, routeTableOf, type RouteEntry } from './route-table.ts';

/** Which scope a path needs (null: public). The longest matching prefix decides; a path matching none fails the test. */
const SCOPE_POLICY: ReadonlyArray<readonly [prefix: string, scope: Scope | null]> = [
  ['/healthz', null],
  ['/readyz', null],
  ['/metrics', null],
  ['/openapi.json', null],
  ['/docs', null], // the API reference page and its files: the document it renders is public too
  ['/link/', null], // the hosted Link pages: the client secret in the path is the credential
  ['/dashboard', null], // the dashboard's page and files; what it shows comes from /v2 with its session
  ['/dashboard/session', 'admin'], // dashboard sign-in takes an admin key; reading and ending a session need one too
  ['/_sandbox/', 'admin'], // one simulator shared by every org
  ['/v2/api-keys', 'admin'],
  ['/v2/client-apps', 'admin'],
  ['/v2/webhooks/', 'admin'],
  ['/v2/vault/', 'admin'],
  ['/v2/audit-log', 'admin'], // who changed what, org-wide: an operator's view
  ['/v2/account/', 'account'],
  ['/v2/connections', 'account'],
  ['/v2/link/', 'link'],
  ['/v2/dynamic-rules', 'rules'],
  ['/v2/access/', 'access'],
  ['/v2/vault-plus/', 'access'],
  ['/media/', null], // the Vault+ media proxy: its signed URL is the credential
  ['/v2/realtime/', 'access'], // the realtime event stream: what the connections' accounts receive
  ['/v2/mcp', 'access'], // the MCP endpoint: Access tools, so the Access scope
];

function policyScopeOf(url: string): Scope | null | undefined {
  if (url === '/') return null; // redirects a browser to /dashboard (a prefix entry would cover every path)
  const matches = SCOPE_POLICY.filter(([prefix]) => url === prefix || url.startsWith(prefix));
  if (matches.length === 0) return undefined;
  return matches.reduce((a, b) => (b[0].length > a[0].length ? b : a))[1];
}

const label = (route: RouteEntry) => `${route.method} ${route.url}`;

describe.each(BACKENDS)('authorization: every route × API key scopes (%s)', (backend) => {
  let t: TestService;
  let routes: RouteEntry[];
  /** allBut[S]: a key holding every scope except S; only[S]: a key holding S alone. */
  const allBut = {} as Record<Scope, string>;
  const only = {} as Record<Scope, string>;

  beforeAll(async () => {
    t = await startTestService(backend);
    routes = routeTableOf(t.service);
    const orgId = await createOrg(t.database.handle, 'Scope matrix');
    for (const scope of SCOPES) {
      allBut[scope] = (await createKey(t.database.handle, orgId, 'sandbox', SCOPES.filter((s) => s !== scope))).secret;
      only[scope] = (await createKey(t.database.handle, orgId, 'sandbox', [scope])).secret;
    }
  });
  afterAll(async () => t?.close());

  const send = (route: RouteEntry, key: string | null) =>
    call(t.url, route.method, concretePath(route.url), { key, ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }) });

  it('the route table was read: well over a hundred routes, every scope and some public ones among them', () => {
    expect(routes.length).toBeGreaterThan(150);
    const scopes = new Set(routes.map((r) => policyScopeOf(r.url)));
    for (const scope of SCOPES) expect(scopes, `no route needs ${scope}`).toContain(scope);
    expect(scopes).toContain(null);
    expect(routes.map(label)).toContain('POST /v2/api-keys');
    expect(routes.map(label)).toContain('DELETE /v2/access/posts/:postId');
  });

  it('every route is covered by the scope policy (a new part of the API must say which scope it needs)', () => {
    expect(routes.filter((r) => policyScopeOf(r.url) === undefined).map(label)).toEqual([]);
  });

  it('without a key, every keyed route is a 401 naming the apikey header, and no public route asks for one', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const res = await send(route, null);
      const keyed = policyScopeOf(route.url) !== null;
      const refused = res.status === 401 && res.body?.type === 'UNAUTHORIZED' && res.body?.details?.field === 'apikey';
      if (keyed !== refused) wrong.push(`${label(route)} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('a key lacking the route\'s scope is a 403 FORBIDDEN whose body names that scope', async () => {
    const wrong: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const scope = policyScopeOf(route.url);
      if (!scope) continue;
      checked++;
      const res = await send(route, allBut[scope]);
      const body = res.body ?? {};
      const ok =
        res.status === 403 &&
        body.type === 'FORBIDDEN' &&
        body.details?.requiredScope === scope &&
        typeof body.message === 'string' &&
        body.message.includes(scope);
      if (!ok) wrong.push(`${label(route)} needs ${scope} → ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(140);
  });

  it('a key holding only the route\'s scope gets past the key check', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      const scope = policyScopeOf(route.url);
      if (!scope) continue;
      const res = await send(route, only[scope]);
      const body = typeof res.body === 'object' && res.body !== null ? res.body : {};
      if (body.details?.requiredScope !== undefined || body.type === 'UNAUTHORIZED') {
        wrong.push(`${label(route)} with only ${scope} → ${res.status} ${JSON.stringify(body).slice(0, 160)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
