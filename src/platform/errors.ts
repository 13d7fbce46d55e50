// The one error type of the public API and the mapping from type to HTTP status (OFAuth v2 error contract,
// docs/ofauth-wire-contract.md §3).

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  SESSION_NOT_PROVIDED: 401,
  SESSION_EXPIRED: 401,
  RULES_OUTDATED: 401,
  FORBIDDEN: 403,
  RESOURCE_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL: 500,
  UPSTREAM_ERROR: 502,
  UPSTREAM_UNAVAILABLE: 503,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

export interface ApiErrorOptions {
  details?: Record<string, unknown>;
  /** A hint for the caller, e.g. "reconnect". */
  actionRequired?: string;
  /** Extra response headers (Retry-After, X-RateLimit-*). */
  headers?: Record<string, string>;
  /** What an end user may read (a Link page), when it differs from the developer-facing message. */
  userMessage?: string;
  cause?: unknown;
}

/** Thrown wherever a rule lives; the error handler turns it into the public JSON shape. */
export class ApiError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly details?: Record<string, unknown>;
  readonly actionRequired?: string;
  readonly headers?: Record<string, string>;
  /** Plain words for an end user (Link pages show this, never the developer message). */
  readonly userMessage: string;

  constructor(type: ErrorType, message: string, options: ApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.type = type;
    this.status = ERROR_STATUS[type];
    this.details = options.details;
    this.actionRequired = options.actionRequired;
    this.headers = options.headers;
    this.userMessage = options.userMessage ?? message;
  }
}

/**
 * The public error body: a superset read by both OFAuth's docs (error/type) and its SDK (message/code/details),
 * docs/ofauth-wire-contract.md §3.1.
 */
export interface ErrorBody {
  error: string;
  message: string;
  type: ErrorType;
  code: ErrorType;
  requestId: string;
  actionRequired?: string;
  details?: Record<string, unknown>;
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  const body: ErrorBody = {
    error: error.message,
    message: error.message,
    type: error.type,
    code: error.type,
    requestId,
  };
  if (error.actionRequired) body.actionRequired = error.actionRequired;
  if (error.details) body.details = error.details;
  return body;
}

export const notFound = (what: string, id?: string) =>
  new ApiError('RESOURCE_NOT_FOUND', id ? `${what} ${id} not found` : `${what} not found`);

export const badRequest = (message: string, field?: string, extra: Record<string, unknown> = {}) =>
  new ApiError('BAD_REQUEST', message, { details: field ? { field, ...extra } : extra });
