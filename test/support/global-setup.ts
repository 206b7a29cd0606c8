import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, migrate } from '../../src/db/bootstrap';
import { appRoleUrl } from '../../src/db/data-source';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded-postgres';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/modules/storage/embedded-s3';

export const TEST_BUCKET = 'trust-portal-test';

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL's server when set, otherwise an embedded one in the OS temp
 * folder (deleted at the end). Each run gets a fresh database, migrated once; tests make fresh tenants, never share rows.
 */
declare global {
  // eslint-disable-next-line no-var
  var __TP_TEST__: { embedded: EmbeddedPostgres | null; adminUrl: string; database: string; s3: EmbeddedS3 } | undefined;
}

export default async function globalSetup(): Promise<void> {
  let embedded: EmbeddedPostgres | null = null;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-portal-test-'));
    chmodSync(dir, 0o711); // the embedded server runs as the postgres user when we are root
    embedded = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'pg'), password: randomBytes(16).toString('hex'), persistent: false });
    adminUrl = embedded.adminUrl;
  }
  const database = `tp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const ownerUrl = await ensureDatabase(adminUrl, database);
  const appPassword = randomBytes(16).toString('hex');
  await migrate(ownerUrl, appPassword);
  // The migrated database is the template each test file's own database is cloned from (file-database.ts); the
  // URLs below name it until a file's setup points them at its copy.
  process.env.TP_TEST_OWNER_URL = ownerUrl;
  process.env.TP_TEST_APP_URL = appRoleUrl(ownerUrl, appPassword);
  process.env.TP_TEST_TEMPLATE_DATABASE = database;
  process.env.TP_TEST_TEMPLATE_OWNER_URL = ownerUrl;
  process.env.TP_TEST_TEMPLATE_APP_URL = appRoleUrl(ownerUrl, appPassword);
  process.env.TP_TEST_ADMIN_URL = adminUrl;
  process.env.TP_TEST_MODE = embedded ? 'embedded' : 'external';
  // A pinned secret: the harness and child servers sign with S3RVER/S3RVER. Unsigned requests are still refused.
  const s3 = await startEmbeddedS3({ directory: mkdtempSync(path.join(os.tmpdir(), 'trust-portal-test-s3-')), bucket: TEST_BUCKET, secretAccessKey: 'S3RVER' });
  process.env.TP_TEST_S3_ENDPOINT = s3.endpoint;
  globalThis.__TP_TEST__ = { embedded, adminUrl, database, s3 };
  process.stdout.write(`\n[test] PostgreSQL: ${embedded ? 'embedded (temporary)' : 'TEST_DATABASE_URL'}; database ${database}\n`);
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(database)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
