import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { Database } from '../../src/db/database';
import { createAppServer } from '../../src/http/server';
import { startWorker } from '../../src/jobs/worker';
import { createLogger } from '../../src/logger';
import { Storage } from '../../src/modules/storage/storage';

/**
 * One real API process for tests that need several (test/integration/two-processes.test.ts), started as
 * `node -r ./test/support/swc-register.js test/support/server-child.ts` with its configuration in the environment
 * (the same variables as `npm start`; APP_DATABASE_URL names the database, S3_ENDPOINT the object store). It boots
 * like harness.ts does (no embedded services, no migrations), runs the job worker unless WORKER_ENABLED=false,
 * listens on 127.0.0.1 and a free port, and prints one JSON line on stdout: {"port": <number>, "pid": <number>}.
 * Logs go to stderr. SIGTERM or SIGINT close it gracefully (exit 0). For tests only, TP_TEST_NOW (an ISO instant) fixes
 * the server's clock (`now`: business dates and rate-limit windows), as startTestApp({ now }) does in-process.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const appUrl = config.database.appUrl;
  if (!appUrl) throw new Error('APP_DATABASE_URL is required');
  if (!config.storage.endpoint) throw new Error('S3_ENDPOINT is required');
  const logger = createLogger(config.logLevel, pino.destination(2));
  const dataSource = createDataSource({ url: appUrl, poolMax: config.database.poolMax, statementTimeoutMs: config.database.statementTimeoutMs });
  await dataSource.initialize();
  const db = new Database(dataSource);
  const storage = new Storage({
    endpoint: config.storage.endpoint,
    bucket: config.storage.bucket,
    region: config.storage.region,
    accessKeyId: config.storage.accessKeyId,
    secretAccessKey: config.storage.secretAccessKey,
    forcePathStyle: config.storage.forcePathStyle,
    uploadUrlTtlSeconds: config.storage.uploadUrlTtlSeconds,
    downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
  });
  const fixedNow = process.env.TP_TEST_NOW ? new Date(process.env.TP_TEST_NOW) : null;
  if (fixedNow && Number.isNaN(fixedNow.getTime())) throw new Error(`TP_TEST_NOW is not an instant: ${process.env.TP_TEST_NOW}`);
  const server = await createAppServer({ config, db, storage, logger, now: fixedNow ? () => fixedNow : undefined });
  const worker = config.jobs.workerEnabled
    ? await startWorker({ connectionString: appUrl, db, logger, concurrency: config.jobs.concurrency, sweepCron: null, publicTargetsOnly: !config.jobs.allowPrivateWebhooks })
    : null;
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ port, pid: process.pid }) + '\n');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    try {
      await server.close();
      await worker?.stop();
      await db.close();
      storage.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // The parent going away (a crashed test run) must not leave this process behind.
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`server-child failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
