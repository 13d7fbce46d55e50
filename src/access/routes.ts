// HTTP for access/: the managed endpoints (one generic handler over the catalogue's entries, then each family's own
// routes in their own scope), the raw proxy, and the usage report and request log (ofconnect extensions under
// /v2/account). Every Access route has the pipeline's onResponse hook, which hands its call to the request log.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { createAccessPipeline, type AccessPipeline } from './access-pipeline.ts';
import { ACCESS_FAMILIES, MANAGED_ENDPOINTS } from './catalogue.ts';
import type { ManagedEndpoint } from './endpoints/define-endpoint.ts';
import { forwardToUpstream, PROXY_PREFIX, RAW_SESSION_HEADERS } from './proxy.ts';
import { runManagedEndpoint } from './run-managed-endpoint.ts';
import { deferredRequestLogger } from './request-logger.ts';
import { registerRequestLogRoutes } from './request-log/routes.ts';
import { reportUsage } from './usage-report.ts';
import { UsageQuery, UsageReply } from './usage-schemas.ts';

const ConnectionHeader = Type.Object({
  'x-connection-id': Type.Optional(Type.String({ description: 'The connection (conn_…) to act as' })),
});

const ProxyHeaders = Type.Object({
  ...ConnectionHeader.properties,
  [RAW_SESSION_HEADERS.userId.name]: Type.Optional(Type.String({ description: 'Raw session: the OnlyFans user id (auth_id)' })),
  [RAW_SESSION_HEADERS.cookie.name]: Type.Optional(Type.String({ description: 'Raw session: the cookie header (auth_id, sess, fp)' })),
  [RAW_SESSION_HEADERS.xBc.name]: Type.Optional(Type.String({ description: 'Raw session: the browser\'s x-bc token' })),
  [RAW_SESSION_HEADERS.userAgent.name]: Type.Optional(Type.String({ description: 'Raw session: the user agent the session was made with' })),
});

// Replies are built by the shapers; JSON.stringify keeps fields the schema does not list (fast-json-stringify would
// drop them, and throw on a missing required field instead of letting the shape tests catch it).
const stringify = () => (data: unknown) => JSON.stringify(data);

export function registerAccessRoutes(app: HttpApp, ctx: ServiceContext): void {
  const pipeline = createAccessPipeline(ctx);
  // Closed after in-flight requests finished: the request log's last entries are written.
  app.addHook('onClose', async () => pipeline.close());
  app.decorateRequest('accessTrip', null);

  for (const endpoint of MANAGED_ENDPOINTS) registerManagedEndpoint(app, pipeline, endpoint);
  for (const family of ACCESS_FAMILIES) {
    const { registerRoutes } = family;
    // Encapsulated: a family's own routes may change parsers or limits without touching the rest of the API.
    if (registerRoutes) {
      app.register(async (scope) => {
        scope.addHook('onResponse', pipeline.recordCall);
        await registerRoutes(scope, pipeline, ctx);
      });
    }
  }
  registerProxyRoute(app, pipeline);
  registerRequestLogRoutes(app, ctx);

  app.get('/v2/account/usage', {
    config: { scope: 'account' },
    schema: {
      tags: ['Usage'],
      summary: 'Access requests per connection and day (ofconnect extension)',
      querystring: UsageQuery,
      response: { 200: UsageReply },
    },
  }, async (request) => reportUsage(ctx, pipeline.meter, request.auth.orgId, request.query));
}

function registerManagedEndpoint(app: HttpApp, pipeline: AccessPipeline, endpoint: ManagedEndpoint): void {
  app.route({
    method: endpoint.method,
    url: endpoint.url,
    config: { scope: 'access' },
    childLoggerFactory: deferredRequestLogger,
    onResponse: pipeline.recordCall,
    schema: {
      tags: [endpoint.tag],
      summary: endpoint.summary,
      description: `Needs the connection permission \`${endpoint.permission}\`.`,
      headers: ConnectionHeader,
      ...(endpoint.params ? { params: endpoint.params } : {}),
      ...(endpoint.querystring ? { querystring: endpoint.querystring } : {}),
      // DELETE bodies are optional (the SDK sends one only for unsend): not validated, read leniently.
      ...(endpoint.body && endpoint.method !== 'DELETE' ? { body: endpoint.body } : {}),
      response: { 200: endpoint.reply },
    },
    serializerCompiler: stringify,
    handler: (request: FastifyRequest, reply: FastifyReply) =>
      pipeline.run(request, reply, endpoint.permission, (connection) => runManagedEndpoint(pipeline.sender, endpoint, connection, request)),
  });
}

function registerProxyRoute(app: HttpApp, pipeline: AccessPipeline): void {
  // Own scope: bodies stay raw bytes here (forwarded as sent), while the rest of the API keeps its JSON parser.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    scope.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${PROXY_PREFIX}/*`,
      config: { scope: 'access' },
      childLoggerFactory: deferredRequestLogger,
      onResponse: pipeline.recordCall,
      schema: {
        tags: ['Access: proxy'],
        summary: 'Any OnlyFans API call: path after /api2/v2, query and body passed through, signed for the connection',
        description:
          'Names its connection in x-connection-id, or carries a raw session instead: x-session-user-id, x-session-cookie, ' +
          'x-session-xbc and x-session-user-agent (signed and paced the same way, never stored).',
        headers: ProxyHeaders,
      },
      handler: (request: FastifyRequest, reply: FastifyReply) =>
        pipeline.runProxied(request, reply, async (connection) => {
          const forwarded = await forwardToUpstream(pipeline.sender, connection, {
            method: request.method,
            rawUrl: request.raw.url ?? request.url,
            body: request.body instanceof Uint8Array ? request.body : undefined,
            contentType: request.headers['content-type'],
          });
          return reply.code(forwarded.status).headers(forwarded.headers).send(forwarded.body);
        }),
    });
  });
}
