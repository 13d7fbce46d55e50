// TypeBox schemas of GET /v2/audit-log (ofconnect extension, admin scope).
import { Type, type Static } from 'typebox';
import { CursorPageOf, CursorQueryFields, Nullable, SingleLineString, Timestamp } from '../platform/http/schema-kit.ts';
import { AUDIT_ACTIONS } from './audit.ts';

export const AuditLogQuery = Type.Object({
  ...CursorQueryFields(100, 50),
  action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((action) => Type.Literal(action)))),
  actor: Type.Optional(
    SingleLineString({ minLength: 1, maxLength: 128, description: 'Exactly as entries name it: key:<apiKeyId>, dashboard:<apiKeyId>, link:<linkSessionId>, cli or system' }),
  ),
  target: Type.Optional(SingleLineString({ minLength: 1, maxLength: 128, description: 'The id of what was changed (conn_…, app_…, …)' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Entries written at or after this instant' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'Entries written before this instant' })),
});
export type AuditLogQueryInput = Static<typeof AuditLogQuery>;

export const AuditLogItem = Type.Object(
  {
    id: Type.String(),
    createdAt: Timestamp,
    actor: Type.String({ description: 'key:<apiKeyId>, dashboard:<apiKeyId> (a dashboard session of that key), link:<linkSessionId>, cli or system' }),
    action: Type.String({ description: 'What was done, e.g. api_key.created, connection.disconnected' }),
    target: Nullable(Type.String({ description: 'The id of what was changed' })),
    environment: Nullable(Type.Union([Type.Literal('sandbox'), Type.Literal('live')], { description: 'null: the change spans the organization' })),
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'What changed (field names, counts; never a secret)' }),
  },
  { $id: 'AuditLogEntry' },
);

export const AuditLogPage = CursorPageOf(AuditLogItem);
export type AuditLogPageReply = Static<typeof AuditLogPage>;
