import 'reflect-metadata';
import { getHeapStatistics } from 'node:v8';
import { HEAP_PLAN } from './runtime/heap';
import { ConfigError, loadConfig, type AppConfig } from './config/config';
import { prepareDatabase } from './db/bootstrap';
import { createDataSource } from './db/data-source';
import { removeEmbeddedConnection } from './db/embedded-postgres';
import { Database } from './db/database';
import { createAppServer } from './http/server';
import { startMetricsServer } from './http/metrics-server';
import { startWorker } from './jobs/worker';
import { createLogger } from './logger';
import { prepareStorage } from './modules/storage/storage.bootstrap';
import { startEmbeddedSmtp } from './modules/mail/embedded-smtp';
import { devSubjectFor, signDevToken } from './modules/auth/jwt';
import { DEMO_USERS, seedDemo } from './seed/demo';
import { describeStartupError } from './startup-error';
import { closeWatermarkPool } from './modules/documents/watermark-pool';

function banner(config: AppConfig, url: string, mailDir: string | null): string {
  const lines = [``, `trust-portal is up: ${url}${config.env !== 'production' ? ' (open it in a browser for GraphiQL)' : ''}`, ``];
  if (config.env !== 'production') lines.push(`The demo's hosted trust center: ${url.replace(/\/graphql$/, '')}/trust/acme (its badge: /trust/acme/badge.svg)`, ``);
  if (mailDir) lines.push(`Mail is not sent anywhere (no SMTP_URL): every message is kept as an .eml file in`, `  ${mailDir}`, ``);
  if (config.jwt.algorithm === 'HS256' && config.env !== 'production') {
    const day = 24 * 3600;
    const admin = signDevToken(config.jwt, { subject: devSubjectFor(DEMO_USERS.vendorAdmin), email: DEMO_USERS.vendorAdmin }, day);
    const buyer = signDevToken(config.jwt, { subject: devSubjectFor(DEMO_USERS.buyer), email: DEMO_USERS.buyer }, day);
    lines.push(
      `Demo tokens (valid 24 h; more with: npm run token -- --email <email>):`,
      `  ${DEMO_USERS.vendorAdmin} (OWNER of acme):`,
      `    export ACME_TOKEN=${admin}`,
      `  ${DEMO_USERS.buyer} (member of globex):`,
      `    export GLOBEX_TOKEN=${buyer}`,
      ``,
      `Try it (anonymous, the public trust center):`,
      `  curl -s ${url} -H 'content-type: application/json' \\`,
      `    -d '{"query":"{ trustCenter(slug: \\"acme\\") { name attestations { edges { node { framework socType periodEnd freshness { state ageDays expiresOn coveredThrough daysUntilStale } } } } } }"}'`,
      ``,
      `As the vendor (drafts and history):`,
      `  curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer $ACME_TOKEN" \\`,
      `    -d '{"query":"{ viewer { user { email } } organization { slug attestations { edges { node { title status } } } } }"}'`,
      ``,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  logger.info('memory budget', {
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024)),
    plan: process.env[HEAP_PLAN] ?? 'Node defaults (started without dist/src/start.js)',
  });
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  if (nodeMajor < 22) {
    // One line instead of the AWS SDK's multi-line banner: the versions locked here work on Node 20.19+.
    logger.warn('Node.js 20 is past its end of life; Node 22 or 24 is recommended (later AWS SDK releases will require 22)', { node: process.versions.node });
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  }
  const prepared = await prepareDatabase(config, logger);
  let stopping = false;
  const dataSource = createDataSource({
    url: prepared.appUrl,
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    // While stopping, PostgreSQL closing pooled connections is expected, not worth a warning.
    logSink: (level, message, data) => (stopping ? undefined : logger[level](message, data)),
  });
  await dataSource.initialize();
  const db = new Database(dataSource);
  const storage = await prepareStorage(config, logger);
  if (config.seedDemo) await seedDemo(db, logger, storage.storage);
  const server = await createAppServer({ config, db, logger, storage: storage.storage });
  // No SMTP_URL: in development the embedded sink keeps each message as a file; in production mail waits in the outbox.
  const mailSink = config.mail.smtpUrl === null && config.env !== 'production' && config.jobs.workerEnabled ? await startEmbeddedSmtp({ dir: config.mail.dir }) : null;
  if (config.mail.smtpUrl === null && config.env === 'production') logger.warn('SMTP_URL is not set: mail is queued in the outbox (QUEUED) and not sent until a worker with SMTP_URL runs');
  const smtpUrl = config.mail.smtpUrl ?? mailSink?.url;
  const worker = config.jobs.workerEnabled
    ? await startWorker({
      connectionString: prepared.appUrl, db, logger, concurrency: config.jobs.concurrency, sweepCron: config.jobs.sweepCron, publicTargetsOnly: !config.jobs.allowPrivateWebhooks,
      mail: smtpUrl ? { smtpUrl, from: config.mail.from, publicBaseUrl: config.mail.publicBaseUrl } : undefined,
      alerts: { tokenSecret: config.mail.alerts.tokenSecret, digestCron: config.mail.alerts.digestCron },
    })
    : null;
  const metrics = await startMetricsServer(config.metrics);
  await new Promise<void>((resolve) => server.httpServer.listen(config.port, config.host, resolve));
  const address = server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(banner(config, `http://${shownHost}:${port}/graphql`, mailSink?.dir ?? null) + '\n');
  if (metrics) logger.info('metrics listening', { url: metrics.url, token: config.metrics.token ? 'required' : 'none' });

  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // embedded-postgres stops its server on the same signal; forget its address first so the CLI never finds a stale one.
    if (prepared.embedded) removeEmbeddedConnection(config.dataDir);
    const force = setTimeout(() => process.exit(1), config.shutdownDrainMs + 15_000);
    force.unref();
    // While stopping, a late error from a resource being closed (a connection PostgreSQL terminates as it stops, a
    // socket cut at the drain deadline) must not end the process with exit 1 halfway, leaving PostgreSQL running:
    // it is logged and the shutdown goes on. (Before stopping, Node's default applies: such an error ends the process.)
    const late = (kind: string) => (error: unknown): void => {
      logger.error(`${kind} while shutting down (the shutdown goes on)`, { error: error instanceof Error ? error.stack ?? error.message : String(error) });
    };
    process.on('uncaughtException', late('uncaught exception'));
    process.on('unhandledRejection', late('unhandled rejection'));
    try {
      await server.close();
      await metrics?.close();
      await worker?.stop();
      await mailSink?.close();
      await closeWatermarkPool();
      await db.close();
      await storage.stop();
      await prepared.stop();
    } finally {
      process.exit(0);
    }
  };
  // embedded-postgres (through async-exit-hook) listens for these signals too: it stops PostgreSQL and exits 128+n,
  // racing the drain below (a SIGTERM could end in exit 143 with requests cut off). Ours is the only handler; it stops
  // PostgreSQL itself (prepared.stop) once the server and worker are done.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`trust-portal failed to start: ${describeStartupError(error)}\n`);
  process.exit(1);
});
