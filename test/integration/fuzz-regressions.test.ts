import { createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { createDocument } from '../support/documents';
import { startTestApp, type TestApp } from '../support/harness';

/** The fuzzer's first findings (test/security/fuzz.test.ts), pinned one by one: each answered INTERNAL_SERVER_ERROR. */
let app: TestApp;
let org: TestOrg;
beforeAll(async () => {
  app = await startTestApp();
  org = await createOrg(app, { prefix: 'fuzzfix' });
});
afterAll(async () => app.close());

const as = () => ({ token: org.owner.token, org: org.slug });
/** Request errors are HTTP 400 under application/graphql-response+json (under application/json the spec asks for 200). */
const strict = () => ({ ...as(), headers: { accept: 'application/graphql-response+json' } });

test('a variable that does not fit its type is BAD_USER_INPUT with HTTP 400, not a 500 from the cost limit', async () => {
  const r = await app.gql(`mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`, { ...strict(), variables: { id: [] } });
  expect(r.status).toBe(400);
  expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const big = await app.gql(`query($n: Int) { organization { attestations(first: $n) { edges { node { id } } } } }`, { ...strict(), variables: { n: 2 ** 40 } });
  expect(big.status).toBe(400);
  expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
});

test.each([
  ['a NUL character', 'notes \u0000 here'],
  ['an unpaired surrogate', 'name \udfff'],
])('text with %s is refused up front as BAD_USER_INPUT, in variables and in literals', async (_what, text) => {
  const viaVariable = await app.gql(`mutation($n: String!) { createApiKey(input: { name: $n, scopes: [READ] }) { errors { code } } }`, { ...strict(), variables: { n: text } });
  expect(viaVariable.status).toBe(400);
  expect(viaVariable.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  const literal = JSON.stringify(text); // a GraphQL string literal with the escape
  const viaLiteral = await app.gql(`mutation { addSubprocessor(input: { name: ${literal}, purpose: "p", location: "EU" }) { name } }`, as());
  // graphql-js itself refuses an escaped unpaired surrogate in a literal; either way a client error, never INTERNAL.
  expect(['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']).toContain(viaLiteral.errors?.[0]?.extensions?.code);
});

test('a content type named like an Object.prototype member is CONTENT_TYPE_NOT_ALLOWED', async () => {
  const documentId = await createDocument(app, org, { title: 'Proto', kind: 'POLICY', visibility: 'PRIVATE' });
  for (const contentType of ['constructor', '__proto__', 'toString']) {
    const r = await app.gql(
      `mutation($i: CreateDocumentUploadInput!) { createDocumentUpload(input: $i) { errors { code field } } }`,
      { ...as(), variables: { i: { documentId, fileName: 'r.pdf', contentType, sizeBytes: 100, sha256: 'a'.repeat(64) } } },
    );
    expect(expectNoErrors(r).createDocumentUpload.errors).toContainEqual({ code: 'CONTENT_TYPE_NOT_ALLOWED', field: 'contentType' });
  }
});

test('createDocument with attestationId "" is ATTESTATION_NOT_FOUND', async () => {
  const r = await app.gql(`mutation { createDocument(input: { title: "Doc", kind: SOC_REPORT, attestationId: "" }) { document { id } errors { code field } } }`, as());
  expect(expectNoErrors(r).createDocument).toEqual({ document: null, errors: [{ code: 'ATTESTATION_NOT_FOUND', field: 'attestationId' }] });
});
