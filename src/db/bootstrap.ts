import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Logger as WorkerLogger, runMigrations as runWorkerMigrations } from 'graphile-worker';
import pg from 'pg';
import { persistentSecret, type AppConfig } from '../config/config';
import type { Logger } from '../logger';
import { appRoleUrl, APP_ROLE, createDataSource } from './data-source';
import { blockedAncestors, removeEmbeddedConnection, startEmbeddedPostgres, writeEmbeddedConnection, type EmbeddedPostgres } from './embedded-postgres';

/**
 * The embedded cluster lives in the data folder, unless (run as root) the `postgres` user cannot traverse down to it:
 * then in the OS temp folder, under a name derived from the data folder so the next start finds it again.
 */
export function embeddedClusterDir(dataDir: string): string {
  const preferred = path.join(dataDir, 'postgres');
  if (typeof process.getuid !== 'function' || process.getuid() !== 0 || blockedAncestors(dataDir).length === 0) return preferred;
  const tag = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join(os.tmpdir(), `trust-portal-cluster-${tag}`, 'postgres');
}

export interface PreparedDatabase {
  ownerUrl: string;
  appUrl: string;
  embedded: EmbeddedPostgres | null;
  stop(): Promise<void>;
}

const EMBEDDED_DATABASE = 'trust_portal';

/** Creates a database on a server (as its superuser) unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs pending migrations as the owner, then gives the app role the password the app will connect with. */
export async function migrate(ownerUrl: string, appPassword: string | undefined, logger?: Logger): Promise<string[]> {
  const ds = createDataSource({ url: ownerUrl, poolMax: 1, applicationName: 'trust-portal-migrate' });
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    // The job queue's own schema (graphile-worker migrates it), then the app role's rights on it: the app enqueues
    // jobs inside its own transactions and runs the workers.
    await runWorkerMigrations({ connectionString: ownerUrl, logger: silentWorkerLogger });
    await ds.query(`GRANT USAGE ON SCHEMA graphile_worker TO ${APP_ROLE}`);
    await ds.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA graphile_worker TO ${APP_ROLE}`);
    await ds.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA graphile_worker TO ${APP_ROLE}`);
    await ds.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA graphile_worker TO ${APP_ROLE}`);
    // graphile-worker turns row-level security on for its private tables (no policy: owner only). They hold queue
    // bookkeeping, not tenant data; the app role gets them whole.
    await ds.query(`DO $$ DECLARE t record; BEGIN
      FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'graphile_worker' AND c.relkind = 'r' AND c.relrowsecurity LOOP
        EXECUTE format('DROP POLICY IF EXISTS app_queue ON graphile_worker.%I', t.relname);
        EXECUTE format('CREATE POLICY app_queue ON graphile_worker.%I TO ${APP_ROLE} USING (true) WITH CHECK (true)', t.relname);
      END LOOP;
    END $$`);
    if (appPassword !== undefined) {
      await ds.query(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD ${pgLiteral(appPassword)}`);
    }
    for (const m of ran) logger?.info('migration applied', { migration: m.name });
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

const silentWorkerLogger = new WorkerLogger(() => () => undefined);

function pgLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * The database for `npm start`: DATABASE_URL when set, otherwise an embedded PostgreSQL whose files live in the data
 * folder (kept between runs). Migrates when configured to.
 */
export async function prepareDatabase(config: AppConfig, logger: Logger): Promise<PreparedDatabase> {
  let embedded: EmbeddedPostgres | null = null;
  let ownerUrl = config.database.url;
  if (!ownerUrl) {
    const databaseDir = embeddedClusterDir(config.dataDir);
    logger.info('starting embedded PostgreSQL', { dir: databaseDir });
    embedded = await startEmbeddedPostgres({
      databaseDir,
      password: persistentSecret(config.dataDir, 'postgres-password'),
      persistent: true,
      onLog: (line) => logger.debug('postgres', { line }),
      onNotice: (message, details) => logger.warn(message, details),
    });
    ownerUrl = await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
    writeEmbeddedConnection(config.dataDir, ownerUrl);
  }
  const appPassword = config.database.appUrl
    ? config.database.appPassword
    : (config.database.appPassword ?? persistentSecret(config.dataDir, 'app-db-password'));
  if (config.migrateOnStart) await migrate(ownerUrl, appPassword, logger);
  const appUrl = config.database.appUrl ?? appRoleUrl(ownerUrl, appPassword!);
  return {
    ownerUrl,
    appUrl,
    embedded,
    async stop() {
      if (embedded) {
        removeEmbeddedConnection(config.dataDir);
        await embedded.stop();
      }
    },
  };
}
