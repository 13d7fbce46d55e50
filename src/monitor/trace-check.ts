// A span per connection check (when tracing is on): a trace of its own, the active span while the check runs, so
// its pacing shows as an event on it. Names the org and connection, how late the check started and its outcome.
import { context, ROOT_CONTEXT, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { ConnectionRow } from '../connections/store.ts';
import type { CheckOutcome } from './metrics.ts';

export async function traceConnectionCheck(
  tracer: Tracer,
  connection: ConnectionRow,
  latenessMs: number,
  check: () => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const span = tracer.startSpan(
    'monitor check',
    {
      attributes: {
        'ofconnect.org.id': connection.orgId,
        'ofconnect.connection.id': connection.id,
        'ofconnect.environment': connection.environment,
        'ofconnect.monitor.lateness_ms': Math.round(latenessMs),
        'ofconnect.monitor.previous_failures': connection.checkFailures,
      },
    },
    ROOT_CONTEXT,
  );
  try {
    const outcome = await context.with(trace.setSpan(ROOT_CONTEXT, span), check);
    span.setAttribute('ofconnect.monitor.outcome', outcome);
    return outcome;
  } catch (error) {
    span.setAttribute('error.type', 'INTERNAL');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'INTERNAL' });
    throw error;
  } finally {
    span.end();
  }
}
