// What an Access request needs to know about its connection (status, permissions, decrypted session, proxy,
// pacing), kept in memory so the hot path does not touch the database or the vault per request.
//
// Invalidation: every change to a connection row (invalidate, delete, rotate, settings, a Link reconnect with new
// permissions, an upstream "session expired") is announced with its transaction (connections/connection-changes.ts)
// and every node drops its snapshot when the announcement arrives, so a disconnected connection or a withdrawn
// permission stops Access calls at once, not after a cache lifetime. Changes this node makes itself from the
// pipeline drop the snapshot synchronously too. Beyond that a snapshot is trusted for SNAPSHOT_TTL_MS, then re-read
// (one connection row, one session row and the org's pacing; concurrent requests share the refresh): the bound for
// an announcement that was lost (a listener reconnecting) and for org settings, which are not announced. The session
// is decrypted again only when its stored blob changed. Unknown ids are cached too (negative entries), so a client
// looping on a wrong id costs one query per TTL, not one per request.
import { readOrgSettings, type PacingSettings } from '../account/settings.ts';
import { findOrg } from '../account/store.ts';
import { CONNECTION_CHANGED_CHANNEL } from '../connections/connection-changes.ts';
import { pacingOf, proxyUrlOf } from '../connections/connection-settings.ts';
import { loadConnectionSession } from '../connections/session-vault.ts';
import { findConnection, findSessionBlob, type ConnectionRow } from '../connections/store.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Environment } from '../platform/environment.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import type { UpstreamSession } from '../upstream/session.ts';

export const SNAPSHOT_TTL_MS = 2_000;
const MAX_SNAPSHOTS = 50_000;

export interface ConnectionSnapshot {
  id: string;
  orgId: string;
  environment: Environment;
  status: string;
  /** The OnlyFans user id of the account (for routes about "me", e.g. own posts). */
  platformUserId: string | null;
  permissions: ReadonlySet<string>;
  session: UpstreamSession | null;
  proxyUrl: string | null;
  pacing: PacingSettings;
  /** False for a raw session a proxy call carried: there is no stored connection to expire or meter. */
  isStored: boolean;
}

interface CacheEntry {
  snapshot: ConnectionSnapshot | null;
  loadedAt: number;
  /** The stored session blob the decrypted session came from (to skip decrypting an unchanged one). */
  sessionBlob: string | null;
}

export interface ConnectionSnapshots {
  /** The connection as this node last saw it (at most SNAPSHOT_TTL_MS old); null when it does not exist for this org/environment. */
  get(scope: TenantScope, connectionId: string): Promise<ConnectionSnapshot | null>;
  /** What get() would answer without waiting, when this node's copy is fresh; undefined when it must be (re)loaded. */
  peek(scope: TenantScope, connectionId: string): ConnectionSnapshot | null | undefined;
  /** Drops what this node knows about a connection (after it changed it). */
  forget(connectionId: string): void;
  /**
   * A raw session (a proxy call that carries one instead of a connection id) as a snapshot: nothing stored or read
   * but the org's pacing (cached like a snapshot). Its id keys pacing: per upstream user within the org.
   */
  rawSession(scope: TenantScope, userId: string, session: UpstreamSession): Promise<ConnectionSnapshot>;
}

/** The id a raw session is paced and metered under; never a connection id (those are conn_…). */
export function rawSessionId(orgId: string, userId: string): string {
  return `raw:${orgId}:${userId}`;
}

/** `maxEntries` bounds each of the two caches (connections, orgs' pacing): past it a cache starts over. */
export function createConnectionSnapshots(ctx: ServiceContext, now: () => number = Date.now, maxEntries = MAX_SNAPSHOTS): ConnectionSnapshots {
  const entries = new Map<string, CacheEntry>();
  /** Refreshes in flight. forget() removes a connection's: a refresh no longer listed here must not put back what it read. */
  const refreshing = new Map<string, Promise<CacheEntry>>();

  async function load(scope: TenantScope, connectionId: string, previous: CacheEntry | undefined): Promise<CacheEntry> {
    const loadedAt = now();
    const db = ctx.database.db;
    const row = await findConnection(db, scope, connectionId);
    if (!row) return { snapshot: null, loadedAt, sessionBlob: null };
    const blobRow = await findSessionBlob(db, scope.orgId, connectionId);
    const blob = blobRow?.blob ?? null;
    const session =
      // Stryker disable next-line ConditionalExpression: a shortcut; loadConnectionSession answers null for no blob too
      blob === null
        ? null
        : previous?.sessionBlob === blob && previous.snapshot
          ? previous.snapshot.session
          : await loadConnectionSession(db, ctx.vault, { orgId: scope.orgId, connectionId });
    const org = await findOrg(db, scope.orgId);
    // Stryker disable next-line OptionalChaining: the connection row's org always exists (foreign key, on delete cascade)
    return { snapshot: snapshotOf(ctx, row, session, readOrgSettings(org?.settings).pacing), loadedAt, sessionBlob: blob };
  }

  const orgPacing = new Map<string, { pacing: PacingSettings; loadedAt: number }>();
  async function orgPacingOf(orgId: string): Promise<PacingSettings> {
    const cached = orgPacing.get(orgId);
    if (cached && now() - cached.loadedAt < SNAPSHOT_TTL_MS) return cached.pacing;
    const loadedAt = now();
    const pacing = readOrgSettings((await findOrg(ctx.database.db, orgId))?.settings).pacing;
    if (orgPacing.size >= maxEntries) orgPacing.clear();
    orgPacing.set(orgId, { pacing, loadedAt });
    return pacing;
  }

  function keyOf(scope: TenantScope, connectionId: string): string {
    return `${connectionId}\u0000${scope.orgId}\u0000${scope.environment}`;
  }

  function forget(connectionId: string): void {
    for (const key of refreshing.keys()) if (key.startsWith(`${connectionId}\u0000`)) refreshing.delete(key);
    for (const key of entries.keys()) if (key.startsWith(`${connectionId}\u0000`)) entries.delete(key);
  }

  // Changes made by any node (this one included) arrive here once committed.
  // Stryker disable next-line BlockStatement: the warning when listening fails (a log line)
  ctx.database.listen(CONNECTION_CHANGED_CHANNEL, forget).catch((error: unknown) => {
    // Stryker disable next-line ObjectLiteral,StringLiteral: the warning's fields and text
    ctx.logger.warn({ err: error }, `connection changes from other nodes will apply after ${SNAPSHOT_TTL_MS} ms`);
  });

  return {
    peek(scope, connectionId) {
      const cached = entries.get(keyOf(scope, connectionId));
      return cached && now() - cached.loadedAt < SNAPSHOT_TTL_MS ? cached.snapshot : undefined;
    },
    async get(scope, connectionId) {
      const key = keyOf(scope, connectionId);
      const cached = entries.get(key);
      if (cached && now() - cached.loadedAt < SNAPSHOT_TTL_MS) return cached.snapshot;
      let pending = refreshing.get(key);
      if (!pending) {
        // Per connection, not a global counter: announcements of other connections' changes arrive all the time
        // and must not keep this one's refresh from being cached.
        const refresh: Promise<CacheEntry> = load(scope, connectionId, cached).then(
          (entry) => {
            if (refreshing.get(key) !== refresh) return entry;
            refreshing.delete(key);
            if (entries.size >= maxEntries && !entries.has(key)) entries.clear();
            entries.set(key, entry);
            return entry;
          },
          (error: unknown) => {
            if (refreshing.get(key) === refresh) refreshing.delete(key);
            throw error;
          },
        );
        refreshing.set(key, refresh);
        pending = refresh;
      }
      return (await pending).snapshot;
    },
    async rawSession(scope, userId, session) {
      return {
        id: rawSessionId(scope.orgId, userId),
        orgId: scope.orgId,
        environment: scope.environment,
        status: 'active',
        platformUserId: userId,
        permissions: new Set(),
        session,
        proxyUrl: null,
        pacing: await orgPacingOf(scope.orgId),
        isStored: false,
      };
    },
    forget,
  };
}

function snapshotOf(ctx: ServiceContext, row: ConnectionRow, session: UpstreamSession | null, orgPacing: PacingSettings): ConnectionSnapshot {
  return {
    id: row.id,
    orgId: row.orgId,
    environment: row.environment,
    status: row.status,
    platformUserId: row.platformUserId,
    permissions: new Set(row.permissions),
    session,
    proxyUrl: proxyUrlOf(ctx, row),
    pacing: pacingOf(row, orgPacing),
    isStored: true,
  };
}
