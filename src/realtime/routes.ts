// HTTP for realtime/: GET /v2/realtime/events, the org's realtime.* and activity.* events (ofconnect extension).
// With `Accept: text/event-stream` it is a Server-Sent Events stream: each event's `id` is its position, a client
// that reconnects with Last-Event-ID (header, or the lastEventId query for clients that cannot set it) gets every
// event after it, within the webhook log's retention; without one the stream starts at the present. Otherwise it
// answers one page as JSON ({list, lastEventId}) from the same position, for clients that poll.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { ServiceContext } from '../platform/context.ts';
import { badRequest } from '../platform/errors.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { REALTIME_EVENT_TYPES } from './event-types.ts';
import { latestEventPosition, readRealtimeEvents, type StreamFilter } from './event-stream.ts';

const TAGS = ['Realtime'];
const POLL_MS = 250;
const KEEPALIVE_MS = 15_000;
const PAGE = 200;

const EventsQuery = Type.Object(
  {
    connectionId: Type.Optional(Type.String({ pattern: '^conn_[A-Za-z0-9]+$', maxLength: 64, description: 'Only this connection\'s events' })),
    types: Type.Optional(
      Type.String({
        maxLength: 2000,
        description: 'Comma-separated event types; without it every realtime.* and activity.* type except typing and counters',
      }),
    ),
    lastEventId: Type.Optional(Type.String({ pattern: '^\\d{1,18}$', description: 'Resume after this event (as the Last-Event-ID header)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'JSON mode: the most events in the page (default 200)' })),
  },
  { additionalProperties: false },
);
const EventsHeaders = Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^\\d{1,18}$' })) });

const StreamedEventSchema = Type.Object({
  id: Type.String({ description: 'Position in the stream (give it back as Last-Event-ID)' }),
  messageId: Type.String({ description: 'The webhook message id (msg_…) of the same event' }),
  type: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown(), { description: 'The webhook body: {type, timestamp, data:{connection, environment, eventBody, receivedAt}}' }),
});
const EventsPage = Type.Object({
  list: Type.Array(StreamedEventSchema),
  lastEventId: Type.String({ description: 'Where the next call resumes (lastEventId)' }),
});

function filterOf(query: Static<typeof EventsQuery>): StreamFilter {
  const types = query.types
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = types?.filter((t) => !(REALTIME_EVENT_TYPES as readonly string[]).includes(t)) ?? [];
  if (unknown.length) throw badRequest(`Unknown realtime event type(s): ${unknown.join(', ')}`, 'types', { unknown });
  return { connectionId: query.connectionId, types };
}

function wantsStream(request: FastifyRequest): boolean {
  return String(request.headers.accept ?? '').includes('text/event-stream');
}

export function registerRealtimeRoutes(app: HttpApp, ctx: ServiceContext): void {
  const db = ctx.database.db;
  const openStreams = new Set<() => void>();
  // A stream never ends by itself: closing the server ends them, or it would wait for them forever.
  app.addHook('preClose', async () => {
    for (const end of [...openStreams]) end();
  });

  async function stream(request: FastifyRequest, reply: FastifyReply, scope: TenantScope, filter: StreamFilter, resumeAfter: number | null): Promise<void> {
    let position = resumeAfter ?? (await latestEventPosition(db));
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': String(request.id),
    });
    out.write(`retry: 2000\n: position ${position}\n\n`);
    let ended = false;
    let timer: NodeJS.Timeout | null = null;
    let lastWriteAt = Date.now();
    const end = () => {
      if (ended) return;
      ended = true;
      if (timer) clearTimeout(timer);
      openStreams.delete(end);
      out.end();
    };
    openStreams.add(end);
    request.raw.once('close', end);
    out.once('error', end);
    const poll = async () => {
      timer = null;
      try {
        for (;;) {
          const events = await readRealtimeEvents(db, scope, position, filter, PAGE);
          if (ended) return;
          for (const event of events) {
            out.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event.payload, messageId: event.messageId })}\n\n`);
            position = Number(event.id);
          }
          if (events.length > 0) lastWriteAt = Date.now();
          if (events.length < PAGE) break;
        }
        if (Date.now() - lastWriteAt >= KEEPALIVE_MS) {
          out.write(': keepalive\n\n');
          lastWriteAt = Date.now();
        }
      } catch (error) {
        ctx.logger.warn({ err: error }, 'reading realtime events for a stream failed; retrying');
      }
      if (!ended) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
  }

  app.get('/v2/realtime/events', {
    config: { scope: 'access' },
    schema: {
      tags: TAGS,
      summary: 'The org\'s realtime events: a Server-Sent Events stream (Accept: text/event-stream) resumable with Last-Event-ID, or one JSON page',
      description:
        'Every realtime.* event (one per frame of a connection\'s OnlyFans live channel) and activity.* event, in the order recorded. ' +
        'Events are kept as long as the webhook log (OFCONNECT_WEBHOOK_LOG_RETENTION_DAYS); typing and counters only when named in types.',
      querystring: EventsQuery,
      headers: EventsHeaders,
      response: { 200: EventsPage },
    },
  }, async (request, reply) => {
    const filter = filterOf(request.query);
    const resumeText = request.headers['last-event-id'] ?? request.query.lastEventId;
    const resumeAfter = resumeText === undefined ? null : Number(resumeText);
    const scope = { orgId: request.auth.orgId, environment: request.auth.environment };
    if (wantsStream(request)) return stream(request, reply, scope, filter, resumeAfter);
    const after = resumeAfter ?? 0;
    const list = await readRealtimeEvents(db, scope, after, filter, request.query.limit ?? PAGE);
    return { list, lastEventId: list.at(-1)?.id ?? String(after) };
  });
}
