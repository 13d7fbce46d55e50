// TypeBox schemas of GET /v2/account/connections/{connectionId}/requests (ofconnect extension).
import { Type, type Static } from 'typebox';
import { CursorPageOf, CursorQueryFields, Nullable, Timestamp } from '../../platform/http/schema-kit.ts';

export const REQUEST_LOG_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const RequestLogQuery = Type.Object({
  ...CursorQueryFields(100, 50),
  status: Type.Optional(
    Type.String({ pattern: '^([1-5]xx|[1-5][0-9][0-9])$', description: 'A class (2xx, 3xx, 4xx, 5xx) or an exact status (404)' }),
  ),
  method: Type.Optional(Type.Union(REQUEST_LOG_METHODS.map((method) => Type.Literal(method)))),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Requests that arrived at or after this instant' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Requests that arrived before this instant' })),
});
export type RequestLogQueryInput = Static<typeof RequestLogQuery>;

export const RequestLogItem = Type.Object(
  {
    id: Type.String(),
    requestId: Type.String({ description: 'The x-request-id the caller was answered with' }),
    createdAt: Timestamp,
    method: Type.String(),
    path: Type.String({ description: 'The Access path with query keys but not their values (unless OFCONNECT_REQUEST_LOG_KEEP_QUERY_VALUES)' }),
    status: Type.Integer({ description: 'The status the caller got' }),
    upstreamStatus: Nullable(Type.Integer({ description: 'OnlyFans\' status of the last upstream call; null when none was made or none answered' })),
    durationMs: Type.Integer(),
    retries: Type.Integer({ description: 'Upstream attempts repeated after a network error, 5xx or 429' }),
    apiKeyId: Type.String(),
  },
  { $id: 'RequestLogEntry' },
);

export const RequestLogPage = CursorPageOf(RequestLogItem);
export type RequestLogPageReply = Static<typeof RequestLogPage>;
