// Vault+ storage on the local disk: <dir>/sha256/<first two hex>/<hash>, written by rename from a spool file on the
// same filesystem, so a reader never sees half an object.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ByteRange } from '../../platform/http/byte-range.ts';
import { assertHash, fileSize, spoolToFile, type MediaStorage } from './media-storage.ts';

async function openIfPresent(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function createDiskStorage(dir: string): MediaStorage {
  const spoolDir = path.join(dir, 'spool');
  const objectPath = (hash: string) => {
    assertHash(hash);
    return path.join(dir, 'sha256', hash.slice(0, 2), hash);
  };

  return {
    kind: 'disk',
    async put(body, signal) {
      const spooled = await spoolToFile(spoolDir, body, signal);
      try {
        const target = objectPath(spooled.hash);
        if ((await fileSize(target)) !== null) return { hash: spooled.hash, sizeBytes: spooled.sizeBytes };
        await mkdir(path.dirname(target), { recursive: true });
        await rename(spooled.file, target);
        return { hash: spooled.hash, sizeBytes: spooled.sizeBytes };
      } finally {
        await spooled.discard();
      }
    },
    async open(hash, range?: ByteRange | null): Promise<Readable | null> {
      // Opened here, not by the stream: an object removed a moment ago is null (the proxy serves the upstream
      // instead), never a stream whose open fails after the reply's headers are out.
      const handle = await openIfPresent(objectPath(hash));
      if (!handle) return null;
      const size = await handle.stat().then(
        (stats) => stats.size,
        async (error: unknown) => {
          await handle.close();
          throw error;
        },
      );
      if (size === 0 || (range && range.start >= size)) {
        await handle.close();
        return Readable.from([]);
      }
      // Always with its last byte: a read stream given no end learns of it from one more read, a thread-pool round
      // trip after the last byte, so an HTTP reply ended later than its client (holding Content-Length bytes) was
      // done with it; a service closing in between kept that keep-alive connection open (src/service.ts,
      // closeWithinGrace).
      return handle.createReadStream({ start: range?.start ?? 0, end: Math.min(range?.end ?? size - 1, size - 1) });
    },
    sizeOf: async (hash) => fileSize(objectPath(hash)),
    async remove(hash) {
      await rm(objectPath(hash), { force: true });
    },
    async close() {},
  };
}
