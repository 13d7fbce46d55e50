// Vault+ when things go wrong, on a real service, its simulator and both storage backends: expired CDN URLs refreshed
// where the media was seen (vault, posts, messages), a copy held by a killed worker finished by another (a real killed
// process: worker-process.test.ts), and a shutdown while a proxied file is being served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../../src/platform/config.ts';
import { claimCopies, startVaultPlusWorker } from '../../src/vault-plus/copy-worker.ts';
import { BACKENDS } from '../support/databases.ts';
import { eventually } from '../support/eventually.ts';
import { call, startTestService, type TestService } from '../support/service.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';
import { fetchBytes, newTenant, photoList, readMediaOf, setVaultPlus, storedStatus, vp, WAIT, type Tenant } from './vault-plus-setup.ts';


describe.each(BACKENDS.flatMap((backend) => (['disk', 's3'] as const).map((storage) => [backend, storage] as const)))('Vault+ copy worker recovery (%s, %s storage)', (backend, storage) => {
  let t: TestService;
  let s3: LocalS3 | null = null;

  beforeAll(async () => {
    if (storage === 's3') s3 = await startLocalS3();
    // No worker in the service: the test starts and "kills" its own.
    t = await startTestService(backend, { config: { role: 'api', ...(s3?.config() ?? {}) } });
  });
  afterAll(async () => {
    await t?.close();
    await s3?.close();
  });

  it('a CDN URL that expired before the copy is refreshed through the upstream', async () => {
    const tenant = await newTenant(t, 'Vault+ expired URL');
    await setVaultPlus(t, tenant, {});
    const list = await photoList(t, tenant);
    await vp(t, tenant, 'POST', `/store/list/${list.id}`);
    const expired = await call(t.sandboxUrl, 'POST', '/_sandbox/cdn/expire-urls', { body: {} });
    expect(expired.status).toBe(200);
    const since = (await call(t.sandboxUrl, 'GET', '/_sandbox/requests')).body.lastSeq as number;
    const worker = startVaultPlusWorker(t.service.ctx, { pollMs: 100 });
    try {
      const status = await storedStatus(t, tenant);
      expect(status.storedCount).toBe(list.photos);
    } finally {
      await worker.stop();
    }
    const log = (await call<{ list: Array<{ method: string; url: string; status: number }> }>(t.sandboxUrl, 'GET', `/_sandbox/requests?since=${since}`)).body.list;
    expect(log.filter((r) => r.url.startsWith('/files/') && r.status === 403).length).toBe(list.photos);
    expect(log.filter((r) => /^\/api2\/v2\/vault\/media\/\d+/.test(r.url)).length).toBeGreaterThanOrEqual(list.photos);
    expect(log.filter((r) => r.url.startsWith('/files/') && r.status === 200).length).toBe(list.photos);
  });

  // Post and message media are not in the vault: a fresh URL comes from reading the post or message again. A few posts
  // or messages only: each copy and each refresh spends one of the connection's pacing tokens.
  it.each(['posts', 'messages'] as const)('an expired CDN URL of media seen in %s is refreshed where it was seen, by the copy and by the proxy', async (source) => {
    let tenant: Tenant | null = null;
    let seen: { paths: string[]; fullUrl: string } | null = null;
    for (let attempt = 1; attempt <= 5 && !seen; attempt++) {
      tenant = await newTenant(t, `Vault+ expired ${source} ${attempt}`);
      await setVaultPlus(t, tenant, source === 'posts' ? { autoCachePosts: true } : { autoCacheMessages: true });
      seen = await readMediaOf(t, tenant, source);
    }
    if (!tenant || !seen) throw new Error(`no simulated account with ${source} photos`);
    const queued = (await vp(t, tenant, 'GET', '/store/status')).body.pendingCount as number;
    expect(queued).toBeGreaterThan(0);

    expect((await call(t.sandboxUrl, 'POST', '/_sandbox/cdn/expire-urls', { body: {} })).status).toBe(200);
    const since = (await call(t.sandboxUrl, 'GET', '/_sandbox/requests')).body.lastSeq as number;
    const worker = startVaultPlusWorker(t.service.ctx, { pollMs: 100 });
    try {
      const status = await storedStatus(t, tenant);
      expect(status.storedCount).toBe(queued);
    } finally {
      await worker.stop();
    }
    // A file that is not kept (full size) through the proxy: its URL expired too, and is refreshed the same way.
    const full = await fetchBytes(seen.fullUrl);
    expect(full.status).toBe(200);
    expect(full.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');

    const log = (await call<{ list: Array<{ url: string; status: number }> }>(t.sandboxUrl, 'GET', `/_sandbox/requests?since=${since}`)).body.list;
    // Every copy and the proxied file met the expired URL, and none was looked for in the vault.
    expect(log.filter((r) => r.url.startsWith('/files/') && r.status === 403).length).toBeGreaterThanOrEqual(queued + 1);
    expect(log.filter((r) => r.url.startsWith('/api2/v2/vault/media/'))).toEqual([]);
    const rereads = log.filter((r) => seen.paths.some((p) => r.url.startsWith(`/api2/v2${p}`)));
    expect(rereads.length).toBeGreaterThanOrEqual(queued + 1);
    expect(rereads.every((r) => r.status === 200)).toBe(true);
  });

  it('a copy claimed by a worker that was killed is finished by another once the lease runs out', async () => {
    const tenant = await newTenant(t, 'Vault+ killed worker');
    await setVaultPlus(t, tenant, {});
    const list = await photoList(t, tenant);
    await vp(t, tenant, 'POST', `/store/list/${list.id}`);
    // The killed worker: it claimed every due copy and then never did anything again.
    const claimed = await claimCopies(t.service.ctx, 100, 1_500);
    expect(claimed.length).toBeGreaterThanOrEqual(list.photos);
    const worker = startVaultPlusWorker(t.service.ctx, { pollMs: 100, leaseMs: 30_000 });
    try {
      const status = await storedStatus(t, tenant);
      expect(status.storedCount).toBe(list.photos);
    } finally {
      await worker.stop();
    }
  });
});

describe('Vault+ media proxy at shutdown', () => {
  it('a service closing while a proxied file is still being served sends it whole, then closes without waiting on its connection', async () => {
    const t = await startTestService(BACKENDS[0], { config: { role: 'api' } });
    let closed = false;
    try {
      const tenant = await newTenant(t, 'Vault+ shutdown');
      await setVaultPlus(t, tenant, {});
      const list = await photoList(t, tenant);
      const media = await call(t.url, 'GET', `/v2/access/proxy/vault/media?list=${list.id}&limit=100`, {
        key: tenant.key,
        headers: { 'x-connection-id': tenant.connectionId, 'x-vault-plus-urls': 'proxy' },
      });
      const photo = (media.body.list as Array<{ type: string; files: { full: { url: string } } }>).find((m) => m.type === 'photo');
      if (!photo) throw new Error('no photo in the list');
      // The full file is not stored: the proxy streams it from the CDN, which answers it after a while.
      const since = (await call(t.sandboxUrl, 'GET', '/_sandbox/requests')).body.lastSeq as number;
      expect((await call(t.sandboxUrl, 'POST', '/_sandbox/faults', { body: { kind: 'latency', latencyMs: 1_000, pathPrefix: '/files/', count: 1 } })).status).toBe(200);
      const serving = fetchBytes(photo.files.full.url);
      await eventually(async () => {
        const log = (await call<{ list: Array<{ url: string }> }>(t.sandboxUrl, 'GET', `/_sandbox/requests?since=${since}`)).body.list;
        return log.some((r) => r.url.startsWith('/files/')) || null;
      }, { ...WAIT, what: 'the proxied file asked of the CDN' });

      // The close begins while the response is in flight on a keep-alive connection.
      const started = performance.now();
      const closing = t.close().finally(() => (closed = true));
      const file = await serving;
      await closing;
      const closeMs = performance.now() - started;
      expect(file.status).toBe(200);
      expect(file.body.length).toBe(Number(file.headers['content-length']));
      expect(file.body.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      // Not the grace that cuts connections left open: the connection closed once its response ended.
      expect(closeMs).toBeLessThan(DEFAULT_SHUTDOWN_GRACE_MS / 2);
    } finally {
      if (!closed) await t.close();
    }
  });
});
