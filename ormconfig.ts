import 'reflect-metadata';
import { loadConfig } from './src/config/config';
import { createDataSource } from './src/db/data-source';
import { readEmbeddedConnection } from './src/db/embedded-postgres';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:generate|run|revert`), connected as the owner role.
 * With DATABASE_URL it uses that server; otherwise the embedded PostgreSQL of a running `npm start`.
 */
function ownerUrl(): string {
  const config = loadConfig();
  const url = config.database.url ?? readEmbeddedConnection(config.dataDir);
  if (!url) {
    throw new Error('No database: set DATABASE_URL, or run `npm start` in another terminal so the embedded PostgreSQL is up.');
  }
  return url;
}

export default createDataSource({
  url: ownerUrl(),
  poolMax: 2,
  applicationName: 'trust-portal-cli',
  // The CLI reports what it does (migrations run, reverted, pending) through the logger.
  logSink: (_level, message) => console.log(message),
});
