import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';
import { describeWithRedis, redisKeyPrefix } from '../support/redis';

/**
 * Rate limits are counted in memory per server without REDIS_URL, and in Redis (shared by every server using it)
 * with it; never in the database. Windows are whole minutes of the server's clock, which these apps read from `clock`
 * (not the wall clock): each test sets its own minute, so no burst can straddle two windows and the tests never wait
 * for a minute boundary.
 */
let clock = new Date('2026-03-10T12:00:15Z');
const now = (): Date => clock;
const query = `{ viewer { user { email } } }`;

/** Client addresses of their own, behind two trusted proxies (TRUST_PROXY=2: the socket's peer and 10.0.0.1). */
const behindProxies = (client: string): string => `${client}, 10.0.0.1`;

/**
 * A principal limited to 4 a minute, sending through `pick(i)`: createOrg used one request, three more pass with
 * RateLimit headers counting down, then 429 RATE_LIMITED with Retry-After until the next minute.
 */
async function principalLimit(pick: (i: number) => TestApp): Promise<void> {
  clock = new Date('2026-03-10T12:00:15Z');
  const org = await createOrg(pick(1));
  let successes = 0;
  let limited = null;
  for (let i = 0; i < 10 && !limited; i++) {
    const r = await pick(i).gql(query, { token: org.owner.token });
    if (r.status === 429) limited = r;
    else {
      expect(r.errors).toBeUndefined();
      expect(r.headers.get('ratelimit-limit')).toBe('4');
      expect(Number(r.headers.get('ratelimit-remaining'))).toBe(4 - 1 - successes - 1); // createOrg used one
      successes += 1;
    }
  }
  expect(successes).toBe(3);
  expect(limited!.errors![0].extensions!.code).toBe('RATE_LIMITED');
  expect(limited!.headers.get('retry-after')).toBe('45'); // 12:00:15: the window ends in 45 s
  // Another principal is not affected.
  const other = await createOrg(pick(0));
  expect((await pick(1).gql(query, { token: other.owner.token })).status).toBe(200);
  // Still refused at the window's last second; the next minute is a new window.
  clock = new Date('2026-03-10T12:00:59.500Z');
  const last = await pick(1).gql(query, { token: org.owner.token });
  expect([last.status, last.headers.get('retry-after')]).toEqual([429, '1']);
  clock = new Date('2026-03-10T12:01:00Z');
  const next = await pick(0).gql(query, { token: org.owner.token });
  expect([next.status, next.headers.get('ratelimit-remaining')]).toEqual([200, '3']);
}

describe('without REDIS_URL: in memory, per server', () => {
  let a: TestApp;
  let b: TestApp;
  let ipLimited: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_PRINCIPAL: '4', RATE_LIMIT_PER_IP: '0' };
    [a, b, ipLimited] = await Promise.all([startTestApp({ env, now }), startTestApp({ env, now }), startTestApp({ env: { RATE_LIMIT_PER_IP: '2', TRUST_PROXY: '2' }, now })]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close(), ipLimited.close()]);
  });

  test('a principal gets its limit, with RateLimit headers, then 429 RATE_LIMITED with Retry-After until the next minute', async () => {
    expect(a.server.rateLimiter.backend).toBe('memory');
    await principalLimit(() => a);
  });

  test('each server counts for itself: another server starts the principal afresh', async () => {
    clock = new Date('2026-03-10T12:02:15Z');
    const org = await createOrg(a);
    for (let i = 0; i < 3; i++) expect((await a.gql(query, { token: org.owner.token })).status).toBe(200);
    expect((await a.gql(query, { token: org.owner.token })).status).toBe(429);
    const elsewhere = await b.gql(query, { token: org.owner.token });
    expect([elsewhere.status, elsewhere.headers.get('ratelimit-remaining')]).toEqual([200, '3']);
  });

  test('anonymous callers are limited per IP address', async () => {
    clock = new Date('2026-03-10T12:05:15Z');
    const statuses: number[] = [];
    const ip = behindProxies('198.51.100.1');
    for (let i = 0; i < 3; i++) statuses.push((await ipLimited.gql(`{ __typename }`, { headers: { 'x-forwarded-for': ip } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const refused = await ipLimited.gql(`{ __typename }`, { headers: { 'x-forwarded-for': ip } });
    expect([refused.errors?.[0]?.extensions?.code, refused.errors?.[0]?.message, refused.headers.get('retry-after')]).toEqual(['RATE_LIMITED', 'Too many requests from this address: 2 a minute', '45']);
  });

  test('requests with credentials count against the address too, and so do bad credentials', async () => {
    clock = new Date('2026-03-10T12:10:15Z');
    const org = await createOrg(ipLimited);
    const asUser = behindProxies('198.51.100.2');
    const users: number[] = [];
    for (let i = 0; i < 3; i++) users.push((await ipLimited.gql(`{ viewer { user { id } } }`, { token: org.owner.token, headers: { 'x-forwarded-for': asUser } })).status);
    expect(users).toEqual([200, 200, 429]);
    const forged = behindProxies('198.51.100.3');
    const bad: number[] = [];
    for (let i = 0; i < 3; i++) bad.push((await ipLimited.gql(`{ viewer { user { id } } }`, { token: 'not-a-token', headers: { 'x-forwarded-for': forged } })).status);
    expect(bad).toEqual([401, 401, 429]);
  });

  test('no request writes to the database for its limits (the rate_limit_windows table is gone)', async () => {
    const { rows } = await a.owner.query(`SELECT to_regclass('public.rate_limit_windows') AS t`);
    expect(rows[0].t).toBeNull();
  });
});

describeWithRedis('with REDIS_URL: counted in Redis, shared by the servers using it', (redisUrl) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMIT_PER_PRINCIPAL: '4', RATE_LIMIT_PER_IP: '0', REDIS_URL: redisUrl, RATE_LIMIT_KEY_PREFIX: redisKeyPrefix(__filename) };
    [a, b] = await Promise.all([startTestApp({ env, now }), startTestApp({ env, now })]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  test('a principal gets its limit across two servers (alternating: per-server counters would allow 8)', async () => {
    expect([a.server.rateLimiter.backend, b.server.rateLimiter.backend]).toEqual(['redis', 'redis']);
    await principalLimit((i) => (i % 2 === 0 ? b : a));
  });
});
