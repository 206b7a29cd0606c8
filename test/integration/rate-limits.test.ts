import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';

/** Rate limits are counted in PostgreSQL: two server processes share them. */
let a: TestApp;
let b: TestApp;
let ipLimited: TestApp;
beforeAll(async () => {
  const env = { RATE_LIMIT_PER_PRINCIPAL: '4', RATE_LIMIT_PER_IP: '0' };
  [a, b, ipLimited] = await Promise.all([startTestApp({ env }), startTestApp({ env }), startTestApp({ env: { RATE_LIMIT_PER_IP: '2', TRUST_PROXY: '2' } })]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), ipLimited.close()]);
});

/** Windows are whole minutes: start a test well inside one so it cannot straddle two. */
async function freshWindow(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
}

test('a principal gets its limit across two processes, with RateLimit headers, then 429 RATE_LIMITED with Retry-After', async () => {
  await freshWindow();
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
  expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
  // Another principal is not affected.
  const other = await createOrg(b);
  expect((await a.gql(query, { token: other.owner.token })).status).toBe(200);
});

test('anonymous callers are limited per IP address', async () => {
  await freshWindow();
  const statuses: number[] = [];
  // A client address of its own, behind two trusted proxies (TRUST_PROXY=2: the socket's peer and 10.0.0.1), so no other test shares its counter.
  const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.1`;
  for (let i = 0; i < 3; i++) statuses.push((await ipLimited.gql(`{ __typename }`, { headers: { 'x-forwarded-for': ip } })).status);
  expect(statuses).toEqual([200, 200, 429]);
});

test('requests with credentials count against the address too, and so do bad credentials (one statement when authenticated)', async () => {
  await freshWindow();
  const org = await createOrg(ipLimited);
  const ip = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.1`;
  const asUser = ip();
  const users: number[] = [];
  for (let i = 0; i < 3; i++) users.push((await ipLimited.gql(`{ viewer { user { id } } }`, { token: org.owner.token, headers: { 'x-forwarded-for': asUser } })).status);
  expect(users).toEqual([200, 200, 429]);
  const forged = ip();
  const bad: number[] = [];
  for (let i = 0; i < 3; i++) bad.push((await ipLimited.gql(`{ viewer { user { id } } }`, { token: 'not-a-token', headers: { 'x-forwarded-for': forged } })).status);
  expect(bad).toEqual([401, 401, 429]);
});
