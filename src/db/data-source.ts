import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { CountingLogger, type LogSink } from './query-stats';

// Calendar dates stay strings ('YYYY-MM-DD'): node-pg would otherwise turn them into local-time Date objects.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

/** The role the application connects as: owns no table, has no BYPASSRLS; created by the first migration. */
export const APP_ROLE = 'trust_portal_app';

export interface DataSourceOptions {
  url: string;
  poolMax?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
  logSink?: LogSink;
}

export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    migrationsRun: false,
    logger: new CountingLogger(options.logSink),
    maxQueryExecutionTime: 1000,
    extra: {
      max: options.poolMax ?? 10,
      statement_timeout: options.statementTimeoutMs ?? 10000,
      connectionTimeoutMillis: 5000,
      application_name: options.applicationName ?? 'trust-portal',
    },
  });
}

/** The same server and database as `ownerUrl`, as the app role. */
export function appRoleUrl(ownerUrl: string, password: string): string {
  const url = new URL(ownerUrl);
  url.username = APP_ROLE;
  url.password = encodeURIComponent(password);
  return url.toString();
}
