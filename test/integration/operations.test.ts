import { startTestApp, type TestApp } from '../support/harness';

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
    expect([asset, res.status]).toEqual([asset, 200]);
  }
});

test('production serves no IDE and no introspection', async () => {
  const page = await fetch(prod.url, { headers: { accept: 'text/html' } });
  expect(await page.text()).not.toContain('/ide/graphiql.js');
  expect((await fetch(prod.url.replace('/graphql', '/ide/graphiql.js'))).status).toBe(404);
  const r = await prod.gql(`{ __schema { types { name } } }`);
  expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const suggestion = await prod.gql(`{ trustCentr(slug: "x") { name } }`);
  expect(suggestion.errors?.[0]?.message).not.toMatch(/Did you mean/);
});

test('X-Request-Id is echoed (or made), and /metrics reports per-operation latency', async () => {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-abc.123' }, body: JSON.stringify({ query: 'query PublicPage { __typename }', operationName: 'PublicPage' }) });
  expect(res.headers.get('x-request-id')).toBe('req-abc.123');
  const made = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  const metrics = await (await fetch(app.url.replace('/graphql', '/metrics'))).text();
  expect(metrics).toMatch(/graphql_request_duration_seconds_count\{operation="PublicPage",status="200"\} [1-9]/);
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
