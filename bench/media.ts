// `npm run bench -- media`: the Vault+ media proxy serving stored media against a bare static file server (node's
// http + fs streams, nothing else) on the same file, in one run, so the ratio holds whatever the machine; then the
// proxy's resident memory while it streams a 1 GB stored file (it must stream, never hold the file).
// Targets (issue #20): proxy/static ≥ 0.8; RSS growth < 50 MB while streaming 1 GB.
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { generateVaultKeySpec } from '../src/platform/vault.ts';
import { startService } from '../src/service.ts';
import { createProxyUrls } from '../src/vault-plus/proxy-urls.ts';
import { openMediaStorage } from '../src/vault-plus/storage/media-storage.ts';
import { newMediaRowId } from '../src/vault-plus/store.ts';
import { vaultPlusMedia } from '../src/vault-plus/tables.ts';
import { runAutocannon } from './autocannon.ts';

const FILE_BYTES = 256 * 1024;
const BIG_BYTES = 1024 ** 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;

function patterned(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) % 251;
  return bytes;
}

/** 1 GB of bytes, generated a megabyte at a time. */
function gigabyteStream(): Readable {
  const chunk = patterned(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= BIG_BYTES) return this.push(null);
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

function startStaticServer(file: string, size: number): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function runMediaBenchmark(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ofconnect-bench-media-'));
  const config = loadConfig({ port: 0, host: '127.0.0.1', dataDir: dir, vaultKeys: generateVaultKeySpec('bench'), logLevel: 'silent', role: 'api' }, {});
  const service = await startService({ config, logger: createLogger('silent') });
  const staticFile = path.join(dir, 'static.jpg');
  let staticServer: http.Server | null = null;
  try {
    const orgId = service.bootstrap?.orgId;
    if (!orgId) throw new Error('no bootstrap org');
    const storage = await openMediaStorage(config);
    const urls = createProxyUrls(service.ctx);
    const now = new Date();
    async function storedItem(body: Readable, contentType: string) {
      const stored = await storage.put(body);
      const id = newMediaRowId();
      await service.ctx.database.db.insert(vaultPlusMedia).values({
        id, orgId: orgId as string, environment: 'sandbox', connectionId: 'conn_bench', mediaId: id, quality: 'full', type: 'image', source: 'vault',
        status: 'stored', contentHash: stored.hash, sizeBytes: stored.sizeBytes, contentType, storedAt: now, createdAt: now, updatedAt: now,
      });
      return urls.urlFor({ id, orgId: orgId as string }, 3600);
    }

    const bytes = patterned(FILE_BYTES);
    writeFileSync(staticFile, bytes);
    const proxyUrl = await storedItem(Readable.from([bytes]), 'image/jpeg');
    staticServer = await startStaticServer(staticFile, FILE_BYTES);
    const staticUrl = `http://127.0.0.1:${(staticServer.address() as AddressInfo).port}/static.jpg`;

    // Warm both, then measure each for the same time.
    await runAutocannon(staticUrl, {}, 2, CONNECTIONS);
    await runAutocannon(proxyUrl, {}, 2, CONNECTIONS);
    const bare = await runAutocannon(staticUrl, {}, SECONDS, CONNECTIONS);
    const proxied = await runAutocannon(proxyUrl, {}, SECONDS, CONNECTIONS);
    const ratio = proxied.requests.average / bare.requests.average;
    console.log(`static: ${bare.requests.average.toFixed(0)} req/s, proxy: ${proxied.requests.average.toFixed(0)} req/s (${FILE_BYTES / 1024} KiB file), ratio ${ratio.toFixed(2)} (target ≥ 0.8)`);

    const bigUrl = await storedItem(gigabyteStream(), 'video/mp4');
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    let received = 0;
    const startedAt = performance.now();
    try {
      const res = await request(bigUrl);
      for await (const chunk of res.body) received += (chunk as Buffer).length;
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const growthMb = (rssPeak - rssBefore) / 1024 ** 2;
    console.log(`1 GB through the proxy: ${received} bytes in ${seconds.toFixed(1)} s; RSS growth ${growthMb.toFixed(1)} MB (target < 50 MB)`);
    await storage.close();
    return {
      fileBytes: FILE_BYTES,
      staticRequestsPerSecond: bare.requests.average,
      proxyRequestsPerSecond: proxied.requests.average,
      ratio: Number(ratio.toFixed(3)),
      bigFileBytes: received,
      bigFileSeconds: Number(seconds.toFixed(2)),
      rssGrowthMb: Number(growthMb.toFixed(1)),
    };
  } finally {
    staticServer?.close();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
