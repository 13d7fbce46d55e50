// The connection guard of every Access call, rule by rule: the store's tenant scoping, the connection snapshot's
// lifetime and invalidation, the encrypted session it reads, and the pipeline's refusals in order (header →
// connection of this org and environment → status → session → permission → pacing).
import { sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessPipeline, type AccessPipeline } from '../../src/access/access-pipeline.ts';
import { listConnectionRequestLog } from '../../src/access/request-log/store.ts';
import { createConnectionSnapshots, rawSessionId, SNAPSHOT_TTL_MS } from '../../src/access/connection-snapshots.ts';
import { readOrgSettings } from '../../src/account/settings.ts';
import { updateOrgSettingsRow } from '../../src/account/store.ts';
import { CONNECTION_CHANGED_CHANNEL } from '../../src/connections/connection-changes.ts';
import { destroyConnectionSession, loadConnectionSession, storeConnectionSession } from '../../src/connections/session-vault.ts';
import {
  deleteSessionBlob,
  expireIfActive,
  findActiveConnectionForUser,
  findConnection,
  findConnectionForUpdate,
  findSessionBlob,
  insertConnection,
  isOneActivePerUserViolation,
  listConnections,
  updateConnection,
  upsertSessionBlob,
} from '../../src/connections/store.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { newId } from '../../src/platform/ids.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';
import { BACKENDS } from '../support/databases.ts';
import { createOrg } from '../support/orgs.ts';
import { eventually, WORKER_PROGRESS_TIMEOUT_MS } from '../support/eventually.ts';
import { createGuardContext, type GuardContext } from '../support/guard-context.ts';
import { refusalOf } from '../support/refusals.ts';

const session = (n: number | string) => ({ cookie: `auth_id=${n}; sess=s${n}; fp=f${n}`, userAgent: `UA ${n}`, xBc: `xbc${n}` });

describe.each(BACKENDS)('the connection guard (%s)', (backend) => {
  // The modules on a bare database, no service: `npm run mutate` pays this set-up again for every mutant.
  let guard: GuardContext;
  let ctx: ServiceContext;
  let userCounter = 0;
  const db = () => guard.database.handle.db;

  beforeAll(async () => {
    guard = await createGuardContext(backend);
    ctx = guard.ctx;
  });
  afterAll(async () => guard?.close());

  /** A fresh org with a sandbox and a live scope. */
  async function tenant(): Promise<{ sandbox: TenantScope; live: TenantScope }> {
    const orgId = await createOrg(guard.database.handle, 'Guard org');
    return { sandbox: { orgId, environment: 'sandbox' }, live: { orgId, environment: 'live' } };
  }

  async function connection(
    scope: TenantScope,
    options: { status?: string; permissions?: string[]; withSession?: boolean; imported?: boolean; createdAt?: Date; platformUserId?: string } = {},
  ) {
    const now = options.createdAt ?? new Date();
    const row = await insertConnection(db(), {
      id: newId('connection'),
      orgId: scope.orgId,
      environment: scope.environment,
      status: options.status ?? 'active',
      platformUserId: options.platformUserId ?? String(900000 + ++userCounter),
      permissions: options.permissions ?? ['posts:read'],
      imported: options.imported ?? true,
      createdAt: now,
      updatedAt: now,
    });
    if (options.withSession !== false) await storeConnectionSession(db(), ctx.vault, { orgId: scope.orgId, connectionId: row.id }, session(row.id), now);
    return row;
  }

  describe('store scoping', () => {
    it('a connection is found only in its own org and environment, and only while visible', async () => {
      const a = await tenant();
      const b = await tenant();
      const row = await connection(a.sandbox);
      expect((await findConnection(db(), a.sandbox, row.id))?.id).toBe(row.id);
      expect((await findConnectionForUpdate(db(), a.sandbox, row.id))?.id).toBe(row.id);
      for (const scope of [a.live, b.sandbox]) {
        expect(await findConnection(db(), scope, row.id)).toBeUndefined();
        expect(await findConnectionForUpdate(db(), scope, row.id)).toBeUndefined();
      }
      expect(await findConnection(db(), a.sandbox, 'conn_missing')).toBeUndefined();
      for (const status of ['expired', 'awaiting_2fa']) {
        const visible = await connection(a.sandbox, { status });
        expect((await findConnection(db(), a.sandbox, visible.id))?.status).toBe(status);
      }
      for (const status of ['pending', 'failed', 'disconnected']) {
        const hidden = await connection(a.sandbox, { status });
        expect(await findConnection(db(), a.sandbox, hidden.id)).toBeUndefined();
        expect(await findConnectionForUpdate(db(), a.sandbox, hidden.id)).toBeUndefined();
      }
    });

    it('the active connection of an upstream user is looked up within the org and environment, active only', async () => {
      const a = await tenant();
      const b = await tenant();
      const row = await connection(a.sandbox, { platformUserId: 'u-shared' });
      await connection(b.sandbox, { platformUserId: 'u-shared' });
      await connection(a.live, { platformUserId: 'u-shared' });
      await connection(a.sandbox, { platformUserId: 'u-shared', status: 'expired' });
      expect((await findActiveConnectionForUser(db(), a.sandbox, 'u-shared'))?.id).toBe(row.id);
      expect(await findActiveConnectionForUser(db(), a.sandbox, 'u-other')).toBeUndefined();
      await expireIfActive(db(), a.sandbox, row.id, new Date());
      expect(await findActiveConnectionForUser(db(), a.sandbox, 'u-shared')).toBeUndefined();
    });

    it('one active connection per org, environment and upstream user: the second is a violation the store recognises', async () => {
      const a = await tenant();
      await connection(a.sandbox, { platformUserId: 'u-twice' });
      const error = await connection(a.sandbox, { platformUserId: 'u-twice' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).not.toBeNull();
      expect(isOneActivePerUserViolation(error)).toBe(true);
      expect(isOneActivePerUserViolation(new Error('other'))).toBe(false);
    });

    it('lists page newest first within the org and environment, visible statuses unless one is asked for, with hasMore', async () => {
      const a = await tenant();
      const b = await tenant();
      const base = Date.now();
      const rows = [];
      for (let i = 0; i < 4; i++) rows.push(await connection(a.sandbox, { createdAt: new Date(base + i * 1000), imported: i % 2 === 0 }));
      const hidden = await connection(a.sandbox, { status: 'disconnected', createdAt: new Date(base + 9000) });
      await connection(a.live, { createdAt: new Date(base + 9000) });
      await connection(b.sandbox, { createdAt: new Date(base + 9000) });
      const newestFirst = [...rows].reverse().map((r) => r.id);

      const first = await listConnections(db(), a.sandbox, { limit: 3, offset: 0 });
      expect(first.rows.map((r) => r.id)).toEqual(newestFirst.slice(0, 3));
      expect(first.hasMore).toBe(true);
      const second = await listConnections(db(), a.sandbox, { limit: 3, offset: 3 });
      expect(second.rows.map((r) => r.id)).toEqual(newestFirst.slice(3));
      expect(second.hasMore).toBe(false);
      const exact = await listConnections(db(), a.sandbox, { limit: 4, offset: 0 });
      expect(exact.rows).toHaveLength(4);
      expect(exact.hasMore).toBe(false);

      const disconnected = await listConnections(db(), a.sandbox, { status: 'disconnected', limit: 10, offset: 0 });
      expect(disconnected.rows.map((r) => r.id)).toEqual([hidden.id]);
      const imported = await listConnections(db(), a.sandbox, { imported: true, limit: 10, offset: 0 });
      expect(imported.rows.map((r) => r.id)).toEqual([rows[2].id, rows[0].id]);
      const notImported = await listConnections(db(), a.sandbox, { imported: false, limit: 10, offset: 0 });
      expect(notImported.rows.map((r) => r.id)).toEqual([rows[3].id, rows[1].id]);
    });

    it('the same creation time orders by id, newest id first', async () => {
      const a = await tenant();
      const at = new Date();
      const x = await connection(a.sandbox, { createdAt: at });
      const y = await connection(a.sandbox, { createdAt: at });
      const listed = await listConnections(db(), a.sandbox, { limit: 10, offset: 0 });
      expect(listed.rows.map((r) => r.id)).toEqual([x.id, y.id].sort().reverse());
    });

    it('updates and expiry change only the scope\'s row; expiring twice reports the change once', async () => {
      const a = await tenant();
      const b = await tenant();
      const row = await connection(a.sandbox);
      expect(await updateConnection(db(), b.sandbox, row.id, { clientReferenceId: 'foreign' })).toBeUndefined();
      expect(await updateConnection(db(), a.live, row.id, { clientReferenceId: 'foreign' })).toBeUndefined();
      expect((await updateConnection(db(), a.sandbox, row.id, { clientReferenceId: 'mine' })).clientReferenceId).toBe('mine');
      const at = new Date();
      expect(await expireIfActive(db(), b.sandbox, row.id, at)).toBeUndefined();
      expect(await expireIfActive(db(), a.live, row.id, at)).toBeUndefined();
      const expired = await expireIfActive(db(), a.sandbox, row.id, at);
      expect(expired).toMatchObject({ status: 'expired', expiredAt: at, updatedAt: at });
      expect(await expireIfActive(db(), a.sandbox, row.id, at)).toBeUndefined();
      const other = await connection(a.sandbox, { status: 'awaiting_2fa' });
      expect(await expireIfActive(db(), a.sandbox, other.id, at)).toBeUndefined();
    });

    it('an update or expiry is announced to every node, only when it changed a row', async () => {
      const a = await tenant();
      const b = await tenant();
      const row = await connection(a.sandbox);
      const marker = await connection(a.sandbox);
      const heard: string[] = [];
      const unlisten = await guard.database.handle.listen(CONNECTION_CHANGED_CHANNEL, (id) => heard.push(id));
      try {
        await updateConnection(db(), b.sandbox, row.id, { clientReferenceId: 'foreign' });
        await expireIfActive(db(), b.sandbox, row.id, new Date());
        await expireIfActive(db(), a.sandbox, row.id, new Date());
        await expireIfActive(db(), a.sandbox, row.id, new Date());
        await updateConnection(db(), a.sandbox, marker.id, { clientReferenceId: 'mine' });
        // Announcements arrive in commit order: once the last one is in, every earlier one is too.
        await eventually(() => heard.includes(marker.id), { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, what: 'the update announced' });
        expect(heard).toEqual([row.id, marker.id]);
      } finally {
        await unlisten();
      }
    });

    it('a session blob is read and deleted only with its own org; storing again replaces it', async () => {
      const a = await tenant();
      const b = await tenant();
      const row = await connection(a.sandbox, { withSession: false });
      const target = { orgId: a.sandbox.orgId, connectionId: row.id };
      expect(await loadConnectionSession(db(), ctx.vault, target)).toBeNull();
      await storeConnectionSession(db(), ctx.vault, target, { ...session(1), extra: 'dropped' } as never, new Date());
      expect(await loadConnectionSession(db(), ctx.vault, target)).toEqual(session(1));
      expect(await loadConnectionSession(db(), ctx.vault, { orgId: b.sandbox.orgId, connectionId: row.id })).toBeNull();
      const stored = await findSessionBlob(db(), a.sandbox.orgId, row.id);
      expect(stored?.keyId).toBe(ctx.vault.currentKeyId);
      expect(stored?.blob).not.toContain('auth_id');
      expect(await findSessionBlob(db(), b.sandbox.orgId, row.id)).toBeUndefined();

      // Storing again replaces blob, key id and time (here over a blob recorded under another key id).
      await upsertSessionBlob(db(), { connectionId: row.id, orgId: a.sandbox.orgId, keyId: 'legacy', blob: stored!.blob, updatedAt: new Date() });
      expect((await findSessionBlob(db(), a.sandbox.orgId, row.id))?.keyId).toBe('legacy');
      const later = new Date(Date.now() + 5000);
      await storeConnectionSession(db(), ctx.vault, target, session(2), later);
      expect((await findSessionBlob(db(), a.sandbox.orgId, row.id))?.keyId).toBe(ctx.vault.currentKeyId);
      expect(await loadConnectionSession(db(), ctx.vault, target)).toEqual(session(2));
      expect((await findSessionBlob(db(), a.sandbox.orgId, row.id))?.updatedAt).toEqual(later);

      // A blob copied onto another connection does not decrypt there.
      const other = await connection(a.sandbox, { withSession: false });
      await upsertSessionBlob(db(), { connectionId: other.id, orgId: a.sandbox.orgId, keyId: stored!.keyId, blob: stored!.blob, updatedAt: new Date() });
      await expect(loadConnectionSession(db(), ctx.vault, { orgId: a.sandbox.orgId, connectionId: other.id })).rejects.toThrow();

      await deleteSessionBlob(db(), b.sandbox.orgId, row.id);
      expect(await findSessionBlob(db(), a.sandbox.orgId, row.id)).toBeDefined();
      await destroyConnectionSession(db(), { orgId: b.sandbox.orgId, connectionId: row.id });
      expect(await findSessionBlob(db(), a.sandbox.orgId, row.id)).toBeDefined();
      await destroyConnectionSession(db(), target);
      expect(await findSessionBlob(db(), a.sandbox.orgId, row.id)).toBeUndefined();
    });
  });

  describe('connection snapshots', () => {
    const setStatusDirectly = (id: string, status: string) => db().execute(sql`update connections set status = ${status} where id = ${id}`);

    it('a snapshot carries the connection as stored, with its session decrypted and the org\'s pacing', async () => {
      const a = await tenant();
      await updateOrgSettingsRow(db(), a.sandbox.orgId, { pacing: { requestsPerMinute: 77, burst: 7, concurrency: 3 } }, new Date());
      const row = await connection(a.sandbox, { permissions: ['posts:read', 'vault:write'], platformUserId: 'u-snap' });
      const snapshots = createConnectionSnapshots(ctx);
      const snapshot = await snapshots.get(a.sandbox, row.id);
      expect(snapshot).toEqual({
        id: row.id,
        orgId: a.sandbox.orgId,
        environment: 'sandbox',
        status: 'active',
        platformUserId: 'u-snap',
        permissions: new Set(['posts:read', 'vault:write']),
        session: session(row.id),
        proxyUrl: null,
        pacing: { requestsPerMinute: 77, burst: 7, concurrency: 3 },
        isStored: true,
      });
      expect(await snapshots.get(a.live, row.id)).toBeNull();
      expect(await snapshots.get({ orgId: 'org_other', environment: 'sandbox' }, row.id)).toBeNull();
      const bare = await connection(a.sandbox, { withSession: false });
      expect((await snapshots.get(a.sandbox, bare.id))?.session).toBeNull();
    });

    it('is trusted for 2 s, then read again: invalidation and deletion stop Access within the lifetime', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      let clock = 1_000_000;
      const snapshots = createConnectionSnapshots(ctx, () => clock);
      expect(snapshots.peek(a.sandbox, row.id)).toBeUndefined();
      expect((await snapshots.get(a.sandbox, row.id))?.status).toBe('active');
      expect(snapshots.peek(a.sandbox, row.id)?.status).toBe('active');
      expect(snapshots.peek(a.live, row.id)).toBeUndefined();
      // Changed behind the service's back (no announcement): only the lifetime bounds how long the copy is used.
      await setStatusDirectly(row.id, 'expired');
      clock += SNAPSHOT_TTL_MS - 1;
      expect(snapshots.peek(a.sandbox, row.id)?.status).toBe('active');
      expect((await snapshots.get(a.sandbox, row.id))?.status).toBe('active');
      clock += 1;
      expect(snapshots.peek(a.sandbox, row.id)).toBeUndefined();
      expect((await snapshots.get(a.sandbox, row.id))?.status).toBe('expired');
      expect(SNAPSHOT_TTL_MS).toBe(2_000);

      await setStatusDirectly(row.id, 'disconnected');
      clock += SNAPSHOT_TTL_MS;
      expect(await snapshots.get(a.sandbox, row.id)).toBeNull();
      // Unknown ids are remembered too, for the same lifetime.
      expect(snapshots.peek(a.sandbox, row.id)).toBeNull();
    });

    it('forget() drops this node\'s copy at once, and a refresh already running does not put it back', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      const snapshots = createConnectionSnapshots(ctx, () => 5_000);
      await snapshots.get(a.sandbox, row.id);
      await expireIfActive(db(), a.sandbox, row.id, new Date());
      snapshots.forget(row.id);
      expect(snapshots.peek(a.sandbox, row.id)).toBeUndefined();
      expect((await snapshots.get(a.sandbox, row.id))?.status).toBe('expired');

      const other = await connection(a.sandbox);
      const running = snapshots.get(a.sandbox, other.id);
      snapshots.forget(other.id);
      await setStatusDirectly(other.id, 'expired');
      // A request after forget() reads afresh instead of joining the refresh that started before it.
      expect((await snapshots.get(a.sandbox, other.id))?.status).toBe('expired');
      await running;
      expect(snapshots.peek(a.sandbox, other.id)?.status).toBe('expired');
      snapshots.forget(other.id);
      const beforeForget = snapshots.get(a.sandbox, other.id);
      snapshots.forget(other.id);
      expect((await beforeForget)?.status).toBe('expired');
      expect(snapshots.peek(a.sandbox, other.id)).toBeUndefined();
      // Forgetting one connection keeps the others.
      const third = await connection(a.sandbox);
      await snapshots.get(a.sandbox, third.id);
      snapshots.forget(other.id);
      expect(snapshots.peek(a.sandbox, third.id)?.id).toBe(third.id);
    });

    it('concurrent requests share one refresh', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      const snapshots = createConnectionSnapshots(ctx, () => 7_000);
      const [x, y] = await Promise.all([snapshots.get(a.sandbox, row.id), snapshots.get(a.sandbox, row.id)]);
      expect(x).toBe(y);
      expect(x?.id).toBe(row.id);
    });

    it('a rotated session is decrypted on the next refresh; an unchanged one is reused', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      let clock = 0;
      const snapshots = createConnectionSnapshots(ctx, () => clock);
      const first = await snapshots.get(a.sandbox, row.id);
      clock += SNAPSHOT_TTL_MS;
      const second = await snapshots.get(a.sandbox, row.id);
      expect(second).not.toBe(first);
      expect(second?.session).toBe(first?.session);
      await storeConnectionSession(db(), ctx.vault, { orgId: a.sandbox.orgId, connectionId: row.id }, session('rotated'), new Date());
      clock += SNAPSHOT_TTL_MS;
      expect((await snapshots.get(a.sandbox, row.id))?.session).toEqual(session('rotated'));
      await destroyConnectionSession(db(), { orgId: a.sandbox.orgId, connectionId: row.id });
      clock += SNAPSHOT_TTL_MS;
      expect((await snapshots.get(a.sandbox, row.id))?.session).toBeNull();
    });

    it('a raw session is a snapshot paced per upstream user within the org, with the org\'s pacing cached like one', async () => {
      const a = await tenant();
      await updateOrgSettingsRow(db(), a.sandbox.orgId, { pacing: { requestsPerMinute: 50, burst: 5, concurrency: 2 } }, new Date());
      // Far from zero: a lifetime computed as now + loadedAt instead of now - loadedAt would never hold.
      let clock = 1_000_000;
      const snapshots = createConnectionSnapshots(ctx, () => clock);
      const raw = await snapshots.rawSession(a.sandbox, '4242', session(4242));
      expect(raw).toEqual({
        id: rawSessionId(a.sandbox.orgId, '4242'),
        orgId: a.sandbox.orgId,
        environment: 'sandbox',
        status: 'active',
        platformUserId: '4242',
        permissions: new Set(),
        session: session(4242),
        proxyUrl: null,
        pacing: { requestsPerMinute: 50, burst: 5, concurrency: 2 },
        isStored: false,
      });
      expect(raw.id).toBe(`raw:${a.sandbox.orgId}:4242`);
      await updateOrgSettingsRow(db(), a.sandbox.orgId, { pacing: { requestsPerMinute: 60, burst: 6, concurrency: 2 } }, new Date());
      clock += SNAPSHOT_TTL_MS - 1;
      expect((await snapshots.rawSession(a.sandbox, '4242', session(4242))).pacing.requestsPerMinute).toBe(50);
      clock += 1;
      expect((await snapshots.rawSession(a.sandbox, '4242', session(4242))).pacing.requestsPerMinute).toBe(60);
    });
    it('a change committed by any node drops the snapshot at once, without waiting for the lifetime', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      const untouched = await connection(a.sandbox);
      // The clock stands still: only the announcement can drop the copy.
      const snapshots = createConnectionSnapshots(ctx, () => 3_000_000);
      await snapshots.get(a.sandbox, row.id);
      await snapshots.get(a.sandbox, untouched.id);
      expect(snapshots.peek(a.sandbox, row.id)?.status).toBe('active');
      // Announced with the update's commit (a NOTIFY). The listener starts with the snapshots and may not be
      // listening yet at the first change, so the change is made again until its announcement is seen.
      await eventually(
        async () => {
          await updateConnection(db(), a.sandbox, row.id, { permissions: ['posts:read', 'posts:write'] });
          return snapshots.peek(a.sandbox, row.id) === undefined;
        },
        { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS, intervalMs: 100, what: 'the snapshot dropped on the announced change' },
      );
      expect((await snapshots.get(a.sandbox, row.id))?.permissions).toEqual(new Set(['posts:read', 'posts:write']));
      expect(snapshots.peek(a.sandbox, untouched.id)?.id).toBe(untouched.id);
    });

    it('forgetting one connection leaves another connection\'s refresh in flight to be cached', async () => {
      const a = await tenant();
      const forgotten = await connection(a.sandbox);
      const loading = await connection(a.sandbox);
      const snapshots = createConnectionSnapshots(ctx, () => 4_000_000);
      const running = snapshots.get(a.sandbox, loading.id);
      snapshots.forget(forgotten.id);
      expect((await running)?.id).toBe(loading.id);
      expect(snapshots.peek(a.sandbox, loading.id)?.id).toBe(loading.id);
    });

    it('a refresh that failed is not kept: the next request reads again', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox);
      const other = await connection(a.sandbox);
      const target = { orgId: a.sandbox.orgId, connectionId: row.id };
      // Another connection's blob copied onto this one does not decrypt: the refresh fails.
      const foreign = await findSessionBlob(db(), a.sandbox.orgId, other.id);
      await upsertSessionBlob(db(), { ...target, keyId: foreign!.keyId, blob: foreign!.blob, updatedAt: new Date() });
      const snapshots = createConnectionSnapshots(ctx, () => 5_000_000);
      await expect(snapshots.get(a.sandbox, row.id)).rejects.toThrow();
      expect(snapshots.peek(a.sandbox, row.id)).toBeUndefined();
      await storeConnectionSession(db(), ctx.vault, target, session('repaired'), new Date());
      expect((await snapshots.get(a.sandbox, row.id))?.session).toEqual(session('repaired'));
    });

    it('each cache is bounded: past its size it starts over, while a refresh of a cached connection replaces it in place', async () => {
      const a = await tenant();
      const [x, y, z] = [await connection(a.sandbox), await connection(a.sandbox), await connection(a.sandbox)];
      let clock = 6_000_000;
      const snapshots = createConnectionSnapshots(ctx, () => clock, 2);
      await snapshots.get(a.sandbox, x.id);
      await snapshots.get(a.sandbox, y.id);
      expect(snapshots.peek(a.sandbox, x.id)?.id).toBe(x.id);
      clock += SNAPSHOT_TTL_MS;
      // x is read again (stale): it replaces its own entry, the full cache keeps y.
      await snapshots.get(a.sandbox, x.id);
      await snapshots.get(a.sandbox, y.id);
      expect(snapshots.peek(a.sandbox, x.id)?.id).toBe(x.id);
      expect(snapshots.peek(a.sandbox, y.id)?.id).toBe(y.id);
      // A third connection does not fit: the cache starts over with it.
      await snapshots.get(a.sandbox, z.id);
      expect(snapshots.peek(a.sandbox, z.id)?.id).toBe(z.id);
      expect(snapshots.peek(a.sandbox, x.id)).toBeUndefined();
      expect(snapshots.peek(a.sandbox, y.id)).toBeUndefined();

      // The orgs' pacing (raw sessions) likewise.
      const orgs = [await tenant(), await tenant(), await tenant()].map((t) => t.sandbox);
      const pacingOf = async (scope: TenantScope) => (await snapshots.rawSession(scope, '77', session(77))).pacing.requestsPerMinute;
      const setRate = (scope: TenantScope, requestsPerMinute: number) =>
        updateOrgSettingsRow(db(), scope.orgId, { pacing: { requestsPerMinute, burst: 5, concurrency: 1 } }, new Date());
      await setRate(orgs[0], 11);
      expect(await pacingOf(orgs[0])).toBe(11);
      expect(await pacingOf(orgs[1])).toBe(readOrgSettings(null).pacing.requestsPerMinute);
      await setRate(orgs[0], 12);
      expect(await pacingOf(orgs[0])).toBe(11);
      await pacingOf(orgs[2]);
      expect(await pacingOf(orgs[0])).toBe(12);
    });

    it('a raw session of an org without a row is paced by the defaults', async () => {
      const snapshots = createConnectionSnapshots(ctx, () => 8_000_000);
      const raw = await snapshots.rawSession({ orgId: newId('org'), environment: 'live' }, '31', session(31));
      expect(raw.pacing).toEqual(readOrgSettings(null).pacing);
    });
  });

  describe('the Access pipeline', () => {
    let pipeline: AccessPipeline;
    beforeAll(() => {
      pipeline = createAccessPipeline(ctx);
    });
    afterAll(async () => pipeline?.close());

    /** A request as the Access routes hand it over: authenticated, no trip yet (the routes' decorator default). */
    function requestFor(scope: TenantScope, headers: Record<string, string | string[]>, line = { method: 'GET', url: '/v2/access/self', id: 'req-x' }): FastifyRequest {
      return { auth: { ...scope, keyId: 'key_test', scopes: ['access'] }, headers, accessTrip: null, ...line } as unknown as FastifyRequest;
    }
    function replyRecorder(): { reply: FastifyReply; headers: Record<string, string> } {
      const headers: Record<string, string> = {};
      const reply = {
        headers(values: Record<string, string>) {
          Object.assign(headers, values);
          return reply;
        },
      };
      return { reply: reply as unknown as FastifyReply, headers };
    }

    it('refuses in order: no header, unknown or foreign connection, expired, not ready, no session, missing permission', async () => {
      const a = await tenant();
      const b = await tenant();
      const run = (scope: TenantScope, headers: Record<string, string | string[]>, permission: string | null = 'posts:read') =>
        refusalOf(pipeline.run(requestFor(scope, headers), replyRecorder().reply, permission, async () => 'worked'));

      const withoutId: Array<Record<string, string>> = [{}, { 'x-connection-id': '' }, { 'x-connection-id': '   ' }];
      for (const headers of withoutId) {
        const missing = await run(a.sandbox, headers);
        expect(missing.type).toBe('SESSION_NOT_PROVIDED');
        expect(missing.details).toEqual({ field: 'x-connection-id', reason: 'header_missing' });
        expect(missing.message).toBe('Missing connection: send its id in the x-connection-id header');
      }

      const row = await connection(a.sandbox);
      for (const [scope, id] of [
        [a.sandbox, 'conn_unknown'],
        [b.sandbox, row.id],
        [a.live, row.id],
      ] as const) {
        const notFound = await run(scope, { 'x-connection-id': id });
        expect(notFound).toMatchObject({ type: 'SESSION_NOT_PROVIDED', actionRequired: 'reconnect', message: `Connection ${id} not found` });
        expect(notFound.details).toEqual({ field: 'x-connection-id', reason: 'connection_not_found', connectionId: id });
      }

      const expired = await connection(a.sandbox, { status: 'expired' });
      const expiredError = await run(a.sandbox, { 'x-connection-id': expired.id });
      expect(expiredError).toMatchObject({ type: 'SESSION_EXPIRED', actionRequired: 'reconnect', message: 'Session has expired' });
      expect(expiredError.details).toEqual({ connectionId: expired.id, reason: 'connection_expired' });

      const waiting = await connection(a.sandbox, { status: 'awaiting_2fa' });
      const notReady = await run(a.sandbox, { 'x-connection-id': ` ${waiting.id} ` });
      expect(notReady.type).toBe('SESSION_NOT_PROVIDED');
      expect(notReady.actionRequired).toBeUndefined();
      expect(notReady.message).toBe(`Connection ${waiting.id} is not active yet (status awaiting_2fa)`);
      expect(notReady.details).toEqual({ field: 'x-connection-id', reason: 'connection_not_ready', connectionId: waiting.id, status: 'awaiting_2fa' });

      const bare = await connection(a.sandbox, { withSession: false });
      const noSession = await run(a.sandbox, { 'x-connection-id': bare.id });
      expect(noSession).toMatchObject({ type: 'SESSION_NOT_PROVIDED', actionRequired: 'reconnect', message: `Connection ${bare.id} has no session data` });
      expect(noSession.details).toEqual({ field: 'x-connection-id', reason: 'session_missing', connectionId: bare.id });

      for (let i = 0; i < 2; i++) {
        // Looked up, then from the fresh snapshot: the same refusal.
        const forbidden = await run(a.sandbox, { 'x-connection-id': row.id }, 'posts:write');
        expect(forbidden).toMatchObject({ type: 'FORBIDDEN', message: 'This connection was not granted posts:write' });
        expect(forbidden.details).toEqual({ requiredPermission: 'posts:write', connectionId: row.id });
      }
    });

    it('a permitted call runs the work with the connection and its session, paced, with X-RateLimit-* on the reply', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox, { permissions: ['posts:read'] });
      const cases: Array<[string | null, Record<string, string | string[]>]> = [
        ['posts:read', { 'x-connection-id': row.id }],
        [null, { 'x-connection-id': [row.id, 'conn_ignored'] }],
      ];
      for (const [permission, headers] of cases) {
        const recorder = replyRecorder();
        const result = await pipeline.run(requestFor(a.sandbox, headers), recorder.reply, permission, async (usable) => ({
          id: usable.id,
          session: usable.session,
        }));
        expect(result).toEqual({ id: row.id, session: session(row.id) });
        expect(Object.keys(recorder.headers)).toEqual(expect.arrayContaining(['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']));
      }
    });

    it('a call on a stored connection goes to the request log once answered, refused or not; a wrong id or a raw session does not', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox, { permissions: ['posts:read'] });
      const expired = await connection(a.sandbox, { status: 'expired' });
      /** The routes' onResponse hook, once the reply went out with this status after this long. */
      const answered = (request: FastifyRequest, statusCode: number, elapsedTime: number) =>
        new Promise<void>((resolve) => pipeline.recordCall(request, { statusCode, elapsedTime } as unknown as FastifyReply, () => resolve()));

      const permitted = requestFor(a.sandbox, { 'x-connection-id': row.id }, { method: 'GET', url: '/v2/access/posts?limit=5', id: 'req-ok' });
      // The sender fills the trip the work's connection carries: upstream's answer and the retries it took.
      await pipeline.run(permitted, replyRecorder().reply, 'posts:read', async (usable) => {
        usable.trip!.upstreamStatus = 200;
        usable.trip!.retries = 1;
      });
      const before = Date.now();
      await answered(permitted, 200, 5_000.4);
      const after = Date.now();
      const forbidden = requestFor(a.sandbox, { 'x-connection-id': row.id }, { method: 'DELETE', url: '/v2/access/posts/1', id: 'req-forbidden' });
      await refusalOf(pipeline.run(forbidden, replyRecorder().reply, 'posts:write', async () => 'not run'));
      await answered(forbidden, 403, 2);
      const refusedExpired = requestFor(a.sandbox, { 'x-connection-id': expired.id }, { method: 'GET', url: '/v2/access/self', id: 'req-expired' });
      await refusalOf(pipeline.run(refusedExpired, replyRecorder().reply, 'posts:read', async () => 'not run'));
      await answered(refusedExpired, 401, 1);
      const unknown = requestFor(a.sandbox, { 'x-connection-id': 'conn_unknown' }, { method: 'GET', url: '/v2/access/self', id: 'req-unknown' });
      await refusalOf(pipeline.run(unknown, replyRecorder().reply, 'posts:read', async () => 'not run'));
      await answered(unknown, 401, 1);
      expect(unknown.accessTrip).toBeNull();
      const raw = requestFor(
        a.sandbox,
        { 'x-session-user-id': '7171', 'x-session-cookie': 'auth_id=7171; sess=abc; fp=def', 'x-session-xbc': 'xbc', 'x-session-user-agent': 'UA raw' },
        { method: 'GET', url: '/v2/access/proxy/me', id: 'req-raw' },
      );
      await pipeline.runProxied(raw, replyRecorder().reply, async () => 'raw');
      await answered(raw, 200, 1);
      expect(raw.accessTrip).toBeNull();
      await pipeline.requestLog.flush();

      const logged = await listConnectionRequestLog(db(), a.sandbox, row.id, {}, 10);
      const byRequest = new Map(logged.map((entry) => [entry.requestId, entry]));
      expect([...byRequest.keys()].sort()).toEqual(['req-forbidden', 'req-ok']);
      expect(byRequest.get('req-ok')).toMatchObject({
        method: 'GET',
        path: '/v2/access/posts?limit=',
        status: 200,
        upstreamStatus: 200,
        durationMs: 5_000,
        retries: 1,
        apiKeyId: 'key_test',
      });
      // Logged at its arrival: the reply's time less how long it took.
      const arrived = byRequest.get('req-ok')!.createdAt.getTime();
      expect(arrived).toBeGreaterThanOrEqual(before - 5_001);
      expect(arrived).toBeLessThanOrEqual(after - 5_000);
      expect(byRequest.get('req-forbidden')).toMatchObject({ method: 'DELETE', status: 403, upstreamStatus: null, retries: 0, durationMs: 2 });
      const expiredLog = await listConnectionRequestLog(db(), a.sandbox, expired.id, {}, 10);
      expect(expiredLog.map((entry) => [entry.requestId, entry.status])).toEqual([['req-expired', 401]]);
      // Another org's scope reads none of it.
      expect(await listConnectionRequestLog(db(), a.live, row.id, {}, 10)).toEqual([]);
    });

    it('the pacing slot is given back when the work fails, so the next call is admitted', async () => {
      const a = await tenant();
      await updateOrgSettingsRow(db(), a.sandbox.orgId, { pacing: { requestsPerMinute: 600, burst: 50, concurrency: 1 } }, new Date());
      const row = await connection(a.sandbox);
      const request = requestFor(a.sandbox, { 'x-connection-id': row.id });
      await expect(pipeline.run(request, replyRecorder().reply, null, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await pipeline.run(request, replyRecorder().reply, null, async () => 'second')).toBe('second');
      // While one call holds the only slot, another waits for it.
      let release!: () => void;
      const holding = pipeline.run(request, replyRecorder().reply, null, () => new Promise<string>((resolve) => (release = () => resolve('first'))));
      let secondDone = false;
      const waiting = pipeline.run(request, replyRecorder().reply, null, async () => {
        secondDone = true;
        return 'waited';
      });
      await new Promise((resolve) => setImmediate(resolve));
      expect(secondDone).toBe(false);
      release();
      expect(await holding).toBe('first');
      expect(await waiting).toBe('waited');
    });

    it('the raw proxy runs a raw session without a stored connection, or falls back to the connection without a permission check', async () => {
      const a = await tenant();
      const row = await connection(a.sandbox, { permissions: [] });
      const viaConnection = await pipeline.runProxied(requestFor(a.sandbox, { 'x-connection-id': row.id }), replyRecorder().reply, async (c) => c.id);
      expect(viaConnection).toBe(row.id);
      const recorder = replyRecorder();
      const raw = await pipeline.runProxied(
        requestFor(a.sandbox, {
          'x-session-user-id': '5151',
          'x-session-cookie': 'auth_id=5151; sess=abc; fp=def',
          'x-session-xbc': 'xbc',
          'x-session-user-agent': 'UA raw',
        }),
        recorder.reply,
        async (c) => ({ id: c.id, isStored: c.isStored, session: c.session }),
      );
      expect(raw).toEqual({ id: rawSessionId(a.sandbox.orgId, '5151'), isStored: false, session: { cookie: 'auth_id=5151; sess=abc; fp=def', xBc: 'xbc', userAgent: 'UA raw' } });
      expect(Object.keys(recorder.headers)).toContain('x-ratelimit-limit');
    });

    it('a raw session\'s pacing slot is given back when its work fails', async () => {
      const a = await tenant();
      await updateOrgSettingsRow(db(), a.sandbox.orgId, { pacing: { requestsPerMinute: 600, burst: 50, concurrency: 1 } }, new Date());
      const request = requestFor(a.sandbox, {
        'x-session-user-id': '6161',
        'x-session-cookie': 'auth_id=6161; sess=abc; fp=def',
        'x-session-xbc': 'xbc',
        'x-session-user-agent': 'UA raw',
      });
      await expect(pipeline.runProxied(request, replyRecorder().reply, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await pipeline.runProxied(request, replyRecorder().reply, async () => 'next')).toBe('next');
    });
  });
});
