// Runs one managed endpoint for a resolved, paced connection: its upstream call(s), then its reply shape.
import type { UsableConnection } from './access-pipeline.ts';
import type { EndpointInput, ManagedEndpoint, UpstreamCallSpec } from './managed-endpoints.ts';
import type { UpstreamSender } from './send-upstream.ts';

export async function runManagedEndpoint(
  sender: UpstreamSender,
  endpoint: ManagedEndpoint,
  connection: UsableConnection,
  request: { params: unknown; query: unknown; body: unknown },
): Promise<unknown> {
  const input: EndpointInput = {
    params: (request.params ?? {}) as Record<string, string>,
    query: (request.query ?? {}) as Record<string, unknown>,
    body: isObject(request.body) ? request.body : {},
    connection,
  };
  const send = async (call: UpstreamCallSpec) => (await sender.send(connection, call)).body;
  if (endpoint.run) return endpoint.run(input, send);
  if (!endpoint.upstream) throw new Error(`managed endpoint ${endpoint.method} ${endpoint.url} has neither upstream nor run`);
  const body = await send(endpoint.upstream(input));
  return endpoint.shape ? endpoint.shape(body, input) : (body ?? {});
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
