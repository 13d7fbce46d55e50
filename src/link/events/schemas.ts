// TypeBox schemas of GET /v2/link/analytics (ofconnect extension): the Link conversion funnel.
import { Type, type Static } from 'typebox';
import { CalendarDay } from '../../platform/http/schema-kit.ts';

const Day = CalendarDay();
const Count = Type.Integer({ minimum: 0 });

// Years 2000-2999: the databases have no year 0, and no Link session is older than this code.
const QUERY_DAY = '^2[0-9]{3}-[0-9]{2}-[0-9]{2}$';

export const LinkAnalyticsQuery = Type.Object({
  from: Type.Optional(CalendarDay({ pattern: QUERY_DAY, description: 'First day (UTC) of sessions started, inclusive; default 6 days before `to`' })),
  to: Type.Optional(CalendarDay({ pattern: QUERY_DAY, description: 'Last day (UTC), inclusive; default today. At most 92 days from `from`' })),
  clientAppId: Type.Optional(Type.String({ pattern: '^app_[a-zA-Z0-9]+$', maxLength: 64 })),
});
export type LinkAnalyticsQuery = Static<typeof LinkAnalyticsQuery>;

export const FUNNEL_STAGES = ['started', 'opened', 'consent', 'credentials', 'two_factor', 'connected'] as const;
export type FunnelStageName = (typeof FUNNEL_STAGES)[number];

const FunnelStage = Type.Object({
  stage: Type.Union([
    Type.Literal('started'),
    Type.Literal('opened'),
    Type.Literal('consent'),
    Type.Literal('credentials'),
    Type.Literal('two_factor'),
    Type.Literal('connected'),
  ]),
  sessions: Type.Integer({ minimum: 0, description: 'Sessions that reached this stage (or a later one; two_factor only when asked for a code)' }),
  dropped: Type.Integer({ minimum: 0, description: 'Sessions whose furthest stage this is (and that did not connect)' }),
});

const FunnelError = Type.Object({
  step: Type.Union([Type.Literal('consent'), Type.Literal('login'), Type.Literal('2fa')]),
  code: Type.String({ description: 'The error_code a redirect carries (invalid_credentials, 2fa_failed, account_locked …)' }),
  events: Count,
  sessions: Count,
});

const FunnelExit = Type.Object({
  step: Type.Union([Type.Literal('consent'), Type.Literal('login'), Type.Literal('2fa')]),
  sessions: Count,
});

const FUNNEL_FIELDS = {
  clientAppId: Type.String(),
  stages: Type.Array(FunnelStage),
  conversionRate: Type.Number({ minimum: 0, maximum: 1, description: 'connected / started (0 when nothing started), 4 decimals' }),
  errors: Type.Array(FunnelError),
  exits: Type.Array(FunnelExit),
};
const Funnel = Type.Object(FUNNEL_FIELDS);
const DayFunnel = Type.Object({ day: Day, ...FUNNEL_FIELDS });
export type Funnel = Static<typeof Funnel>;
export type DayFunnel = Static<typeof DayFunnel>;

export const LinkAnalyticsReply = Type.Object(
  {
    from: Day,
    to: Day,
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('live')]),
    days: Type.Array(DayFunnel, { description: 'One funnel per client app and UTC day the sessions started' }),
    totals: Type.Array(Funnel, { description: 'The same, per client app over the whole range' }),
  },
  { $id: 'LinkAnalyticsResponse' },
);
export type LinkAnalyticsReply = Static<typeof LinkAnalyticsReply>;
