// One log line per finished request, with who asked (org, API key), what it was about (connection) and, when it
// failed, our error code: a refusal (4xx) at info, a failure of ours (5xx) at error with its cause, every other
// request at debug. The error handler notes the error it answered with; the onResponse hook writes the line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** The error each failed request was answered with (weak: it goes with its request). */
const answeredErrors = new WeakMap<FastifyRequest, { error: ApiError; cause?: unknown }>();

/** Called by the error handler as it answers: the code goes on the request's log line. */
export function noteAnsweredError(request: FastifyRequest, error: ApiError, cause?: unknown): void {
  answeredErrors.set(request, { error, cause });
}

/** Secrets by their prefix: Link client secrets travel in Link URLs, and a caller may put an API key or a webhook
 *  secret in a query string by mistake. */
const SECRETS_IN_URLS = /\b(cs|sk_live|sk_sandbox)_[A-Za-z0-9]+|\b(whsec)_[A-Za-z0-9+/=%]+/g;

/** The request's URL with every secret it could carry replaced (request lines log it). */
export function redactUrl(url: string): string {
  return url.replace(SECRETS_IN_URLS, (_secret, prefix: string | undefined, webhookPrefix: string | undefined) => `${prefix ?? webhookPrefix}_[redacted]`);
}

/** A connection id a caller named (header or path), bounded: it is the caller's input. */
function connectionIdOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-connection-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const params = request.params as Record<string, unknown> | undefined;
  const fromPath = typeof params?.connectionId === 'string'
    ? params.connectionId
    : request.routeOptions.url?.includes('/connections/') && typeof params?.id === 'string' ? params.id : undefined;
  const id = fromHeader ?? fromPath;
  return id ? id.slice(0, 64) : undefined;
}

/** The API key's org and id once authentication has run (set by account/authenticate.ts; null before). */
function callerOf(request: FastifyRequest): { orgId?: string; apiKeyId?: string } {
  const auth = (request as unknown as { auth?: { orgId: string; keyId: string } | null }).auth;
  return auth ? { orgId: auth.orgId, apiKeyId: auth.keyId } : {};
}

export function logRequestOutcome(request: FastifyRequest, reply: FastifyReply): void {
  const status = reply.statusCode;
  const answered = answeredErrors.get(request);
  const isFailure = status >= 500;
  const isRefusal = status >= 400 && !isFailure;
  if (!isFailure && !isRefusal && !(request.log as Logger).isLevelEnabled('debug')) return;
  const connectionId = connectionIdOf(request);
  const fields = {
    method: request.method,
    url: redactUrl(request.url),
    status,
    ...(answered ? { code: answered.error.type } : {}),
    ...callerOf(request),
    ...(connectionId ? { connectionId } : {}),
    ms: Math.round(reply.elapsedTime),
  };
  const summary = `${request.method} ${request.routeOptions.url ?? redactUrl(request.url.split('?')[0] ?? '')} → ${status}`;
  if (isFailure) {
    request.log.error({ ...fields, ...(answered?.cause !== undefined ? { err: answered.cause } : {}) }, `request failed: ${summary} ${answered?.error.type ?? ''}`.trimEnd());
  } else if (isRefusal) {
    request.log.info(fields, `request refused: ${summary} ${answered?.error.type ?? ''}`.trimEnd());
  } else {
    request.log.debug(fields, `request: ${summary}`);
  }
}
