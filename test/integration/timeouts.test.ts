import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createOrg, type TestOrg } from '../support/factories';
import { startTestApp, type TestApp } from '../support/harness';
import { waitFor } from '../support/wait';

/** Slow requests get a coded answer, and an idempotent mutation that finishes late keeps its result for the retry. */
let app: TestApp;
let slowSql: TestApp;
/** No tight limits: sets up and reads back, so a busy machine cannot time those out (only the requests under test). */
let plain: TestApp;
let vendor: TestOrg;
beforeAll(async () => {
  [app, slowSql, plain] = await Promise.all([startTestApp({ env: { GRAPHQL_MAX_EXECUTION_MS: '300' } }), startTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '200' } }), startTestApp()]);
  vendor = await createOrg(plain, { publish: true, prefix: 'slow' });
});
afterAll(async () => Promise.all([app.close(), slowSql.close(), plain.close()]));

/** Holds the vendor's trust-center row locked (as the owner) while `work` runs, so updates of it wait (other tests do not). */
async function whileLocked<T>(work: (release: () => Promise<void>) => Promise<T>): Promise<T> {
  const client: pg.PoolClient = await app.owner.connect();
  await client.query('BEGIN');
  await client.query('SELECT 1 FROM trust_centers WHERE org_id = $1 FOR UPDATE', [vendor.id]);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await client.query('COMMIT');
    client.release();
  };
  try {
    return await work(release);
  } finally {
    await release();
  }
}

const UPDATE = `mutation($h: String!) { updateTrustCenter(input: { headline: $h }) { trustCenter { headline } errors { code } } }`;

test('a request past GRAPHQL_MAX_EXECUTION_MS answers 503 TIMEOUT', async () => {
  await whileLocked(async () => {
    const r = await app.gql(UPDATE, { token: vendor.owner.token, org: vendor.slug, variables: { h: 'slow' } });
    // Answered while the row is still locked (the update cannot have finished), and by the request deadline, not by
    // the SQL statement timeout (DB_STATEMENT_TIMEOUT_MS, 10 s here, says "database statement").
    expect(r.status).toBe(503);
    expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    expect(r.errors?.[0]?.message).toMatch(/^No answer within 300 ms/);
  });
});

test('a mutation that times out for the client still completes; the retry with its Idempotency-Key gets the result', async () => {
  const key = randomUUID();
  const send = () => fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${vendor.owner.token}`, 'x-org': vendor.slug, 'idempotency-key': key },
    body: JSON.stringify({ query: UPDATE, variables: { h: 'late but kept' } }),
  });
  await whileLocked(async (release) => {
    const first = await send();
    expect(first.status).toBe(503);
    expect(((await first.json()) as any).errors[0].extensions.code).toBe('TIMEOUT');
    await release();
  });
  // The late mutation finishes once the lock is released and keeps its response under the key: wait for that, then
  // retry once.
  await waitFor('the late mutation to keep its response', async () => {
    const { rows } = await app.owner.query(`SELECT state FROM idempotency_keys WHERE org_id = $1 AND key = $2`, [vendor.id, key]);
    return rows[0]?.state === 'DONE';
  });
  const retry = await send();
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(((await retry.json()) as any).data.updateTrustCenter.trustCenter.headline).toBe('late but kept');
});

test('a SQL statement past DB_STATEMENT_TIMEOUT_MS is cancelled and answered TIMEOUT, not INTERNAL', async () => {
  await whileLocked(async () => {
    const r = await slowSql.gql(UPDATE, { token: vendor.owner.token, org: vendor.slug, variables: { h: 'never' } });
    expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
  });
  const read = await plain.gql(`query($s: String!) { trustCenter(slug: $s) { headline } }`, { variables: { s: vendor.slug } });
  expect(read.data?.trustCenter.headline).not.toBe('never');
});

test('the server keeps its socket timeouts although the public cache makes it (serverFactory): keep-alive 65 s, a whole request 5 min', () => {
  // Fastify sets these only on a server it makes itself; public-cache.plugin.ts copies them onto its own.
  expect([plain.server.httpServer.keepAliveTimeout, plain.server.httpServer.requestTimeout]).toEqual([65_000, 300_000]);
});
