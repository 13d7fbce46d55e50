// Vault+ end to end on a real service, its simulator and both storage backends: a vault list stored through OFAuth's
// Vault+ API, served by the media proxy (Range, ETag), purged with real freedBytes, every quota strategy, a file the
// proxy streams from the CDN and stores, org isolation of proxy URLs and 400s naming the field. The copy worker's
// recovery and a shutdown mid-file are in recovery.test.ts; a real killed worker process in worker-process.test.ts.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyUrls } from '../../src/vault-plus/proxy-urls.ts';
import { openMediaStorage } from '../../src/vault-plus/storage/media-storage.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';
import { fetchBytes, listItems, newTenant, photoList, setVaultPlus, storedStatus, vp, WAIT, type Item, type Tenant } from './vault-plus-setup.ts';

describe.each(BACKENDS.flatMap((backend) => (['disk', 's3'] as const).map((storage) => [backend, storage] as const)))('Vault+ (%s, %s storage)', (backend, storage) => {
  let t: TestService;
  let s3: LocalS3 | null = null;

  beforeAll(async () => {
    if (storage === 's3') s3 = await startLocalS3();
    t = await startTestService(backend, { config: { vaultPlusPollMs: 100, ...(s3?.config() ?? {}) } });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('a stored vault list is served by the proxy with Range and ETag, and purge frees its bytes', async () => {
    const tenant = await newTenant(t, 'Vault+ flow');
    await setVaultPlus(t, tenant, {});
    const list = await photoList(t, tenant);
    const queued = await vp(t, tenant, 'POST', `/store/list/${list.id}`);
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ queued: true, listId: list.id });
    expect(queued.body.estimatedItems).toBeGreaterThanOrEqual(list.photos);

    const status = await storedStatus(t, tenant);
    expect(status.storedCount).toBe(list.photos);
    expect(status.totalSizeBytes).toBeGreaterThan(0);
    // The connection's settings report what Vault+ holds for it (they were zeros before anything was stored).
    const settings = await call(t.url, 'GET', `/v2/account/connections/${tenant.connectionId}/settings`, { key: tenant.key });
    expect(settings.body.vaultPlus.stats).toMatchObject({ storedCount: list.photos, totalStorageBytes: status.totalSizeBytes, vaultPlusEnabled: true });
    expect(settings.body.vaultPlus.stats.mediaCount).toBeGreaterThanOrEqual(list.photos);

    const items = await listItems(t, tenant, '&status=stored&contentType=image');
    expect(items).toHaveLength(list.photos);
    const thumb = items[0].media.thumb;
    expect(thumb).toMatchObject({ status: 'stored', contentType: 'image/jpeg' });

    // No API key: the signed URL is the credential.
    const whole = await fetchBytes(thumb.url);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('image/jpeg');
    expect(whole.body.length).toBe(thumb.sizeBytes);
    expect(whole.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    const etag = whole.headers.etag as string;
    expect(etag).toBe(`"${createHash('sha256').update(whole.body).digest('hex')}"`);

    const part = await fetchBytes(thumb.url, { range: 'bytes=10-109' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-109/${thumb.sizeBytes}`);
    expect(part.body.equals(whole.body.subarray(10, 110))).toBe(true);
    expect((await fetchBytes(thumb.url, { range: `bytes=${thumb.sizeBytes + 5}-` })).status).toBe(416);
    expect((await fetchBytes(thumb.url, { 'if-none-match': etag })).status).toBe(304);

    const one = await vp(t, tenant, 'GET', `/${items[0].id}`);
    expect(one.status).toBe(200);
    expect(one.body.media.thumb.id).toBe(thumb.id);
    const batch = await vp(t, tenant, 'POST', '/batch', { mediaIds: [items[0].id, items[1].id, 'nope'] });
    expect(batch.body.items.map((i: Item) => i.id).sort()).toEqual([items[0].id, items[1].id].sort());

    const deleted = await vp(t, tenant, 'DELETE', `/${items[0].id}`);
    expect(deleted.body).toEqual({ success: true, mediaId: items[0].id, freedBytes: thumb.sizeBytes });
    const purged = await vp(t, tenant, 'DELETE', '/purge');
    expect(purged.body).toEqual({ success: true, purgedCount: list.photos - 1, freedBytes: status.totalSizeBytes - thumb.sizeBytes });
    const after = await vp(t, tenant, 'GET', '/store/status');
    expect(after.body).toMatchObject({ storedCount: 0, totalSizeBytes: 0 });
    // The bytes are gone from the backend (no other item had the same file).
    const backend = await openMediaStorage(t.service.ctx.config);
    try {
      expect(await backend.sizeOf(etag.slice(1, -1))).toBeNull();
    } finally {
      await backend.close();
    }
    const stats = await vp(t, tenant, 'GET', '/store/stats');
    expect(stats.body).toMatchObject({ totalStorageBytes: 0, totalMediaCount: 0, connectionsWithVaultPlus: 1 });
  });

  // Every strategy the settings offer. The list is stored without a limit; its smallest thumbnail is deleted and the
  // limit set to what is left (full); storing the list again copies that one file, which must make room as the
  // strategy says: evict stored files in its order, only as many as it needs, or leave the new one at the edge.
  it.each(['purge_oldest', 'purge_largest', 'purge_smallest', 'block_new'] as const)('a full quota: %s', async (strategy) => {
    const tenant = await newTenant(t, `Vault+ quota ${strategy}`);
    await setVaultPlus(t, tenant, {});
    const list = await photoList(t, tenant);
    await vp(t, tenant, 'POST', `/store/list/${list.id}`);
    await storedStatus(t, tenant);
    const before = (await listItems(t, tenant)).map((item) => ({ mediaId: item.id, ...item.media.thumb }));
    const hashes = new Map<string, string>();
    for (const row of before) hashes.set(row.mediaId, String((await fetchBytes(row.url)).headers.etag).slice(1, -1));
    const comeback = before.reduce((a, b) => (b.sizeBytes < a.sizeBytes ? b : a));
    const deleted = await vp(t, tenant, 'DELETE', `/${comeback.mediaId}`);
    expect(deleted.body.freedBytes).toBe(comeback.sizeBytes);
    const others = before.filter((row) => row.mediaId !== comeback.mediaId);
    const limit = others.reduce((total, row) => total + row.sizeBytes, 0);

    await setVaultPlus(t, tenant, { storageLimitBytes: limit, storageLimitPurgeStrategy: strategy });
    expect((await vp(t, tenant, 'POST', `/store/list/${list.id}`)).status).toBe(200);
    const status = await storedStatus(t, tenant);
    expect(status.totalSizeBytes).toBeLessThanOrEqual(limit);
    const after = new Map((await listItems(t, tenant)).map((item) => [item.id, item.media.thumb]));
    if (strategy === 'block_new') {
      expect(after.get(comeback.mediaId)?.status).toBe('edge_only');
      expect(others.map((row) => after.get(row.mediaId)?.status)).toEqual(others.map(() => 'stored'));
      return;
    }
    expect(after.get(comeback.mediaId)?.status).toBe('stored');
    const evicted = others.filter((row) => after.get(row.mediaId)?.status === 'removed');
    const kept = others.filter((row) => after.get(row.mediaId)?.status === 'stored');
    expect(evicted.length + kept.length).toBe(others.length);
    // Only as many as the new file needed: without the last one evicted there would not have been room.
    const freed = evicted.reduce((total, row) => total + row.sizeBytes, 0);
    expect(freed).toBeGreaterThanOrEqual(comeback.sizeBytes);
    expect(freed - Math.min(...evicted.map((row) => row.sizeBytes))).toBeLessThan(comeback.sizeBytes);
    // In the strategy's order: everything evicted comes before everything kept.
    const keyOf = (row: (typeof before)[number]) =>
      strategy === 'purge_oldest' ? row.storedAt ?? 0 : strategy === 'purge_largest' ? -row.sizeBytes : row.sizeBytes;
    expect(Math.max(...evicted.map(keyOf))).toBeLessThanOrEqual(Math.min(...kept.map(keyOf), Number.MAX_SAFE_INTEGER));
    // The evicted files' bytes left the backend (no other item holds the same file).
    const backend = await openMediaStorage(t.service.ctx.config);
    try {
      for (const row of evicted) expect(await backend.sizeOf(hashes.get(row.mediaId) as string)).toBeNull();
    } finally {
      await backend.close();
    }
  });

  it('one org can never read another org\'s media through the proxy', async () => {
    const a = await newTenant(t, 'Vault+ A');
    const b = await newTenant(t, 'Vault+ B');
    for (const tenant of [a, b]) {
      await setVaultPlus(t, tenant, {});
      await vp(t, tenant, 'POST', `/store/list/${(await photoList(t, tenant)).id}`);
      await storedStatus(t, tenant);
    }
    const aThumb = (await listItems(t, a))[0].media.thumb;
    const bThumb = (await listItems(t, b))[0].media.thumb;
    expect((await fetchBytes(bThumb.url)).status).toBe(200);
    // B's signature on A's item: refused.
    const swapped = bThumb.url.replace(bThumb.id, aThumb.id);
    const refused = await fetchBytes(swapped);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body.toString()).code).toBe('FORBIDDEN');
    // A tampered expiry: refused.
    expect((await fetchBytes(aThumb.url.replace(/expires=(\d+)/, (_m, e: string) => `expires=${Number(e) + 3600}`))).status).toBe(403);
    // A tampered signature (one character changed): refused.
    expect((await fetchBytes(aThumb.url.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`))).status).toBe(403);
    // A's own key's signature, made two days ago with a one-hour lifetime: expired, refused.
    const twoDaysAgo = { ...t.service.ctx, clock: { ...t.service.ctx.clock, now: () => new Date(Date.now() - 2 * 86_400_000) } };
    const expiredUrl = await createProxyUrls(twoDaysAgo).urlFor({ id: aThumb.id, orgId: a.orgId }, 3600);
    expect(expiredUrl.split('?')[0]).toBe(aThumb.url.split('?')[0]);
    const expiredReply = await fetchBytes(expiredUrl);
    expect(expiredReply.status).toBe(403);
    expect(JSON.parse(expiredReply.body.toString()).code).toBe('FORBIDDEN');
    // The same key's signature for now: served (what was refused above was the expiry, not the key).
    expect((await fetchBytes(await createProxyUrls(t.service.ctx).urlFor({ id: aThumb.id, orgId: a.orgId }, 3600))).status).toBe(200);
    // B's key and connection see nothing of A's items through the API either.
    const aItemId = (await listItems(t, a))[0].id;
    const throughB = await vp(t, b, 'GET', `/${aItemId}`);
    expect([404]).toContain(throughB.status);
    const bWithAConnection = await call(t.url, 'GET', '/v2/vault-plus/store/status', { key: b.key, headers: { 'x-connection-id': a.connectionId } });
    expect(bWithAConnection.status).toBe(401);
  });

  it('media in Access replies is queued as the settings say, and x-vault-plus-urls: proxy rewrites its URLs to the proxy', async () => {
    const tenant = await newTenant(t, 'Vault+ access');
    await setVaultPlus(t, tenant, { autoCacheVault: true });
    const list = await photoList(t, tenant);
    const res = await call(t.url, 'GET', `/v2/access/proxy/vault/media?list=${list.id}&limit=100`, {
      key: tenant.key,
      headers: { 'x-connection-id': tenant.connectionId, 'x-vault-plus-urls': 'proxy' },
    });
    expect(res.status).toBe(200);
    const photos = (res.body.list as Array<{ type: string; files: { thumb: { url: string }; full: { url: string } } }>).filter((m) => m.type === 'photo');
    expect(photos).toHaveLength(list.photos);
    for (const photo of photos) expect(photo.files.thumb.url).toMatch(new RegExp(`^${t.url}/media/vpm_[A-Za-z0-9]+\\?expires=\\d+&sig=`));
    const status = await storedStatus(t, tenant);
    expect(status.storedCount).toBe(list.photos);
    // A quality that is not kept (full) is proxied from the upstream CDN through the connection's session.
    const full = await fetchBytes(photos[0].files.full.url);
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('image/jpeg');
    const thumb = await fetchBytes(photos[0].files.thumb.url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('media seen in stories is queued as the settings say: not while autoCacheStories is off, then once seen minAccessCountStories times', async () => {
    type Story = { media: Array<{ type: string; files?: { thumb?: { url?: string } } }> };
    let tenant: Tenant | null = null;
    let photos = 0;
    const readStories = async (who: Tenant) => {
      const res = await call(t.url, 'GET', '/v2/access/proxy/stories/archive?limit=10', { key: who.key, headers: { 'x-connection-id': who.connectionId } });
      expect(res.status).toBe(200);
      return ((res.body.list ?? []) as Story[]).flatMap((story) => story.media).filter((m) => m.type === 'photo' && m.files?.thumb?.url).length;
    };
    for (let attempt = 1; attempt <= 5 && photos === 0; attempt++) {
      tenant = await newTenant(t, `Vault+ stories ${attempt}`);
      await setVaultPlus(t, tenant, { autoCacheStories: false });
      photos = await readStories(tenant);
    }
    if (!tenant || photos === 0) throw new Error('no simulated account with story photos');
    // Off: nothing recorded, nothing queued.
    expect((await vp(t, tenant, 'GET', '/store/status')).body).toMatchObject({ totalMedia: 0, pendingCount: 0, storedCount: 0 });

    await setVaultPlus(t, tenant, { autoCacheStories: true, minAccessCountStories: 2 });
    await readStories(tenant);
    // Seen once of twice: recorded at the edge, not queued.
    const once = (await listItems(t, tenant)).filter((item) => item.type === 'image');
    expect(once.map((item) => [item.media.thumb.status, item.media.thumb.source])).toEqual(once.map(() => ['edge_only', 'stories']));
    expect(once).toHaveLength(photos);

    await readStories(tenant);
    const status = await storedStatus(t, tenant);
    expect(status.storedCount).toBe(photos);
    expect((await listItems(t, tenant, '&status=stored&source=stories')).map((item) => item.type)).toEqual(Array.from({ length: photos }, () => 'image'));
  });

  it('a file not stored is streamed from the CDN through the proxy, and stored when the settings keep its source and quality', async () => {
    const tenant = await newTenant(t, 'Vault+ proxy stores');
    await setVaultPlus(t, tenant, { autoCacheVault: false });
    const list = await photoList(t, tenant);
    const res = await call(t.url, 'GET', `/v2/access/proxy/vault/media?list=${list.id}&limit=100`, {
      key: tenant.key,
      headers: { 'x-connection-id': tenant.connectionId, 'x-vault-plus-urls': 'proxy' },
    });
    expect(res.status).toBe(200);
    const photo = (res.body.list as Array<{ id: number; type: string; files: { thumb: { url: string }; full: { url: string } } }>).find((m) => m.type === 'photo');
    if (!photo) throw new Error('no photo in the list');
    // Vault media is not cached yet: nothing was queued.
    expect((await vp(t, tenant, 'GET', '/store/status')).body).toMatchObject({ storedCount: 0, pendingCount: 0 });

    await setVaultPlus(t, tenant, { autoCacheVault: true });
    const thumb = await fetchBytes(photo.files.thumb.url);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    const full = await fetchBytes(photo.files.full.url);
    expect(full.status).toBe(200);
    expect(full.headers['content-type']).toBe('image/jpeg');
    // The thumbnail (a kept quality) is copied into storage; the full size (not kept) stays at the edge.
    const item = await eventually(async () => {
      const one = await vp(t, tenant, 'GET', `/${photo.id}`);
      return one.body.media?.thumb?.status === 'stored' ? (one.body as Item) : null;
    }, { ...WAIT, what: 'the proxied thumbnail stored' });
    expect(item.media.thumb.sizeBytes).toBe(thumb.body.length);
    expect(item.media.full.status).toBe('edge_only');
    // Now served from storage: its ETag is the content hash of the same bytes.
    const stored = await fetchBytes(photo.files.thumb.url);
    expect(stored.headers.etag).toBe(`"${createHash('sha256').update(thumb.body).digest('hex')}"`);
    expect(stored.body.equals(thumb.body)).toBe(true);
  });

  it('bad input to every Vault+ route is a 400 naming the field', async () => {
    const tenant = await newTenant(t, 'Vault+ input');
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/store/list/abc', undefined, 'listId'],
      ['GET', '/list?status=lost', undefined, 'status'],
      ['GET', '/list?source=dms', undefined, 'source'],
      ['GET', '/list?limit=0', undefined, 'limit'],
      ['GET', '/list?cursor=a%20b', undefined, 'cursor'],
      ['POST', '/batch', {}, 'mediaIds'],
      ['POST', '/batch', { mediaIds: [] }, 'mediaIds'],
      ['GET', '/a%20b', undefined, 'mediaId'],
      ['DELETE', '/a%20b', undefined, 'mediaId'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await vp(t, tenant, method, path, body);
      expect({ path, status: res.status, field: res.body.details?.field }).toEqual({ path, status: 400, field });
    }
    const noSig = await call(t.url, 'GET', '/media/vpm_abc?expires=1');
    expect(noSig.status).toBe(400);
    expect(noSig.body.details.field).toBe('sig');
    const noConnection = await call(t.url, 'GET', '/v2/vault-plus/store/status', { key: tenant.key });
    expect(noConnection.status).toBe(401);
    expect(noConnection.body.details.field).toBe('x-connection-id');
  });
});
