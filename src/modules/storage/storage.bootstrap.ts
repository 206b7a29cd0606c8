import path from 'node:path';
import type { AppConfig } from '../../config/config';
import type { Logger } from '../../logger';
import { startEmbeddedS3, type EmbeddedS3 } from './embedded-s3';
import { Storage } from './storage';

export interface PreparedStorage {
  storage: Storage;
  embedded: EmbeddedS3 | null;
  stop(): Promise<void>;
}

/** S3 as configured, or (no S3_ENDPOINT and no S3_BUCKET) an embedded endpoint with its files in the data folder. */
export async function prepareStorage(config: AppConfig, logger: Logger): Promise<PreparedStorage> {
  const s = config.storage;
  let embedded: EmbeddedS3 | null = null;
  if (s.embedded) {
    embedded = await startEmbeddedS3({ directory: path.join(config.dataDir, 's3'), bucket: s.bucket });
    logger.info('embedded S3 endpoint started', { endpoint: embedded.endpoint, bucket: s.bucket });
  }
  const storage = new Storage({
    endpoint: embedded?.endpoint ?? s.endpoint,
    bucket: s.bucket,
    region: s.region,
    accessKeyId: embedded?.accessKeyId ?? s.accessKeyId,
    secretAccessKey: embedded?.secretAccessKey ?? s.secretAccessKey,
    forcePathStyle: s.forcePathStyle,
    uploadUrlTtlSeconds: s.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: s.downloadUrlTtlSeconds,
  });
  return {
    storage,
    embedded,
    async stop() {
      storage.close();
      if (embedded) await embedded.stop();
    },
  };
}
