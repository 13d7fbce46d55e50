// What the Vault+ tests share: an org with a key and a Link connection to a simulated account, its Vault+ settings,
// the Vault+ API, waiting for copies to finish, and reading files through the media proxy.
import { request } from 'undici';
import { expect } from 'vitest';
import { WORKER_PROGRESS_TIMEOUT_MS, eventually } from '../support/eventually.ts';
import { createLinkConnection } from '../support/link-connections.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, type TestService } from '../support/service.ts';

export interface Quality {
  id: string;
  status: string;
  quality: string;
  sizeBytes: number;
  contentType: string | null;
  source: string;
  storedAt: number | null;
  url: string;
}
export interface Item {
  id: string;
  type: string;
  media: Record<string, Quality>;
}

export interface Tenant {
  key: string;
  orgId: string;
  connectionId: string;
}

export const WAIT = { timeoutMs: WORKER_PROGRESS_TIMEOUT_MS * 3, intervalMs: 100 };

/**
 * An org, its key and a Link connection to a simulated account whose vault has a list of at least two photos (the
 * tests store one). Accounts are drawn at random and some have no such list, so another is drawn until one does.
 */
export async function newTenant(t: TestService, name: string): Promise<Tenant> {
  for (let attempt = 1; ; attempt++) {
    const orgId = await createOrg(t.database.handle, `${name} ${attempt}`);
    const key = (await createKey(t.database.handle, orgId)).secret;
    const { row } = await createLinkConnection(t.service.ctx, t.sandboxUrl, { orgId, nextCheckAt: null });
    const tenant = { key, orgId, connectionId: row.id };
    if ((await photoListsOf(t, tenant)).length > 0 || attempt === 10) return tenant;
  }
}

/** The account's vault lists holding two photos or more, most photos first. */
export async function photoListsOf(t: TestService, tenant: Tenant): Promise<Array<{ id: number; photosCount: number }>> {
  const res = await call<{ list: Array<{ id: number; photosCount: number }> }>(t.url, 'GET', '/v2/access/proxy/vault/lists?view=main&limit=100', {
    key: tenant.key,
    headers: { 'x-connection-id': tenant.connectionId },
  });
  expect(res.status).toBe(200);
  return res.body.list.filter((l) => l.photosCount >= 2).sort((a, b) => b.photosCount - a.photosCount);
}

/**
 * Reads the account's posts or one chat's messages through the Access proxy (media queued as the settings say, URLs
 * rewritten to the proxy's) and returns the upstream paths a fresh URL is read at and one photo's full-size proxy
 * URL; null when the account has no such photo.
 */
export async function readMediaOf(t: TestService, tenant: Tenant, source: 'posts' | 'messages'): Promise<{ paths: string[]; fullUrl: string } | null> {
  const get = (path: string) =>
    call(t.url, 'GET', `/v2/access/proxy${path}`, { key: tenant.key, headers: { 'x-connection-id': tenant.connectionId, 'x-vault-plus-urls': 'proxy' } });
  type Holder = { id: number; media?: Array<{ type: string; files?: { full?: { url?: string } } }> };
  const photoIn = (holders: Holder[]) => holders.flatMap((h) => (h.media ?? []).filter((m) => m.type === 'photo' && m.files?.full?.url).map((m) => ({ holder: h, url: m.files?.full?.url as string })));
  if (source === 'posts') {
    const me = await get('/users/me');
    const posts = await get(`/users/${me.body.id}/posts?limit=3`);
    expect(posts.status).toBe(200);
    const photos = photoIn(posts.body.list ?? []);
    return photos.length === 0 ? null : { paths: ['/posts/'], fullUrl: photos[0].url };
  }
  const chats = await get('/chats?limit=5');
  expect(chats.status).toBe(200);
  for (const chat of (chats.body.list ?? []) as Array<{ withUser: { id: number } }>) {
    const messages = await get(`/chats/${chat.withUser.id}/messages?limit=10`);
    const photos = photoIn(messages.body.list ?? []);
    // The chat list queued its chats' last messages too: each is read again through its own chat.
    if (photos.length > 0) return { paths: ['/chats/'], fullUrl: photos[0].url };
  }
  return null;
}

export const vp = (t: TestService, tenant: Tenant, method: string, path: string, body?: unknown) =>
  call(t.url, method, `/v2/vault-plus${path}`, { key: tenant.key, headers: { 'x-connection-id': tenant.connectionId }, ...(body === undefined ? {} : { body }) });

/** Only image thumbnails (light files), unless the test says otherwise. */
export async function setVaultPlus(t: TestService, tenant: Tenant, settings: Record<string, unknown>): Promise<void> {
  const res = await call(t.url, 'PATCH', `/v2/account/connections/${tenant.connectionId}/settings`, {
    key: tenant.key,
    body: { vaultPlus: { enabled: true, settings: { imageQualities: ['thumb'], cacheVideos: false, cacheAudio: false, ...settings } } },
  });
  expect(res.status).toBe(200);
}

/** The vault list (through the raw Access proxy) with the most photos, at most 12 of them, at least 2. */
export async function photoList(t: TestService, tenant: Tenant): Promise<{ id: string; photos: number }> {
  const lists = await photoListsOf(t, tenant);
  expect(lists.length).toBeGreaterThan(0);
  return { id: String(lists[0].id), photos: lists[0].photosCount };
}

export async function storedStatus(t: TestService, tenant: Tenant) {
  return eventually(async () => {
    const res = await vp(t, tenant, 'GET', '/store/status');
    return res.body.pendingCount === 0 && res.body.totalMedia > 0 ? (res.body as { totalMedia: number; storedCount: number; totalSizeBytes: number }) : null;
  }, { ...WAIT, what: 'every queued copy finished' });
}

export async function listItems(t: TestService, tenant: Tenant, query = ''): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  do {
    const res = await vp(t, tenant, 'GET', `/list?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

export async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}
