import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

/**
 * A local S3 endpoint for `npm start` and tests, in-process, from @20minutes/s3rver: it verifies SigV4 signatures and
 * expiry of presigned URLs (unlike the original s3rver). Its CreateBucket rejects current SDK signatures, so buckets are
 * made with its `configureBuckets` option. It also serves unsigned GETs, which a real private bucket never does:
 * development only.
 */
export interface EmbeddedS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export async function startEmbeddedS3(options: { directory: string; bucket: string; port?: number }): Promise<EmbeddedS3> {
  mkdirSync(options.directory, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('@20minutes/s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
  });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: () => server.close(),
  };
}
