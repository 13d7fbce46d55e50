// Media seen in Access replies (vault media, messages, posts, stories, managed or raw proxy). Each file of each
// media object becomes a Vault+ row (edge_only at first) with one more sighting; it is queued for copying when the
// connection has Vault+ on and its settings cache that source (after minAccessCount sightings). A request with
// `x-vault-plus-urls: proxy` gets the reply's media URLs rewritten to the media proxy's signed URLs.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findConnection } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { findSeenMedia, mediaFilesOf } from './media-files.ts';
import type { VaultPlusRuntime } from './runtime.ts';
import { autoCacheRule, connectionVaultPlus, qualitiesToStore } from './settings.ts';
import { recordMediaSightings } from './store.ts';
import type { VaultPlusSource } from './tables.ts';

export const REWRITE_HEADER = 'x-vault-plus-urls';
const ALL_QUALITIES = ['thumb', 'preview', 'full', 'square', '720p', '240p'];

/** Which Vault+ source an Access path reads. */
export function sourceOfAccessPath(url: string): VaultPlusSource | null {
  const path = url.split('?')[0];
  if (/\/vault(\/|$)/.test(path)) return 'vault';
  if (/\/(chats|messages|mass-messages)(\/|$)/.test(path)) return 'messages';
  if (/\/stories(\/|$)/.test(path)) return 'stories';
  if (/\/posts(\/|$)/.test(path)) return 'posts';
  return null;
}

const isUpstreamId = (value: unknown): value is number | string => (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^\d{1,20}$/.test(value));

/** A message read again: its chat's messages, newest first, starting just after its id (the first is the message). */
const messageRef = (chatUserId: number | string, messageId: number | string) => `/chats/${chatUserId}/messages?limit=1&id=${BigInt(messageId) + 1n}`;

/**
 * Where media seen in a reply is read again for a fresh CDN URL (vaultPlusMedia.sourceRef): a post by its id; a
 * message through its chat (the chat's user is in the path, or, in the chat list, the chat's withUser); vault
 * media and anything else by media id (null).
 */
function sourceRefReader(source: VaultPlusSource | null, url: string): (value: Record<string, unknown>) => string | null {
  if (source === 'posts') return (value) => (Array.isArray(value.media) && isUpstreamId(value.id) ? `/posts/${value.id}` : null);
  if (source !== 'messages') return () => null;
  const pathChatUserId = /\/chats\/(\d{1,20})\//.exec(url.split('?')[0])?.[1];
  return (value) => {
    // A chat in the chat list: its last message, through the chat's user.
    const withUserId = (value.withUser as { id?: unknown } | undefined)?.id;
    const lastMessageId = (value.lastMessage as { id?: unknown } | undefined)?.id;
    if (isUpstreamId(withUserId) && isUpstreamId(lastMessageId)) return messageRef(withUserId, lastMessageId);
    if (!pathChatUserId) return null;
    // A message holds its media; chat media (GET /chats/{userId}/media) names its message.
    const messageId = Array.isArray(value.media) ? value.id : value.messageId;
    return isUpstreamId(messageId) ? messageRef(pathChatUserId, messageId) : null;
  };
}

async function handleAccessReply(ctx: ServiceContext, runtime: VaultPlusRuntime, request: FastifyRequest, payload: string): Promise<string> {
  const wantsProxyUrls = request.headers[REWRITE_HEADER] === 'proxy';
  const source = sourceOfAccessPath(request.url);
  if (!source && !wantsProxyUrls) return payload;
  const connectionId = request.headers['x-connection-id'];
  if (typeof connectionId !== 'string') return payload;
  const scope: TenantScope = { orgId: request.auth.orgId, environment: request.auth.environment };
  const connection = await findConnection(ctx.database.db, scope, connectionId);
  if (!connection) return payload;
  const vaultPlus = await connectionVaultPlus(ctx, scope, connection);
  const rule = source ? autoCacheRule(vaultPlus.settings, source) : { isOn: false, minAccessCount: 0 };
  const caches = vaultPlus.enabled && rule.isOn;
  if (!caches && !wantsProxyUrls) return payload;
  let body: unknown;
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  const media = findSeenMedia(body, sourceRefReader(source, request.url));
  if (media.length === 0) return payload;
  const kept = new Set(caches ? ['image', 'video', 'audio'].flatMap((type) => qualitiesToStore(vaultPlus.settings, type as 'image')) : []);
  const files = media.flatMap((seen) => mediaFilesOf(seen.media, () => (wantsProxyUrls ? ALL_QUALITIES : [...kept]), seen.sourceRef));
  // Rows for what is kept are queued; the others (proxy URLs only) just stay at the edge.
  const queued = files.filter((file) => kept.has(file.quality) && qualitiesToStore(vaultPlus.settings, file.type).includes(file.quality));
  const others = files.filter((file) => !queued.includes(file));
  const now = ctx.clock.now();
  const rows = [
    ...(await recordMediaSightings(ctx.database.db, scope, connection.id, queued, source ?? 'vault', now, caches ? { minAccessCount: rule.minAccessCount } : null)),
    ...(await recordMediaSightings(ctx.database.db, scope, connection.id, others, source ?? 'vault', now, null)),
  ];
  if (!wantsProxyUrls) return payload;
  let rewritten = payload;
  for (const file of files) {
    const row = rows.find((r) => r.mediaId === file.mediaId && r.quality === file.quality);
    if (row) rewritten = rewritten.split(JSON.stringify(file.url).slice(1, -1)).join(await runtime.urls.urlFor(row, vaultPlus.settings.presignedUrlTtlSeconds));
  }
  return rewritten;
}

export function installAccessMediaHook(app: HttpApp, ctx: ServiceContext, runtime: VaultPlusRuntime): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (!request.url.startsWith('/v2/access/') || reply.statusCode >= 300 || typeof payload !== 'string' || !payload.includes('"files"')) return payload;
    try {
      return await handleAccessReply(ctx, runtime, request, payload);
    } catch (error) {
      // The Access reply goes out as it was: Vault+ bookkeeping never fails a call.
      request.log.warn({ err: error instanceof Error ? { message: error.message } : error }, 'vault+ could not record the reply\'s media');
      return payload;
    }
  });
}
