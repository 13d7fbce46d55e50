// Builds the HTTP application: shared plumbing (request ids, errors, metrics, OpenAPI) and every capability's routes.
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceContext } from './platform/context.ts';
import { frameworkErrors, installErrorHandling } from './platform/http/error-handler.ts';
import { registerHealthRoutes } from './platform/http/health-routes.ts';
import type { HttpApp } from './platform/http/http-app.ts';
import { installOpenApi } from './platform/http/openapi.ts';
import { requestIdFor } from './platform/http/request-id.ts';
import { logRequestOutcome } from './platform/http/request-log.ts';
import { installRequestTracing } from './platform/http/request-tracing.ts';
import { assertMetricsAccess } from './platform/metrics.ts';
import { createApiKeyAuthenticator, installApiKeyAuth, type ApiKeyAuthenticator } from './account/authenticate.ts';
import { registerAccountRoutes } from './account/routes.ts';
import { registerWebhookRoutes } from './webhooks/routes.ts';
import { registerConnectionRoutes } from './connections/routes.ts';
import { registerVaultRoutes } from './vault-rotation.ts';
import { registerDynamicRulesRoutes } from './dynamic-rules/routes.ts';
import { registerLinkRoutes } from './link/routes.ts';
import { registerAccessRoutes } from './access/routes.ts';
import { registerVaultPlusRoutes } from './vault-plus/routes.ts';
import { createVaultPlusRuntime } from './vault-plus/runtime.ts';
import { registerRealtimeRoutes } from './realtime/routes.ts';
import { registerMcpRoutes } from './mcp/routes.ts';
import { registerSandboxControlPassthrough } from './sandbox/control-passthrough.ts';
import { API_ANNOTATIONS } from './docs/api-annotations.ts';
import { registerApiReference } from './docs/routes.ts';
import { installDashboardSessions } from './dashboard/session-auth.ts';
import { registerDashboardRoutes } from './dashboard/routes.ts';

export interface BuiltApp {
  app: HttpApp;
  authenticator: ApiKeyAuthenticator;
  markShuttingDown(): void;
}

interface RequestSeries {
  count: { inc(): void };
  duration: { observe(seconds: number): void };
}

export interface BuildOptions {
  /** The public API routes; off for worker-only nodes, which serve health and metrics alone. */
  serveApi: boolean;
  /** The simulator whose control API is passed through under /_sandbox (null: not served, as in production). */
  sandboxControlUrl?: string | null;
}

export async function buildHttpApp(ctx: ServiceContext, options: BuildOptions = { serveApi: true }): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: ctx.logger,
    genReqId: (req) => requestIdFor(req.headers['x-request-id']),
    // Fastify's per-request lines are off: the onResponse hook below logs one redacted line instead (request-log.ts).
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: true }),
    bodyLimit: 5 * 1024 * 1024,
    // request.ip (per-address limits), request.protocol and request.host as the trusted proxy in front reports them.
    trustProxy: ctx.config.trustProxy,
    frameworkErrors,
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as HttpApp;

  let shuttingDown = false;

  // First, so everything after it runs inside the request's span. Off: not installed at all.
  if (ctx.tracing.isEnabled) installRequestTracing(app, ctx.tracing.tracer);

  // Both hooks are callback style (no promise per request) and the metric children are resolved once per
  // method/route/status: prom-client hashes the label object on every inc()/observe() otherwise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const requestSeries = new Map<string, RequestSeries>();
  function seriesFor(method: string, route: string, status: number): RequestSeries {
    const key = `${method} ${route} ${status}`;
    let series = requestSeries.get(key);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { count: ctx.metrics.httpRequests.labels(labels), duration: ctx.metrics.httpDuration.labels(labels) };
      requestSeries.set(key, series);
    }
    return series;
  }
  app.addHook('onResponse', (request, reply, done) => {
    const series = seriesFor(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode);
    series.count.inc();
    series.duration.observe(reply.elapsedTime / 1000);
    logRequestOutcome(request, reply);
    done();
  });

  // /metrics is registered with health; who may read it is decided here, before its handler (production: a token).
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.routeOptions.url !== '/metrics') return done();
    try {
      assertMetricsAccess(ctx.config, request.headers.authorization);
      done();
    } catch (refusal) {
      done(refusal as Error);
    }
  });

  installErrorHandling(app);
  await installOpenApi(app, { publicOrigin: ctx.publicOrigin, annotations: API_ANNOTATIONS });
  // A dashboard session cookie authenticates /v2 requests that carry no apikey header (src/dashboard/session-auth.ts).
  const sessions = installDashboardSessions(app, ctx, createApiKeyAuthenticator(ctx));
  const authenticator = sessions.authenticator;
  installApiKeyAuth(app, authenticator);

  registerHealthRoutes(app, ctx, () => shuttingDown);
  if (options.serveApi) {
    registerAccountRoutes(app, ctx, authenticator);
    registerConnectionRoutes(app, ctx);
    registerVaultRoutes(app, ctx);
    registerDynamicRulesRoutes(app, ctx);
    registerWebhookRoutes(app, ctx);
    registerLinkRoutes(app, ctx);
    registerAccessRoutes(app, ctx);
    registerVaultPlusRoutes(app, ctx, createVaultPlusRuntime(ctx));
    registerRealtimeRoutes(app, ctx);
    registerMcpRoutes(app, ctx);
    registerApiReference(app, ctx);
    if (options.sandboxControlUrl) registerSandboxControlPassthrough(app, ctx, options.sandboxControlUrl);
    registerDashboardRoutes(app, ctx, sessions);
  }

  await app.ready();
  return { app, authenticator, markShuttingDown: () => (shuttingDown = true) };
}
