// TypeBox schemas of GET /v2/account/usage (ofconnect extension).
import { Type } from 'typebox';
import { CalendarDay } from '../platform/http/schema-kit.ts';

const Day = CalendarDay();
export const UsageQuery = Type.Object({
  from: Type.Optional(Day),
  to: Type.Optional(Day),
  connectionId: Type.Optional(Type.String()),
});
export const UsageReply = Type.Object({
  from: Day,
  to: Day,
  list: Type.Array(Type.Object({ connectionId: Type.String(), day: Day, requests: Type.Integer() })),
  totalRequests: Type.Integer(),
  /** The billing signal: live Link connections active at any time in each month of the range; imports are free. */
  billing: Type.Array(Type.Object({ month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }), billableConnections: Type.Integer() })),
});
