// The error replies the OpenAPI document declares: one shared schema (the public error body, errors.ts) and the rule
// that decides which statuses an operation can answer, from what the operation itself says (its API key scope, its
// parameters, its x-connection-id header) plus the few facts a route's schema cannot carry (which routes can
// conflict, which call OnlyFans outside the Access API).
import { Type, type Static } from 'typebox';
import { ERROR_STATUS, type ErrorBody, type ErrorType } from '../errors.ts';

export const ERROR_SCHEMA_NAME = 'Error';
export const ERROR_SCHEMA_REF = `#/components/schemas/${ERROR_SCHEMA_NAME}`;

const ERROR_TYPES = Object.keys(ERROR_STATUS) as ErrorType[];
const ErrorTypeField = (description: string) => Type.Unsafe<ErrorType>({ type: 'string', enum: ERROR_TYPES, description });

/** The public error body (errors.ts `ErrorBody`), as the document's one error component. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.String({ description: 'What went wrong (the field OFAuth\'s docs read)' }),
    message: Type.String({ description: 'The same text (the field OFAuth\'s SDK reads)' }),
    type: ErrorTypeField('Stable error type to branch on'),
    code: ErrorTypeField('The same as type (the field OFAuth\'s SDK reads)'),
    requestId: Type.String({ description: 'The x-request-id of the request: quote it when asking about a failure' }),
    actionRequired: Type.Optional(Type.String({ description: 'A hint, e.g. "reconnect"' })),
    // An open object (OpenAPI 3.0 has no patternProperties, which Type.Record would give).
    details: Type.Optional(
      Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description: 'Machine-readable specifics: field, reason, requiredScope, retryAfter…' }),
    ),
  },
  { title: 'Error', description: 'Every error, on every route, has this shape (OFAuth v2 error contract).' },
);

// The schema and the type the error handler sends must not drift apart.
type Assignable<T extends U, U> = T;
export type ErrorBodyMatchesSchema = Assignable<ErrorBody, Static<typeof ErrorBodySchema>> & Assignable<Static<typeof ErrorBodySchema>, ErrorBody>;

export interface Conflict {
  /** When the operation answers 409. */
  when: string;
  /** A message it sends then. */
  message: string;
}

/** The facts about one operation the error rule reads. */
export interface OperationFacts {
  /** The API key scope it needs; null for a public route. */
  scope: string | null;
  hasParameters: boolean;
  hasBody: boolean;
  pathParameters: string[];
  /** An Access API route: acts as the connection named in x-connection-id. */
  isAccess: boolean;
  /** Can answer 409: when, and the message it then sends. */
  conflict: Conflict | null;
  /** Calls OnlyFans (or its storage) on the caller's behalf outside the Access API. */
  callsUpstream: boolean;
}

interface ErrorResponse {
  description: string;
  headers?: Record<string, { description: string; schema: { type: string } }>;
  content: { 'application/json': { schema: { $ref: string }; example: ErrorBody } };
}

const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { description: 'The bucket size (burst)', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Whole tokens left', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Unix seconds when the bucket is full again', schema: { type: 'integer' } },
};

/** The headers an Access reply carries on success and on a 429 (the connection's pacing bucket). */
export const ACCESS_RATE_LIMIT_HEADERS = RATE_LIMIT_HEADERS;

function example(type: ErrorType, message: string, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { error: message, message, type, code: type, requestId: 'req_2c7Vb0qLm4Xs', ...extra };
}

function errorResponse(description: string, body: ErrorBody, headers?: ErrorResponse['headers']): ErrorResponse {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: { $ref: ERROR_SCHEMA_REF }, example: body } },
  };
}

/** The error responses an operation declares, by status. */
export function errorResponsesFor(facts: OperationFacts): Record<string, ErrorResponse> {
  const responses: Record<string, ErrorResponse> = {};
  // Any request can be unreadable (a URL that is not validly %-encoded); one with input can also fail its schema.
  responses['400'] = facts.hasParameters || facts.hasBody
    ? errorResponse(
        'BAD_REQUEST: a parameter or body field does not match the schema (details.field names it, details.issues lists every problem)',
        example('BAD_REQUEST', 'Invalid body: cookie must NOT have fewer than 1 characters', { details: { field: 'cookie', location: 'body' } }),
      )
    : errorResponse('BAD_REQUEST: the request could not be read (e.g. a URL that is not validly %-encoded)', example('BAD_REQUEST', 'The URL is not validly %-encoded', { details: { location: 'url' } }));
  if (facts.scope) {
    responses['401'] = facts.isAccess
      ? errorResponse(
          'UNAUTHORIZED: no valid API key in the apikey header. SESSION_NOT_PROVIDED: x-connection-id is missing or names no usable ' +
            'connection of this organization and environment. SESSION_EXPIRED: the connection\'s session has expired (actionRequired "reconnect")',
          example('SESSION_EXPIRED', 'Session has expired', { actionRequired: 'reconnect', details: { connectionId: 'conn_8f2kQ1xv' } }),
        )
      : errorResponse(
          'UNAUTHORIZED: no valid API key in the apikey header',
          example('UNAUTHORIZED', 'Missing API key: send it in the apikey header', { details: { field: 'apikey' } }),
        );
    responses['403'] = errorResponse(
      `FORBIDDEN: the API key lacks the \`${facts.scope}\` scope (details.requiredScope)` +
        (facts.isAccess ? ', or the connection lacks the permission the route needs (details.requiredPermission)' : ''),
      example('FORBIDDEN', `This API key lacks the ${facts.scope} scope`, { details: { requiredScope: facts.scope } }),
    );
  }
  if (facts.pathParameters.length > 0) {
    const what = facts.pathParameters.join(', ');
    responses['404'] = errorResponse(
      facts.isAccess
        ? `RESOURCE_NOT_FOUND: OnlyFans has no such ${what} for this account`
        : `RESOURCE_NOT_FOUND: no such ${what} in the API key's organization and environment`,
      example('RESOURCE_NOT_FOUND', `${facts.pathParameters[0]} not found`),
    );
  }
  if (facts.conflict) responses['409'] = errorResponse(`CONFLICT: ${facts.conflict.when}`, example('CONFLICT', facts.conflict.message));
  if (facts.scope) {
    const retryAfter = { 'Retry-After': { description: 'Seconds until a retry can succeed', schema: { type: 'integer' } } };
    responses['429'] = errorResponse(
      facts.isAccess
        ? 'RATE_LIMIT_EXCEEDED: the connection\'s pacing bucket is empty, or too many of its requests are in flight; retry after Retry-After seconds'
        : 'RATE_LIMIT_EXCEEDED: too many requests (or failed API key attempts from this address); retry after Retry-After seconds',
      facts.isAccess
        ? example('RATE_LIMIT_EXCEEDED', 'Rate limit exceeded for this connection; retry in 1 s', { details: { retryAfter: 1 } })
        : example('RATE_LIMIT_EXCEEDED', 'Too many failed API key attempts from this address; retry in 30 s', { details: { field: 'apikey', retryAfter: 30 } }),
      facts.isAccess ? { ...retryAfter, ...RATE_LIMIT_HEADERS } : retryAfter,
    );
  }
  responses['500'] = errorResponse('INTERNAL: an unexpected failure (the log line with the same requestId has the cause)', example('INTERNAL', 'Internal error'));
  if (facts.isAccess || facts.callsUpstream) {
    responses['502'] = errorResponse(
      'UPSTREAM_ERROR: OnlyFans answered with an error or a reply that could not be read (details.reason)',
      example('UPSTREAM_ERROR', 'OnlyFans answered HTTP 500', { details: { reason: 'upstream_server_error' } }),
    );
    responses['503'] = errorResponse(
      'UPSTREAM_UNAVAILABLE: OnlyFans (or the connection\'s proxy) could not be reached or did not answer in time; also while signing rules are unavailable',
      example('UPSTREAM_UNAVAILABLE', 'OnlyFans did not answer in time', { details: { reason: 'timeout' } }),
    );
  }
  return responses;
}
