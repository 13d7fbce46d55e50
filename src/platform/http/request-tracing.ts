// A server span per API request, installed only when tracing is on. It continues an incoming W3C `traceparent`, is
// named after the route template (never the raw URL), and is the active span while the request's hooks and handler
// run, so what they call (upstream calls, the outbox write that hands the trace to the webhook worker) joins it.
// Health probes and metric scrapes are not traced. Attributes name who asked and about what (org, API key id,
// connection id) and, on failure, our error code; never a secret: the path has Link client secrets replaced, and no
// header, query or body is recorded.
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyError, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { contextOfTraceparent } from '../tracing.ts';
import type { HttpApp } from './http-app.ts';
import { redactUrl } from './request-log.ts';

/** Probes and scrapes: every few seconds each, they would bury the traces worth reading. */
const UNTRACED_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

interface TracedRequest {
  span: Span;
  active: Context;
  errorType?: string;
}

export function installRequestTracing(app: HttpApp, tracer: Tracer): void {
  const traced = new WeakMap<FastifyRequest, TracedRequest>();

  app.addHook('onRequest', (request, _reply, done) => {
    if (UNTRACED_ROUTES.has(request.routeOptions.url ?? '')) return done();
    const parent = contextOfTraceparent(firstHeader(request.headers.traceparent));
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': redactedPath(request.url),
          'url.scheme': request.protocol,
          ...(route ? { 'http.route': route } : {}),
          'client.address': request.ip,
          'ofconnect.request_id': request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    traced.set(request, { span, active });
    context.with(active, done);
  });

  // Reading a body resumes in the socket's context, not the request's: enter the request's again before the
  // validation, hooks and handler that follow.
  app.addHook('preValidation', (request, _reply, done) => {
    const entry = traced.get(request);
    if (!entry) return done();
    context.with(entry.active, done);
  });

  app.addHook('onError', (request, _reply, error, done) => {
    const entry = traced.get(request);
    if (entry) entry.errorType = errorTypeOf(error);
    done();
  });

  app.addHook('onResponse', (request, reply, done) => {
    const entry = traced.get(request);
    if (!entry) return done();
    traced.delete(request);
    const { span } = entry;
    const status = reply.statusCode;
    span.setAttribute('http.response.status_code', status);
    const auth = (request as { auth?: { orgId: string; keyId: string; environment: string } | null }).auth;
    if (auth) {
      span.setAttribute('ofconnect.org.id', auth.orgId);
      span.setAttribute('ofconnect.api_key.id', auth.keyId);
      span.setAttribute('ofconnect.environment', auth.environment);
    }
    const connectionId = firstHeader(request.headers['x-connection-id']);
    if (connectionId) span.setAttribute('ofconnect.connection.id', connectionId.slice(0, 64));
    if (status >= 400) {
      const errorType = entry.errorType ?? (status === 404 || status === 405 ? 'ROUTE_NOT_FOUND' : String(status));
      span.setAttribute('error.type', errorType);
      // A server span fails on 5xx only: a 4xx is the caller's mistake, answered as it should be.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
    }
    span.end();
    done();
  });
}

/** Our error code for what a request failed with, as the error handler answers it. */
function errorTypeOf(error: FastifyError): string {
  if (error instanceof ApiError) return error.type;
  if (error.validation) return 'BAD_REQUEST';
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The path without its query (search text, ids), and with Link client secrets replaced as the request log does. */
function redactedPath(url: string): string {
  const queryAt = url.indexOf('?');
  return redactUrl(queryAt < 0 ? url : url.slice(0, queryAt));
}
