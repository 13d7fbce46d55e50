// Access: vault — vault lists and the media in the vault (docs/onlyfans-web-api.md §9, "Vault and media").
import { Type, type Static } from 'typebox';
import { ApiError } from '../../platform/errors.ts';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { defineEndpoint, type SendUpstream } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { type MediaKind, mediaProperties, MediaType, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Direction, Limit, ListIdParams, ListNameBody, literalUnion, Num, Offset, Opt, ResultReply, sdkPage, Str } from './shared/schema-fields.ts';
import { shapeOffsetPage, upstreamPage } from './shared/upstream-page.ts';
import { given, offsetPage } from './shared/upstream-query.ts';
import { asArray, asObject, bool, num, oneOf, overUpstream, passedOn, passedOnArray, str } from './shared/upstream-readers.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const VaultMediaListRef = Type.Object({ id: Num, name: Str, type: Str });
export const VaultMedia = Type.Object({
  ...mediaProperties,
  counters: Type.Object({ likesCount: Num, tipsSumm: Num }),
  hasPosts: Opt(Bool),
  lists: Type.Array(VaultMediaListRef),
});

const VAULT_LIST_TYPES = ['custom', 'messages', 'posts', 'stories', 'streams', 'media_stickers'] as const;
export const VaultList = Type.Object({
  canDelete: Bool,
  canUpdate: Bool,
  hasMedia: Bool,
  id: Num,
  medias: Type.Array(Type.Object({ type: Nullable(MediaType), url: Opt(Str) })),
  name: Str,
  type: literalUnion(VAULT_LIST_TYPES),
});

export const VaultListsReply = Type.Object({
  all: Type.Object({ audiosCount: Num, gifsCount: Num, medias: Type.Array(Type.Object({ type: Type.Unknown() })), photosCount: Num, videosCount: Num }),
  canCreateVaultLists: Bool,
  hasMore: Bool,
  list: Type.Array(VaultList),
  order: Str,
  sort: Str,
});
export const VaultMediaReply = sdkPage(VaultMedia);

const VAULT_SORTS = ['recent', 'most-liked', 'highest-tips'] as const;
const VaultSort = literalUnion(VAULT_SORTS);
export const VaultListsQuery = Type.Object({ limit: Limit(40, 24), offset: Offset, query: Opt(Str) });
export const VaultMediaQuery = Type.Object({
  limit: Limit(40, 24),
  offset: Offset,
  sortBy: Opt(VaultSort),
  sortDirection: Opt(Direction),
  listId: Opt(Num),
  query: Opt(Str),
  mediaType: Opt(MediaType),
});
export const VaultListMediaQuery = Type.Object({
  limit: Limit(40, 24),
  offset: Offset,
  sortBy: Opt(VaultSort),
  sortDirection: Opt(Direction),
  query: Opt(Str),
  mediaType: Opt(MediaType),
});
export const VaultListUpdateBody = Type.Object({ name: Type.String({ minLength: 1 }), clearMedia: Opt(Nullable(Bool)) });
export const VaultListAddMediaBody = Type.Object({ mediaIds: Type.Array(Num, { minItems: 1 }) });

// ---- shapes -------------------------------------------------------------------------------------------------

export function shapeVaultMedia(value: unknown): Static<typeof VaultMedia> {
  const media = shapeMedia(value);
  const upstream = asObject(value);
  const counters = asObject(upstream.counters);
  return {
    ...media,
    counters: { likesCount: num(counters.likesCount), tipsSumm: num(counters.tipsSumm) },
    lists: passedOnArray<Static<typeof VaultMediaListRef>>(upstream.lists),
  };
}

export function shapeVaultList(value: unknown): Static<typeof VaultList> {
  const list = asObject(value);
  return overUpstream(list, {
    id: num(list.id),
    name: str(list.name),
    type: oneOf(str(list.type, 'custom'), VAULT_LIST_TYPES, 'custom'),
    hasMedia: bool(list.hasMedia),
    canUpdate: bool(list.canUpdate),
    canDelete: bool(list.canDelete),
    // A preview's type passes on as upstream sent it (the SDK's media kinds, or null).
    medias: asArray(list.medias).map(asObject).map((m) => ({ type: passedOn<MediaKind | null>(m.type ?? null), ...(typeof m.url === 'string' ? { url: m.url } : {}) })),
  });
}

export function shapeVaultLists(body: unknown): Static<typeof VaultListsReply> {
  const page = upstreamPage(body);
  const all = asObject(page.raw.all);
  return {
    list: page.list.map(shapeVaultList),
    hasMore: page.hasMore,
    all: {
      audiosCount: num(all.audiosCount),
      gifsCount: num(all.gifsCount),
      photosCount: num(all.photosCount),
      videosCount: num(all.videosCount),
      medias: asArray(all.medias).map((m) => ({ type: asObject(m).type ?? null })),
    },
    canCreateVaultLists: bool(page.raw.canCreateVaultLists, true),
    order: str(page.raw.order, 'desc'),
    sort: str(page.raw.sort, 'recent'),
  };
}

function vaultMediaQuery(query: Static<typeof VaultListMediaQuery>, listId: string | number | undefined) {
  const sortBy = given(query.sortBy) ?? 'recent';
  return {
    ...offsetPage(query),
    field: sortBy === 'most-liked' ? 'likes' : sortBy === 'highest-tips' ? 'tips' : 'recent',
    sort: given(query.sortDirection) ?? 'desc',
    list: listId === undefined ? 'all' : String(listId),
    type: given(query.mediaType),
    query: given(query.query),
  };
}

/** One vault list as the lists page shows it (upstream has no single-list read), searched page by page. */
async function findVaultList(send: SendUpstream, listId: string): Promise<unknown> {
  const pageSize = 100;
  for (let offset = 0; ; offset += pageSize) {
    const page = upstreamPage(await send({ method: 'GET', path: '/vault/lists', query: { view: 'main', limit: pageSize, offset } }));
    const found = page.list.find((list) => String(asObject(list).id) === listId);
    if (found !== undefined) return found;
    if (!page.hasMore || page.list.length === 0) throw new ApiError('RESOURCE_NOT_FOUND', `Vault list ${listId} not found`);
  }
}

// ---- entries ------------------------------------------------------------------------------------------------

const tag = 'Access: vault';
const enc = encodeURIComponent;

export const family = defineFamily({
  name: 'vault',
  permissions: ['vault:read', 'vault:write'],
  endpoints: [
    defineEndpoint({
      method: 'GET', url: '/v2/access/vault/lists', tag, summary: 'Vault lists', permission: 'vault:read',
      querystring: VaultListsQuery, reply: VaultListsReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/vault/lists', query: { view: 'main', ...offsetPage(query), query: given(query.query) } }),
      shape: shapeVaultLists,
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/vault/lists', tag, summary: 'Create a vault list', permission: 'vault:write',
      body: ListNameBody, reply: VaultList,
      upstream: ({ body }) => ({ method: 'POST', path: '/vault/lists', body: { name: body.name } }),
      shape: shapeVaultList,
    }),
    defineEndpoint({
      method: 'PATCH', url: '/v2/access/vault/lists/:listId', tag, summary: 'Rename (or empty) a vault list', permission: 'vault:write',
      params: ListIdParams, body: VaultListUpdateBody, reply: VaultList,
      upstream: ({ params, body }) => ({ method: 'PATCH', path: `/vault/lists/${enc(params.listId)}`, body }),
      shape: shapeVaultList,
    }),
    defineEndpoint({
      method: 'DELETE', url: '/v2/access/vault/lists/:listId', tag, summary: 'Delete a vault list', permission: 'vault:write',
      params: ListIdParams, reply: ResultReply,
      upstream: ({ params }) => ({ method: 'DELETE', path: `/vault/lists/${enc(params.listId)}` }),
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/vault/lists/:listId/media', tag, summary: 'Media in a vault list', permission: 'vault:read',
      params: ListIdParams, querystring: VaultListMediaQuery, reply: VaultMediaReply,
      upstream: ({ params, query }) => ({ method: 'GET', path: '/vault/media', query: vaultMediaQuery(query, params.listId) }),
      shape: shapeOffsetPage(shapeVaultMedia),
    }),
    defineEndpoint({
      method: 'POST', url: '/v2/access/vault/lists/:listId/media', tag, summary: 'Add media to a vault list', permission: 'vault:write',
      params: ListIdParams, body: VaultListAddMediaBody, reply: VaultList,
      // Upstream answers {success}; the SDK expects the list, so it is read back from the lists.
      run: async ({ params, body }, send) => {
        await send({ method: 'POST', path: `/vault/lists/${enc(params.listId)}/media`, body: { mediaIds: body.mediaIds } });
        return shapeVaultList(await findVaultList(send, params.listId));
      },
    }),
    defineEndpoint({
      method: 'GET', url: '/v2/access/vault/media', tag, summary: 'Vault media', permission: 'vault:read',
      querystring: VaultMediaQuery, reply: VaultMediaReply,
      upstream: ({ query }) => ({ method: 'GET', path: '/vault/media', query: vaultMediaQuery(query, query.listId) }),
      shape: shapeOffsetPage(shapeVaultMedia),
    }),
  ],
});
