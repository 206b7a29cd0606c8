import net from 'node:net';
import { startMetricsServer } from '../../src/http/metrics-server';
import { startTestApp, testConfig, type TestApp } from '../support/harness';
import { waitFor } from '../support/wait';

/** What operators and developers get besides the API: GraphiQL (development), metrics, request ids. */
let app: TestApp;
let prod: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  prod = await startTestApp({ env: { NODE_ENV: 'production', JWT_ISSUER: 'trust-portal-dev', JWT_AUDIENCE: 'trust-portal', S3_BUCKET: 'trust-portal-test', APP_DB_PASSWORD: 'x', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_PRINCIPAL: '0' } });
});
afterAll(async () => {
  await Promise.all([app.close(), prod.close()]);
});

test('a browser gets GraphiQL at /graphql in development, with its assets served from npm packages, not a CDN', async () => {
  const page = await fetch(app.url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('/ide/graphiql.js');
  expect(html).not.toMatch(/https?:\/\/(?!localhost)[a-z]/i);
  for (const asset of ['react.js', 'react-dom.js', 'graphiql.js', 'graphiql.css']) {
    const res = await fetch(app.url.replace('/graphql', `/ide/${asset}`));
    // Read the body: an unread 3.5 MB response keeps its connection busy, and the server's close() waiting on it.
    const bytes = (await res.arrayBuffer()).byteLength;
    expect([asset, res.status, bytes > 0]).toEqual([asset, 200, true]);
  }
});

test('production serves no IDE and no introspection', async () => {
  const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
  expect(await page.text()).not.toContain('/ide/graphiql.js');
  const asset = await fetch(prod.url.replace('/graphql', '/ide/graphiql.js'));
  await asset.arrayBuffer();
  expect(asset.status).toBe(404);
  const r = await prod.gql(`{ __schema { types { name } } }`);
  expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const suggestion = await prod.gql(`{ trustCentr(slug: "x") { name } }`);
  expect(suggestion.errors?.[0]?.message).not.toMatch(/Did you mean/);
});

test('X-Request-Id is echoed (or made), and the metrics listener (not the API port) reports per-operation latency', async () => {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-abc.123' }, body: JSON.stringify({ query: 'query PublicPage { __typename }', operationName: 'PublicPage' }) });
  expect(res.headers.get('x-request-id')).toBe('req-abc.123');
  const made = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const onApi = await fetch(app.url.replace('/graphql', '/metrics'));
  await onApi.text();
  expect(onApi.status).toBe(404);
  const listener = await startMetricsServer(testConfig({ METRICS_PORT: '0' }).metrics);
  const metrics = await (await fetch(listener!.url)).text();
  await listener!.close();
  expect(metrics).toMatch(/graphql_request_duration_seconds_count\{operation="PublicPage",status="200"\} [1-9]/);
  // The harness compiles every operation from its first run (GRAPHQL_COMPILE_AT_RUN=1).
  expect(metrics).toMatch(/graphql_executions_total\{mode="compiled"\} [1-9]/);
  expect(metrics).toContain('process_resident_memory_bytes');
});

test('production refuses webhook targets on private or loopback addresses', async () => {
  const token = prod.tokenFor(`ops-${Date.now()}@example.test`);
  const slug = `ops-${Date.now()}`;
  const created = await prod.gql(`mutation($s: String!) { createOrganization(input: { slug: $s, name: "Ops" }) { errors { code } } }`, { token, variables: { s: slug } });
  expect(created.errors).toBeUndefined();
  const r = await prod.gql(`mutation { a: createWebhookEndpoint(input: { url: "https://127.0.0.1/hook" }) { errors { code message } } b: createWebhookEndpoint(input: { url: "https://169.254.169.254/latest" }) { errors { code } } c: createWebhookEndpoint(input: { url: "http://8.8.8.8/hook" }) { errors { code } } }`, { token, org: slug });
  expect(r.data).toMatchObject({ a: { errors: [{ code: 'INVALID_URL' }] }, b: { errors: [{ code: 'INVALID_URL' }] }, c: { errors: [{ code: 'INVALID_URL' }] } });
});

test('shutdown lets in-flight requests finish, then closes what is still open once SHUTDOWN_DRAIN_MS is over', async () => {
  const victim = await startTestApp();
  const port = Number(new URL(victim.url).port);
  const open = async (): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let text = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('error', () => undefined);
    return { socket, received: () => text, closed: new Promise<void>((resolve) => socket.once('close', () => resolve())) };
  };
  const body = JSON.stringify({ query: '{ __typename }' });
  const head = `POST /graphql HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
  // Two requests in flight when close() starts: one whose body will arrive, one whose body never does. Without a drain
  // deadline, the second would hold close() until Node's 5-minute request timeout.
  let seen = 0;
  const bothInFlight = new Promise<void>((resolve) => victim.server.httpServer.on('request', () => ++seen === 2 && resolve()));
  const finishing = await open();
  const stuck = await open();
  finishing.socket.write(head + body.slice(0, 5));
  stuck.socket.write(head + body.slice(0, 5));
  await bothInFlight; // the server has parsed both requests' headers: they are in flight, not idle connections
  const order: string[] = [];
  void finishing.closed.then(() => order.push('finishing closed'));
  void stuck.closed.then(() => order.push('stuck closed'));
  const started = Date.now();
  const closing = victim.server.close({ drainMs: 500 });
  // Only once the server has stopped listening does the first body arrive: the request finishes during the drain.
  await waitFor('the server to stop listening', () => !victim.server.httpServer.listening);
  finishing.socket.write(body.slice(5));
  await closing;
  const took = Date.now() - started;
  await Promise.all([finishing.closed, stuck.closed]);
  expect(finishing.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(finishing.received()).toMatch(/\r\nconnection: close\r\n/i);
  expect(finishing.received()).toContain('{"data":{"__typename":"Query"}}');
  expect(stuck.received()).toBe('');
  // The finished request's connection went first; the stuck one was cut when the drain window was over (a timer
  // never fires early), and not minutes later (the upper bound only guards against a hang).
  expect(order).toEqual(['finishing closed', 'stuck closed']);
  expect(took).toBeGreaterThanOrEqual(450);
  expect(took).toBeLessThan(10_000);
  await victim.close();
});

test('the metrics listener binds 127.0.0.1 by default, and with METRICS_TOKEN answers 401 without the bearer token', async () => {
  expect(testConfig().metrics).toEqual({ host: '127.0.0.1', port: 9464, token: null });
  expect(testConfig({ METRICS_PORT: 'off' }).metrics.port).toBeNull();
  const token = 'metrics-token-0123456789';
  const listener = (await startMetricsServer(testConfig({ METRICS_PORT: '0', METRICS_TOKEN: token }).metrics))!;
  try {
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const statuses = [];
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, `bearer ${token}`]) {
      const res = await fetch(listener.url, { headers: authorization ? { authorization } : {} });
      await res.text();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401]);
    const ok = await fetch(listener.url, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('process_resident_memory_bytes');
    const other = await fetch(listener.url.replace('/metrics', '/graphql'));
    await other.text();
    expect(other.status).toBe(404);
  } finally {
    await listener.close();
  }
});
