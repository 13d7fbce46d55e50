// A local S3-compatible server (s3rver) on a loopback port with its own temp directory, for the S3 backend's tests.
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import type { ConfigOverrides } from '../../src/platform/config.ts';
import { makeTempDir, removeTempDir } from '../support/test-run.ts';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Config overrides that point Vault+ at this server. */
  config(prefix?: string): ConfigOverrides;
  close(): Promise<void>;
}

export async function startLocalS3(): Promise<LocalS3> {
  const directory = makeTempDir('s3rver');
  const bucket = 'vault-plus-test';
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  let port: number;
  try {
    ({ port } = (await server.run()) as { port: number });
  } catch (error) {
    removeTempDir(directory);
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    config: (prefix = '') => ({
      vaultPlusStorage: 's3',
      vaultPlusS3Endpoint: endpoint,
      vaultPlusS3Bucket: bucket,
      vaultPlusS3Region: 'us-east-1',
      vaultPlusS3AccessKeyId: 'S3RVER',
      vaultPlusS3SecretAccessKey: 'S3RVER',
      vaultPlusS3ForcePathStyle: true,
      vaultPlusS3Prefix: prefix,
    }),
    async close() {
      try {
        await server.close();
      } finally {
        removeTempDir(directory);
      }
    },
  };
}
