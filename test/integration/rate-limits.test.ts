import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';

/**
 * Rate limits are counted in PostgreSQL: two server processes share them. Windows are whole minutes of the server's
 * clock, which these apps read from `clock` (not the wall clock): each test sets its own minute, so no burst can
 * straddle two windows and the tests never wait for a minute boundary.
 */
let clock = new Date('2026-03-10T12:00:15Z');
const now = (): Date => clock;
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

/** Client addresses of their own, behind two trusted proxies (TRUST_PROXY=2: the socket's peer and 10.0.0.1). */
const behindProxies = (client: string): string => `${client}, 10.0.0.1`;

test('a principal gets its limit across two processes, with RateLimit headers, then 429 RATE_LIMITED with Retry-After until the next minute', async () => {
  clock = new Date('2026-03-10T12:00:15Z');
  const org = await createOrg(a);
  const query = `{ viewer { user { email } } }`;
  // Alternate between the two processes: with per-process counters this would allow 8 successes, shared ones 4.
  let successes = 0;
  let limited = null;
  for (let i = 0; i < 10 && !limited; i++) {
    const r = await (i % 2 === 0 ? b : a).gql(query, { token: org.owner.token });
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
  const other = await createOrg(b);
  expect((await a.gql(query, { token: other.owner.token })).status).toBe(200);
  // Still refused at the window's last second; the next minute is a new window.
  clock = new Date('2026-03-10T12:00:59.500Z');
  const last = await a.gql(query, { token: org.owner.token });
  expect([last.status, last.headers.get('retry-after')]).toEqual([429, '1']);
  clock = new Date('2026-03-10T12:01:00Z');
  const next = await b.gql(query, { token: org.owner.token });
  expect([next.status, next.headers.get('ratelimit-remaining')]).toEqual([200, '3']);
});

test('anonymous callers are limited per IP address', async () => {
  clock = new Date('2026-03-10T12:05:15Z');
  const statuses: number[] = [];
  const ip = behindProxies('198.51.100.1');
  for (let i = 0; i < 3; i++) statuses.push((await ipLimited.gql(`{ __typename }`, { headers: { 'x-forwarded-for': ip } })).status);
  expect(statuses).toEqual([200, 200, 429]);
});

test('requests with credentials count against the address too, and so do bad credentials (one statement when authenticated)', async () => {
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
