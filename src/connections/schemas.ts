// TypeBox schemas for connections/ routes (OFAuth v2 shapes; SDK type `Connection`).
import { Type, type Static } from 'typebox';
import { VaultPlusSettings, VaultPlusSettingsPatch, PacingSettingsPatch } from '../account/schemas.ts';
import { Nullable, NullableTimestamp, PageOf, PageQueryFields, SingleLineString, Timestamp } from '../platform/http/schema-kit.ts';

export const ApiConnectionStatus = Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('awaiting_2fa')]);

export const UserData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  username: Type.String(),
  avatar: Nullable(Type.String()),
});

export const Connection = Type.Object(
  {
    id: Type.String(),
    status: ApiConnectionStatus,
    userData: UserData,
    permissions: Type.Array(Type.String()),
    expiredAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    clientReferenceId: Nullable(Type.String()),
    imported: Type.Boolean(),
    lastCheckedAt: NullableTimestamp,
  },
  { $id: 'Connection' },
);

export const ConnectionList = PageOf(Connection);

export const ConnectionIdParams = Type.Object({ connectionId: Type.String({ minLength: 1, maxLength: 64 }) });

export const ListConnectionsQuery = Type.Object({
  status: Type.Optional(ApiConnectionStatus),
  imported: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])),
  search: Type.Optional(
    SingleLineString({
      minLength: 1,
      maxLength: 255,
      description: 'ofconnect extension: the exact connection id, or the start of a clientReferenceId (case-sensitive) or username (any case, @ optional)',
    }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

export const ImportConnection = Type.Object({
  cookie: SingleLineString({ minLength: 1, maxLength: 16_384, description: 'The browser Cookie header: must contain auth_id, sess and fp' }),
  userAgent: SingleLineString({ minLength: 1, maxLength: 1024, description: 'The exact user agent of the browser the session was created in' }),
  permissions: Type.Optional(Type.Array(Type.String(), { uniqueItems: true })),
  clientReferenceId: Type.Optional(Nullable(SingleLineString({ maxLength: 255 }))),
});

export const RotateImportedSession = Type.Object({
  cookie: SingleLineString({ minLength: 1, maxLength: 16_384 }),
  userAgent: SingleLineString({ minLength: 1, maxLength: 1024 }),
});

export const ConnectionActionResult = Type.Object({ success: Type.Boolean(), connectionId: Type.String() });

const ProxySettings = Type.Object({
  url: Nullable(Type.String({ description: 'Outbound proxy URL with any password masked' })),
  country: Nullable(Type.String()),
});
/** The fields a connection overrides (the rest follow the org's pacing). */
const PacingOverride = Type.Object({
  requestsPerMinute: Type.Optional(Type.Integer()),
  burst: Type.Optional(Type.Integer()),
  concurrency: Type.Optional(Type.Integer()),
});

export const ConnectionSettings = Type.Object(
  {
    connectionId: Type.String(),
    vaultPlus: Type.Object({
      enabled: Type.Boolean(),
      settingsOverrides: Nullable(Type.Partial(VaultPlusSettings)),
      stats: Type.Object({
        mediaCount: Type.Integer(),
        storageLimitBytes: Type.Integer(),
        storageUsagePercent: Type.Number(),
        storedCount: Type.Integer(),
        totalStorageBytes: Type.Integer(),
        vaultPlusEnabled: Type.Boolean(),
      }),
    }),
    proxy: ProxySettings,
    pacing: Nullable(PacingOverride),
    realtime: Type.Object({
      enabled: Type.Boolean({ description: 'Whether this connection\'s live channel is relayed when the org has realtime on; default true (ofconnect extension)' }),
    }),
  },
  { $id: 'ConnectionSettings' },
);

export const UpdateConnectionSettings = Type.Object(
  {
    vaultPlus: Type.Optional(
      Type.Object({ enabled: Type.Optional(Type.Boolean()), settings: Type.Optional(Nullable(VaultPlusSettingsPatch)) }, { additionalProperties: false }),
    ),
    proxy: Type.Optional(
      Type.Object(
        {
          url: Type.Optional(Nullable(Type.String({ maxLength: 2048, description: 'http://, https:// or socks5:// proxy this account is pinned to' }))),
          country: Type.Optional(Nullable(Type.String({ minLength: 2, maxLength: 64 }))),
        },
        { additionalProperties: false },
      ),
    ),
    pacing: Type.Optional(Nullable(PacingSettingsPatch)),
    realtime: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** The PATCH reply is the settings object, as GET shows it (docs/ofauth-wire-contract.md §4.1); purgeResult, when
 *  a change purged stored media, says what it freed. */
export const ConnectionSettingsUpdated = Type.Object({
  ...ConnectionSettings.properties,
  purgeResult: Type.Optional(Type.Object({ freedBytes: Type.Integer(), purgedCount: Type.Integer() })),
});

export type ImportConnectionInput = Static<typeof ImportConnection>;
export type RotateImportedSessionInput = Static<typeof RotateImportedSession>;
export type UpdateConnectionSettingsInput = Static<typeof UpdateConnectionSettings>;
export type ListConnectionsQueryInput = Static<typeof ListConnectionsQuery>;

export const ConnectionStatusChange = Type.Object(
  {
    at: Timestamp,
    from: Nullable(Type.String({ description: 'The status before; null when the connection was new (or its earlier history is gone)' })),
    to: Type.String({ description: 'active, expired, awaiting_2fa or disconnected' }),
    reason: Type.Union([
      Type.Literal('imported'),
      Type.Literal('linked'),
      Type.Literal('reconnected'),
      Type.Literal('session_rotated'),
      Type.Literal('invalidated'),
      Type.Literal('session_rejected_upstream'),
      Type.Literal('disconnected'),
    ]),
    actor: Type.String({ description: 'Who acted, as the audit log names it: key:<id>, dashboard:<id>, link:<linkSessionId>, cli or system' }),
  },
  { $id: 'ConnectionStatusChange' },
);

export const ConnectionStatusHistoryQuery = Type.Object({ ...PageQueryFields(100, 20) });
export const ConnectionStatusHistory = PageOf(ConnectionStatusChange);

export type ConnectionStatusHistoryQueryInput = Static<typeof ConnectionStatusHistoryQuery>;
export type ConnectionStatusHistoryPage = Static<typeof ConnectionStatusHistory>;
