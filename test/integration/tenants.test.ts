import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startTestApp, TEST_JWT_SECRET, type GqlResponse, type TestApp } from '../support/harness';
import {
  addMember,
  attestationRow,
  countRows,
  createAttestation,
  createOrg,
  expectNoErrors,
  newUser,
  orgSnapshot,
  soc2TypeII,
  uniqueSlug,
  type TestOrg,
} from '../support/factories';
import {
  approvedRequest,
  completeUpload,
  countDownloadEvents,
  createDocument,
  createDocumentWithFile,
  draftNdaTemplate,
  grantedCustomer,
  pdfBytes,
  putToTicket,
  requestAccess,
  startUpload,
  tenantRowsSnapshot,
} from '../support/documents';

/**
 * The tenant suite: another tenant's objects are NOT_FOUND and untouched, draft trust centers are private, organizations
 * are created with valid names only, and only well-formed tokens of our issuer and audience are accepted.
 */
const TODAY = '2026-06-30';
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) }); });
afterAll(async () => { await app.close(); });

const codes = (r: GqlResponse): (string | undefined)[] => (r.errors ?? []).map((e) => e.extensions?.code);
const dataOf = (r: GqlResponse): Record<string, any> => expectNoErrors(r);

// ---- Another tenant's ids -------------------------------------------------------------------------------------

describe("a member of org B using org A's ids", () => {
  /** Org A with a draft and a published report; org B, whose OWNER (every permission in B) does the probing. */
  async function twoTenants(): Promise<{ a: TestOrg; b: TestOrg; draftId: string; publishedId: string }> {
    const a = await createOrg(app, { publish: true });
    const b = await createOrg(app, { publish: true });
    const publishedId = await createAttestation(app, a, soc2TypeII(2024), true);
    const draftId = await createAttestation(app, a, soc2TypeII(2025));
    return { a, b, draftId, publishedId };
  }

  const OPERATIONS: { name: string; target: 'draft' | 'published'; query: string; variables: (id: string) => Record<string, unknown> }[] = [
    { name: 'attestation(id)', target: 'draft', query: `query($id: ID!) { attestation(id: $id) { id title } }`, variables: (id) => ({ id }) },
    {
      name: 'updateAttestation',
      target: 'draft',
      query: `mutation($input: UpdateAttestationInput!) { updateAttestation(input: $input) { attestation { id } errors { code } } }`,
      variables: (id) => ({ input: { id, title: 'hijacked', opinion: 'ADVERSE' } }),
    },
    {
      name: 'publishAttestation',
      target: 'draft',
      query: `mutation($id: ID!) { publishAttestation(id: $id) { attestation { id } errors { code } } }`,
      variables: (id) => ({ id }),
    },
    {
      name: 'withdrawAttestation',
      target: 'published',
      query: `mutation($input: WithdrawAttestationInput!) { withdrawAttestation(input: $input) { attestation { id } errors { code } } }`,
      variables: (id) => ({ input: { id, reason: 'hijacked' } }),
    },
    {
      name: 'addBridgeLetter',
      target: 'published',
      query: `mutation($input: AddBridgeLetterInput!) { addBridgeLetter(input: $input) { bridgeLetter { id } errors { code } } }`,
      variables: (id) => ({ input: { attestationId: id, coversFrom: '2025-01-01', coversThrough: '2025-03-31', issuedOn: '2025-04-01', signedByName: 'Mallory' } }),
    },
  ];

  test.each(OPERATIONS)('$name answers NOT_FOUND and changes nothing', async ({ target, query, variables }) => {
    const { a, b, draftId, publishedId } = await twoTenants();
    const id = target === 'draft' ? draftId : publishedId;
    const rowBefore = await attestationRow(app, id);
    const before = await orgSnapshot(app, a.id);
    const bBefore = await orgSnapshot(app, b.id);

    const r = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(id) });

    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(await attestationRow(app, id)).toEqual(rowBefore);
    expect(await orgSnapshot(app, a.id)).toEqual(before);
    expect(await orgSnapshot(app, b.id)).toEqual(bBefore);
  });

  test.each(OPERATIONS)("$name answers another tenant's id exactly like an id that exists nowhere", async ({ target, query, variables }) => {
    const { b, draftId, publishedId } = await twoTenants();
    const theirs = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(target === 'draft' ? draftId : publishedId) });
    const nowhere = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(randomUUID()) });
    expect(theirs.errors).toEqual(nowhere.errors);
    expect(theirs.status).toBe(nowhere.status);
  });

  test.each(OPERATIONS)('$name with an id that is not a UUID is NOT_FOUND like any missing id, not a server error', async ({ query, variables }) => {
    const { b } = await twoTenants();
    const r = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables('not-a-uuid') });
    expect(codes(r)).toEqual(['NOT_FOUND']);
  });

  test("organization { attestations } lists only the caller's own tenant", async () => {
    const { b } = await twoTenants();
    const own = await createAttestation(app, b, soc2TypeII(2025));
    const r = await app.gql(`{ organization { attestations { edges { node { id } } } } }`, { token: b.owner.token });
    expect(expectNoErrors(r).organization.attestations.edges).toEqual([{ node: { id: own } }]);
  });

  test("publishing a newer report in org B does not supersede org A's report", async () => {
    const { a, b, publishedId } = await twoTenants();
    await createAttestation(app, b, soc2TypeII(2025), true);
    const r = await app.gql(`query($id: ID!) { attestation(id: $id) { status supersededBy { id } } }`, { token: a.owner.token, variables: { id: publishedId } });
    expect(expectNoErrors(r).attestation).toEqual({ status: 'PUBLISHED', supersededBy: null });
  });

  test("org A's public trust center, read by B, lists only A's published reports", async () => {
    const { a, b, publishedId } = await twoTenants();
    const r = await app.gql(`query($slug: String!) { trustCenter(slug: $slug) { attestations { edges { node { id status } } } } }`, {
      token: b.owner.token,
      variables: { slug: a.slug },
    });
    expect(expectNoErrors(r).trustCenter.attestations.edges).toEqual([{ node: { id: publishedId, status: 'PUBLISHED' } }]);
  });
});

// ---- Another tenant's documents, NDA and access requests -------------------------------------------------------

describe("a member of org B using org A's document, NDA and access ids", () => {
  /** A published vendor A and a published org B whose OWNER (every permission in B) does the probing. */
  async function twoVendors(): Promise<{ a: TestOrg; b: TestOrg }> {
    return { a: await createOrg(app, { publish: true, prefix: 'a' }), b: await createOrg(app, { publish: true, prefix: 'b' }) };
  }

  interface CrossTenantCase {
    name: string;
    query: string;
    variables: (id: string) => Record<string, unknown>;
    /** Builds the object in A (B may be the customer in it) and returns A's id that B will use. */
    target(a: TestOrg, b: TestOrg): Promise<string>;
  }

  const CASES: CrossTenantCase[] = [
    {
      name: 'updateDocument',
      query: `mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { document { id } errors { code } } }`,
      variables: (id) => ({ input: { id, title: 'hijacked', visibility: 'PUBLIC' } }),
      target: async (a) => createDocument(app, a, { title: 'Internal policy', kind: 'POLICY', visibility: 'PRIVATE' }),
    },
    {
      name: 'createDocumentUpload(documentId)',
      query: `mutation($input: CreateDocumentUploadInput!) { createDocumentUpload(input: $input) { version { id } upload { url } errors { code } } }`,
      variables: (id) => ({ input: { documentId: id, fileName: 'evil.pdf', contentType: 'application/pdf', sizeBytes: 1234, sha256: 'a'.repeat(64) } }),
      target: async (a) => createDocument(app, a),
    },
    {
      name: 'completeDocumentUpload(versionId)',
      query: `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { document { id } version { id } errors { code } } }`,
      variables: (id) => ({ v: id }),
      // Uploaded and ready: if B could complete it, it would become A's current file.
      target: async (a) => {
        const bytes = await pdfBytes('Pending');
        const ticket = await startUpload(app, a, await createDocument(app, a), { bytes });
        expect((await putToTicket(ticket, bytes)).ok).toBe(true);
        return ticket.versionId;
      },
    },
    {
      name: 'publishNdaTemplate(id)',
      query: `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { id } errors { code } } }`,
      variables: (id) => ({ id }),
      target: async (a) => draftNdaTemplate(app, a),
    },
    {
      name: 'decideAccessRequest(id) (B approving its own request to A)',
      query: `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { id } errors { code } } }`,
      variables: (id) => ({ i: { id, approve: true, grantDays: 1095 } }),
      target: async (a, b) => {
        await createDocumentWithFile(app, a);
        const req = await requestAccess(app, b, b.owner, a.slug);
        expect(req).toMatchObject({ errors: [], accessRequest: { state: 'REQUESTED' } });
        return req.accessRequest.id;
      },
    },
    {
      name: 'revokeAccess(requestId)',
      query: `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { accessRequest { id } errors { code } } }`,
      variables: (id) => ({ i: { requestId: id, reason: 'hijacked' } }),
      target: async (a) => {
        await createDocumentWithFile(app, a);
        return approvedRequest(app, a, await createOrg(app, { prefix: 'c' }));
      },
    },
  ];

  test.each(CASES)('$name answers NOT_FOUND and changes nothing in A or B', async ({ query, variables, target }) => {
    const { a, b } = await twoVendors();
    const id = await target(a, b);
    const before = [await tenantRowsSnapshot(app, a.id), await tenantRowsSnapshot(app, b.id)];

    const r = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(id) });

    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect([await tenantRowsSnapshot(app, a.id), await tenantRowsSnapshot(app, b.id)]).toEqual(before);
  });

  test.each(CASES)("$name answers A's id exactly like an id that exists nowhere", async ({ query, variables, target }) => {
    const { a, b } = await twoVendors();
    const theirs = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(await target(a, b)) });
    const nowhere = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables(randomUUID()) });
    expect(theirs.errors).toEqual(nowhere.errors);
    expect(theirs.status).toBe(nowhere.status);
  });

  test.each(CASES)('$name with an id that is not a UUID is NOT_FOUND, not a server error', async ({ query, variables }) => {
    const { b } = await twoVendors();
    const r = await app.gql(query, { token: b.owner.token, org: b.slug, variables: variables('not-a-uuid') });
    expect(codes(r)).toEqual(['NOT_FOUND']);
  });
});

// ---- Downloads across tenants ---------------------------------------------------------------------------------

describe('requestDocumentDownload across tenants', () => {
  const DOWNLOAD = `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { url watermarked } errors { code ndaVersion } } }`;
  const downloadAs = (documentId: string, who?: TestOrg): Promise<GqlResponse> =>
    app.gql(DOWNLOAD, { token: who?.owner.token, org: who?.slug, variables: { d: documentId } });

  test("A's RESTRICTED document, asked for by B without a grant, is NOT_FOUND (like a missing id) and records no download", async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { publish: true, prefix: 'b' });
    const doc = await createDocumentWithFile(app, a, { title: 'SOC 2 Type II' });
    const before = await tenantRowsSnapshot(app, a.id);

    const r = await downloadAs(doc.id, b);
    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(r.errors).toEqual((await downloadAs(randomUUID(), b)).errors);
    expect(await countDownloadEvents(app, a.id)).toBe(0);
    expect(await tenantRowsSnapshot(app, a.id)).toEqual(before);
  });

  test("A's RESTRICTED document asked for by B with a request still pending (no grant) is NOT_FOUND and records no download", async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { prefix: 'b' });
    const doc = await createDocumentWithFile(app, a, { title: 'SOC 2 Type II' });
    expect((await requestAccess(app, b, b.owner, a.slug, { documentIds: [doc.id] })).accessRequest.state).toBe('REQUESTED');

    expect(codes(await downloadAs(doc.id, b))).toEqual(['NOT_FOUND']);
    expect(await countDownloadEvents(app, a.id)).toBe(0);
  });

  test("A's PRIVATE document is NOT_FOUND for B even with a live grant covering A's documents", async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { prefix: 'b' });
    const restricted = await createDocumentWithFile(app, a, { title: 'SOC 2 Type II' });
    const hidden = await createDocumentWithFile(app, a, { title: 'Board minutes', kind: 'OTHER', visibility: 'PRIVATE' });
    await grantedCustomer(app, a, b, restricted.id);

    // The grant is live: the restricted document downloads (one event).
    const ok = await downloadAs(restricted.id, b);
    expect(expectNoErrors(ok).requestDocumentDownload).toMatchObject({ errors: [], download: { watermarked: true } });
    expect(await countDownloadEvents(app, a.id)).toBe(1);

    // A PRIVATE document never downloads for a customer, whatever the grant (the default grant covers the whole trust center).
    expect(codes(await downloadAs(hidden.id, b))).toEqual(['NOT_FOUND']);

    // Nor does the granted document once A makes it PRIVATE.
    const update = await app.gql(`mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { errors { code } } }`, {
      token: a.owner.token, org: a.slug, variables: { i: { id: restricted.id, visibility: 'PRIVATE' } },
    });
    expect(expectNoErrors(update).updateDocument.errors).toEqual([]);
    expect(codes(await downloadAs(restricted.id, b))).toEqual(['NOT_FOUND']);
    expect(await countDownloadEvents(app, a.id)).toBe(1);
  });

  test('a document of an UNPUBLISHED trust center is NOT_FOUND, PUBLIC or granted, and records no download', async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { prefix: 'b' });
    const publicDoc = await createDocumentWithFile(app, a, { title: 'Security overview', kind: 'POLICY' });
    const restricted = await createDocumentWithFile(app, a, { title: 'SOC 2 Type II' });
    await grantedCustomer(app, a, b, restricted.id);
    const unpublish = await app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, { token: a.owner.token, org: a.slug });
    expect(expectNoErrors(unpublish).unpublishTrustCenter.errors).toEqual([]);

    expect(codes(await downloadAs(publicDoc.id))).toEqual(['NOT_FOUND']);
    expect(codes(await downloadAs(publicDoc.id, b))).toEqual(['NOT_FOUND']);
    expect(codes(await downloadAs(restricted.id, b))).toEqual(['NOT_FOUND']);
    expect(await countDownloadEvents(app, a.id)).toBe(0);
  });

  test('a document of a trust center that was never published is NOT_FOUND anonymously', async () => {
    const a = await createOrg(app, { prefix: 'a' });
    const publicDoc = await createDocumentWithFile(app, a, { title: 'Security overview', kind: 'POLICY' });
    expect(codes(await downloadAs(publicDoc.id))).toEqual(['NOT_FOUND']);
    expect(await countDownloadEvents(app, a.id)).toBe(0);
  });

  test.each(['not-a-uuid', '', "1' OR '1'='1"])('a document id %p that is not a UUID is NOT_FOUND, anonymously and signed in', async (id) => {
    const b = await createOrg(app, { prefix: 'b' });
    expect(codes(await downloadAs(id))).toEqual(['NOT_FOUND']);
    expect(codes(await downloadAs(id, b))).toEqual(['NOT_FOUND']);
  });
});

// ---- Access request lists -------------------------------------------------------------------------------------

describe('access request lists', () => {
  const OUTGOING = `{ organization { outgoingAccessRequests { edges { node { id requesterOrganizationName vendor { slug } } } } } }`;
  const INCOMING = `{ organization { accessRequests { edges { node { id requesterOrganizationName } } } } }`;

  test("a customer's outgoingAccessRequests lists only its own requests, never another customer's to the same vendor", async () => {
    const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
    await createDocumentWithFile(app, vendor);
    const b = await createOrg(app, { prefix: 'b' });
    const c = await createOrg(app, { prefix: 'c' });
    const fromB = await requestAccess(app, b, b.owner, vendor.slug, { reason: 'B asks' });
    const fromC = await requestAccess(app, c, c.owner, vendor.slug, { reason: 'C asks' });
    expect([fromB.errors, fromC.errors]).toEqual([[], []]);

    const seenByB = dataOf(await app.gql(OUTGOING, { token: b.owner.token, org: b.slug })).organization.outgoingAccessRequests.edges;
    expect(seenByB).toEqual([{ node: { id: fromB.accessRequest.id, requesterOrganizationName: `Org ${b.slug}`, vendor: { slug: vendor.slug } } }]);
    const seenByC = dataOf(await app.gql(OUTGOING, { token: c.owner.token, org: c.slug })).organization.outgoingAccessRequests.edges;
    expect(seenByC).toEqual([{ node: { id: fromC.accessRequest.id, requesterOrganizationName: `Org ${c.slug}`, vendor: { slug: vendor.slug } } }]);

    // The vendor sees both.
    const seenByVendor = dataOf(await app.gql(INCOMING, { token: vendor.owner.token, org: vendor.slug })).organization.accessRequests.edges;
    expect(seenByVendor.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual([fromB.accessRequest.id, fromC.accessRequest.id].sort());
  });

  test("vendor A's accessRequests never shows the requests the same customer made to vendor C", async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const c = await createOrg(app, { publish: true, prefix: 'c' });
    await createDocumentWithFile(app, a);
    await createDocumentWithFile(app, c);
    const customer = await createOrg(app, { prefix: 'cust' });
    const toA = await requestAccess(app, customer, customer.owner, a.slug);
    const toC = await requestAccess(app, customer, customer.owner, c.slug);
    expect([toA.errors, toC.errors]).toEqual([[], []]);

    const seenByA = dataOf(await app.gql(INCOMING, { token: a.owner.token, org: a.slug })).organization.accessRequests.edges;
    expect(seenByA).toEqual([{ node: { id: toA.accessRequest.id, requesterOrganizationName: `Org ${customer.slug}` } }]);
    const seenByC = dataOf(await app.gql(INCOMING, { token: c.owner.token, org: c.slug })).organization.accessRequests.edges;
    expect(seenByC).toEqual([{ node: { id: toC.accessRequest.id, requesterOrganizationName: `Org ${customer.slug}` } }]);
  });
});

// ---- Public documents and the access policy -------------------------------------------------------------------

describe('what a trust center shows to non-members', () => {
  const DOCUMENTS = `query($slug: String!) { trustCenter(slug: $slug) { documents(first: 100) { edges { node { title visibility } } } } }`;

  test('trustCenter(slug) { documents } lists PUBLIC and RESTRICTED titles with a verified file, never PRIVATE ones or ones without a file', async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { prefix: 'b' });
    await createDocumentWithFile(app, a, { title: 'Public policy', kind: 'POLICY' });
    await createDocumentWithFile(app, a, { title: 'Restricted SOC 2', kind: 'SOC_REPORT' });
    await createDocumentWithFile(app, a, { title: 'Private board minutes', kind: 'OTHER', visibility: 'PRIVATE' });
    await createDocument(app, a, { title: 'Public without file', kind: 'POLICY' });
    await createDocument(app, a, { title: 'Restricted without file', kind: 'PEN_TEST' });
    // Uploaded but never completed (not verified): still no file.
    const pendingBytes = await pdfBytes('Pending');
    const ticket = await startUpload(app, a, await createDocument(app, a, { title: 'Restricted pending upload', kind: 'SOC_REPORT' }), { bytes: pendingBytes });
    expect((await putToTicket(ticket, pendingBytes)).ok).toBe(true);
    // Uploaded with a wrong checksum: completion refused, still no file.
    const other = await pdfBytes('Other bytes');
    const bad = await startUpload(app, a, await createDocument(app, a, { title: 'Public rejected upload', kind: 'POLICY' }), { bytes: other, sha256: 'b'.repeat(64) });
    expect((await putToTicket(bad, other)).ok).toBe(true);
    expect((await completeUpload(app, a, bad.versionId)).errors.map((e: { code: string }) => e.code)).toEqual(['CHECKSUM_MISMATCH']);

    const expected = [{ node: { title: 'Public policy', visibility: 'PUBLIC' } }, { node: { title: 'Restricted SOC 2', visibility: 'RESTRICTED' } }];
    for (const token of [undefined, b.owner.token]) {
      const r = await app.gql(DOCUMENTS, { token, variables: { slug: a.slug } });
      expect(expectNoErrors(r).trustCenter.documents.edges).toEqual(expected);
    }
    // Members see all seven.
    const mine = await app.gql(DOCUMENTS, { token: a.owner.token, org: a.slug, variables: { slug: a.slug } });
    expect(expectNoErrors(mine).trustCenter.documents.edges).toHaveLength(7);
  });

  test('trustCenter(slug) { accessPolicy } is null for anonymous visitors and other orgs, and shown to members', async () => {
    const a = await createOrg(app, { publish: true, prefix: 'a' });
    const b = await createOrg(app, { prefix: 'b' });
    const viewer = await addMember(app, a, 'VIEWER');
    const policy = await app.gql(`mutation { updateAccessPolicy(input: { autoApproveDomains: ["trusted.example"], blockedDomains: ["rival.example"] }) { errors { code } } }`, {
      token: a.owner.token, org: a.slug,
    });
    expect(expectNoErrors(policy).updateAccessPolicy.errors).toEqual([]);
    const QUERY = `query($slug: String!) { trustCenter(slug: $slug) { slug accessPolicy { autoApproveDomains blockedDomains } } }`;

    for (const token of [undefined, b.owner.token]) {
      expect(dataOf(await app.gql(QUERY, { token, variables: { slug: a.slug } })).trustCenter).toEqual({ slug: a.slug, accessPolicy: null });
    }
    for (const member of [a.owner, viewer]) {
      expect(dataOf(await app.gql(QUERY, { token: member.token, variables: { slug: a.slug } })).trustCenter.accessPolicy).toEqual({
        autoApproveDomains: ['trusted.example'], blockedDomains: ['rival.example'],
      });
    }
  });
});

// ---- Draft trust centers --------------------------------------------------------------------------------------

describe('trust center visibility', () => {
  const TRUST_CENTER = `query($slug: String!) { trustCenter(slug: $slug) { slug status } }`;
  const read = (slug: string, token?: string): Promise<GqlResponse> => app.gql(TRUST_CENTER, { token, variables: { slug } });

  test('a DRAFT trust center is NOT_FOUND anonymously and for another org, and visible to its members', async () => {
    const a = await createOrg(app);
    const b = await createOrg(app);
    const viewer = await addMember(app, a, 'VIEWER');

    expect(codes(await read(a.slug))).toEqual(['NOT_FOUND']);
    expect(codes(await read(a.slug, b.owner.token))).toEqual(['NOT_FOUND']);
    for (const member of [a.owner, viewer]) {
      expect(expectNoErrors(await read(a.slug, member.token)).trustCenter).toEqual({ slug: a.slug, status: 'DRAFT' });
    }
  });

  test('a DRAFT trust center answers exactly like a slug that exists nowhere', async () => {
    const a = await createOrg(app);
    const hidden = await read(a.slug);
    const missing = await read(uniqueSlug('nobody'));
    expect(hidden.errors).toEqual(missing.errors);
  });

  test('after publishTrustCenter it is public; after unpublishTrustCenter it is NOT_FOUND anonymously again', async () => {
    const a = await createOrg(app);
    const publish = await app.gql(`mutation { publishTrustCenter { trustCenter { status } errors { code } } }`, { token: a.owner.token });
    expect(expectNoErrors(publish).publishTrustCenter).toEqual({ trustCenter: { status: 'PUBLISHED' }, errors: [] });
    expect(expectNoErrors(await read(a.slug)).trustCenter).toEqual({ slug: a.slug, status: 'PUBLISHED' });

    const unpublish = await app.gql(`mutation { unpublishTrustCenter { trustCenter { status } errors { code } } }`, { token: a.owner.token });
    expect(expectNoErrors(unpublish).unpublishTrustCenter).toEqual({ trustCenter: { status: 'DRAFT' }, errors: [] });
    expect(codes(await read(a.slug))).toEqual(['NOT_FOUND']);
    expect(expectNoErrors(await read(a.slug, a.owner.token)).trustCenter.status).toBe('DRAFT');
  });

  test('slugs are matched case-insensitively', async () => {
    const a = await createOrg(app, { publish: true });
    expect(expectNoErrors(await read(a.slug.toUpperCase())).trustCenter.slug).toBe(a.slug);
  });

  test('organization.trustCenter of a DRAFT is visible to members', async () => {
    const a = await createOrg(app);
    const r = await app.gql(`{ organization { trustCenter { status } } }`, { token: a.owner.token });
    expect(expectNoErrors(r).organization.trustCenter).toEqual({ status: 'DRAFT' });
  });
});

// ---- Creating organizations -----------------------------------------------------------------------------------

describe('createOrganization', () => {
  const CREATE = `mutation($input: CreateOrganizationInput!) {
    createOrganization(input: $input) { organization { id slug name emailDomains viewerRole trustCenter { status } } errors { code field } } }`;

  async function createOrganization(input: Record<string, unknown>) {
    const user = newUser(app);
    const r = await app.gql(CREATE, { token: user.token, variables: { input } });
    return expectNoErrors(r).createOrganization;
  }
  async function orgsWithSlug(slug: string): Promise<number> {
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM organizations WHERE slug = $1`, [slug]);
    return rows[0].n;
  }

  test('the creator becomes OWNER of a new org with a DRAFT trust center (seen on the next request)', async () => {
    const user = newUser(app);
    const slug = uniqueSlug('acme');
    const r = await app.gql(CREATE, { token: user.token, variables: { input: { slug, name: 'Acme', emailDomains: ['acme.example', 'Acme.Test'] } } });
    const p = expectNoErrors(r).createOrganization;
    expect(p.errors).toEqual([]);
    expect(p.organization).toMatchObject({ slug, name: 'Acme', emailDomains: ['acme.example', 'acme.test'] });

    const next = await app.gql(`{ organization { id slug viewerRole trustCenter { status } } }`, { token: user.token });
    expect(expectNoErrors(next).organization).toEqual({ id: p.organization.id, slug, viewerRole: 'OWNER', trustCenter: { status: 'DRAFT' } });
  });

  test("the createOrganization payload already shows the caller as OWNER and the DRAFT trust center", async () => {
    const p = await createOrganization({ slug: uniqueSlug('acme'), name: 'Acme' });
    expect(p.errors).toEqual([]);
    expect(p.organization).toMatchObject({ viewerRole: 'OWNER', trustCenter: { status: 'DRAFT' } });
  });

  test.each([
    ['a slug with a space (Bad Slug)', 'Bad Slug'],
    ['a slug with a trailing hyphen', 'trailing-'],
    ['a 49-character slug', 'a'.repeat(49)],
    ['the reserved slug admin', 'admin'],
    ['the reserved slug graphql', 'graphql'],
  ])('%s is refused (INVALID_SLUG on slug)', async (_label, slug) => {
    const p = await createOrganization({ slug, name: 'Bad' });
    expect(p).toEqual({ organization: null, errors: [{ code: 'INVALID_SLUG', field: 'slug' }] });
    expect(await orgsWithSlug(slug.trim().toLowerCase())).toBe(0);
  });

  test('a slug already taken is refused (SLUG_TAKEN on slug) and the existing org is untouched', async () => {
    const existing = await createOrg(app);
    const before = await orgSnapshot(app, existing.id);
    const p = await createOrganization({ slug: existing.slug, name: 'Impostor' });
    expect(p).toEqual({ organization: null, errors: [{ code: 'SLUG_TAKEN', field: 'slug' }] });
    expect(await orgsWithSlug(existing.slug)).toBe(1);
    expect(await orgSnapshot(app, existing.id)).toEqual(before);
  });

  test.each(['not a domain', 'localhost', 'exa_mple.com', '-bad.example'])('an email domain %p is refused (INVALID_DOMAIN on emailDomains)', async (domain) => {
    const slug = uniqueSlug('dom');
    const p = await createOrganization({ slug, name: 'Domains', emailDomains: ['good.example', domain] });
    expect(p).toEqual({ organization: null, errors: [{ code: 'INVALID_DOMAIN', field: 'emailDomains' }] });
    expect(await orgsWithSlug(slug)).toBe(0);
  });

  test('an empty name is refused (INVALID_NAME on name)', async () => {
    const p = await createOrganization({ slug: uniqueSlug('noname'), name: '   ' });
    expect(p).toEqual({ organization: null, errors: [{ code: 'INVALID_NAME', field: 'name' }] });
  });
});

// ---- Tokens ---------------------------------------------------------------------------------------------------

describe('bearer tokens', () => {
  const ISSUER = 'trust-portal-dev';
  const AUDIENCE = 'trust-portal';
  const VIEWER = `{ viewer { user { id email } } }`;

  interface TokenOptions { secret?: string; issuer?: string; audience?: string; expiresIn?: number | null; subject?: string; email?: string }
  /** Signs a token like our identity provider would, with the parts a test wants wrong. */
  function sign(o: TokenOptions = {}): { token: string; subject: string } {
    const subject = o.subject ?? `tok|${randomUUID()}`;
    const options: jwt.SignOptions = { algorithm: 'HS256', subject, issuer: o.issuer ?? ISSUER, audience: o.audience ?? AUDIENCE };
    if (o.expiresIn !== null) options.expiresIn = o.expiresIn ?? 3600;
    return { token: jwt.sign({ email: o.email ?? `${subject.slice(4)}@example.test` }, o.secret ?? TEST_JWT_SECRET, options), subject };
  }
  async function viewerUser(token: string): Promise<{ id: string; email: string }> {
    const r = await app.gql(VIEWER, { token });
    return expectNoErrors(r).viewer.user;
  }
  async function usersWithSubject(subject: string): Promise<{ id: string; email: string }[]> {
    return (await app.owner.query(`SELECT id, email FROM users WHERE subject = $1`, [subject])).rows;
  }

  test.each<[string, TokenOptions]>([
    ['a bad signature', { secret: 'another-secret-that-is-also-32-bytes-long!!' }],
    ['an expired token', { expiresIn: -3600 }],
    ['a token without exp', { expiresIn: null }],
    ['the wrong audience', { audience: 'someone-else' }],
    ['the wrong issuer', { issuer: 'evil-issuer' }],
  ])('%s answers HTTP 401 UNAUTHENTICATED, even for a public query, and creates no user', async (_label, options) => {
    const { token, subject } = sign(options);
    const r = await app.gql(VIEWER, { token });
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    expect(r.data).toBeNull();
    expect(await usersWithSubject(subject)).toEqual([]);
  });

  test.each([
    ['an unsigned (alg none) token', () => jwt.sign({ email: 'none@example.test', sub: `tok|${randomUUID()}`, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 3600 }, '', { algorithm: 'none' })],
    ['garbage', () => 'not.a.token'],
  ])('%s answers HTTP 401 UNAUTHENTICATED', async (_label, make) => {
    const r = await app.gql(VIEWER, { token: make() });
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
  });

  test('an Authorization header that is not "Bearer <token>" answers HTTP 401 UNAUTHENTICATED', async () => {
    const r = await app.gql(VIEWER, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
  });

  test('a valid token is accepted', async () => {
    const { token, subject } = sign();
    const r = await app.gql(VIEWER, { token });
    expect(r.status).toBe(200);
    expect(expectNoErrors(r).viewer.user.email).toBe(`${subject.slice(4)}@example.test`);
  });

  test('a first-seen token creates exactly one user row; a later token with a changed email updates it', async () => {
    const { token, subject } = sign({ email: 'first@example.test' });
    expect(await usersWithSubject(subject)).toEqual([]);

    const first = await viewerUser(token);
    expect(await usersWithSubject(subject)).toEqual([{ id: first.id, email: 'first@example.test' }]);

    await viewerUser(token);
    expect(await usersWithSubject(subject)).toHaveLength(1);

    const renamed = sign({ subject, email: 'renamed@example.test' });
    const second = await viewerUser(renamed.token);
    expect(second).toEqual({ id: first.id, email: 'renamed@example.test' });
    expect(await usersWithSubject(subject)).toEqual([{ id: first.id, email: 'renamed@example.test' }]);
  });

  test('concurrent first requests with a new token still create exactly one user row', async () => {
    const { token, subject } = sign();
    const responses = await Promise.all(Array.from({ length: 6 }, () => app.gql(VIEWER, { token })));
    const ids = new Set(responses.map((r) => expectNoErrors(r).viewer.user.id));
    expect(ids.size).toBe(1);
    expect(await usersWithSubject(subject)).toHaveLength(1);
  });

  test('emails from the token are stored in lower case', async () => {
    const { token, subject } = sign({ email: 'Mixed.Case@Example.TEST' });
    await viewerUser(token);
    expect((await usersWithSubject(subject))[0]!.email).toBe('mixed.case@example.test');
  });

  test('a signed-in caller with a bad token is not downgraded to anonymous on mutations either', async () => {
    const org = await createOrg(app);
    const { token } = sign({ secret: 'another-secret-that-is-also-32-bytes-long!!' });
    const r = await app.gql(`mutation { publishTrustCenter { errors { code } } }`, { token, org: org.slug });
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    expect(await countRows(app, 'memberships', org.id)).toBe(1);
  });
});
