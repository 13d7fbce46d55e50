// Both storage backends through the same interface: content-addressed (one object for the same bytes stored twice),
// streamed in and out, byte ranges, removal. The S3 backend runs against s3rver on loopback.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { openMediaStorage, type MediaStorage } from '../../src/vault-plus/storage/media-storage.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';
import { startLocalS3, type LocalS3 } from './s3-server.ts';

async function readAll(stream: Readable | null): Promise<Buffer> {
  if (!stream) throw new Error('no object');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Bytes as a stream of small chunks, the way an HTTP body arrives. */
function chunked(bytes: Buffer): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
  })());
}

describe.each(['disk', 's3'] as const)('Vault+ storage: %s', (kind) => {
  let storage: MediaStorage;
  let dataDir: string;
  let s3: LocalS3 | null = null;

  beforeAll(async () => {
    dataDir = makeTempDir('vault-plus-storage');
    if (kind === 's3') s3 = await startLocalS3();
    storage = await openMediaStorage(loadConfig({ dataDir, vaultPlusDir: path.join(dataDir, 'vault-plus'), ...(s3?.config('media/') ?? {}) }, {}));
  });
  afterAll(async () => {
    await storage?.close();
    await s3?.close();
    removeTempDir(dataDir);
  });

  it('stores streamed bytes under their SHA-256 and gives them back whole or as a byte range', async () => {
    const bytes = Buffer.from(Array.from({ length: 25_000 }, (_, i) => (i * 7) % 251));
    const stored = await storage.put(chunked(bytes));
    expect(stored.sizeBytes).toBe(bytes.length);
    expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await storage.sizeOf(stored.hash)).toBe(bytes.length);
    expect((await readAll(await storage.open(stored.hash))).equals(bytes)).toBe(true);
    expect((await readAll(await storage.open(stored.hash, { start: 100, end: 1099 }))).equals(bytes.subarray(100, 1100))).toBe(true);
  });

  it('a read ends with its last byte, whole or ranged (no further read to find the end)', async () => {
    // An HTTP client holding Content-Length bytes is done; a stream that still has to read to see its end ends the
    // reply after that (a service closing in between kept the connection open until its keep-alive timeout).
    const bytes = Buffer.from(Array.from({ length: 1_763 }, (_, i) => (i * 13) % 256));
    const stored = await storage.put(chunked(bytes));
    for (const range of [null, { start: 10, end: bytes.length - 1 }, { start: 0, end: 99 }]) {
      const stream = await storage.open(stored.hash, range);
      if (!stream) throw new Error('no object');
      const expected = range ? range.end - range.start + 1 : bytes.length;
      const endedByNextTurn = await new Promise<boolean>((resolve, reject) => {
        let received = 0;
        let ended = false;
        stream.on('end', () => (ended = true));
        stream.on('error', reject);
        stream.on('data', (chunk: Buffer) => {
          received += chunk.length;
          // The next turn of the event loop: before any I/O a further read would wait for.
          if (received === expected) setImmediate(() => resolve(ended));
        });
      });
      expect({ range, endedByNextTurn }).toEqual({ range, endedByNextTurn: true });
    }
  });

  it('the same file stored twice is one object, and removing it leaves nothing', async () => {
    const bytes = Buffer.from(`the same file ${kind} ${Date.now()}`.repeat(500));
    const first = await storage.put(chunked(bytes));
    const second = await storage.put(chunked(bytes));
    expect(second.hash).toBe(first.hash);
    if (kind === 'disk') {
      expect(readdirSync(path.join(dataDir, 'vault-plus', 'sha256', first.hash.slice(0, 2))).filter((name) => name === first.hash)).toHaveLength(1);
      // Nothing is left in the spool after either put.
      expect(readdirSync(path.join(dataDir, 'vault-plus', 'spool'))).toEqual([]);
    }
    await storage.remove(first.hash);
    expect(await storage.sizeOf(first.hash)).toBeNull();
    expect(await storage.open(first.hash)).toBeNull();
  });

  it('an object that was never stored is absent, and a malformed hash is refused before any lookup', async () => {
    expect(await storage.sizeOf('0'.repeat(64))).toBeNull();
    await expect(storage.sizeOf('../../etc/passwd')).rejects.toThrow(/content hash/);
  });
});
