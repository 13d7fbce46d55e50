// Where Vault+ keeps copied media: content-addressed by SHA-256, so the same file stored twice takes space once.
// Bytes stream in and out: a put spools to a local file while hashing (the key is known only at the end), then
// moves it into place; a read is a stream of the whole object or one byte range. Never a whole file in memory.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../platform/config.ts';
import type { ByteRange } from '../../platform/http/byte-range.ts';

export interface StoredObject {
  /** SHA-256, hex: the object's key. */
  hash: string;
  sizeBytes: number;
}

export interface MediaStorage {
  readonly kind: 'disk' | 's3';
  /** Streams `body` in; stores it under its hash unless an object with that hash is already there. */
  put(body: Readable | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<StoredObject>;
  /** The stored bytes (all, or one range), or null when no object has this hash. */
  open(hash: string, range?: ByteRange | null): Promise<Readable | null>;
  /** The object's size, or null when absent. */
  sizeOf(hash: string): Promise<number | null>;
  /** Removes the object; nothing happens when it is absent. */
  remove(hash: string): Promise<void>;
  close(): Promise<void>;
}

const HASH = /^[0-9a-f]{64}$/;

export function assertHash(hash: string): void {
  if (!HASH.test(hash)) throw new Error('not a SHA-256 content hash');
}

/** A spooled upload: the local file holding the bytes, their hash and size. Remove it when done. */
export interface SpooledFile {
  file: string;
  hash: string;
  sizeBytes: number;
  discard(): Promise<void>;
}

/** Streams `body` into a new file under `spoolDir`, hashing it on the way. */
export async function spoolToFile(spoolDir: string, body: Readable | AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<SpooledFile> {
  await mkdir(spoolDir, { recursive: true });
  const file = path.join(spoolDir, `${Date.now()}-${randomBytes(8).toString('hex')}.part`);
  const hasher = createHash('sha256');
  let sizeBytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hasher.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, hashing, createWriteStream(file, { flags: 'wx' }), { signal });
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
  return { file, hash: hasher.digest('hex'), sizeBytes, discard: () => rm(file, { force: true }) };
}

export async function fileSize(file: string): Promise<number | null> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The backend the configuration names. The S3 client is loaded only when S3 is configured (startup time). */
export async function openMediaStorage(config: Config): Promise<MediaStorage> {
  if (config.vaultPlusStorage === 's3') {
    const { createS3Storage } = await import('./s3-storage.ts');
    return createS3Storage(config);
  }
  const { createDiskStorage } = await import('./disk-storage.ts');
  return createDiskStorage(config.vaultPlusDir);
}
