import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { Database } from '../../src/db/database';
import { DbScope } from '../../src/db/db-scope';
import { newApiKey } from '../../src/domain/api-keys';
import { currentQueryStats, withQueryStats, type QueryStats } from '../../src/db/query-stats';
import { createOrg } from '../support/factories';
import { startTestApp, type TestApp } from '../support/harness';
import { whileHolding } from '../support/locks';
import { waitFor } from '../support/wait';

/**
 * The request-scoped read session (src/db/read-session.ts, issue 16 item 1) on its own: the units of one query
 * operation share one READ ONLY transaction, each runs as its own identity however they interleave, a nested unit
 * runs re-entrantly, a failed unit ends the transaction and the next opens a fresh one, writes opt out, and no
 * connection stays checked out.
 */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const setting = async (m: EntityManager, name: string): Promise<string> => (await m.query(`SELECT current_setting($1, true) AS v`, [name]))[0].v as string;
const org = (m: EntityManager) => setting(m, 'app.org_id');
const backend = async (m: EntityManager): Promise<number> => (await m.query(`SELECT pg_backend_pid() AS pid`))[0].pid as number;

/** Connections the app's pool has handed out and not taken back. */
function checkedOut(): number {
  const pool = (app.db.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
  return pool.totalCount - pool.idleCount;
}

/** Runs `work` as a query operation would: a QueryStats store with a read session, closed at the end. */
async function inSession<T>(work: () => Promise<T>): Promise<{ result: T; stats: QueryStats }> {
  const stats: QueryStats = { statements: 0, readSession: app.db.readSession() };
  const result = await withQueryStats(stats, async () => {
    try {
      return await work();
    } finally {
      await stats.readSession!.close();
    }
  });
  return { result, stats };
}

test('units of one operation share one read-only transaction on one connection; each runs as its own identity', async () => {
  const [a, b] = [randomUUID(), randomUUID()];
  const { result, stats } = await inSession(() => Promise.all([a, b, a, b].map((orgId) =>
    app.db.transaction(DbScope.system(orgId), async (m) => {
      const first = await org(m);
      await m.query('SELECT pg_sleep(0.01)'); // gives a concurrent unit every chance to interleave
      return { orgId, first, second: await org(m), pid: await backend(m), readOnly: await setting(m, 'transaction_read_only') };
    }))));
  for (const r of result) {
    expect([r.first, r.second]).toEqual([r.orgId, r.orgId]);
    expect(r.readOnly).toBe('on');
  }
  expect(new Set(result.map((r) => r.pid)).size).toBe(1);
  expect(stats.transactions).toBe(1);
  // BEGIN, then per unit: set_config (the identity changes every time: a, b, a, b) and its 5 statements; COMMIT.
  expect(stats.statements).toBe(1 + 4 * (1 + 5) + 1);
  expect(checkedOut()).toBe(0);
});

test('a unit with the identity already in force sends no set_config', async () => {
  const orgId = randomUUID();
  const { stats } = await inSession(async () => {
    for (let i = 0; i < 3; i++) await app.db.transaction(DbScope.system(orgId), (m) => org(m));
  });
  expect(stats.statements).toBe(1 + 1 + 3 + 1); // BEGIN, set_config once, 3 reads, COMMIT
});

test('a nested unit runs re-entrantly as its identity, then the outer one goes on as its own', async () => {
  const [outer, inner] = [randomUUID(), randomUUID()];
  const { result, stats } = await inSession(() =>
    app.db.transaction(DbScope.system(outer), async (m) => {
      const nested = await app.db.transaction(DbScope.system(inner), async (n) => ({ org: await org(n), pid: await backend(n) }));
      return { nested, after: await org(m), pid: await backend(m) };
    }));
  expect(result.nested.org).toBe(inner);
  expect(result.after).toBe(outer);
  expect(result.nested.pid).toBe(result.pid);
  expect(stats.transactions).toBe(1);
});

test('actAs inside a unit is tracked: the next unit as the same identity sends no set_config', async () => {
  const orgId = randomUUID();
  const { result, stats } = await inSession(async () => {
    const found = await app.db.transaction(DbScope.slugLookup('no-such-slug'), async (m) => {
      await app.db.actAs(m, DbScope.visitor(orgId, null));
      return { org: await org(m), slug: await setting(m, 'app.org_slug'), visitor: await setting(m, 'app.visitor') };
    });
    const before = currentQueryStats()!.statements;
    const next = await app.db.transaction(DbScope.visitor(orgId, null), (m) => org(m));
    return { found, next, sent: currentQueryStats()!.statements - before };
  });
  expect(result.found).toEqual({ org: orgId, slug: '', visitor: 'on' });
  expect(result.next).toBe(orgId);
  expect(result.sent).toBe(1); // the read only
  expect(stats.transactions).toBe(1);
});

test('a failed unit rolls the session back; the error propagates and the next unit opens a fresh transaction', async () => {
  const orgId = randomUUID();
  const { result, stats } = await inSession(async () => {
    const failure = await app.db.transaction(DbScope.system(orgId), (m) => m.query('SELECT 1/0')).then(() => null, (e: Error) => e.message);
    const after = await app.db.transaction(DbScope.system(orgId), (m) => org(m));
    return { failure, after };
  });
  expect(result.failure).toMatch(/division by zero/);
  expect(result.after).toBe(orgId);
  expect(stats.transactions).toBe(2);
  expect(checkedOut()).toBe(0);
});

test('a write inside the session is refused by PostgreSQL; { own: true } runs it in a transaction of its own', async () => {
  const { result } = await inSession(async () => {
    const readOnly = await app.db.transaction(DbScope.user(randomUUID()), (m) => m.query(`UPDATE users SET last_seen_at = now() WHERE false`))
      .then(() => null, (e: Error) => e.message);
    const own = await app.db.transaction(DbScope.user(randomUUID()), async (m) => {
      await m.query(`UPDATE users SET last_seen_at = now() WHERE false`);
      return setting(m, 'transaction_read_only');
    }, { own: true });
    return { readOnly, own };
  });
  expect(result.readOnly).toMatch(/read-only transaction/);
  expect(result.own).toBe('off');
  expect(checkedOut()).toBe(0);
});

test("a mutation's session (keepForReads) takes units marked as reads; any other unit ends it first and runs on its own", async () => {
  const stats: QueryStats = { statements: 0, readSession: app.db.readSession() };
  const session = stats.readSession!;
  const result = await withQueryStats(stats, async () => {
    try {
      const auth = await app.db.transaction(DbScope.user(randomUUID()), async (m) => ({ pid: await backend(m), readOnly: await setting(m, 'transaction_read_only') }));
      session.keepForReads();
      const read = await app.db.transaction(DbScope.system(randomUUID()), async (m) => ({ pid: await backend(m), readOnly: await setting(m, 'transaction_read_only') }), { read: true });
      // Unmarked: it may write, so the reads end first (it must never run inside the READ ONLY transaction).
      const write = await app.db.transaction(DbScope.user(randomUUID()), async (m) => {
        await m.query(`UPDATE users SET last_seen_at = now() WHERE false`);
        return setting(m, 'transaction_read_only');
      });
      const sessionAfter = currentQueryStats()!.readSession;
      // A read after that: the session is gone, so a transaction of its own.
      const late = await app.db.transaction(DbScope.system(randomUUID()), (m) => setting(m, 'transaction_read_only'), { read: true });
      return { auth, read, write, sessionAfter, late };
    } finally {
      await stats.readSession?.close();
    }
  });
  expect(result.auth.readOnly).toBe('on');
  expect(result.read).toEqual(result.auth); // the same connection, the same READ ONLY transaction
  expect(result.write).toBe('off');
  expect(result.sessionAfter).toBeUndefined();
  expect(result.late).toBe('off');
  expect(session.transactions).toBe(1);
  expect(checkedOut()).toBe(0);
});

test('endReads commits the session and gives its connection back; later units run in transactions of their own', async () => {
  const stats: QueryStats = { statements: 0, readSession: app.db.readSession() };
  await withQueryStats(stats, async () => {
    await app.db.transaction(DbScope.system(randomUUID()), (m) => org(m));
    expect(checkedOut()).toBe(1);
    await app.db.endReads();
    expect(checkedOut()).toBe(0);
    expect(currentQueryStats()!.readSession).toBeUndefined();
    await app.db.endReads(); // nothing left to end: a no-op
  });
});

test('units that arrive once the session is closing run in transactions of their own', async () => {
  const orgId = randomUUID();
  const stats: QueryStats = { statements: 0, readSession: app.db.readSession() };
  await withQueryStats(stats, async () => {
    await app.db.transaction(DbScope.system(orgId), (m) => org(m));
    await stats.readSession!.close();
    expect(await app.db.transaction(DbScope.system(orgId), (m) => setting(m, 'transaction_read_only'))).toBe('off');
  });
  expect(stats.transactions).toBe(2);
  expect(checkedOut()).toBe(0);
});

// ---- Through HTTP: no connection stays checked out after a query that failed or timed out -----------------------

const PAGE = `query($slug: String!) { trustCenter(slug: $slug) { name subprocessors { name } attestations(first: 5) { edges { node { id } } } } }`;

function checkedOutOf(target: TestApp): number {
  const pool = (target.db.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
  return pool.totalCount - pool.idleCount;
}

/** Holds `subprocessors` locked ACCESS EXCLUSIVE (as the owner), so the page's read of it waits, while `work` runs. */
const whileSubprocessorsLocked = <T>(work: (release: () => Promise<void>) => Promise<T>): Promise<T> =>
  whileHolding(app.owner, 'LOCK TABLE subprocessors IN ACCESS EXCLUSIVE MODE', [], work);

test('a query whose statement fails mid-way (statement timeout) answers the error and leaves no connection checked out', async () => {
  const slow = await startTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '200' } });
  try {
    const vendor = await createOrg(slow, { publish: true, prefix: 'midway' });
    const r = await whileSubprocessorsLocked(() => slow.gql(PAGE, { variables: { slug: vendor.slug } }));
    expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    // The page's parts are read in one statement with the trust center (page-prefetch.ts): that statement timed out,
    // the session was rolled back and nothing ran after it (a failed unit followed by others: the unit test above).
    expect(r.transactions).toBe(1);
    expect(r.data?.trustCenter ?? null).toBeNull();
    expect(checkedOutOf(slow)).toBe(0);
  } finally {
    await slow.close();
  }
});

test('a query past GRAPHQL_MAX_EXECUTION_MS is answered 503; its session is committed and released when its work ends', async () => {
  const hurried = await startTestApp({ env: { GRAPHQL_MAX_EXECUTION_MS: '300' } });
  try {
    const vendor = await createOrg(hurried, { publish: true, prefix: 'late' });
    await whileSubprocessorsLocked(async (release) => {
      const r = await hurried.gql(PAGE, { variables: { slug: vendor.slug } });
      expect(r.status).toBe(503);
      expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
      expect(checkedOutOf(hurried)).toBe(1); // the session, waiting on the lock
      await release();
    });
    await waitFor('the late query to give its connection back', () => checkedOutOf(hurried) === 0);
  } finally {
    await hurried.close();
  }
});

test('a request refused at authentication (an unknown API key, looked up in the session) leaves no connection checked out', async () => {
  const r = await app.gql(`{ viewer { user { email } } }`, { headers: { authorization: `Bearer ${newApiKey(randomUUID()).token}` } });
  expect(r.status).toBe(401);
  expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(checkedOut()).toBe(0);
});

test('with a pool of one connection (DB_POOL_MAX=1) sessions are off: units run in transactions of their own', async () => {
  // A session would hold the only connection, and a write on the query's path (a user's first sight) would wait
  // for it forever.
  const dataSource = createDataSource({ url: process.env.TP_TEST_APP_URL!, poolMax: 1 });
  await dataSource.initialize();
  const db = new Database(dataSource);
  try {
    const stats: QueryStats = { statements: 0, readSession: db.readSession() };
    expect(stats.readSession!.accepting).toBe(false);
    const readOnly = await withQueryStats(stats, () => db.transaction(DbScope.system(randomUUID()), (m) => setting(m, 'transaction_read_only')));
    expect(readOnly).toBe('off');
    await stats.readSession!.close();
  } finally {
    await db.close();
  }
});
