// One copy: a claimed media row's file fetched from the upstream CDN through the connection's session, user agent
// and proxy (one Access pacing token per fetch), streamed into storage, and recorded under the quota.
//   - the CDN URL expired (403/410): the item is read again through the upstream for a fresh URL (where it was seen:
//     its post or message, or the vault by id), once per attempt;
//   - pacing has no token: the row waits until one is due, without counting an attempt;
//   - anything else fails the attempt: retried with exponential backoff, left at the edge after MAX_ATTEMPTS;
//   - the quota: the strategy evicts stored rows (oldest, largest or smallest first) to make room, or block_new
//     leaves the new file at the edge.
// Every write is made only while this worker still holds the row's lease (a worker whose lease ran out and was
// taken over writes nothing), so a copy through a killed worker is simply done again by the next one.
import { and, eq, sql } from 'drizzle-orm';
import type { Readable } from 'node:stream';
import { proxyUrlOf } from '../connections/connection-settings.ts';
import { findConnection, type ConnectionRow } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import { ApiError } from '../platform/errors.ts';
import { extendLease, holdsLease, type ClaimedRow } from '../platform/leases.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamSession } from '../upstream/session.ts';
import { usableSessionOf } from './connection.ts';
import { freshMediaUrl } from './refresh-url.ts';
import { releaseUnreferencedBytes, removeRowsIn } from './remove.ts';
import type { VaultPlusRuntime } from './runtime.ts';
import { connectionVaultPlus, type ConnectionVaultPlus } from './settings.ts';
import { COPY_QUEUE, evictionCandidates, findClaimedRow, storedBytesOf, type EvictionOrder, type MediaRow } from './store.ts';
import { vaultPlusMedia } from './tables.ts';

export const MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

export interface CopyDeps {
  ctx: ServiceContext;
  runtime: VaultPlusRuntime;
  leaseMs: number;
  signal: AbortSignal;
}

/** A failure that is not the copy's fault and does not count as an attempt (pacing). */
class CopyDeferred extends Error {
  constructor(readonly retryAfterMs: number) {
    super('deferred');
  }
}

class UrlExpired extends Error {}

const held = (claimed: ClaimedRow) => holdsLease(COPY_QUEUE, claimed);

async function spendToken(ctx: ServiceContext, connectionId: string, vaultPlus: ConnectionVaultPlus): Promise<void> {
  const decision = await ctx.rateLimiters.consume('access', { perMinute: vaultPlus.pacing.requestsPerMinute, burst: vaultPlus.pacing.burst }, connectionId);
  if (!decision.allowed) throw new CopyDeferred(Math.max(1, decision.retryAfterSeconds) * 1000);
}

async function fetchFile(deps: CopyDeps, connection: ConnectionRow, session: UpstreamSession, url: string): Promise<{ body: Readable; contentType: string | null }> {
  const upstream = deps.ctx.upstreams.forEnvironment(connection.environment as TenantScope['environment']);
  const reply = await deps.runtime.fetcher.fetch(session, url, { upstreamBaseUrl: upstream.baseUrl, proxyUrl: proxyUrlOf(deps.ctx, connection), signal: deps.signal });
  if (reply.status === 200) return { body: reply.body, contentType: reply.headers['content-type']?.split(';')[0]?.trim() ?? null };
  reply.body.resume();
  if (reply.status === 403 || reply.status === 410) throw new UrlExpired(`the CDN refused the URL (${reply.status})`);
  throw new Error(`the CDN answered ${reply.status}`);
}

/** A fresh CDN URL for the row's quality: the item read again through the upstream where it was seen. */
async function refreshUrl(deps: CopyDeps, connection: ConnectionRow, session: UpstreamSession, vaultPlus: ConnectionVaultPlus, row: MediaRow): Promise<string> {
  await spendToken(deps.ctx, connection.id, vaultPlus);
  const upstream = deps.ctx.upstreams.forEnvironment(connection.environment as TenantScope['environment']);
  const url = await freshMediaUrl(upstream, session, row, { proxyUrl: proxyUrlOf(deps.ctx, connection), signal: deps.signal });
  if (!url) throw new Error(`the upstream item ${row.mediaId} has no ${row.quality} file any more`);
  return url;
}

async function fetchWithRefresh(deps: CopyDeps, claim: HeldClaim, connection: ConnectionRow, session: UpstreamSession, vaultPlus: ConnectionVaultPlus, row: MediaRow) {
  await spendToken(deps.ctx, connection.id, vaultPlus);
  try {
    if (!row.sourceUrl) throw new UrlExpired('no URL yet');
    return await fetchFile(deps, connection, session, row.sourceUrl);
  } catch (error) {
    if (!(error instanceof UrlExpired)) throw error;
  }
  const fresh = await refreshUrl(deps, connection, session, vaultPlus, row);
  await deps.ctx.database.db.update(vaultPlusMedia).set({ sourceUrl: fresh, updatedAt: deps.ctx.clock.now() }).where(held(claim.current));
  await spendToken(deps.ctx, connection.id, vaultPlus);
  return fetchFile(deps, connection, session, fresh);
}

/** Stores the copy under the quota, in one transaction per connection (an advisory lock serialises its copies). */
async function recordStored(deps: CopyDeps, claimed: ClaimedRow, scope: TenantScope, row: MediaRow, vaultPlus: ConnectionVaultPlus, stored: { hash: string; sizeBytes: number; contentType: string | null }) {
  const { ctx } = deps;
  const now = ctx.clock.now();
  const limit = vaultPlus.settings.storageLimitBytes;
  const strategy = vaultPlus.settings.storageLimitPurgeStrategy;
  const outcome = await ctx.database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`vault-plus:${row.connectionId}`}))`);
    const used = await storedBytesOf(tx, scope, row.connectionId);
    let evicted: MediaRow[] = [];
    if (used + stored.sizeBytes > limit) {
      const canEvict = strategy !== 'block_new' && stored.sizeBytes <= limit;
      if (!canEvict) {
        await tx
          .update(vaultPlusMedia)
          .set({ status: 'edge_only', lastError: 'storage_limit_reached', dueAt: null, leaseUntil: null, updatedAt: now })
          .where(held(claimed));
        return { kept: false, evicted };
      }
      const order: EvictionOrder = strategy === 'purge_largest' || strategy === 'purge_smallest' ? strategy : 'purge_oldest';
      let room = limit - used;
      const victims: string[] = [];
      for (const candidate of await evictionCandidates(tx, scope, row.connectionId, order, row.id)) {
        if (room >= stored.sizeBytes) break;
        victims.push(candidate.id);
        room += candidate.sizeBytes;
      }
      evicted = (await removeRowsIn(tx, scope, row.connectionId, victims, now)).removed;
    }
    const retentionMs = vaultPlus.settings.retentionDays > 0 ? vaultPlus.settings.retentionDays * 86_400_000 : null;
    const updated = await tx
      .update(vaultPlusMedia)
      .set({
        status: 'stored',
        contentHash: stored.hash,
        sizeBytes: stored.sizeBytes,
        contentType: stored.contentType,
        storedAt: now,
        expiresAt: retentionMs === null ? null : new Date(now.getTime() + retentionMs),
        lastError: null,
        dueAt: null,
        leaseUntil: null,
        updatedAt: now,
      })
      .where(held(claimed))
      .returning({ id: vaultPlusMedia.id });
    if (updated.length === 0) throw new LeaseLost();
    return { kept: true, evicted };
  });
  await releaseUnreferencedBytes(ctx, deps.runtime, [...outcome.evicted.map((r) => r.contentHash), ...(outcome.kept ? [] : [stored.hash])]);
}

class LeaseLost extends Error {
  constructor() {
    super('the lease was taken over');
  }
}

/** The claim as it stands: extending the lease replaces it (the new lease_until is the fencing token). */
interface HeldClaim {
  current: ClaimedRow;
}

/** Keeps the lease while a long file streams; aborts the copy if it is lost. */
function holdLeaseWhile<T>(deps: CopyDeps, claim: HeldClaim, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onStop = () => abort.abort();
  deps.signal.addEventListener('abort', onStop);
  const timer = setInterval(() => {
    extendLease(deps.ctx.database.db, COPY_QUEUE, claim.current, deps.ctx.clock.now(), deps.leaseMs)
      .then((next) => {
        if (next) claim.current = next;
        else abort.abort(new LeaseLost());
      })
      .catch(() => {});
  }, Math.max(100, Math.floor(deps.leaseMs / 3)));
  return work(abort.signal).finally(() => {
    clearInterval(timer);
    deps.signal.removeEventListener('abort', onStop);
  });
}

async function recordFailure(deps: CopyDeps, claimed: ClaimedRow, row: MediaRow, error: unknown): Promise<void> {
  const now = deps.ctx.clock.now();
  if (error instanceof CopyDeferred) {
    await deps.ctx.database.db
      .update(vaultPlusMedia)
      .set({ status: 'pending', dueAt: new Date(now.getTime() + error.retryAfterMs), leaseUntil: null, updatedAt: now })
      .where(held(claimed));
    return;
  }
  const attempts = row.attempts + 1;
  const message = error instanceof ApiError ? `${error.type}: ${error.message}` : error instanceof Error ? error.message : String(error);
  const givesUp = attempts >= MAX_ATTEMPTS || (error instanceof ApiError && (error.type === 'SESSION_EXPIRED' || error.type === 'RESOURCE_NOT_FOUND'));
  await deps.ctx.database.db
    .update(vaultPlusMedia)
    .set({
      status: givesUp ? 'edge_only' : 'pending',
      attempts,
      lastError: message.slice(0, 500),
      dueAt: givesUp ? null : new Date(now.getTime() + backoffMs(attempts)),
      leaseUntil: null,
      updatedAt: now,
    })
    .where(held(claimed));
}

/** Copies one claimed row; never throws (failures are recorded on the row for a retry). */
export async function copyMediaRow(deps: CopyDeps, claimed: ClaimedRow): Promise<void> {
  const { ctx } = deps;
  const row = await findClaimedRow(ctx.database.db, claimed.id);
  if (!row || (row.status !== 'pending' && row.status !== 'storing')) return;
  const scope: TenantScope = { orgId: row.orgId, environment: row.environment };
  const claim: HeldClaim = { current: claimed };
  try {
    const connection = await findConnection(ctx.database.db, scope, row.connectionId);
    if (!connection) throw new ApiError('RESOURCE_NOT_FOUND', 'The connection is gone');
    const session = await usableSessionOf(ctx, connection);
    const vaultPlus = await connectionVaultPlus(ctx, scope, connection);
    await ctx.database.db.update(vaultPlusMedia).set({ status: 'storing', updatedAt: ctx.clock.now() }).where(and(held(claimed), eq(vaultPlusMedia.id, row.id)));
    await holdLeaseWhile(deps, claim, async (signal) => {
      const file = await fetchWithRefresh({ ...deps, signal }, claim, connection, session, vaultPlus, row);
      const storage = await deps.runtime.storage();
      const stored = await storage.put(file.body, signal);
      await recordStored(deps, claim.current, scope, row, vaultPlus, { ...stored, contentType: file.contentType });
    });
  } catch (error) {
    if (error instanceof LeaseLost || deps.signal.aborted) return;
    ctx.logger.warn({ err: error instanceof Error ? { message: error.message } : error, mediaRowId: row.id, connectionId: row.connectionId }, 'vault+ copy failed');
    await recordFailure(deps, claim.current, row, error).catch(() => {});
  }
}
