import { serverAudits } from 'graphql-http';
import { parse, validate } from 'graphql';
import { buildAppSchema } from '../../src/graphql/schema';
import { documentLimitsRule, type DocumentLimits } from '../../src/graphql/limits';
import { startTestApp, type TestApp } from '../support/harness';

/**
 * A client's mistake is answered 4xx (or 200 where the GraphQL-over-HTTP spec says so), never 5xx, in development and
 * in production configuration; abuse limits hold whatever the field (`__typename` included) and answer 400 with a
 * stable code.
 */
let dev: TestApp;
let prod: TestApp;
const PROD_ENV = {
  NODE_ENV: 'production', JWT_ISSUER: 'trust-portal-dev', JWT_AUDIENCE: 'trust-portal', S3_BUCKET: 'trust-portal-test',
  APP_DB_PASSWORD: 'x', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_PRINCIPAL: '0',
};
beforeAll(async () => {
  [dev, prod] = await Promise.all([startTestApp(), startTestApp({ env: PROD_ENV })]);
});
afterAll(async () => {
  await Promise.all([dev.close(), prod.close()]);
});

const configs = (): [string, TestApp][] => [['development', dev], ['production', prod]];

test.each(['development', 'production'])('the graphql-http audit has no error and no warning (%s)', async (name) => {
  const app = name === 'development' ? dev : prod;
  const results = await Promise.all(serverAudits({ url: app.url, fetchFn: fetch }).map(async (audit) => ({ name: audit.name, result: await audit.fn() })));
  const problems = results
    .filter((r) => r.result.status === 'error' || r.result.status === 'warn')
    .map((r) => `${r.result.status} ${r.name}: ${'reason' in r.result ? r.result.reason : ''}`);
  expect(problems).toEqual([]);
  expect(results.length).toBeGreaterThan(40);
});

const many = (n: number, piece: (i: number) => string): string => Array.from({ length: n }, (_, i) => piece(i)).join(' ');

/** Documents a client might send by mistake or on purpose, with the code each must get. */
const DOCUMENTS: [string, string, string][] = [
  ['a syntax error', '{ viewer { ', 'GRAPHQL_PARSE_FAILED'],
  ['an unterminated string', '{ trustCenter(slug: "abc) { name } }', 'GRAPHQL_PARSE_FAILED'],
  ['an unknown enum value in orderBy', '{ organization { vendorStatuses(orderBy: NOPE) { edges { node { status } } } } }', 'GRAPHQL_VALIDATION_FAILED'],
  ['an unknown field', '{ nope }', 'GRAPHQL_VALIDATION_FAILED'],
  ['a missing required variable', 'query($s: String!) { trustCenter(slug: $s) { name } }', 'BAD_USER_INPUT'],
  ['more tokens than allowed', `{ ${many(3100, () => '__typename')} }`, 'TOKEN_LIMIT_EXCEEDED'],
  ['500 aliases of __typename', `{ ${many(500, (i) => `a${i}: __typename`)} }`, 'ALIAS_LIMIT_EXCEEDED'],
  ['16 aliases of __typename (limit 15)', `{ ${many(16, (i) => `a${i}: __typename`)} }`, 'ALIAS_LIMIT_EXCEEDED'],
  ['aliases hidden in a fragment spread many times', `query { ...F ...F ...F ...F } fragment F on Query { ${many(5, (i) => `a${i}: __typename`)} }`, 'ALIAS_LIMIT_EXCEEDED'],
  ['21 directives on __typename (limit 20)', `{ __typename ${many(21, () => '@include(if: true)')} }`, 'DIRECTIVE_LIMIT_EXCEEDED'],
  ['one field repeated 300 times', `{ ${many(300, () => '__typename')} }`, 'FIELD_LIMIT_EXCEEDED'],
  ['one field with arguments repeated 50 times', `{ ${many(50, () => 'trustCenter(slug: "x") { name }')} }`, 'FIELD_LIMIT_EXCEEDED'],
  ['fields multiplied by nested fragments', `{ ...A } fragment A on Query { ...B ...B ...B ...B } fragment B on Query { ...C ...C ...C ...C } fragment C on Query { ...D ...D ...D ...D } fragment D on Query { ...E ...E ...E ...E } fragment E on Query { viewer { user { id email } } }`, 'FIELD_LIMIT_EXCEEDED'],
  ['depth through fragments', `{ ...A } fragment A on Query { viewer { memberships { organization { ...B } } } } fragment B on Organization { trustCenter { attestations { edges { node { supersededBy { supersededBy { supersededBy { supersededBy { supersededBy { id } } } } } } } } } }`, 'DEPTH_LIMIT_EXCEEDED'],
  ['a fragment cycle', '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }', 'GRAPHQL_VALIDATION_FAILED'],
];

describe.each(['development', 'production'])('%s configuration', (name) => {
  const app = (): TestApp => (name === 'development' ? dev : prod);

  test.each(DOCUMENTS)('%s: 400 with a stable code under application/graphql-response+json', async (_what, query, code) => {
    const res = await fetch(app().url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[]; data?: unknown };
    expect([res.status, body.errors?.[0]?.extensions?.code]).toEqual([400, code]);
  });

  test.each(DOCUMENTS)('%s: never 5xx under application/json (limits stay 400)', async (_what, query, code) => {
    const res = await fetch(app().url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    const specRequestError = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'].includes(code);
    expect([res.status, body.errors?.[0]?.extensions?.code]).toEqual([specRequestError ? 200 : 400, code]);
  });

  test('malformed HTTP requests are 4xx (under application/graphql-response+json), never 5xx', async () => {
    const accept = 'application/graphql-response+json';
    const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json', accept }) => fetch(app().url, { method: 'POST', headers, body });
    const attempts: [string, Promise<Response>][] = [
      ['body is not JSON', post('{"query": ')],
      ['body is a JSON string', post('"{ __typename }"')],
      ['query is a number', post(JSON.stringify({ query: 42 }))],
      ['query is missing', post(JSON.stringify({ variables: {} }))],
      ['variables is an array', post(JSON.stringify({ query: '{ __typename }', variables: [1] }))],
      ['variables is a string', post(JSON.stringify({ query: '{ __typename }', variables: 'x' }))],
      ['extensions is a string', post(JSON.stringify({ query: '{ __typename }', extensions: 'x' }))],
      ['operationName names no operation', post(JSON.stringify({ query: 'query A { __typename }', operationName: 'B' }))],
      ['two operations and no operationName', post(JSON.stringify({ query: 'query A { __typename } query B { __typename }' }))],
      ['a persisted query with an unknown version', post(JSON.stringify({ extensions: { persistedQuery: { version: 9, sha256Hash: 'a'.repeat(64) } } }))],
      ['a batch', post(JSON.stringify([{ query: '{ __typename }' }]))],
      ['a mutation over GET', fetch(`${app().url}?query=${encodeURIComponent('mutation { markNotificationsRead { updated } }')}`, { headers: { 'apollo-require-preflight': 'true', accept } })],
      ['GET with variables that are not JSON', fetch(`${app().url}?query=${encodeURIComponent('{ __typename }')}&variables=%7B`, { headers: { 'apollo-require-preflight': 'true', accept } })],
      ['an unsupported content type', post('{ __typename }', { 'content-type': 'application/xml', accept })],
      ['PUT', fetch(app().url, { method: 'PUT', body: '{}' })],
    ];
    const outcomes = await Promise.all(attempts.map(async ([what, request]) => {
      const res = await request;
      await res.text();
      return [what, res.status >= 400 && res.status < 500 ? '4xx' : String(res.status)];
    }));
    expect(outcomes).toEqual(attempts.map(([what]) => [what, '4xx']));
  });
});

test('production refuses the whole-schema dump but answers __type lookups (the schema is published with the docs)', async () => {
  const dump = await prod.gql('{ __schema { types { name } } }');
  expect(dump.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const one = await prod.gql('{ __type(name: "Query") { name } }');
  expect(one.data).toEqual({ __type: { name: 'Query' } });
  const typo = await prod.gql('{ trustCentr(slug: "x") { name } }');
  expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  const devTypo = await dev.gql('{ trustCentr(slug: "x") { name } }');
  expect(devTypo.errors?.[0]?.message).toMatch(/Did you mean/);
  void configs;
});

describe('the limits rule counts every field, through fragments', () => {
  const limits: DocumentLimits = { maxDepth: 5, maxAliases: 3, maxDirectives: 3, maxFields: 20, maxRepeats: 2, ignoreSchemaIntrospection: false };
  let schema: Awaited<ReturnType<typeof buildAppSchema>>;
  beforeAll(async () => { schema = await buildAppSchema(); });
  const codes = (query: string, l: DocumentLimits = limits): unknown[] =>
    validate(schema, parse(query), [documentLimitsRule(l)]).map((e) => e.extensions.code);

  test.each([
    ['{ a: __typename b: __typename c: __typename }', []],
    ['{ a: __typename b: __typename c: __typename d: __typename }', ['ALIAS_LIMIT_EXCEEDED']],
    ['{ ...F ...F } fragment F on Query { a: __typename b: __typename }', ['ALIAS_LIMIT_EXCEEDED']],
    ['{ ... on Query { a: __typename b: __typename } x: __typename y: __typename }', ['ALIAS_LIMIT_EXCEEDED']],
    ['query($v: Boolean! @deprecated) @include(if: true) { __typename @skip(if: false) @include(if: true) }', ['DIRECTIVE_LIMIT_EXCEEDED']],
    ['{ __typename __typename }', []],
    ['{ __typename __typename __typename }', ['FIELD_LIMIT_EXCEEDED']],
    ['{ ...F ...F ...F ...F ...F ...F ...F } fragment F on Query { viewer { user { id email } } }', ['FIELD_LIMIT_EXCEEDED']],
    ['{ viewer { memberships { organization { trustCenter { name } } } } }', []],
    ['{ viewer { memberships { organization { trustCenter { attestations { edges { node { id } } } } } } } }', ['DEPTH_LIMIT_EXCEEDED']],
    ['{ ...A } fragment A on Query { ...A }', []],
  ])('%s', (query, expected) => {
    expect(codes(query)).toEqual(expected);
  });

  test('__schema is left out only where introspection is on', () => {
    const deep = '{ __schema { types { fields { type { ofType { ofType { ofType { name } } } } } } } }';
    expect(codes(deep)).toEqual(['DEPTH_LIMIT_EXCEEDED']);
    expect(codes(deep, { ...limits, ignoreSchemaIntrospection: true })).toEqual([]);
  });
});
