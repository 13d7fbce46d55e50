// One managed Access endpoint as data: OFAuth's route and schemas (docs/ofauth-wire-contract.md §4) → the connection
// permission it needs (docs/ofauth-wire-contract.md §11) → the upstream call (docs/onlyfans-web-api.md §9) → the
// SDK's reply shape. The params, query, body and reply types of an entry come from its TypeBox schemas, and an
// entry takes exactly one of two forms, so an entry with neither or both does not compile:
//   upstream  one upstream call, then `shape` (upstream body → reply; may be left out only when the reply is an
//             open object passed on as upstream sent it)
//   run       several upstream calls through `send`, returning the reply
import type { Static, TSchema } from 'typebox';
import type { PERMISSION_AREAS } from '../../account/permissions.ts';
import type { UpstreamQuery } from '../../upstream/request-builder.ts';
import type { UsableConnection } from '../access-pipeline.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A connection permission: `<area>:<read|write>` over account/'s areas, so a misspelt one does not compile. */
export type ConnectionPermission = `${(typeof PERMISSION_AREAS)[number]}:${'read' | 'write'}`;

export interface UpstreamCallSpec {
  method: HttpMethod;
  path: string;
  query?: UpstreamQuery;
  body?: unknown;
}

/** One upstream call for the request's connection; resolves to upstream's body (any non-2xx has become an ApiError). */
export type SendUpstream = (call: UpstreamCallSpec) => Promise<unknown>;

type Fields<S, Absent> = S extends TSchema ? Static<S> : Absent;
/** DELETE bodies are not validated (routes.ts): every declared field may be missing or hold anything. */
type Unvalidated<T> = { [K in keyof T]?: unknown };
type BodyOf<M extends HttpMethod, B> = M extends 'DELETE' ? Unvalidated<Fields<B, {}>> : Fields<B, Record<string, unknown>>;

export interface EndpointInput<P = Record<string, string>, Q = Record<string, unknown>, B = Record<string, unknown>> {
  params: P;
  /** The validated query; deep-object keys (filter[online]=1) not in the schema ride along as received. */
  query: Q;
  body: B;
  connection: UsableConnection;
}

interface Route<M extends HttpMethod, P, Q, B, R> {
  method: M;
  url: string;
  tag: string;
  summary: string;
  permission: ConnectionPermission;
  params?: P;
  querystring?: Q;
  body?: B;
  reply: R;
}

type ShapeFn<In, Reply> = (body: unknown, input: In) => Reply;
/** `shape` may be left out only when any upstream object is a valid reply. */
type ShapeOf<In, Reply> = Record<string, unknown> extends Reply ? { shape?: ShapeFn<In, Reply> } : { shape: ShapeFn<In, Reply> };

type UpstreamForm<In, Reply> = { upstream: (input: In) => UpstreamCallSpec; run?: never } & ShapeOf<In, Reply>;
type RunForm<In, Reply> = { run: (input: In, send: SendUpstream) => Promise<Reply>; upstream?: never; shape?: never };

export type EndpointDefinition<M extends HttpMethod, P, Q, B, R extends TSchema> = Route<M, P, Q, B, R> &
  (
    | UpstreamForm<EndpointInput<Fields<P, Record<string, string>>, Fields<Q, Record<string, unknown>>, BodyOf<M, B>>, Static<R>>
    | RunForm<EndpointInput<Fields<P, Record<string, string>>, Fields<Q, Record<string, unknown>>, BodyOf<M, B>>, Static<R>>
  );

/** The request as Fastify hands it over, after validating it against the entry's schemas. */
export interface ValidatedRequest {
  params: unknown;
  query: unknown;
  body: unknown;
}

/** An entry as the catalogue holds it: its route, and how it answers. */
export interface ManagedEndpoint {
  method: HttpMethod;
  url: string;
  tag: string;
  summary: string;
  permission: ConnectionPermission;
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  reply: TSchema;
  respond(request: ValidatedRequest, connection: UsableConnection, send: SendUpstream): Promise<unknown>;
}

export function defineEndpoint<
  M extends HttpMethod,
  R extends TSchema,
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(definition: EndpointDefinition<M, P, Q, B, R>): ManagedEndpoint {
  type In = EndpointInput<Fields<P, Record<string, string>>, Fields<Q, Record<string, unknown>>, BodyOf<M, B>>;
  const { method, url, tag, summary, permission, params, querystring, body, reply } = definition;
  return {
    method,
    url,
    tag,
    summary,
    permission,
    ...(params ? { params } : {}),
    ...(querystring ? { querystring } : {}),
    ...(body ? { body } : {}),
    reply,
    async respond(request, connection, send) {
      const input = inputOf<In>(request, connection);
      if (definition.run) return definition.run(input, send);
      const upstreamBody = await send(definition.upstream(input));
      return definition.shape ? definition.shape(upstreamBody, input) : (upstreamBody ?? {});
    },
  };
}

/**
 * The typed input of an entry. The one place the request's types are asserted rather than parsed: Fastify has
 * validated (and coerced) params, query and body against exactly the schemas these types come from (routes.ts),
 * except DELETE bodies, whose type says every field is unknown.
 */
function inputOf<In extends EndpointInput<unknown, unknown, unknown>>(request: ValidatedRequest, connection: UsableConnection): In {
  const body = typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body) ? request.body : {};
  const input: EndpointInput<unknown, unknown, unknown> = { params: request.params ?? {}, query: request.query ?? {}, body, connection };
  return input as In;
}
