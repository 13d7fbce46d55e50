// TypeBox schemas for vault-plus/ routes (OFAuth's Vault+ shapes, docs/ofauth-api.md §4.4; timestamps are numbers).
import { Type, type Static } from 'typebox';
import { Nullable } from '../platform/http/schema-kit.ts';

const MediaId = Type.String({ minLength: 1, maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' });

export const MediaIdParams = Type.Object({ mediaId: MediaId });
export const ListIdParams = Type.Object({ listId: Type.String({ minLength: 1, maxLength: 20, pattern: '^([0-9]+|all)$' }) });

export const VaultPlusStatus = Type.Union([Type.Literal('edge_only'), Type.Literal('pending'), Type.Literal('storing'), Type.Literal('stored'), Type.Literal('removed')]);
export const VaultPlusSource = Type.Union([Type.Literal('vault'), Type.Literal('messages'), Type.Literal('posts'), Type.Literal('stories')]);

export const VaultPlusQuality = Type.Object({
  id: Type.String(),
  status: VaultPlusStatus,
  quality: Type.String(),
  sizeBytes: Type.Integer(),
  contentType: Nullable(Type.String()),
  source: VaultPlusSource,
  accessCount: Type.Integer(),
  createdAt: Type.Number(),
  expiresAt: Nullable(Type.Number()),
  storedAt: Nullable(Type.Number()),
  lastAccessedAt: Nullable(Type.Number()),
  /** The media proxy's signed URL (no API key needed). */
  url: Type.String(),
});

export const VaultPlusItem = Type.Object(
  {
    id: Type.String(),
    type: Type.Union([Type.Literal('image'), Type.Literal('video'), Type.Literal('audio')]),
    duration: Nullable(Type.Number()),
    media: Type.Record(Type.String(), VaultPlusQuality),
  },
  { $id: 'VaultPlusItem' },
);

export const BatchBody = Type.Object({ mediaIds: Type.Array(MediaId, { minItems: 1, maxItems: 100 }) }, { additionalProperties: false });
export const BatchReply = Type.Object({ items: Type.Array(VaultPlusItem) });

export const ListQuery = Type.Object({
  status: Type.Optional(VaultPlusStatus),
  source: Type.Optional(VaultPlusSource),
  contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z]+(/[a-z0-9.+*-]+)?$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
  cursor: Type.Optional(MediaId),
});
export type ListQueryInput = Static<typeof ListQuery>;
export const ListReply = Type.Object({ items: Type.Array(VaultPlusItem), nextCursor: Type.Optional(Type.String()) });

export const DeleteReply = Type.Object({ success: Type.Boolean(), mediaId: Type.String(), freedBytes: Type.Integer() });
export const PurgeReply = Type.Object({ success: Type.Boolean(), purgedCount: Type.Integer(), freedBytes: Type.Integer() });
export const StoreListReply = Type.Object({ queued: Type.Boolean(), listId: Type.String(), estimatedItems: Type.Optional(Type.Integer()) });
export const StoreStatusReply = Type.Object({
  connectionId: Type.String(),
  totalMedia: Type.Integer(),
  storedCount: Type.Integer(),
  pendingCount: Type.Integer(),
  totalSizeBytes: Type.Integer(),
});
export const StoreStatsReply = Type.Object({
  totalConnections: Type.Integer(),
  connectionsWithVaultPlus: Type.Integer(),
  totalStorageBytes: Type.Integer(),
  totalMediaCount: Type.Integer(),
});

export const ProxyParams = Type.Object({ itemId: Type.String({ minLength: 1, maxLength: 40, pattern: '^vpm_[A-Za-z0-9]+$' }) });
export const ProxyQuery = Type.Object({
  expires: Type.Integer({ minimum: 0 }),
  sig: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
});
