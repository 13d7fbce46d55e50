// TypeBox schemas for the dynamic rules API (OFAuth routes; SDK DynamicRules* types).
import { Type, type Static } from 'typebox';

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

export const StatusReply = Type.Object({
  revision: Type.String(),
  early_access_revision: Type.String(),
  public_revision: Type.String(),
  ...Flags,
  access_granted: Type.Boolean(),
});

export type SignRequestInput = Static<typeof SignRequest>;
