// TypeBox schemas for account/ routes: one source for validation, types and the OpenAPI document.
import { Type, type Static } from 'typebox';
import { Nullable, NullableTimestamp, SingleLineString, Timestamp } from '../platform/http/schema-kit.ts';
import { CONNECTION_PERMISSIONS } from './permissions.ts';
import { SCOPES } from './scopes.ts';

export const Environment = Type.Union([Type.Literal('sandbox'), Type.Literal('live')]);
const Permission = Type.Union(CONNECTION_PERMISSIONS.map((p) => Type.Literal(p)));

export const Whoami = Type.Object(
  {
    id: Type.String({ description: 'Organization id' }),
    name: Nullable(Type.String()),
    permissions: Type.Array(Type.String(), { description: 'Scopes of the calling API key' }),
  },
  { $id: 'Whoami' },
);

const ImageQuality = Type.Union([Type.Literal('thumb'), Type.Literal('preview'), Type.Literal('full')]);
const VideoQuality = Type.Union([Type.Literal('preview'), Type.Literal('720p'), Type.Literal('1080p'), Type.Literal('source')]);
const PurgeStrategy = Type.Union(['purge_oldest', 'purge_largest', 'purge_smallest', 'block_new'].map((v) => Type.Literal(v)));
const Count = Type.Integer({ minimum: 0 });

/** OFAuth's Vault+ settings block (SDK VPSettingsFull / VPSettingsPartial). */
export const VaultPlusSettings = Type.Object({
  accessExpiryDays: Count,
  autoCacheMessages: Type.Boolean(),
  autoCachePosts: Type.Boolean(),
  autoCacheStories: Type.Boolean(),
  autoCacheVault: Type.Boolean(),
  cacheAudio: Type.Boolean(),
  cacheImages: Type.Boolean(),
  cacheVideos: Type.Boolean(),
  imageQualities: Type.Array(Type.String()),
  minAccessCountMessages: Count,
  minAccessCountPosts: Count,
  minAccessCountStories: Count,
  minAccessCountVault: Count,
  presignedUrlTtlSeconds: Count,
  retentionDays: Count,
  storageLimitBytes: Count,
  storageLimitPurgeStrategy: Type.String(),
  videoQualities: Type.Array(Type.String()),
});

export const VaultPlusSettingsPatch = Type.Partial(
  Type.Object({
    ...VaultPlusSettings.properties,
    imageQualities: Type.Array(ImageQuality, { uniqueItems: true }),
    videoQualities: Type.Array(VideoQuality, { uniqueItems: true }),
    storageLimitPurgeStrategy: PurgeStrategy,
  }),
  { additionalProperties: false },
);

const PacingSettings = Type.Object({
  requestsPerMinute: Type.Integer({ minimum: 1, maximum: 100_000 }),
  burst: Type.Integer({ minimum: 1, maximum: 100_000 }),
  concurrency: Type.Integer({ minimum: 1, maximum: 1000 }),
});
export const PacingSettingsPatch = Type.Partial(PacingSettings, { additionalProperties: false });

export const OrgSettings = Type.Object(
  {
    vaultPlus: Type.Object({ autoEnableForNewConnections: Type.Boolean(), defaultSettings: VaultPlusSettings }),
    defaultConnectionPermissions: Type.Array(Type.String(), {
      description:
        'Permissions a new connection of the key\'s environment gets when its import or client app names none. ' +
        'Until changed: every read and write in sandbox, every read in live (ofconnect extension)',
    }),
    pacing: PacingSettings,
    storeCredentialsForRelogin: Type.Boolean(),
    realtime: Type.Object({
      enabled: Type.Boolean({
        description: 'Relay every active connection\'s OnlyFans live channel as realtime.* and activity.* events (a connection can opt out in its settings); default false (ofconnect extension)',
      }),
    }),
  },
  { $id: 'OrgSettings' },
);

export const OrgSettingsPatch = Type.Object(
  {
    vaultPlus: Type.Optional(
      Type.Object(
        {
          applyToExistingConnections: Type.Optional(Type.Boolean()),
          autoEnableForNewConnections: Type.Optional(Type.Boolean()),
          defaultSettings: Type.Optional(VaultPlusSettingsPatch),
        },
        { additionalProperties: false },
      ),
    ),
    defaultConnectionPermissions: Type.Optional(
      Type.Array(Permission, { uniqueItems: true, description: 'Replaces the default of the calling key\'s environment only' }),
    ),
    pacing: Type.Optional(PacingSettingsPatch),
    storeCredentialsForRelogin: Type.Optional(Type.Boolean()),
    realtime: Type.Optional(Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/**
 * The PATCH reply is the settings object, as GET shows it (docs/ofauth-wire-contract.md §4.1: both answer the settings
 * object); broadcastResult, only when applyToExistingConnections was asked for, reports what that changed.
 */
export const OrgSettingsUpdated = Type.Object({
  ...OrgSettings.properties,
  broadcastResult: Type.Optional(
    Type.Object({
      affectedConnections: Type.Integer(),
      purgeResults: Type.Array(Type.Object({ connectionId: Type.String(), freedBytes: Type.Integer(), purgedCount: Type.Integer() })),
    }),
  ),
});

export const IntegrationType = Type.Union([Type.Literal('redirect'), Type.Literal('embed'), Type.Literal('whitelabel')]);

/** Links shown to end users on the Link pages: https only (checked in client-apps.ts with the offending field). */
const EndUserUrl = (description: string) => Type.String({ format: 'uri', maxLength: 2048, description });

const AppProfile = Type.Object(
  {
    description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    website: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2048 }))),
    privacyPolicyUrl: Type.Optional(Nullable(EndUserUrl('The app\'s privacy policy (https), linked on every Link page'))),
    termsUrl: Type.Optional(Nullable(EndUserUrl('The app\'s terms of service (https), linked on every Link page (ofconnect extension)'))),
  },
  { additionalProperties: false },
);

/** Branding of the Link pages (ofconnect extension; OFAuth's apps have a name and a letter tile only). */
const DisplayName = SingleLineString({ minLength: 1, maxLength: 100, description: 'The name end users see on the Link pages; default: name' });
const BrandColor = Type.String({
  pattern: '^#[0-9a-fA-F]{6}$',
  description: 'The app\'s colour as #rrggbb. The pages use it for the primary button and links, darkened or lightened where needed for WCAG AA contrast in each theme',
});
const LogoSource = Type.Union(
  [
    Type.Object(
      { url: Type.String({ minLength: 1, maxLength: 2048, description: 'Fetched once by ofconnect (never hot-linked); must answer 200 with the image' }) },
      { additionalProperties: false },
    ),
    Type.Object(
      { data: Type.String({ minLength: 1, maxLength: 1_500_000, description: 'The image file, base64 (a data: URL prefix is accepted)' }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'A PNG, JPEG, WebP or GIF of at most 1 MB (SVG is refused). Re-encoded to WebP of at most 128 px a side, metadata ' +
      'removed, stored by ofconnect and served from logoUrl. null removes the logo',
  },
);

export const ClientApp = Type.Object(
  {
    id: Type.String(),
    environment: Environment,
    name: Type.String(),
    integrationType: IntegrationType,
    redirectUris: Type.Array(Type.String()),
    embedOrigins: Type.Array(Type.String()),
    permissions: Type.Array(Type.String()),
    profile: AppProfile,
    returnsRawSession: Type.Boolean(),
    displayName: Nullable(Type.String({ description: 'The name end users see on the Link pages (null: name)' })),
    brandColor: Nullable(Type.String({ description: 'The app\'s colour as #rrggbb, or null for ofconnect\'s blue' })),
    logoUrl: Nullable(
      Type.String({ description: 'Where this service serves the app\'s logo (a path: /link/logos/<sha256>.webp, cacheable for a year); null without a logo' }),
    ),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'ClientApp' },
);

const RedirectUris = Type.Array(Type.String({ minLength: 1, maxLength: 2048 }), { maxItems: 50, uniqueItems: true });
const EmbedOrigins = Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 50, uniqueItems: true });

const ClientAppFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  integrationType: Type.Optional(IntegrationType),
  redirectUris: Type.Optional(RedirectUris),
  embedOrigins: Type.Optional(EmbedOrigins),
  permissions: Type.Optional(Type.Array(Permission, { uniqueItems: true })),
  profile: Type.Optional(AppProfile),
  returnsRawSession: Type.Optional(Type.Boolean()),
  displayName: Type.Optional(Nullable(DisplayName)),
  brandColor: Type.Optional(Nullable(BrandColor)),
  logo: Type.Optional(Nullable(LogoSource)),
};

export const CreateClientApp = Type.Object(
  {
    ...ClientAppFields,
    environment: Type.Optional(
      Type.Union([Type.Literal('sandbox'), Type.Literal('live')], {
        description:
          'The environment the app serves (Link sessions of that environment\'s keys). Default: the calling key\'s. ' +
          'A live admin key may create sandbox apps; live apps need a live admin key',
      }),
    ),
  },
  { additionalProperties: false },
);

/** An app's environment is fixed at creation: its Link sessions and connections belong to that environment. */
export const UpdateClientApp = Type.Partial(Type.Object(ClientAppFields), { additionalProperties: false });

export const AppIdParams = Type.Object({ appId: Type.String({ pattern: '^app_[A-Za-z0-9]+$' }) });

export const ApiKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    environment: Environment,
    prefix: Type.String({ description: 'First characters of the key, to tell keys apart' }),
    scopes: Type.Array(Type.String()),
    createdAt: Timestamp,
    lastUsedAt: NullableTimestamp,
    revokedAt: NullableTimestamp,
  },
  { $id: 'ApiKey' },
);

export const CreatedApiKey = Type.Object({
  ...ApiKey.properties,
  key: Type.String({ description: 'The secret key. Shown once, never again.' }),
});

export const CreateApiKey = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    scopes: Type.Optional(Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { uniqueItems: true, minItems: 1 })),
    environment: Type.Optional(
      Type.Union([Type.Literal('sandbox'), Type.Literal('live')], {
        description:
          'The environment of the new key. Default: the calling key\'s. A live admin key may create keys of either ' +
          'environment; a sandbox admin key may create the organization\'s first live key only (while it has no live key ' +
          'that is not revoked), after which live keys come from a live admin key or the CLI',
      }),
    ),
  },
  { additionalProperties: false },
);

export const KeyIdParams = Type.Object({ keyId: Type.String({ pattern: '^key_[A-Za-z0-9]+$' }) });

export type CreateClientAppInput = Static<typeof CreateClientApp>;
export type UpdateClientAppInput = Static<typeof UpdateClientApp>;
export type OrgSettingsPatchInput = Static<typeof OrgSettingsPatch>;
export type CreateApiKeyInput = Static<typeof CreateApiKey>;
