// The simulator's control API and rules file, reachable on the service's own port: `/_sandbox/…` and
// `/_sandbox/dynamic-rules.json` are passed to the simulator the node talks to. The simulator's own port is an
// internal detail that may change on every start; this address does not, and it works behind a load balancer
// because every node's simulator serves the same state (src/sandbox/store). Sandbox-only and never in production:
// it needs a sandbox key with the admin scope, since the simulator is one world shared by every organization
// (expiring a session or injecting a fault affects all of them). A change (POST, DELETE) the simulator accepted is
// audited as sandbox.changed for the caller's org; after the fact, since the simulator commits on its own.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { request as sendRequest } from 'undici';
import { actingScopeOf } from '../account/actor.ts';
import { recordAuditEntry } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';

const CONTROL_TIMEOUT_MS = 30_000;
/** Where the simulator publishes its rules (the path a rules feed is fetched from). */
const RULES_FILE = '/dynamic-rules.json';

/** The simulator path a request under /_sandbox maps to; the rest of the URL (query included) is kept as sent. */
export function simulatorPathOf(url: string): string {
  return url.startsWith(`/_sandbox${RULES_FILE}`) ? url.slice('/_sandbox'.length) : url;
}

export function registerSandboxControlPassthrough(app: HttpApp, ctx: ServiceContext, simulatorUrl: string): void {
  const base = simulatorUrl.replace(/\/$/, '');

  async function passThrough(request: FastifyRequest, reply: FastifyReply) {
    if (request.auth.environment !== 'sandbox') {
      throw new ApiError('FORBIDDEN', 'The sandbox control API needs a sandbox key (sk_sandbox_…)', { details: { environment: request.auth.environment } });
    }
    const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
    let answer;
    try {
      answer = await sendRequest(`${base}${simulatorPathOf(request.url)}`, {
        method: request.method as 'GET' | 'POST' | 'DELETE',
        headers: hasBody ? { 'content-type': 'application/json' } : {},
        body: hasBody ? JSON.stringify(request.body) : undefined,
        headersTimeout: CONTROL_TIMEOUT_MS,
        bodyTimeout: CONTROL_TIMEOUT_MS,
      });
    } catch {
      throw new ApiError('UPSTREAM_UNAVAILABLE', 'The sandbox simulator could not be reached');
    }
    const text = await answer.body.text();
    if (answer.statusCode >= 400) throw simulatorRefusal(answer.statusCode, text);
    if (request.method !== 'GET') {
      const { orgId, actor } = actingScopeOf(request.auth);
      const path = simulatorPathOf(request.url).split('?')[0];
      await recordAuditEntry(ctx.database.db, { orgId, environment: 'sandbox', actor, action: 'sandbox.changed', data: { method: request.method, path } });
    }
    reply.code(answer.statusCode).type('application/json; charset=utf-8');
    return text;
  }

  const config = { scope: 'admin' as const };
  const schema = { hide: true };
  app.get('/_sandbox/*', { config, schema }, passThrough);
  app.post('/_sandbox/*', { config, schema }, passThrough);
  app.delete('/_sandbox/*', { config, schema }, passThrough);
}

/** The simulator answers in OnlyFans' error shape; on our port every error has ours. */
function simulatorRefusal(status: number, text: string): ApiError {
  let message = `The sandbox simulator answered ${status}`;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not JSON: keep the generic message.
  }
  if (status === 404) return new ApiError('ROUTE_NOT_FOUND', message);
  if (status >= 500) return new ApiError('UPSTREAM_UNAVAILABLE', message);
  return new ApiError('BAD_REQUEST', message);
}
