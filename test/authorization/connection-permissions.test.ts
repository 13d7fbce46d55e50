// Every managed Access route × connection permissions, generated from the OpenAPI document (every Access route but
// the raw proxy states the permission it needs) and cross-checked against the catalogue. The permission each route
// declares is held to a policy stated here, independent of the catalogue: reads need `<area>:read`, anything else
// `<area>:write`, and the area follows the path. Then, with requests that pass validation (sample-requests.ts):
//   a connection granted every permission but P → 403 FORBIDDEN naming P (details.requiredPermission, message)
//   a connection granted P alone                → not refused for a permission
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_PERMISSIONS } from '../../src/account/permissions.ts';
import { MANAGED_ENDPOINTS } from '../../src/access/catalogue.ts';
import { importConnection } from '../access/access-fixture.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { operationsOf, sampleRequest, type DocumentedOperation } from './sample-requests.ts';

/** Which permission area a path belongs to; the first match decides, a path matching none fails the test. */
const AREA_POLICY: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/v2\/access\/self(\/|$)/, 'profile'],
  [/^\/v2\/access\/(chats|mass-messages)(\/|$)/, 'messages'],
  [/^\/v2\/access\/(subscribers|subscriptions)(\/|$)/, 'subscribers'],
  [/^\/v2\/access\/users\/(lists|\{[^}]+\}\/lists)(\/|$)/, 'lists'],
  [/^\/v2\/access\/users\/(blocked|restrict|\{[^}]+\}\/restrict)(\/|$)/, 'subscribers'],
  [/^\/v2\/access\/users(\/|$)/, 'profile'],
  [/^\/v2\/access\/(posts|stories)(\/|$)/, 'posts'],
  [/^\/v2\/access\/(vault|uploads)(\/|$)/, 'vault'],
  [/^\/v2\/access\/earnings(\/|$)/, 'earnings'],
  [/^\/v2\/access\/analytics(\/|$)/, 'analytics'],
  [/^\/v2\/access\/promotions(\/|$)/, 'promotions'],
];

function expectedPermissionOf(operation: DocumentedOperation): string | undefined {
  const area = AREA_POLICY.find(([pattern]) => pattern.test(operation.path))?.[1];
  return area && `${area}:${operation.method === 'GET' ? 'read' : 'write'}`;
}

const DECLARED = /Needs the connection permission `([a-z]+:(?:read|write))`/;
const declaredPermissionOf = (operation: DocumentedOperation) => DECLARED.exec(operation.description)?.[1];
const label = (operation: DocumentedOperation) => `${operation.method} ${operation.path}`;
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe.each(BACKENDS)('authorization: every managed Access route × connection permissions (%s)', (backend) => {
  let t: TestService;
  let key: string;
  let accessOperations: DocumentedOperation[];
  let managed: Array<DocumentedOperation & { permission: string }>;
  const without = new Map<string, string>();
  const only = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestService(backend);
    const orgId = await createOrg(t.database.handle, 'Permission matrix');
    key = (await createKey(t.database.handle, orgId)).secret;
    const document = (await call(t.url, 'GET', '/openapi.json')).body;
    accessOperations = operationsOf(document).filter((op) => op.path.startsWith('/v2/access/') && !op.path.startsWith('/v2/access/proxy/'));
    managed = accessOperations.flatMap((op) => {
      const permission = declaredPermissionOf(op);
      return permission ? [{ ...op, permission }] : [];
    });
    for (const permission of new Set(managed.map((op) => op.permission))) {
      without.set(permission, (await importConnection(t, { key, permissions: CONNECTION_PERMISSIONS.filter((p) => p !== permission) })).id);
      only.set(permission, (await importConnection(t, { key, permissions: [permission] })).id);
    }
  });
  afterAll(async () => t?.close());

  const send = (operation: DocumentedOperation, connectionId: string) => {
    const request = sampleRequest(operation, connectionId);
    return call(t.url, request.method, request.url, { key, headers: request.headers, ...(request.body !== undefined ? { body: request.body } : {}) });
  };

  it('the generator found the routes: over a hundred, every catalogue entry among them with its permission', () => {
    expect(managed.length).toBeGreaterThan(100);
    expect(new Set(managed.map((op) => op.permission)).size).toBeGreaterThan(12);
    const documented = new Map(managed.map((op) => [label(op), op.permission]));
    const missing = MANAGED_ENDPOINTS.filter((e) => documented.get(`${e.method} ${openApiPath(e.url)}`) !== e.permission).map((e) => `${e.method} ${e.url}`);
    expect(missing).toEqual([]);
  });

  it('every Access route but the raw proxy states the connection permission it needs', () => {
    expect(accessOperations.filter((op) => !declaredPermissionOf(op)).map(label)).toEqual([]);
  });

  it('each route\'s permission follows the policy: reads need <area>:read, writes <area>:write, the area by path', () => {
    const wrong = managed
      .filter((op) => op.permission !== expectedPermissionOf(op))
      .map((op) => `${label(op)} needs ${op.permission}, the policy says ${expectedPermissionOf(op) ?? 'nothing (add the path to AREA_POLICY)'}`);
    expect(wrong).toEqual([]);
  });

  it('a connection lacking the route\'s permission is a 403 FORBIDDEN naming that permission', async () => {
    const wrong: string[] = [];
    for (const op of managed) {
      const res = await send(op, without.get(op.permission)!);
      const body = res.body ?? {};
      const ok =
        res.status === 403 &&
        body.type === 'FORBIDDEN' &&
        body.details?.requiredPermission === op.permission &&
        typeof body.message === 'string' &&
        body.message.includes(op.permission);
      if (!ok) wrong.push(`${label(op)} without ${op.permission} → ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('a connection granted only the route\'s permission is not refused for a permission', async () => {
    const wrong: string[] = [];
    for (const op of managed) {
      const res = await send(op, only.get(op.permission)!);
      const body = typeof res.body === 'object' && res.body !== null ? res.body : {};
      if (res.status === 403 && body.details?.requiredPermission !== undefined) {
        wrong.push(`${label(op)} with only ${op.permission} → ${JSON.stringify(body).slice(0, 200)}`);
      }
      if (res.status === 400 && body.details?.field !== undefined && res.headers['x-ratelimit-limit'] === undefined) {
        wrong.push(`${label(op)}: the sample request did not validate → ${JSON.stringify(body).slice(0, 200)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
