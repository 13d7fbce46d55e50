// The typed way tests call the JSON API: paths, path/query/header parameters, request bodies and replies are checked
// against test/support/api-types.ts, generated from the OpenAPI document (`npm run api-types`). A typo in a field
// name or a changed reply shape fails the type check instead of a test run.
//
//   const api = apiClient(t.url, t.adminKey);
//   const created = await api.POST('/v2/webhooks/endpoints', { body: { url } });
//   expect(created.status).toBe(201);
//   created.body.secret;                                   // typed from the route's 201 schema
//   const self = await api.GET('/v2/access/self', { params: { header: { 'x-connection-id': id } } });
//   expect(self.error.type).toBe('SESSION_EXPIRED');       // typed as the public error body
//
// Requests go through openapi-fetch (the client made for openapi-typescript's types); its per-call options
// (`params: {path, query, header}`, `body`, `headers`, `redirect`…) pass through unchanged. Another key for one call:
// `headers: { apikey: other }`, or a second client. Input the schemas would refuse on purpose (bad JSON, wrong
// types, raw strings) goes through `call` in service.ts, which is untyped for that reason.
import createClient, { type FetchResponse, type MaybeOptionalInit } from 'openapi-fetch';
import type { HttpMethod, MediaType, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import type { ErrorBody } from '../../src/platform/errors.ts';
import type { paths } from './api-types.ts';

/**
 * One reply: status and headers always; `body` typed from the route's success schema, `error` as the public error
 * body. Reading the one that does not fit the status throws with the status and what came back, so a test that
 * expected success and got a 409 fails saying "409 CONFLICT: …" rather than on an undefined field.
 */
export class TypedReply<Body> {
  readonly status: number;
  /** Lower-cased names; repeated headers joined with ", " (fetch's Headers). */
  readonly headers: Record<string, string>;
  /** What came back, decoded from JSON where it was JSON, untyped (shown when an assertion on the reply fails). */
  readonly json: unknown;

  constructor(status: number, headers: Record<string, string>, json: unknown) {
    this.status = status;
    this.headers = headers;
    this.json = json;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The success body; throws on a non-2xx reply. */
  get body(): Body {
    if (!this.ok) throw new Error(`expected a 2xx reply, got ${this.describe()}`);
    return this.json as Body;
  }

  /** The error body ({error, message, type, code, requestId, details?}); throws on a 2xx or a body of another shape. */
  get error(): ErrorBody {
    if (this.ok) throw new Error(`expected an error reply, got ${this.describe()}`);
    if (!isErrorBody(this.json)) throw new Error(`expected the public error body, got ${this.describe()}`);
    return this.json;
  }

  private describe(): string {
    const type = isErrorBody(this.json) ? ` ${this.json.type}` : '';
    return `${this.status}${type}: ${JSON.stringify(this.json)}`;
  }
}

function isErrorBody(json: unknown): json is ErrorBody {
  const body = json as Partial<ErrorBody> | null;
  return typeof body === 'object' && body !== null && typeof body.type === 'string' && typeof body.requestId === 'string';
}

// openapi-fetch's typing of a call's options (its InitParam, which it does not export), copied so its rule holds
// here: the second argument is required exactly when the route has a required parameter or body.
type InitParam<Init> = RequiredKeysOf<Init> extends never
  ? [(Init & { [key: string]: unknown })?]
  : [Init & { [key: string]: unknown }];

type SuccessBody<Operation, Init> = Operation extends Record<string | number, any>
  ? NonNullable<FetchResponse<Operation, Init, MediaType>['data']>
  : never;

type ApiMethod<Method extends HttpMethod> = <
  Path extends PathsWithMethod<paths, Method>,
  Init extends MaybeOptionalInit<paths[Path], Method>,
>(
  path: Path,
  ...init: InitParam<Init>
) => Promise<TypedReply<SuccessBody<paths[Path][Method], Init>>>;

export interface ApiClient {
  GET: ApiMethod<'get'>;
  POST: ApiMethod<'post'>;
  PUT: ApiMethod<'put'>;
  PATCH: ApiMethod<'patch'>;
  DELETE: ApiMethod<'delete'>;
}

/** A client for the service at baseUrl, sending `key` as the apikey header on every call (none when omitted). */
export function apiClient(baseUrl: string, key?: string | null): ApiClient {
  // A redirect is a reply the test sees (as with `call`), not one fetch follows.
  const client = createClient<paths>({ baseUrl, headers: key ? { apikey: key } : {}, redirect: 'manual' });
  // The typing is ApiMethod's; underneath, every method is the same untyped request.
  const send = (method: HttpMethod) => async (path: string, init?: object) => {
    const { data, error, response } = await client.request(method, path as never, init as never);
    return new TypedReply(response.status, Object.fromEntries(response.headers), response.ok ? data : error);
  };
  return { GET: send('get'), POST: send('post'), PUT: send('put'), PATCH: send('patch'), DELETE: send('delete') } as ApiClient;
}
