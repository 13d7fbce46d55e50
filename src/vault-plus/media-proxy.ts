// GET /media/{itemId}?expires=…&sig=…: the media proxy. No API key (an <img> cannot send one): the URL's signature,
// made with the item's own org key, is the credential, so one org's URL never opens another org's media.
//   stored   → from storage: Range (206/416), ETag (the content hash) and If-None-Match (304), its content type;
//   otherwise → streamed from the upstream CDN through the connection's session and proxy (Range passed on; an
//               expired CDN URL refreshed once), and queued for storage when the settings cache its source.
// Either way the body is a stream from end to end: never a whole file in memory.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { and, eq, inArray } from 'drizzle-orm';
import { proxyUrlOf } from '../connections/connection-settings.ts';
import { findConnection } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { contentRangeOf, parseByteRange } from '../platform/http/byte-range.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import { usableSessionOf } from './connection.ts';
import { freshMediaUrl } from './refresh-url.ts';
import type { VaultPlusRuntime } from './runtime.ts';
import { autoCacheRule, connectionVaultPlus, qualitiesToStore } from './settings.ts';
import { findMediaRowAcrossOrgs, type MediaRow } from './store.ts';
import { vaultPlusMedia } from './tables.ts';

const refused = () => new ApiError('FORBIDDEN', 'This media URL is not valid or has expired', { details: { field: 'sig' } });

/** Whether the request's If-None-Match names this ETag (a list, or *). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim().replace(/^W\//, '');
    return value === '*' || value === etag;
  });
}

async function serveStored(runtime: VaultPlusRuntime, row: MediaRow, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
  if (row.status !== 'stored' || !row.contentHash) return false;
  const etag = `"${row.contentHash}"`;
  reply.header('etag', etag).header('accept-ranges', 'bytes').header('content-type', row.contentType ?? 'application/octet-stream');
  if (matchesEtag(request.headers['if-none-match'], etag)) {
    reply.code(304).send();
    return true;
  }
  const size = row.sizeBytes;
  const asked = parseByteRange(request.headers.range, size);
  if (!asked.satisfiable) {
    reply.code(416).header('content-range', contentRangeOf(null, size)).send();
    return true;
  }
  const storage = await runtime.storage();
  const stream = await storage.open(row.contentHash, asked.range);
  // The bytes went missing from the backend (removed out of band): serve from the upstream instead.
  if (!stream) return false;
  if (asked.range) reply.code(206).header('content-range', contentRangeOf(asked.range, size)).header('content-length', asked.range.end - asked.range.start + 1);
  else reply.header('content-length', size);
  reply.send(stream);
  return true;
}

const PASSED_ON = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified'];

async function serveFromUpstream(ctx: ServiceContext, runtime: VaultPlusRuntime, row: MediaRow, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const scope: TenantScope = { orgId: row.orgId, environment: row.environment };
  const connection = await findConnection(ctx.database.db, scope, row.connectionId);
  if (!connection) throw new ApiError('RESOURCE_NOT_FOUND', 'The media\'s connection is gone');
  const session = await usableSessionOf(ctx, connection);
  const upstream = ctx.upstreams.forEnvironment(scope.environment);
  const fetchOptions = { upstreamBaseUrl: upstream.baseUrl, proxyUrl: proxyUrlOf(ctx, connection), range: request.headers.range };
  let upstreamReply = row.sourceUrl ? await runtime.fetcher.fetch(session, row.sourceUrl, fetchOptions) : null;
  if (!upstreamReply || upstreamReply.status === 403 || upstreamReply.status === 410) {
    upstreamReply?.body.resume();
    const fresh = await freshMediaUrl(upstream, session, row, { proxyUrl: fetchOptions.proxyUrl });
    if (!fresh) throw new ApiError('RESOURCE_NOT_FOUND', 'The upstream no longer has this media');
    await ctx.database.db.update(vaultPlusMedia).set({ sourceUrl: fresh, updatedAt: ctx.clock.now() }).where(eq(vaultPlusMedia.id, row.id));
    upstreamReply = await runtime.fetcher.fetch(session, fresh, fetchOptions);
  }
  if (upstreamReply.status !== 200 && upstreamReply.status !== 206 && upstreamReply.status !== 416) {
    upstreamReply.body.resume();
    throw new ApiError('UPSTREAM_ERROR', `The upstream CDN answered ${upstreamReply.status}`);
  }
  await queueIfCached(ctx, scope, connection, row);
  reply.code(upstreamReply.status);
  for (const name of PASSED_ON) {
    const value = upstreamReply.headers[name];
    if (value !== undefined) reply.header(name, value);
  }
  reply.send(upstreamReply.body);
}

/**
 * A proxied file is queued for storage when the settings cache its source and keep its quality (a full-size photo
 * proxied for a connection that keeps thumbnails stays at the edge); once: a failed one stays at the edge.
 */
async function queueIfCached(ctx: ServiceContext, scope: TenantScope, connection: Parameters<typeof connectionVaultPlus>[2], row: MediaRow): Promise<void> {
  if (row.status !== 'edge_only' && row.status !== 'removed') return;
  const vaultPlus = await connectionVaultPlus(ctx, scope, connection);
  if (!vaultPlus.enabled || !autoCacheRule(vaultPlus.settings, row.source).isOn) return;
  if (!qualitiesToStore(vaultPlus.settings, row.type).includes(row.quality)) return;
  const now = ctx.clock.now();
  await ctx.database.db
    .update(vaultPlusMedia)
    .set({ status: 'pending', dueAt: now, attempts: 0, lastError: null, storedAt: null, contentHash: null, sizeBytes: 0, updatedAt: now })
    .where(and(eq(vaultPlusMedia.id, row.id), inArray(vaultPlusMedia.status, ['edge_only', 'removed'])));
}

export interface SignedMediaUrl {
  itemId: string;
  expires: number;
  sig: string;
}

export async function serveProxiedMedia(ctx: ServiceContext, runtime: VaultPlusRuntime, url: SignedMediaUrl, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const row = await findMediaRowAcrossOrgs(ctx.database.db, url.itemId);
  if (!row || !(await runtime.urls.isValid(row, url.expires, url.sig))) throw refused();
  reply.header('cache-control', `private, max-age=${Math.max(0, url.expires - Math.floor(ctx.clock.now().getTime() / 1000))}`);
  runtime.countAccess(row.id);
  if (await serveStored(runtime, row, request, reply)) return;
  await serveFromUpstream(ctx, runtime, row, request, reply);
}
