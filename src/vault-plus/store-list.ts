// POST /v2/vault-plus/store/list/{listId}: reads a vault list's media from the upstream (through the connection's
// session and proxy, paced like Access calls) and queues every file the settings keep for the copy worker.
import type { ConnectionRow } from '../connections/store.ts';
import { proxyUrlOf } from '../connections/connection-settings.ts';
import type { ServiceContext } from '../platform/context.ts';
import { badRequest } from '../platform/errors.ts';
import { rateLimitExceeded } from '../platform/rate-limits.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { usableSessionOf } from './connection.ts';
import { isUpstreamMedia, mediaFilesOf } from './media-files.ts';
import { connectionVaultPlus, qualitiesToStore, type ConnectionVaultPlus } from './settings.ts';
import { queueMediaFiles } from './store.ts';

const PAGE_SIZE = 100;
/** A list longer than this is queued in part (the rest on a later call). */
const MAX_PAGES = 50;

export interface QueuedList {
  queued: boolean;
  listId: string;
  estimatedItems: number;
}

/** Spends one of the connection's Access pacing tokens, or refuses with a 429 like an Access call would. */
export async function spendPacingToken(ctx: ServiceContext, connectionId: string, vaultPlus: ConnectionVaultPlus): Promise<void> {
  const decision = await ctx.rateLimiters.consume('access', { perMinute: vaultPlus.pacing.requestsPerMinute, burst: vaultPlus.pacing.burst }, connectionId);
  if (!decision.allowed) throw rateLimitExceeded(decision, 'this connection');
}

async function readListMedia(ctx: ServiceContext, row: ConnectionRow, session: UpstreamSession, vaultPlus: ConnectionVaultPlus, listId: string): Promise<unknown[]> {
  const client = ctx.upstreams.forEnvironment(row.environment as TenantScope['environment']);
  const media: unknown[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    await spendPacingToken(ctx, row.id, vaultPlus);
    const query = { list: listId, limit: PAGE_SIZE, offset: page * PAGE_SIZE, field: 'recent', sort: 'desc' };
    const reply = await client.request<{ list?: unknown[]; hasMore?: boolean }>(session, { method: 'GET', path: '/vault/media', query, proxyUrl: proxyUrlOf(ctx, row) });
    const list = Array.isArray(reply.body?.list) ? reply.body.list : [];
    media.push(...list);
    if (!reply.body?.hasMore || list.length === 0) break;
  }
  return media;
}

export async function queueVaultList(ctx: ServiceContext, scope: TenantScope, row: ConnectionRow, listId: string): Promise<QueuedList> {
  if (!/^(\d{1,20}|all)$/.test(listId)) throw badRequest('listId must be a vault list id (digits) or "all"', 'listId');
  const session = await usableSessionOf(ctx, row);
  const vaultPlus = await connectionVaultPlus(ctx, scope, row);
  const media = (await readListMedia(ctx, row, session, vaultPlus, listId)).filter(isUpstreamMedia);
  const files = media.flatMap((item) => mediaFilesOf(item, (type) => qualitiesToStore(vaultPlus.settings, type)));
  await queueMediaFiles(ctx.database.db, scope, row.id, files, 'vault', ctx.clock.now());
  return { queued: true, listId, estimatedItems: media.length };
}
