// The one place errors become HTTP replies: ApiErrors, schema validation failures, unknown routes and
// unexpected failures all leave in the same JSON shape.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, errorBody } from '../errors.ts';

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
function frameworkClientError(error: FastifyError): { status: number; apiError: ApiError } {
  const message = error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.message.includes('JSON')
    ? 'Request body is not valid JSON'
    : error.message;
  return { status: error.statusCode ?? 400, apiError: new ApiError('BAD_REQUEST', message, { details: { field: 'body' } }) };
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, error: ApiError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(error, request.id));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return send(reply, request, error.status, error);
    if (error.validation) return send(reply, request, 400, validationError(error));
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const { status, apiError } = frameworkClientError(error);
      return send(reply, request, status, apiError);
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, request, 500, new ApiError('INTERNAL', 'Internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    send(reply, request, 404, new ApiError('ROUTE_NOT_FOUND', `Route ${request.method} ${request.url.split('?')[0]} not found`)),
  );
}
