import './child-guard';
import { startEmbeddedS3 } from '../../src/modules/storage/embedded-s3';

/**
 * The embedded S3 endpoint (s3rver) in its own process, so serving HEAD/PUT for the server never competes with the
 * load generator's event loop. Args: <directory> <bucket>. Announces `{ endpoint }` on the IPC channel.
 */
async function main(): Promise<void> {
  const [directory, bucket] = process.argv.slice(2);
  if (!directory || !bucket) throw new Error('usage: s3-server <directory> <bucket>');
  const s3 = await startEmbeddedS3({ directory, bucket });
  process.send?.({ endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  const stop = (): void => void s3.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`s3-server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
