import { serverAudits } from 'graphql-http';
import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';

/** Abuse limits answer coded errors; the endpoint passes the GraphQL-over-HTTP audit. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ env: { GRAPHQL_MAX_COST: '500', GRAPHQL_MAX_DEPTH: '8', GRAPHQL_MAX_ALIASES: '5', GRAPHQL_MAX_DIRECTIVES: '5', GRAPHQL_MAX_TOKENS: '400' } }); });
afterAll(async () => { await app.close(); });

const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

test('depth beyond the limit is DEPTH_LIMIT_EXCEEDED', async () => {
  const deep = `{ viewer { memberships { organization { trustCenter { attestations { edges { node { supersededBy { supersededBy { id } } } } } } } } } }`;
  const r = await app.gql(deep);
  expect(codes(r)).toEqual(['DEPTH_LIMIT_EXCEEDED']);
  expect(r.errors![0].message).toMatch(/depth limit of 8/);
});

test('too many aliases is ALIAS_LIMIT_EXCEEDED', async () => {
  const r = await app.gql(`{ ${Array.from({ length: 6 }, (_, i) => `a${i}: viewer { user { id } }`).join(' ')} }`);
  expect(codes(r)).toEqual(['ALIAS_LIMIT_EXCEEDED']);
});

test('too many directives is DIRECTIVE_LIMIT_EXCEEDED', async () => {
  const r = await app.gql(`{ viewer @include(if: true) { user @include(if: true) { id @include(if: true) email @include(if: true) } memberships @include(if: true) { role @include(if: true) } } }`);
  expect(codes(r)).toEqual(['DIRECTIVE_LIMIT_EXCEEDED']);
});

test('a huge document is TOKEN_LIMIT_EXCEEDED', async () => {
  const r = await app.gql(`{ viewer { user { ${Array.from({ length: 500 }, () => 'id').join(' ')} } } }`);
  expect(codes(r)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
});

test('cost counts list sizes: 100-item pages exceed a cost the same query with 5 items stays under', async () => {
  const org = await createOrg(app, { publish: true });
  const q = (first: number) => `{ trustCenter(slug: "${org.slug}") { attestations(first: ${first}) { edges { node { id framework bridgeLetters { coversFrom } freshness { state } } } } } }`;
  const big = await app.gql(q(100));
  expect(codes(big)).toEqual(['COST_LIMIT_EXCEEDED']);
  expect(big.errors![0].extensions).toMatchObject({ maxCost: 500 });
  const small = await app.gql(q(5));
  expect(small.errors).toBeUndefined();
});

test('a body over 1 MiB is refused with 413; batched requests are refused', async () => {
  const res = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }', pad: 'x'.repeat(1024 * 1024 + 10) }) });
  expect(res.status).toBe(413);
  const batch = await fetch(app.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]) });
  expect(batch.status).toBe(400);
});

test('/readyz reports PostgreSQL and storage', async () => {
  const res = await fetch(app.url.replace('/graphql', '/readyz'));
  expect(await res.json()).toEqual({ ready: true, postgres: 'ok', storage: 'ok' });
  expect(res.status).toBe(200);
});

test('the GraphQL-over-HTTP audit (graphql-http serverAudits) has no failing MUST', async () => {
  const results = await Promise.all(serverAudits({ url: app.url, fetchFn: fetch }).map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
  const failedMusts = results.filter((r) => r.name.startsWith('MUST') && r.result.status === 'error').map((r) => `${r.name}: ${r.result.status === 'error' ? r.result.reason : ''}`);
  expect(failedMusts).toEqual([]);
});
