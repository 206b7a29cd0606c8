import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Each test file gets a database of its own, cloned from the run's migrated template (CREATE DATABASE ... TEMPLATE:
 * a file copy, no migrations), so suites never share tenants' global work: a sweep over every customer, a worker
 * draining the job queue, a rate-limit counter keyed by address. Registered as a setup file: its hooks run before the
 * file's own, and every harness in the file (startTestApp, factories, child servers) reads the URLs set here.
 * Copies are dropped by the global teardown, not here: jest runs this file's afterAll before the test file's own, which
 * may still need the database (closing pools, dropping databases it made).
 */
const template = process.env.TP_TEST_TEMPLATE_DATABASE;
const adminUrl = process.env.TP_TEST_ADMIN_URL;

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  if (!template || !adminUrl) throw new Error('global setup did not run (TP_TEST_TEMPLATE_DATABASE missing)');
  const name = `${template}_f${randomBytes(4).toString('hex')}`;
  await admin(async (client) => {
    // Two files starting at once may copy the template together; PostgreSQL refuses a copy while another session is
    // connected to the template, which the other copy briefly is: retry for a few seconds.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template)}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 100));
      }
    }
  });
  process.env.TP_TEST_OWNER_URL = withDatabase(process.env.TP_TEST_TEMPLATE_OWNER_URL!, name);
  process.env.TP_TEST_APP_URL = withDatabase(process.env.TP_TEST_TEMPLATE_APP_URL!, name);
}, 60_000);
