import { createHash } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { createDocumentWithFile, download, pdfBytes, requestAccess, setAccessPolicy, startUpload, completeUpload, decide } from '../support/documents';

/** Regressions for problems a review found: each test names the hole it closes. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const codes = (r: { errors?: { extensions?: { code?: string } }[] }) => (r.errors ?? []).map((e) => e.extensions?.code);

async function apiKey(org: TestOrg, scopes: string[]): Promise<string> {
  return expectNoErrors(await app.gql(`mutation($s: [ApiKeyScope!]!) { createApiKey(input: { name: "k", scopes: $s }) { secret } }`, { token: org.owner.token, org: org.slug, variables: { s: scopes } })).createApiKey.secret;
}

test('an API key without READ or PUBLISH cannot download its own organization\'s restricted or private originals', async () => {
  const vendor = await createOrg(app, { publish: true });
  const restricted = await createDocumentWithFile(app, vendor, { title: 'SOC 2' });
  const priv = await createDocumentWithFile(app, vendor, { title: 'Internal', kind: 'OTHER', visibility: 'PRIVATE' });
  const webhooksOnly = await apiKey(vendor, ['WEBHOOKS']);
  for (const id of [restricted.id, priv.id]) expect(codes(await download(app, id, { token: webhooksOnly }))).toEqual(['NOT_FOUND']);
  const reader = await apiKey(vendor, ['READ']);
  const ok = await download(app, priv.id, { token: reader });
  expect(ok.data!.requestDocumentDownload.download).toMatchObject({ watermarked: false });
});

test('domain auto-approval needs an email the identity provider verified', async () => {
  const vendor = await createOrg(app, { publish: true });
  await createDocumentWithFile(app, vendor);
  await setAccessPolicy(app, vendor, { autoApproveDomains: ['bigcustomer.test'] });
  const unverified = jwt.sign({ email: 'mallory@bigcustomer.test', email_verified: false }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: `u-${Date.now()}`, issuer: 'trust-portal-dev', audience: 'trust-portal', expiresIn: 600 });
  const customer = expectNoErrors(await app.gql(`mutation($s: String!) { createOrganization(input: { slug: $s, name: "Pretender" }) { organization { slug } } }`, { token: unverified, variables: { s: `pretender-${Date.now()}` } })).createOrganization.organization;
  const r = expectNoErrors(await app.gql(`mutation($v: String!) { requestAccess(input: { trustCenterSlug: $v }) { accessRequest { state rule } errors { code } } }`, { token: unverified, org: customer.slug, variables: { v: vendor.slug } })).requestAccess;
  expect(r.accessRequest).toEqual({ state: 'REQUESTED', rule: null });
});

test('an NDA required but not yet published blocks restricted downloads (fails closed), naming no version', async () => {
  const vendor = await createOrg(app, { publish: true });
  const doc = await createDocumentWithFile(app, vendor);
  const customer = await createOrg(app);
  const req = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [doc.id] });
  expect((await decide(app, vendor, req.accessRequest.id)).errors).toEqual([]);
  const r = await download(app, doc.id, { token: customer.owner.token, org: customer.slug });
  expect(r.data!.requestDocumentDownload).toMatchObject({ download: null, errors: [{ code: 'NDA_REQUIRED', ndaVersion: null }] });
});

test('a version completed after a newer one does not become current', async () => {
  const vendor = await createOrg(app);
  const doc = await createDocumentWithFile(app, vendor);
  const v2 = await pdfBytes('v2');
  const v3 = await pdfBytes('v3 with more text');
  const t2 = await startUpload(app, vendor, doc.id, { bytes: v2 });
  const t3 = await startUpload(app, vendor, doc.id, { bytes: v3 });
  for (const [t, b] of [[t2, v2], [t3, v3]] as const) expect((await fetch(t.url, { method: 'PUT', headers: t.headers, body: b })).status).toBe(200);
  expect((await completeUpload(app, vendor, t3.versionId)).document.currentVersion.version).toBe(3);
  const late = await completeUpload(app, vendor, t2.versionId);
  expect(late.errors).toEqual([]);
  expect(late.document.currentVersion).toMatchObject({ version: 3, sha256: createHash('sha256').update(v3).digest('hex') });
});

test('a forged pagination cursor is BAD_USER_INPUT, not an internal error', async () => {
  const org = await createOrg(app);
  await createAttestation(app, org);
  for (const forged of [['x', 'y'], [null, 1], ['2025-13-45', 'not-a-uuid']]) {
    const after = Buffer.from(JSON.stringify(forged)).toString('base64url');
    const r = await app.gql(`query($a: String) { organization { attestations(after: $a) { edges { node { id } } } documents(after: $a) { edges { node { id } } } } }`, { token: org.owner.token, org: org.slug, variables: { a: after } });
    expect([...new Set(codes(r))]).toEqual(['BAD_USER_INPUT']);
  }
});

test('no one may follow an unpublished trust center, even a member of it', async () => {
  const vendor = await createOrg(app); // DRAFT
  const r = await app.gql(`mutation($s: String!) { subscribeToVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug, variables: { s: vendor.slug } });
  expect(codes(r)).toEqual(['NOT_FOUND']);
});
