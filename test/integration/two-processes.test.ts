import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { signDevToken } from '../../src/modules/auth/jwt';
import { TEST_BUCKET } from '../support/global-setup';
import { testConfig, TEST_JWT_SECRET } from '../support/harness';
import { redisKeyPrefix, testRedis } from '../support/redis';
import { queueDrained, waitFor as until } from '../support/wait';

/**
 * Two real API processes (child processes running the TypeScript sources through test/support/swc-register.js) on one
 * database, both running the job worker: a webhook is delivered once, rate limits are shared through Redis (REDIS_URL,
 * or the local Redis when it answers; that test is skipped, saying why, when none does), and a write through one
 * process invalidates the other's public cache.
 *
 * The two children use this file's own database (test/support/file-database.ts): their workers take every job in the
 * queue they see, which no other test file shares.
 */
jest.setTimeout(40_000);

const ROOT = path.resolve(__dirname, '..', '..');
const RATE_LIMIT = 10;
/**
 * A and B run on this fixed clock (TP_TEST_NOW): one rate-limit window for the whole file, so the shared-limit test
 * never straddles a minute boundary. Each principal here makes fewer than RATE_LIMIT requests outside that test.
 */
const FIXED_NOW = '2026-03-10T12:00:15Z';
/** Both children count rate limits in this Redis, under this file's own key prefix (new each run). */
const redis = testRedis();
if (!redis.url) process.stdout.write(`two-processes: skipping the shared rate-limit test: ${redis.reason}\n`);

interface Child {
  name: string;
  process: ChildProcess;
  url: string;
  stderr: string[];
}

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

const children: Child[] = [];
let owner: pg.Pool | null = null;
let receiver: http.Server | null = null;
let receiverUrl: string;
const received: Received[] = [];
let a: Child;
let b: Child;
/** What any child needs to boot here (the database, the object store, the token secret), and nothing else. */
let baseEnv: Record<string, string>;

const config = testConfig();
const tokenFor = (email: string): string => signDevToken(config.jwt, { subject: `test|${email}`, email }, 3600);
const suffix = (): string => randomBytes(5).toString('hex');

function startChild(name: string, env: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, ['-r', './test/support/swc-register.js', 'test/support/server-child.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const child: Child = { name, process: proc, url: '', stderr: [] };
  children.push(child);
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    child.stderr.push(chunk);
    if (child.stderr.length > 200) child.stderr.shift();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 25 s: ${child.stderr.join('').slice(-2000)}`)), 25_000);
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{"port"'));
      if (line && !child.url) {
        clearTimeout(timer);
        child.url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}/graphql`;
        resolve(child);
      }
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!child.url) reject(new Error(`${name} exited (${code ?? signal}) before listening: ${child.stderr.join('').slice(-2000)}`));
    });
  });
}

async function stopChild(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(killer);
}

interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: Record<string, any> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function gql(child: Child, query: string, options: { token?: string; org?: string; variables?: Record<string, unknown> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.org) headers['x-org'] = options.org;
  const res = await fetch(child.url, { method: 'POST', headers, body: JSON.stringify({ query, variables: options.variables }) });
  const body = (await res.json()) as { data?: Answer['data']; errors?: Answer['errors'] };
  return { status: res.status, headers: res.headers, data: body.data ?? null, errors: body.errors };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function ok(r: Answer): Record<string, any> {
  if (r.errors?.length || !r.data) throw new Error(`unexpected answer ${r.status}: ${JSON.stringify(r.errors)}`);
  for (const payload of Object.values(r.data)) {
    if (payload && typeof payload === 'object' && Array.isArray((payload as { errors?: unknown[] }).errors) && (payload as { errors: unknown[] }).errors.length) {
      throw new Error(`payload errors: ${JSON.stringify((payload as { errors: unknown[] }).errors)}`);
    }
  }
  return r.data;
}

interface Org {
  id: string;
  slug: string;
  token: string;
}

async function createOrg(child: Child, prefix: string, publish = false): Promise<Org> {
  const email = `${prefix}-${suffix()}@example.test`;
  const token = tokenFor(email);
  const slug = `${prefix}-${suffix()}`;
  const created = ok(await gql(child, `mutation($s: String!) { createOrganization(input: { slug: $s, name: $s }) { organization { id } errors { code } } }`, { token, variables: { s: slug } }));
  if (publish) ok(await gql(child, `mutation { publishTrustCenter { errors { code } } }`, { token, org: slug }));
  return { id: created.createOrganization.organization.id, slug, token };
}

async function publishAttestation(child: Child, vendor: Org, year: number): Promise<string> {
  const input = { framework: 'SOC2', socType: 'TYPE_II', periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, issueDate: `${year + 1}-02-15`, auditor: 'Audit LLP', opinion: 'UNQUALIFIED', trustServiceCriteria: ['SECURITY'], title: `SOC 2 Type II ${year}` };
  const created = ok(await gql(child, `mutation($i: CreateAttestationInput!) { createAttestation(input: $i) { attestation { id } errors { code } } }`, { token: vendor.token, org: vendor.slug, variables: { i: input } }));
  const id = created.createAttestation.attestation.id as string;
  ok(await gql(child, `mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`, { token: vendor.token, org: vendor.slug, variables: { id } }));
  return id;
}

beforeAll(async () => {
  const testOwnerUrl = process.env.TP_TEST_OWNER_URL;
  const testAppUrl = process.env.TP_TEST_APP_URL;
  const s3 = process.env.TP_TEST_S3_ENDPOINT;
  if (!testOwnerUrl || !testAppUrl || !s3) throw new Error('global setup did not run (TP_TEST_OWNER_URL missing)');
  owner = new pg.Pool({ connectionString: testOwnerUrl, max: 2 });
  baseEnv = {
    JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: os.tmpdir(),
    APP_DATABASE_URL: testAppUrl, S3_ENDPOINT: s3, S3_BUCKET: TEST_BUCKET, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER',
  };

  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;

  // The webhook receiver is on 127.0.0.1: a private target, which the children must be told to allow. Cached public
  // pages live an hour: only an invalidation can drop one during the tests.
  const env = {
    ...baseEnv, NODE_ENV: 'test', LOG_LEVEL: 'warn', TP_TEST_NOW: FIXED_NOW, PUBLIC_CACHE_TTL_SECONDS: '3600',
    RATE_LIMIT_PER_PRINCIPAL: String(RATE_LIMIT), RATE_LIMIT_PER_IP: '0', WORKER_ENABLED: 'true', DB_POOL_MAX: '4', WEBHOOK_ALLOW_PRIVATE: 'true',
    ...(redis.url ? { REDIS_URL: redis.url, RATE_LIMIT_KEY_PREFIX: redisKeyPrefix(__filename) } : {}),
  };
  [a, b] = await Promise.all([startChild('A', env), startChild('B', env)]);
}, 40_000);

afterAll(async () => {
  await Promise.allSettled(children.map(stopChild));
  await new Promise((r) => (receiver ? receiver.close(r) : r(undefined)));
  await owner?.end();
});

test('the two servers are separate processes sharing one database', async () => {
  expect(a.process.pid).not.toBe(b.process.pid);
  expect(a.url).not.toBe(b.url);
  const { rows } = await owner!.query(`SELECT count(DISTINCT pid)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'trust-portal-cache-listener'`);
  expect(rows[0].n).toBe(2); // one invalidation listener per process
});

test('each webhook event is delivered exactly once although both processes run workers', async () => {
  const vendor = await createOrg(a, 'vendor', true);
  const customers: { org: Org; secret: string }[] = [];
  for (const [i, child] of [a, b, a].entries()) {
    const org = await createOrg(child, `cust${i}`);
    ok(await gql(child, `mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { token: org.token, org: org.slug, variables: { s: vendor.slug } }));
    const r = ok(await gql(child, `mutation($u: String!) { createWebhookEndpoint(input: { url: $u, eventTypes: ["attestation.published"] }) { endpoint { id } secret errors { code } } }`, { token: org.token, org: org.slug, variables: { u: receiverUrl } }));
    customers.push({ org, secret: r.createWebhookEndpoint.secret });
  }
  // Two events (one published through each process): 2 x 3 deliveries, picked up by whichever worker is quicker.
  await publishAttestation(a, vendor, 2024);
  await publishAttestation(b, vendor, 2025);
  const mine = (): Received[] => received.filter((r) => (JSON.parse(r.body) as { vendorOrganizationId?: string }).vendorOrganizationId === vendor.id);
  await until('six deliveries', () => mine().length >= 6);
  // Would a second worker deliver any of them again? Not once every job this vendor's publications caused (fan-outs,
  // deliveries, retries) has left the queue: a receiver hears a delivery before its job completes.
  await queueDrained(owner!, `j.payload->>'vendorOrgId' = $1 OR j.payload->>'orgId' = ANY($2)`, [vendor.id, customers.map((c) => c.org.id)]);
  const hits = mine();
  expect(hits).toHaveLength(6);
  expect(new Set(hits.map((h) => h.headers['x-trust-portal-delivery'])).size).toBe(6);
  // One delivery per (event, customer): each of the two events reached each of the three endpoints once.
  const pairs = hits.map((h) => {
    const secret = customers.find((c) => {
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(h.headers['x-trust-portal-signature']))!;
      return createHmac('sha256', c.secret).update(`${t}.${h.body}`).digest('hex') === v1;
    });
    expect(secret).toBeDefined(); // signed with exactly one customer's secret
    return `${(JSON.parse(h.body) as { id: string }).id}|${secret!.org.id}`;
  });
  expect(new Set(pairs).size).toBe(6);
  for (const c of customers) {
    const { rows } = await owner!.query(`SELECT status, attempts FROM webhook_deliveries WHERE org_id = $1 ORDER BY created_at`, [c.org.id]);
    expect(rows).toEqual([{ status: 'SUCCEEDED', attempts: 1 }, { status: 'SUCCEEDED', attempts: 1 }]);
    // The in-app feed too: one notification per event (publishing 2025 also superseded 2024: three events).
    const notes = await owner!.query(`SELECT type, count(*)::int AS n FROM notifications WHERE org_id = $1 GROUP BY event_id, type ORDER BY type`, [c.org.id]);
    expect(notes.rows).toEqual([{ type: 'attestation.published', n: 1 }, { type: 'attestation.published', n: 1 }, { type: 'attestation.superseded', n: 1 }]);
  }
});

(redis.url ? test : test.skip)(`a principal's rate limit (${RATE_LIMIT} a minute) is shared by both processes through Redis`, async () => {
  // Both servers' clocks are fixed (FIXED_NOW): the whole burst is in one window, wherever the wall clock is.
  const token = tokenFor(`limited-${suffix()}@example.test`);
  const query = `{ viewer { user { email } } }`;
  const remaining: number[] = [];
  for (let i = 0; i < RATE_LIMIT; i++) {
    const r = await gql(i % 2 === 0 ? a : b, query, { token });
    expect([i, r.status, r.errors]).toEqual([i, 200, undefined]);
    remaining.push(Number(r.headers.get('ratelimit-remaining')));
  }
  // One counter: per-process counters would both start at RATE_LIMIT - 1.
  expect(remaining).toEqual(Array.from({ length: RATE_LIMIT }, (_, i) => RATE_LIMIT - 1 - i));
  for (const child of [a, b]) {
    const r = await gql(child, query, { token });
    expect([child.name, r.status, r.errors?.[0]?.extensions?.code]).toEqual([child.name, 429, 'RATE_LIMITED']);
    expect(r.headers.get('retry-after')).toBe('45'); // FIXED_NOW is 15 s into its minute
  }
});

test("a write through B invalidates A's cached public page", async () => {
  const vendor = await createOrg(b, 'cache', true);
  await publishAttestation(b, vendor, 2025);
  const PAGE = `query PublicPage($slug: String!) { trustCenter(slug: $slug) { name headline description attestations { edges { node { id periodEnd freshness { state } } } } } }`;
  const getPage = async (child: Child): Promise<{ cache: string | null; text: string }> => {
    const res = await fetch(`${child.url}?query=${encodeURIComponent(PAGE)}&variables=${encodeURIComponent(JSON.stringify({ slug: vendor.slug }))}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    return { cache: res.headers.get('x-cache'), text: JSON.stringify({ data: (JSON.parse(await res.text()) as { data: unknown }).data }) };
  };
  const postPage = async (child: Child): Promise<string> => JSON.stringify({ data: (await gql(child, PAGE, { variables: { slug: vendor.slug } })).data });

  // The setup's own invalidations arrive asynchronously (NOTIFY after commit): a page computed meanwhile is not kept.
  const cached = await until('A to serve the page from its cache', async () => {
    const page = await getPage(a);
    return page.cache === 'hit' ? page : null;
  });
  const headline = `changed through B ${Date.now()}`;
  ok(await gql(b, `mutation($h: String!) { updateTrustCenter(input: { headline: $h }) { errors { code } } }`, { token: vendor.token, org: vendor.slug, variables: { h: headline } }));
  const fresh = await postPage(a);
  expect((JSON.parse(fresh) as { data: { trustCenter: { headline: string } } }).data.trustCenter.headline).toBe(headline);
  // The cached page would live an hour (PUBLIC_CACHE_TTL_SECONDS): only B's invalidation (NOTIFY) can drop it.
  const seen = await until('A to drop its cached page', async () => {
    const page = await getPage(a);
    return page.text === fresh ? page : null;
  });
  expect(seen.text).not.toBe(cached.text);
  // And A caches the new page again.
  expect((await getPage(a)).cache).toBe('hit');
});

test('a server with the defaults (NODE_ENV and WEBHOOK_ALLOW_PRIVATE unset) refuses private webhook targets', async () => {
  // Its worker stays off: it would share A's and B's queue (its own deliveries are refused at connect time, which
  // webhooks.test.ts and webhook-ssrf.test.ts check with the worker's and the service's defaults).
  const c = await startChild('C', { ...baseEnv, LOG_LEVEL: 'warn', WORKER_ENABLED: 'false' });
  try {
    const org = await createOrg(c, 'defaults');
    const port = new URL(receiverUrl).port;
    for (const url of [receiverUrl, `http://[::ffff:7f00:1]:${port}/hooks`, `http://2130706433:${port}/hooks`, `http://localhost:${port}/hooks`, 'https://169.254.169.254/latest', 'https://[::1]/x']) {
      const r = await gql(c, `mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { endpoint { id } errors { code message } } }`, { token: org.token, org: org.slug, variables: { u: url } });
      expect(r.errors).toBeUndefined();
      expect([url, r.data!.createWebhookEndpoint.endpoint, r.data!.createWebhookEndpoint.errors[0]?.code]).toEqual([url, null, 'INVALID_URL']);
      expect(r.data!.createWebhookEndpoint.errors[0].message).toMatch(/non-public address|is local/);
    }
  } finally {
    await stopChild(c);
  }
});
