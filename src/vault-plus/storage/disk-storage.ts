// Vault+ storage on the local disk: <dir>/sha256/<first two hex>/<hash>, written by rename from a spool file on the
// same filesystem, so a reader never sees half an object.
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ByteRange } from '../../platform/http/byte-range.ts';
import { assertHash, fileSize, spoolToFile, type MediaStorage } from './media-storage.ts';

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
      const file = objectPath(hash);
      if ((await fileSize(file)) === null) return null;
      return createReadStream(file, range ? { start: range.start, end: range.end } : {});
    },
    sizeOf: async (hash) => fileSize(objectPath(hash)),
    async remove(hash) {
      await rm(objectPath(hash), { force: true });
    },
    async close() {},
  };
}
