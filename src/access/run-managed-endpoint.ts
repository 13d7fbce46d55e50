// Runs one managed endpoint for a resolved, paced connection: its upstream call(s), then its reply shape.
import type { UsableConnection } from './access-pipeline.ts';
import type { ManagedEndpoint, UpstreamCallSpec, ValidatedRequest } from './endpoints/define-endpoint.ts';
import type { UpstreamSender } from './send-upstream.ts';

export async function runManagedEndpoint(
  sender: UpstreamSender,
  endpoint: ManagedEndpoint,
  connection: UsableConnection,
  request: ValidatedRequest,
): Promise<unknown> {
  const send = async (call: UpstreamCallSpec) => (await sender.send(connection, call, endpoint.url)).body;
  return endpoint.respond(request, connection, send);
}
