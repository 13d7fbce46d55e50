// The one place errors become HTTP replies: ApiErrors, schema validation failures, unknown routes, what the
// router and Node's HTTP parser refuse, and unexpected failures all leave in the same JSON shape.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody } from '../errors.ts';
import { installInputRules } from './input-rules.ts';
import { requestIdFor } from './request-id.ts';
import { noteAnsweredError } from './request-log.ts';

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The dotted name of the field a validation issue is about ("cookie", "geolocation.country", "limit"). */
function fieldOf(issue: ValidationIssue): string | undefined {
  const fromPath = (issue.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean);
  const missing = issue.params?.missingProperty ?? issue.params?.additionalProperty;
  if (typeof missing === 'string') fromPath.push(missing);
  return fromPath.length ? fromPath.join('.') : undefined;
}

function validationError(error: FastifyError): ApiError {
  const issues = (error.validation ?? []) as ValidationIssue[];
  const first = issues[0];
  const field = first ? fieldOf(first) : undefined;
  const where = error.validationContext ?? 'request';
  const what = first?.message ?? 'is invalid';
  const message = field ? `Invalid ${where}: ${field} ${what}` : `Invalid ${where}: ${what}`;
  return new ApiError('BAD_REQUEST', message, {
    details: {
      ...(field ? { field } : {}),
      location: where,
      issues: issues.map((issue) => ({ field: fieldOf(issue) ?? null, message: issue.message ?? 'invalid' })),
    },
  });
}

/** Fastify's own 4xx errors (bad JSON, wrong content type, body too large) keep their status, in our shape. */
function frameworkClientError(error: FastifyError, request: FastifyRequest): { status: number; apiError: ApiError } {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const sent = request.headers['content-type'];
    const refused = sent ? `Content-Type ${sent} is not accepted` : 'A body without a Content-Type header is not accepted';
    const message = `${refused}: send the body as JSON with the header content-type: application/json`;
    return { status: 415, apiError: new ApiError('BAD_REQUEST', message, { details: { field: 'content-type', accepted: ['application/json'] } }) };
  }
  const message = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.message.includes('JSON')
    ? 'Request body is not valid JSON'
    : error.message;
  return { status: error.statusCode ?? 400, apiError: new ApiError('BAD_REQUEST', message, { details: { field: 'body' } }) };
}

/**
 * JSON bodies as Fastify's own parser reads them (with its prototype-poisoning guard), except that an empty body is
 * no body: `curl -X POST -H 'content-type: application/json'` on a route that takes none is answered, and a route
 * that needs a body says which (its schema refuses the missing object). Plain text has no parser, so it is a 415
 * that names the type to send, like any other type but JSON.
 */
function installJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'ignore');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    parseJson(request, body as string, done);
  });
}

/**
 * The methods each route pattern answers, to tell a wrong method on a known path (405 with Allow) from an unknown
 * path (404). Fastify's router answers only "not found" for both.
 */
function createMethodIndex(app: FastifyInstance): (path: string) => string[] {
  const routes: Array<{ pattern: RegExp; methods: string[] }> = [];
  app.addHook('onRoute', (route) => {
    const source = route.url
      .replace(/\/$/, '')
      .split('/')
      .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: new RegExp(`^${source}/?$`), methods });
  });
  return (path) => [...new Set(routes.filter((route) => route.pattern.test(path)).flatMap((route) => route.methods))].sort();
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, error: ApiError, cause?: unknown): FastifyReply {
  noteAnsweredError(request, error, cause);
  if (error.headers) reply.headers(error.headers);
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(error, request.id));
}

/**
 * Fastify's `frameworkErrors` option: what the router refuses before any route runs (a bad %-encoding, a path
 * parameter over the router's length limit) keeps its status, in our shape. Passed to the Fastify constructor.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    send(reply, request, 414, new ApiError('BAD_REQUEST', 'A path parameter is too long', { details: { location: 'params' } }));
    return;
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    send(reply, request, 400, new ApiError('BAD_REQUEST', 'The URL is not validly %-encoded', { details: { location: 'url' } }));
    return;
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  send(reply, request, status, new ApiError('BAD_REQUEST', 'The request could not be routed'));
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers or URL over the 16 KB limit: 431; a
 * malformed request line: 400) answered in our shape on the raw socket, as Node would, then closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = error.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request headers or URL exceed 16 KB']
    : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request not received in time']
      : [400, 'Malformed HTTP request'];
  const requestId = requestIdFor(undefined);
  const body = JSON.stringify(errorBody(new ApiError('BAD_REQUEST', message), requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export function installErrorHandling(app: FastifyInstance): void {
  // The rules that make validation errors live next door; installed here, before any route, so every route is
  // compiled with them.
  installInputRules(app);
  installJsonBodyParser(app);
  const methodsOf = createMethodIndex(app);
  app.server.removeAllListeners('clientError');
  app.server.on('clientError', answerClientError);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return send(reply, request, error.status, error);
    if (error.validation) return send(reply, request, 400, validationError(error));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const { status, apiError } = frameworkClientError(error, request);
      return send(reply, request, status, apiError);
    }
    // The request's log line (request-log.ts) carries this cause, at error.
    return send(reply, request, 500, new ApiError('INTERNAL', 'Internal error'), error);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methodsOf(path);
    if (allowed.length === 0) return send(reply, request, 404, new ApiError('ROUTE_NOT_FOUND', `Route ${request.method} ${path} not found`));
    const allow = allowed.join(', ');
    return send(reply, request, 405, new ApiError('ROUTE_NOT_FOUND', `Method ${request.method} is not allowed on ${path}; allowed: ${allow}`, {
      headers: { allow },
      details: { allowed },
    }));
  });
}
