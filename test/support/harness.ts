import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/config';
import { createDataSource } from '../../src/db/data-source';
import { Database } from '../../src/db/database';
import { createAppServer, type AppServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { signDevToken } from '../../src/modules/auth/jwt';
import { Storage } from '../../src/modules/storage/storage';
import { startWorker } from '../../src/jobs/worker';
import { startEmbeddedSmtp, type EmbeddedSmtp } from '../../src/modules/mail/embedded-smtp';
import { TEST_BUCKET } from './global-setup';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';

export interface GqlResponse<T = Record<string, any>> {
  status: number;
  headers: Headers;
  data: T | null;
  errors: { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }[] | undefined;
  /** SQL statements the request ran (the server reports it outside production). */
  statements: number;
  /** Transactions among them (x-sql-transactions; the harness's gql reports it). */
  transactions?: number;
}

export interface GqlOptions {
  variables?: Record<string, unknown>;
  token?: string;
  org?: string;
  headers?: Record<string, string>;
}

export interface TestApp {
  url: string;
  db: Database;
  storage: Storage;
  /** A superuser connection to the same database, for factories and catalog checks (bypasses RLS). */
  owner: pg.Pool;
  /** A connection pool as the app role, for RLS tests. */
  appPool: pg.Pool;
  gql<T = Record<string, any>>(query: string, options?: GqlOptions): Promise<GqlResponse<T>>;
  tokenFor(email: string, subject?: string): string;
  server: AppServer;
  /** With `worker: true`: the embedded SMTP sink the worker delivers mail to (one folder per app). */
  mail?: EmbeddedSmtp | null;
  close(): Promise<void>;
}

/**
 * Tests deliver webhooks to receivers on 127.0.0.1, so the harness allows private webhook targets explicitly
 * (WEBHOOK_ALLOW_PRIVATE=true) unless the test asks for production (which keeps the server's default: refused) or
 * sets WEBHOOK_ALLOW_PRIVATE itself.
 */
export function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: os.tmpdir(),
    LOG_LEVEL: 'silent',
    // Every operation compiled from its first run, so the suite runs what production runs for any repeated
    // operation (graphql-jit); the interpreted first run is graphql-js's own (unit/executor.test.ts compares them).
    GRAPHQL_COMPILE_AT_RUN: '1',
    ...(overrides.NODE_ENV === 'production' ? {} : { WEBHOOK_ALLOW_PRIVATE: 'true' }),
    ...overrides,
  });
}

export async function startTestApp(options: { now?: () => Date; worker?: boolean; env?: Record<string, string> } = {}): Promise<TestApp> {
  const ownerUrl = process.env.TP_TEST_OWNER_URL;
  const appUrl = process.env.TP_TEST_APP_URL;
  if (!ownerUrl || !appUrl) throw new Error('global setup did not run (TP_TEST_OWNER_URL missing)');
  const config = testConfig(options.env);
  const dataSource = createDataSource({ url: appUrl, poolMax: 5, statementTimeoutMs: config.database.statementTimeoutMs });
  await dataSource.initialize();
  const db = new Database(dataSource);
  const storage = new Storage({
    endpoint: process.env.TP_TEST_S3_ENDPOINT, bucket: TEST_BUCKET, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
    forcePathStyle: true, uploadUrlTtlSeconds: config.storage.uploadUrlTtlSeconds, downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
  });
  const server: AppServer = await createAppServer({ config, db, storage, logger: createLogger('silent'), now: options.now }).catch(async (error: unknown) => {
    await db.close();
    storage.close();
    throw error;
  });
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  // Jobs (fan-out, webhooks) run only where a test asks for them: tests that count queued jobs or deliveries control
  // their own workers.
  const mail = options.worker ? await startEmbeddedSmtp({ dir: mkdtempSync(path.join(os.tmpdir(), 'tp-mail-')) }) : null;
  const worker = options.worker
    ? await startWorker({
      connectionString: appUrl, db, logger: createLogger('silent'), sweepCron: null, publicTargetsOnly: !config.jobs.allowPrivateWebhooks,
      mail: mail ? { smtpUrl: mail.url, from: config.mail.from, publicBaseUrl: config.mail.publicBaseUrl } : undefined,
    })
    : null;
  const { port } = server.httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 });
  const appPool = new pg.Pool({ connectionString: appUrl, max: 2 });

  return {
    url,
    db,
    storage,
    server,
    mail,
    owner,
    appPool,
    async gql(query, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.org) headers['x-org'] = opts.org;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
      const text = await res.text();
      let body: { data?: any; errors?: any[] } = {};
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
      }
      return { status: res.status, headers: res.headers, data: body.data ?? null, errors: body.errors, statements: Number(res.headers.get('x-sql-statements') ?? NaN), transactions: Number(res.headers.get('x-sql-transactions') ?? NaN) };
    },
    tokenFor(email, subject) {
      return signDevToken(config.jwt, { subject: subject ?? `test|${email}`, email }, 3600);
    },
    async close() {
      await server.close();
      await worker?.stop();
      await mail?.close();
      if (mail) rmSync(mail.dir, { recursive: true, force: true });
      await db.close();
      storage.close();
      await owner.end();
      await appPool.end();
    },
  };
}

export const uniqueSuffix = (): string => randomBytes(5).toString('hex');
