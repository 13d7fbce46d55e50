// TypeBox schemas for the dynamic rules API (OFAuth routes; SDK DynamicRules* types).
import { Type, type Static } from 'typebox';
import { NullableTimestamp, Timestamp } from '../platform/http/schema-kit.ts';

export const PublicRules = Type.Object({
  static_param: Type.String(),
  format: Type.String(),
  start: Type.String(),
  end: Type.String(),
  prefix: Type.String(),
  suffix: Type.String(),
  checksum_constant: Type.Integer(),
  checksum_indexes: Type.Array(Type.Integer()),
  app_token: Type.String(),
  remove_headers: Type.Array(Type.String()),
  revision: Type.String(),
});

const Flags = {
  is_current: Type.Boolean(),
  is_public: Type.Boolean(),
  is_early_access: Type.Boolean(),
};

export const RulesReply = Type.Object({ rules: PublicRules, ...Flags });

const NumberOrString = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]+$', maxLength: 20 })]);

export const SignRequest = Type.Object({
  endpoint: Type.String({ minLength: 1, maxLength: 4096, description: 'OnlyFans path with query (/api2/v2/…) or a full https://onlyfans.com/api2/v2/… URL' }),
  time: Type.Optional(NumberOrString),
  'user-id': Type.Optional(NumberOrString),
  // Spellings older third-party code sends.
  user_id: Type.Optional(NumberOrString),
  timestamp: Type.Optional(NumberOrString),
});

export const SignReply = Type.Object({
  signed: Type.Object({
    sign: Type.String(),
    time: Type.String(),
    'user-id': Type.Optional(Type.String()),
    'app-token': Type.String(),
    'x-of-rev': Type.String(),
  }),
  is_public: Type.Boolean(),
  is_early_access: Type.Boolean(),
});

/** One rules source as the status route shows it (an ofconnect extension; upstream/rules-sources.ts). */
export const RulesSourceStatus = Type.Object(
  {
    source: Type.String({ description: 'The source as configured, with API keys, passwords and token-like query values redacted' }),
    kind: Type.Union([Type.Literal('ofauth'), Type.Literal('url'), Type.Literal('file')]),
    health: Type.Union(
      [Type.Literal('ok'), Type.Literal('stale'), Type.Literal('unverified'), Type.Literal('down'), Type.Literal('invalid'), Type.Literal('pending')],
      {
        description:
          'ok: rules fetched (and for live, accepted by a signed probe to the upstream); stale: the upstream refused its rules; unverified: fetched, the probe reached no verdict yet; down: the last fetch failed; invalid: it answered something that is not a rule set; pending: not fetched yet',
      },
    ),
    revision: Type.Union([Type.String(), Type.Null()], { description: 'Revision of the last well-formed rules it gave' }),
    isInUse: Type.Boolean({ description: 'Whether the rules in use are this source\'s' }),
    lastAttemptAt: NullableTimestamp,
    lastSuccessAt: Type.Union([Timestamp, Type.Null()], { description: 'Last fetch that gave well-formed rules' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    consecutiveFailures: Type.Integer({ minimum: 0 }),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()], { description: 'When it is fetched next; a failing source backs off' }),
  },
  { additionalProperties: false },
);

export const StatusReply = Type.Object({
  revision: Type.String(),
  early_access_revision: Type.String(),
  public_revision: Type.String(),
  ...Flags,
  access_granted: Type.Boolean(),
  sources: Type.Array(RulesSourceStatus, {
    description: 'ofconnect: where the rules of the key\'s environment come from, one entry per configured source, in the configured order',
  }),
});

export type SignRequestInput = Static<typeof SignRequest>;
