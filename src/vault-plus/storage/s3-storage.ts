// Vault+ storage in an S3-compatible bucket (AWS S3, MinIO, R2, …): objects under <prefix>sha256/<hash>. A put
// spools to local scratch while hashing (the key is the hash), then uploads the file with its length once, unless
// the bucket already holds that hash. This module is imported only when S3 is configured.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../../platform/config.ts';
import { assertHash, spoolToFile, type MediaStorage } from './media-storage.ts';

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

export function createS3Storage(config: Config): MediaStorage {
  if (!config.vaultPlusS3Bucket) throw new Error('OFCONNECT_VAULT_PLUS_S3_BUCKET is not set');
  const bucket: string = config.vaultPlusS3Bucket;
  const client = new S3Client({
    region: config.vaultPlusS3Region,
    ...(config.vaultPlusS3Endpoint ? { endpoint: config.vaultPlusS3Endpoint } : {}),
    forcePathStyle: config.vaultPlusS3ForcePathStyle,
    // Checksums only where S3 requires them: the default sends aws-chunked bodies with trailing checksums, which
    // several S3-compatible stores save as they arrive (frame headers and trailer inside the object).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.vaultPlusS3AccessKeyId && config.vaultPlusS3SecretAccessKey
      ? { credentials: { accessKeyId: config.vaultPlusS3AccessKeyId, secretAccessKey: config.vaultPlusS3SecretAccessKey } }
      : {}),
  });
  const spoolDir = path.join(config.vaultPlusDir, 'spool');
  const keyOf = (hash: string) => {
    assertHash(hash);
    return `${config.vaultPlusS3Prefix}sha256/${hash}`;
  };

  async function sizeOf(hash: string): Promise<number | null> {
    try {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(hash) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  return {
    kind: 's3',
    async put(body, signal) {
      const spooled = await spoolToFile(spoolDir, body, signal);
      try {
        if ((await sizeOf(spooled.hash)) === null) {
          await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: keyOf(spooled.hash), Body: createReadStream(spooled.file), ContentLength: spooled.sizeBytes }),
            { abortSignal: signal },
          );
        }
        return { hash: spooled.hash, sizeBytes: spooled.sizeBytes };
      } finally {
        await spooled.discard();
      }
    },
    async open(hash, range) {
      try {
        const reply = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: keyOf(hash), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        );
        return (reply.Body as Readable | undefined) ?? null;
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },
    sizeOf,
    async remove(hash) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(hash) }));
    },
    async close() {
      client.destroy();
    },
  };
}
