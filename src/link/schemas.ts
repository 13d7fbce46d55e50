// TypeBox schemas for link/ routes: OFAuth's LinkInitRequest / LinkInitResponse / LinkGetResponse (SDK shapes) plus
// the whitelabel extensions (POST …/login, POST …/2fa).
import { Type, type Static } from 'typebox';
import { Nullable, SingleLineString, Timestamp } from '../platform/http/schema-kit.ts';

export const InitLinkSession = Type.Object(
  {
    clientAppId: Type.Optional(Type.String({ pattern: '^app_[a-zA-Z0-9]+$', description: 'Defaults to the first client app of the key\'s environment' })),
    redirectUrl: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'One of the app\'s allowed redirect URIs; default the first' })),
    clientReferenceId: Type.Optional(SingleLineString({ maxLength: 255, description: 'Echoed in the redirect and in webhooks' })),
    connectionId: Type.Optional(SingleLineString({ minLength: 1, maxLength: 64, description: 'Reconnect this connection (its id is kept)' })),
    geolocation: Type.Optional(
      Type.Object({
        country: Type.String({ minLength: 2, maxLength: 64 }),
        state: Type.Optional(Type.String({ maxLength: 64 })),
        city: Type.Optional(Type.String({ maxLength: 128 })),
      }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('redirect'), Type.Literal('embed'), Type.Literal('hosted'), Type.Literal('whitelabel')], {
        deprecated: true,
        description: 'Deprecated: picks the integration type when clientAppId is omitted',
      }),
    ),
    origin: Type.Optional(Type.String({ maxLength: 2048, deprecated: true, description: 'Deprecated; accepted and ignored' })),
    locale: Type.Optional(
      Type.String({
        pattern: '^(en|es|pt|de|fr)([-_][A-Za-z0-9]{2,8})?$',
        maxLength: 16,
        description:
          'The language of the hosted pages (ofconnect extension): en, es, pt, de or fr, optionally with a region (pt-BR). ' +
          'Default: the browser\'s Accept-Language, else English. Carried on the returned URL as ?locale=',
      }),
    ),
    options: Type.Optional(
      Type.Object({ returnRawSession: Type.Optional(Type.Boolean()) }, { deprecated: true, description: 'Deprecated; accepted and ignored' }),
    ),
  },
  { $id: 'LinkInitRequest' },
);

export const InitLinkSessionReply = Type.Union(
  [
    Type.Object({ mode: Type.Literal('hosted'), url: Type.String(), expiresAt: Timestamp }),
    Type.Object({ mode: Type.Literal('whitelabel'), clientSecret: Type.String(), expiresAt: Timestamp }),
  ],
  { $id: 'LinkInitResponse' },
);

export const LINK_STATUSES = ['initialized', 'pending', 'awaiting_2fa', 'denied', 'completed', 'invalid_credentials', 'failed', 'not_found'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

const AttemptsLeft = Type.Integer({ minimum: 0 });

export const TwoFactorState = Type.Object({
  options: Type.Array(Type.Union([Type.Literal('phone'), Type.Literal('app'), Type.Literal('face'), Type.Literal('forceFace')])),
  phoneCode: Type.Optional(
    Type.Object({
      requestAttemptsLeft: AttemptsLeft,
      requestAttemptsLimit: AttemptsLeft,
      checkAttemptsLeft: Type.Optional(AttemptsLeft),
      checkAttemptsLimit: Type.Optional(AttemptsLeft),
    }),
  ),
  phoneLast4: Type.Optional(Type.String()),
  attemptsLeft: Type.Optional(Type.Integer({ minimum: 0, description: 'ofconnect extension: code attempts left before the Link session is denied' })),
});

export const LinkStatusReply = Type.Object(
  {
    status: Type.Union([
      Type.Literal('initialized'),
      Type.Literal('pending'),
      Type.Literal('awaiting_2fa'),
      Type.Literal('denied'),
      Type.Literal('completed'),
      Type.Literal('invalid_credentials'),
      Type.Literal('failed'),
      Type.Literal('not_found'),
    ]),
    data: Type.Optional(
      Type.Union([
        Type.Object({ twoFactorState: TwoFactorState }),
        Type.Object({
          id: Type.String(),
          userData: Type.Object({ id: Type.String(), name: Type.String(), username: Type.String(), avatar: Nullable(Type.String()) }),
          session: Type.Optional(
            Type.Object({ cookie: Type.String(), 'user-agent': Type.String(), 'user-id': Type.String(), 'x-bc': Type.String() }, {
              description: 'Only for client apps with returnsRawSession',
            }),
          ),
        }),
      ]),
    ),
    error: Type.Optional(
      Type.Object(
        { code: Type.String(), message: Type.String(), attemptsLeft: Type.Optional(AttemptsLeft) },
        { description: 'ofconnect extension: why the last attempt failed (same codes as the redirect error_code)' },
      ),
    ),
    expiresAt: Type.Optional(Timestamp),
  },
  { $id: 'LinkGetResponse' },
);

export const ClientSecretParams = Type.Object({ clientSecret: Type.String({ pattern: '^cs_[A-Za-z0-9]+$', maxLength: 128 }) });

export const SubmitCredentials = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    userAgent: Type.Optional(SingleLineString({ minLength: 1, maxLength: 1024, description: 'The end user\'s browser UA the session will be bound to' })),
  },
  { additionalProperties: false },
);

export const SubmitTwoFactorCode = Type.Object(
  {
    code: Type.String({ minLength: 4, maxLength: 16, pattern: '^\\s*[0-9A-Za-z]+\\s*$' }),
    method: Type.Optional(Type.Union([Type.Literal('phone'), Type.Literal('app')])),
  },
  { additionalProperties: false },
);

export const DeleteLinkSessionReply = Type.Object({ success: Type.Boolean() });

export type InitLinkSessionInput = Static<typeof InitLinkSession>;
export type InitLinkSessionOutput = Static<typeof InitLinkSessionReply>;
export type LinkStatusObject = Static<typeof LinkStatusReply>;
export type TwoFactorStateObject = Static<typeof TwoFactorState>;
export type SubmitCredentialsInput = Static<typeof SubmitCredentials>;
