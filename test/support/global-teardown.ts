import pg from 'pg';
import { dropDatabase } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__TP_TEST__;
  if (!state) return;
  await state.s3.stop();
  if (state.embedded) {
    await state.embedded.stop(); // non-persistent: its files go with it
    return;
  }
  // A file that crashed before its afterAll leaves its copy behind (file-database.ts): drop the copies, then the template.
  const client = new pg.Client({ connectionString: state.adminUrl });
  await client.connect();
  let copies: string[] = [];
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${state.database}\\_f%`]);
    copies = rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
  for (const name of copies) await dropDatabase(state.adminUrl, name);
  await dropDatabase(state.adminUrl, state.database);
}
