import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/harness';
import { addMember, createOrg, expectNoErrors, type TestOrg, type TestUser } from '../support/factories';
import {
  acceptNda,
  asAppRole,
  auditTrail,
  createDocument,
  createDocumentWithFile,
  customerWithDomain,
  download,
  grantedCustomer,
  publishNda,
  setAccessPolicy,
  sha256Hex,
  sqlError,
  startAppWithBrokenStorage,
  vendorWithRestrictedDocument,
  verifyAudit,
} from '../support/documents';

/** NDA templates and acceptances, access requests and their policy, decisions, grants and gated downloads. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const DAY_MS = 24 * 3600 * 1000;
const NDA_BODY = 'The recipient keeps the vendor’s security reports confidential and uses them only to assess the vendor.';

const REQUEST_FIELDS = `id state rule scope reason requesterEmail requesterOrganizationName grantExpiresAt decidedAt decisionReason
  history { fromState toState rule reason actorUserId }`;

interface RequestView {
  id: string;
  state: string;
  rule: string | null;
  scope: string;
  reason: string | null;
  requesterEmail: string;
  requesterOrganizationName: string;
  grantExpiresAt: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  ndaOnFile?: boolean | null;
  history: { fromState: string | null; toState: string; rule: string | null; reason: string | null; actorUserId: string | null }[];
}

interface AccessPayload {
  accessRequest: RequestView | null;
  errors: { code: string; field: string | null; message: string }[];
}

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });
const codes = (errors: { code: string }[]) => errors.map((e) => e.code);
const states = (r: RequestView) => r.history.map((h) => h.toState);

async function ask(customer: TestOrg, user: TestUser, vendor: TestOrg, input: Record<string, unknown> = {}): Promise<AccessPayload> {
  const r = await app.gql(
    `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { ${REQUEST_FIELDS} } errors { code field message } } }`,
    { ...as(customer, user), variables: { i: { trustCenterSlug: vendor.slug, ...input } } },
  );
  return expectNoErrors(r).requestAccess;
}

async function decideAs(vendor: TestOrg, input: Record<string, unknown>, user: TestUser = vendor.owner): Promise<AccessPayload> {
  const r = await app.gql(
    `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { ${REQUEST_FIELDS} } errors { code field message } } }`,
    { ...as(vendor, user), variables: { i: input } },
  );
  return expectNoErrors(r).decideAccessRequest;
}

async function revoke(vendor: TestOrg, requestId: string, reason?: string): Promise<AccessPayload> {
  const r = await app.gql(
    `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { accessRequest { ${REQUEST_FIELDS} } errors { code field message } } }`,
    { ...as(vendor), variables: { i: { requestId, reason } } },
  );
  return expectNoErrors(r).revokeAccess;
}

/** The request as the vendor's members see it. */
async function vendorView(vendor: TestOrg, id: string): Promise<RequestView> {
  const r = await app.gql(`{ organization { accessRequests(first: 100) { edges { node { ${REQUEST_FIELDS} ndaOnFile } } } } }`, as(vendor));
  const node = expectNoErrors(r).organization.accessRequests.edges.map((e: { node: RequestView }) => e.node).find((n: RequestView) => n.id === id);
  if (!node) throw new Error(`request ${id} not in the vendor's list`);
  return node;
}

/** What a download answers, in one word: URL, NDA_REQUIRED v<n>, or the top-level error code. */
async function outcome(documentId: string, customer: TestOrg, user: TestUser = customer.owner, on: TestApp = app): Promise<string> {
  const r = await download(on, documentId, as(customer, user));
  if (r.errors?.length) return String(r.errors[0]!.extensions?.code);
  const payload = r.data!.requestDocumentDownload;
  if (payload.download?.url) return 'URL';
  return payload.errors.map((e: { code: string; ndaVersion: number | null }) => `${e.code} v${e.ndaVersion}`).join(', ');
}

async function createNda(org: TestOrg, body = NDA_BODY, title = 'Mutual NDA') {
  const r = await app.gql(
    `mutation($i: CreateNdaTemplateInput!) { createNdaTemplate(input: $i) { ndaTemplate { id version status body bodySha256 publishedAt } errors { code field message } } }`,
    { ...as(org), variables: { i: { title, body } } },
  );
  return expectNoErrors(r).createNdaTemplate;
}

async function publishTemplate(org: TestOrg, id: string) {
  const r = await app.gql(
    `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { id version status bodySha256 publishedAt } errors { code field message } } }`,
    { ...as(org), variables: { id } },
  );
  return expectNoErrors(r).publishNdaTemplate;
}

async function publicNda(slug: string) {
  const r = await app.gql(`query($s: String!) { trustCenter(slug: $s) { nda { id version title body bodySha256 status } } }`, { variables: { s: slug } });
  return expectNoErrors(r).trustCenter.nda;
}

async function acceptAs(customer: TestOrg, user: TestUser, vendor: TestOrg, version: number, headers: Record<string, string> = {}) {
  const r = await app.gql(
    `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) {
       acceptance { id source templateVersion bodySha256 signerName signerTitle signerEmail customerOrganizationName ip userAgent acceptedAt }
       errors { code field message } } }`,
    { ...as(customer, user), headers, variables: { i: { trustCenterSlug: vendor.slug, version, signerName: ' Pat Buyer ', signerTitle: 'Head of Procurement' } } },
  );
  return expectNoErrors(r).acceptNda;
}

async function recordOnFile(vendor: TestOrg, customerSlug: string) {
  const r = await app.gql(
    `mutation($i: RecordNdaOnFileInput!) { recordNdaOnFile(input: $i) { acceptance { source templateVersion signerName customerOrganizationName } errors { code field message } } }`,
    { ...as(vendor), variables: { i: { customerSlug, signerName: 'Chris Counsel', note: 'Signed MNDA 2025, DocuSign envelope 42' } } },
  );
  return expectNoErrors(r).recordNdaOnFile;
}

/** A vendor with a restricted document, no NDA gate, and a customer org whose owner holds an approved request. */
async function approvedWithoutNda(grantDays?: number) {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  expect((await setAccessPolicy(app, vendor, { ndaRequired: false })).errors).toEqual([]);
  const customer = await createOrg(app, { prefix: 'cust' });
  const asked = await ask(customer, customer.owner, vendor, { documentIds: [documentId] });
  const decided = await decideAs(vendor, { id: asked.accessRequest!.id, approve: true, grantDays });
  expect(decided.errors).toEqual([]);
  return { vendor, documentId, customer, requestId: asked.accessRequest!.id };
}

// ---- NDA templates -------------------------------------------------------------------------------------------------

describe('NDA templates', () => {
  test('a new template is DRAFT v1; published, anonymous visitors see it with the sha256 of its body', async () => {
    const vendor = await createOrg(app, { publish: true });
    const created = await createNda(vendor);
    expect(created.errors).toEqual([]);
    expect(created.ndaTemplate).toMatchObject({ version: 1, status: 'DRAFT', body: NDA_BODY, publishedAt: null });
    expect(await publicNda(vendor.slug)).toBeNull();

    const published = await publishTemplate(vendor, created.ndaTemplate.id);
    expect(published.errors).toEqual([]);
    expect(published.ndaTemplate).toMatchObject({ version: 1, status: 'PUBLISHED' });
    expect(published.ndaTemplate.publishedAt).not.toBeNull();
    expect(await publicNda(vendor.slug)).toEqual({
      id: created.ndaTemplate.id, version: 1, title: 'Mutual NDA', body: NDA_BODY, bodySha256: sha256Hex(Buffer.from(NDA_BODY, 'utf8')), status: 'PUBLISHED',
    });
  });

  test('publishing a published version again is NDA_NOT_DRAFT; a published v2 becomes the current NDA', async () => {
    const vendor = await createOrg(app, { publish: true });
    const v1 = await publishNda(app, vendor);
    const again = await publishTemplate(vendor, v1.id);
    expect(again.errors).toEqual([{ code: 'NDA_NOT_DRAFT', field: 'id', message: expect.stringContaining('Version 1') }]);

    const v2 = await createNda(vendor, `${NDA_BODY} Version two adds a clause.`);
    expect(v2.ndaTemplate.version).toBe(2);
    expect((await publicNda(vendor.slug))?.version).toBe(1);
    expect((await publishTemplate(vendor, v2.ndaTemplate.id)).errors).toEqual([]);
    expect(await publicNda(vendor.slug)).toMatchObject({ id: v2.ndaTemplate.id, version: 2 });

    const templates = await app.gql(`{ organization { ndaTemplates { version status } } }`, as(vendor));
    const list = expectNoErrors(templates).organization.ndaTemplates;
    expect(list).toEqual([{ version: 2, status: 'PUBLISHED' }, { version: 1, status: 'PUBLISHED' }]);
  });

  test('a body under 20 characters is INVALID_NDA and nothing is stored', async () => {
    const vendor = await createOrg(app, { publish: true });
    const r = await createNda(vendor, '  too short  ');
    expect(r.ndaTemplate).toBeNull();
    expect(r.errors).toEqual([{ code: 'INVALID_NDA', field: 'body', message: expect.any(String) }]);
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM nda_templates WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(0);
  });

  test('a published template is immutable even for the database owner; a draft can still change', async () => {
    const vendor = await createOrg(app, { publish: true });
    const published = await publishNda(app, vendor);
    const draft = (await createNda(vendor)).ndaTemplate;

    for (const sql of [
      `UPDATE nda_templates SET body = 'rewritten after customers signed it' WHERE id = $1`,
      `UPDATE nda_templates SET status = 'DRAFT' WHERE id = $1`,
      `DELETE FROM nda_templates WHERE id = $1`,
    ]) {
      expect(await sqlError(() => app.owner.query(sql, [published.id]))).toMatchObject({ message: expect.stringMatching(/published and immutable/) });
    }
    // The app role meets the same trigger.
    expect(await asAppRole(app, vendor.id, (c) => sqlError(() => c.query(`UPDATE nda_templates SET body = 'x' WHERE id = $1`, [published.id]))))
      .toMatchObject({ message: expect.stringMatching(/published and immutable/) });

    const changed = await app.owner.query(`UPDATE nda_templates SET body = $2 WHERE id = $1`, [draft.id, `${NDA_BODY} Edited draft.`]);
    expect(changed.rowCount).toBe(1);
    const { rows } = await app.owner.query(`SELECT id, body FROM nda_templates WHERE org_id = $1 ORDER BY version`, [vendor.id]);
    expect(rows).toEqual([
      { id: published.id, body: 'These are the terms of the demo NDA, long enough to count.' },
      { id: draft.id, body: `${NDA_BODY} Edited draft.` },
    ]);
  });
});

// ---- NDA acceptance ------------------------------------------------------------------------------------------------

describe('acceptNda', () => {
  test('accepting a version other than the current one is NDA_VERSION_MISMATCH naming the current version', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    await publishNda(app, vendor);
    await publishNda(app, vendor, `${NDA_BODY} (v2)`);
    const r = await acceptAs(customer, customer.owner, vendor, 1);
    expect(r.acceptance).toBeNull();
    expect(r.errors).toEqual([{ code: 'NDA_VERSION_MISMATCH', field: 'version', message: expect.stringContaining('version 2') }]);
  });

  test('with no published NDA it is NO_NDA (a draft does not count)', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    await createNda(vendor);
    expect(codes((await acceptAs(customer, customer.owner, vendor, 1)).errors)).toEqual(['NO_NDA']);
  });

  test("the vendor's own members get OWN_ORGANIZATION", async () => {
    const vendor = await createOrg(app, { publish: true });
    await publishNda(app, vendor);
    expect(codes((await acceptAs(vendor, vendor.owner, vendor, 1)).errors)).toEqual(['OWN_ORGANIZATION']);
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM nda_acceptances WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(0);
  });

  test('records the signer, the verified email, IP, user agent, the version and the hash of the text', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    const nda = await publishNda(app, vendor, NDA_BODY);
    const r = await acceptAs(customer, customer.owner, vendor, nda.version, { 'user-agent': 'ProcurementSuite/4.2 (+tests)' });
    expect(r.errors).toEqual([]);
    const expected = {
      source: 'CLICKWRAP', templateVersion: 1, bodySha256: sha256Hex(Buffer.from(NDA_BODY)), signerName: 'Pat Buyer', signerTitle: 'Head of Procurement',
      signerEmail: customer.owner.email, customerOrganizationName: `Org ${customer.slug}`, userAgent: 'ProcurementSuite/4.2 (+tests)',
    };
    expect(r.acceptance).toMatchObject(expected);
    expect(r.acceptance.ip).toMatch(/127\.0\.0\.1$/);
    const held = await app.gql(`{ organization { ndaAcceptances { id source templateVersion bodySha256 signerName signerTitle signerEmail customerOrganizationName ip userAgent } } }`, as(vendor));
    expect(expectNoErrors(held).organization.ndaAcceptances).toEqual([{ ...expected, id: r.acceptance.id, ip: r.acceptance.ip }]);
  });

  test('a blank signature is refused and nothing is recorded', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    await publishNda(app, vendor);
    const r = await app.gql(
      `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id signerName } errors { code field } } }`,
      { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug, version: 1, signerName: '   ' } } },
    );
    expect(expectNoErrors(r).acceptNda).toEqual({ acceptance: null, errors: [expect.objectContaining({ field: 'signerName' })] });
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM nda_acceptances WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(0);
  });

  test('acceptances cannot be updated or deleted: not by the app role (no grant), not by the owner (trigger)', async () => {
    const vendor = await createOrg(app, { publish: true });
    const customer = await createOrg(app);
    await publishNda(app, vendor);
    const { acceptance } = await acceptAs(customer, customer.owner, vendor, 1);

    const asApp = await asAppRole(app, vendor.id, async (c) => ({
      visible: (await c.query(`SELECT id FROM nda_acceptances`)).rows.map((row) => row.id),
      update: await sqlError(() => c.query(`UPDATE nda_acceptances SET signer_name = 'Someone Else' WHERE id = $1`, [acceptance.id])),
    }));
    expect(asApp.visible).toEqual([acceptance.id]);
    expect(asApp.update).toMatchObject({ code: '42501' });
    expect(await asAppRole(app, vendor.id, (c) => sqlError(() => c.query(`DELETE FROM nda_acceptances WHERE id = $1`, [acceptance.id]))))
      .toMatchObject({ code: '42501' });

    expect(await sqlError(() => app.owner.query(`UPDATE nda_acceptances SET signer_name = 'Someone Else' WHERE id = $1`, [acceptance.id])))
      .toMatchObject({ message: expect.stringMatching(/append-only/) });
    expect(await sqlError(() => app.owner.query(`DELETE FROM nda_acceptances WHERE id = $1`, [acceptance.id])))
      .toMatchObject({ message: expect.stringMatching(/append-only/) });
    expect(await sqlError(() => app.owner.query(`TRUNCATE nda_acceptances`))).toMatchObject({ message: expect.stringMatching(/append-only/) });

    const { rows } = await app.owner.query(`SELECT signer_name FROM nda_acceptances WHERE id = $1`, [acceptance.id]);
    expect(rows).toEqual([{ signer_name: 'Pat Buyer' }]);
  });
});

// ---- NDA rules at download time ------------------------------------------------------------------------------------

describe('the NDA gate on restricted downloads', () => {
  /** Vendor with a restricted PDF and a published NDA; a customer (owner + colleague) whose request is approved. */
  async function grantedWithColleague() {
    const { vendor, documentId } = await vendorWithRestrictedDocument(app);
    const nda = await publishNda(app, vendor);
    const customer = await createOrg(app, { prefix: 'cust' });
    const colleague = await addMember(app, customer, 'VIEWER');
    const asked = await ask(customer, customer.owner, vendor);
    expect((await decideAs(vendor, { id: asked.accessRequest!.id, approve: true })).errors).toEqual([]);
    return { vendor, documentId, customer, colleague, nda };
  }

  test('an NDA on file (recordNdaOnFile) lets the whole customer organization download without accepting', async () => {
    const { vendor, documentId, customer, colleague } = await grantedWithColleague();
    expect(await outcome(documentId, customer)).toBe('NDA_REQUIRED v1');

    const recorded = await recordOnFile(vendor, customer.slug);
    expect(recorded.errors).toEqual([]);
    expect(recorded.acceptance).toEqual({ source: 'ON_FILE', templateVersion: null, signerName: 'Chris Counsel', customerOrganizationName: `Org ${customer.slug}` });
    expect(await outcome(documentId, customer)).toBe('URL');
    expect(await outcome(documentId, customer, colleague)).toBe('URL');
    // Still covered after a new version, even with re-acceptance on: on file covers every version.
    await publishNda(app, vendor, `${NDA_BODY} (v2)`);
    expect(await outcome(documentId, customer)).toBe('URL');

    expect(codes((await recordOnFile(vendor, `missing-${randomUUID().slice(0, 8)}`)).errors)).toEqual(['CUSTOMER_NOT_FOUND']);
  });

  test('USER scope covers only the signer; ORGANIZATION scope covers the colleague too', async () => {
    const { vendor, documentId, customer, colleague } = await grantedWithColleague();
    expect((await setAccessPolicy(app, vendor, { ndaAcceptanceScope: 'USER' })).accessPolicy.ndaAcceptanceScope).toBe('USER');
    expect((await acceptAs(customer, customer.owner, vendor, 1)).errors).toEqual([]);
    expect(await outcome(documentId, customer)).toBe('URL');
    expect(await outcome(documentId, customer, colleague)).toBe('NDA_REQUIRED v1');

    await setAccessPolicy(app, vendor, { ndaAcceptanceScope: 'ORGANIZATION' });
    expect(await outcome(documentId, customer, colleague)).toBe('URL');
  });

  test('with re-acceptance on, a new NDA version blocks downloads naming version 2 until it is accepted', async () => {
    const { vendor, documentId, customer } = await grantedWithColleague();
    await acceptAs(customer, customer.owner, vendor, 1);
    expect(await outcome(documentId, customer)).toBe('URL');

    await publishNda(app, vendor, `${NDA_BODY} (v2)`);
    const refused = await download(app, documentId, as(customer));
    expect(refused.data!.requestDocumentDownload).toEqual({
      download: null, errors: [{ code: 'NDA_REQUIRED', ndaVersion: 2, message: expect.stringContaining('version 2') }],
    });
    expect((await acceptAs(customer, customer.owner, vendor, 2)).errors).toEqual([]);
    expect(await outcome(documentId, customer)).toBe('URL');
  });

  test('with re-acceptance off, the v1 acceptance still counts after v2 is published', async () => {
    const { vendor, documentId, customer, colleague } = await grantedWithColleague();
    expect((await setAccessPolicy(app, vendor, { ndaReacceptOnNewVersion: false })).errors).toEqual([]);
    await acceptAs(customer, customer.owner, vendor, 1);
    await publishNda(app, vendor, `${NDA_BODY} (v2)`);
    expect(await outcome(documentId, customer)).toBe('URL');
    expect(await outcome(documentId, customer, colleague)).toBe('URL');
  });
});

// ---- requests ------------------------------------------------------------------------------------------------------

describe('requestAccess', () => {
  test('a second open request by the same user is ALREADY_REQUESTED; a colleague may ask separately', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const first = await ask(customer, customer.owner, vendor, { reason: 'Vendor review Q3' });
    expect(first.errors).toEqual([]);
    expect(first.accessRequest).toMatchObject({ state: 'REQUESTED', scope: 'ALL_RESTRICTED', reason: 'Vendor review Q3', rule: null });
    expect(states(first.accessRequest!)).toEqual(['REQUESTED']);

    const second = await ask(customer, customer.owner, vendor);
    expect(second).toEqual({ accessRequest: null, errors: [expect.objectContaining({ code: 'ALREADY_REQUESTED' })] });

    const colleague = await addMember(app, customer, 'VIEWER');
    expect((await ask(customer, colleague, vendor)).accessRequest?.state).toBe('REQUESTED');
  });

  test('20 identical requests at once by one user make one request; the others are ALREADY_REQUESTED', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const results = await Promise.all(Array.from({ length: 20 }, () => app.gql(
      `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id } errors { code } } }`,
      { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug } } },
    )));
    const outcomes = results.map((r) => r.errors?.[0]?.extensions?.code ?? r.data?.requestAccess.errors[0]?.code ?? 'CREATED');
    expect(outcomes.filter((o) => o === 'CREATED')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'CREATED')).toEqual(Array(19).fill('ALREADY_REQUESTED'));
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM access_requests WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(1);
    expect(await verifyAudit(app, vendor)).toMatchObject({ valid: true });
  });

  test('a live grant makes a new request ALREADY_GRANTED', async () => {
    const { vendor, documentId } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const first = await ask(customer, customer.owner, vendor);
    await decideAs(vendor, { id: first.accessRequest!.id, approve: true });
    expect(codes((await ask(customer, customer.owner, vendor)).errors)).toEqual(['ALREADY_GRANTED']);
    expect(codes((await ask(customer, customer.owner, vendor, { documentIds: [documentId] })).errors)).toEqual(['ALREADY_GRANTED']);
  });

  test('unknown, PRIVATE, file-less and other vendors\' documents are DOCUMENT_NOT_FOUND; PUBLIC ones DOCUMENT_NOT_RESTRICTED', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const other = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const privateDoc = await createDocumentWithFile(app, vendor, { title: 'Internal runbook', kind: 'POLICY', visibility: 'PRIVATE' });
    const withoutFile = await createDocument(app, vendor, { title: 'Pen test 2026', kind: 'PEN_TEST', visibility: 'RESTRICTED' });
    const publicDoc = await createDocumentWithFile(app, vendor, { title: 'Security overview', kind: 'POLICY', visibility: 'PUBLIC' });

    for (const id of [randomUUID(), 'not-a-uuid', privateDoc.id, withoutFile, other.documentId]) {
      const r = await ask(customer, customer.owner, vendor, { documentIds: [id] });
      expect({ id, errors: r.errors }).toEqual({ id, errors: [expect.objectContaining({ code: 'DOCUMENT_NOT_FOUND', field: 'documentIds' })] });
    }
    const pub = await ask(customer, customer.owner, vendor, { documentIds: [publicDoc.id] });
    expect(pub.errors).toEqual([expect.objectContaining({ code: 'DOCUMENT_NOT_RESTRICTED', field: 'documentIds' })]);

    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM access_requests WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(0);
  });

  test('a vendor without restricted documents answers NO_RESTRICTED_DOCUMENTS to a request for all of them', async () => {
    const vendor = await createOrg(app, { publish: true });
    await createDocumentWithFile(app, vendor, { title: 'Security overview', kind: 'POLICY', visibility: 'PUBLIC' });
    await createDocument(app, vendor, { title: 'Pen test (no file yet)', kind: 'PEN_TEST', visibility: 'RESTRICTED' });
    const customer = await createOrg(app);
    expect(codes((await ask(customer, customer.owner, vendor)).errors)).toEqual(['NO_RESTRICTED_DOCUMENTS']);
  });
});

describe('the access policy decides at once where it can', () => {
  test('a blocked domain (or its subdomain) is DENIED with its rule; the history is [REQUESTED, DENIED]', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const blocked = `competitor-${randomUUID().slice(0, 6)}.com`;
    expect((await setAccessPolicy(app, vendor, { blockedDomains: [blocked.toUpperCase()] })).accessPolicy.blockedDomains).toEqual([blocked]);

    for (const domain of [blocked, `eu.${blocked}`]) {
      const { customer, user } = await customerWithDomain(app, domain);
      const r = await ask(customer, user, vendor);
      expect(r.errors).toEqual([]);
      expect(r.accessRequest).toMatchObject({ state: 'DENIED', rule: `blocked domain ${blocked}`, decisionReason: `Refused by policy: blocked domain ${blocked}`, grantExpiresAt: null });
      expect(r.accessRequest!.history).toEqual([
        { fromState: null, toState: 'REQUESTED', rule: null, reason: null, actorUserId: expect.any(String) },
        { fromState: 'REQUESTED', toState: 'DENIED', rule: `blocked domain ${blocked}`, reason: `Refused by policy: blocked domain ${blocked}`, actorUserId: null },
      ]);
    }
  });

  test('free mail addresses are DENIED while blockFreeMailDomains is on (the default) and wait for a person when off', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const { customer, user } = await customerWithDomain(app, 'gmail.com');
    const denied = await ask(customer, user, vendor);
    expect(denied.accessRequest).toMatchObject({ state: 'DENIED', rule: 'free mail domain gmail.com' });

    expect((await setAccessPolicy(app, vendor, { blockFreeMailDomains: false })).accessPolicy.blockFreeMailDomains).toBe(false);
    const waiting = await ask(customer, user, vendor);
    expect(waiting.accessRequest).toMatchObject({ state: 'REQUESTED', rule: null });
    expect(states(waiting.accessRequest!)).toEqual(['REQUESTED']);
  });

  test('auto-approved domains and their subdomains are APPROVED at once, for the default grant length', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const domain = `trusted-${randomUUID().slice(0, 6)}.com`;
    await setAccessPolicy(app, vendor, { autoApproveDomains: [domain], defaultGrantDays: 30 });

    for (const d of [domain, `eu.${domain}`]) {
      const { customer, user } = await customerWithDomain(app, d);
      const before = Date.now();
      const r = await ask(customer, user, vendor);
      expect(r.accessRequest).toMatchObject({ state: 'APPROVED', rule: `verified email domain ${domain}` });
      expect(r.accessRequest!.history.map((h) => [h.toState, h.rule, h.actorUserId])).toEqual([
        ['REQUESTED', null, expect.any(String)], ['APPROVED', `verified email domain ${domain}`, null],
      ]);
      const expires = Date.parse(r.accessRequest!.grantExpiresAt!);
      expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY_MS - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 1000);
    }
  });

  test('listed customer organizations (by slug) are APPROVED at once; an unknown slug is CUSTOMER_NOT_FOUND', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const set = await setAccessPolicy(app, vendor, { autoApproveOrganizationSlugs: [customer.slug.toUpperCase()] });
    expect(set.accessPolicy.autoApproveOrganizationIds).toEqual([customer.id]);

    const r = await ask(customer, customer.owner, vendor);
    expect(r.accessRequest).toMatchObject({ state: 'APPROVED', rule: 'listed customer organization' });

    const unknown = await setAccessPolicy(app, vendor, { autoApproveOrganizationSlugs: ['no-such-org-here'], blockFreeMailDomains: false });
    expect(unknown).toEqual({ accessPolicy: null, errors: [{ code: 'CUSTOMER_NOT_FOUND', field: 'autoApproveOrganizationSlugs', message: expect.any(String) }] });
    const policy = await app.gql(`{ organization { trustCenter { accessPolicy { autoApproveOrganizationIds blockFreeMailDomains } } } }`, as(vendor));
    expect(expectNoErrors(policy).organization.trustCenter.accessPolicy).toEqual({ autoApproveOrganizationIds: [customer.id], blockFreeMailDomains: true });
  });
});

// ---- decisions -----------------------------------------------------------------------------------------------------

describe('decisions', () => {
  test('approving with grantDays 7 grants until about 7 days from now', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const asked = await ask(customer, customer.owner, vendor);
    const before = Date.now();
    const r = await decideAs(vendor, { id: asked.accessRequest!.id, approve: true, grantDays: 7, reason: 'Known customer' });
    const after = Date.now();
    expect(r.errors).toEqual([]);
    expect(r.accessRequest).toMatchObject({ state: 'APPROVED', rule: null, decisionReason: 'Known customer' });
    const expires = Date.parse(r.accessRequest!.grantExpiresAt!);
    expect(expires).toBeGreaterThanOrEqual(before + 7 * DAY_MS - 1000);
    expect(expires).toBeLessThanOrEqual(after + 7 * DAY_MS + 1000);
    expect(r.accessRequest!.history.map((h) => [h.fromState, h.toState, h.reason])).toEqual([[null, 'REQUESTED', null], ['REQUESTED', 'APPROVED', 'Known customer']]);
    const grants = await app.owner.query(`SELECT expires_at FROM access_grants WHERE org_id = $1`, [vendor.id]);
    expect(grants.rows.map((g) => g.expires_at.getTime())).toEqual([expires]);
  });

  test('a denied request cannot be approved (INVALID_TRANSITION) and stays DENIED', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const asked = await ask(customer, customer.owner, vendor);
    expect((await decideAs(vendor, { id: asked.accessRequest!.id, approve: false, reason: 'Not a customer' })).accessRequest?.state).toBe('DENIED');
    const again = await decideAs(vendor, { id: asked.accessRequest!.id, approve: true });
    expect(again.errors).toEqual([{ code: 'INVALID_TRANSITION', field: 'id', message: expect.stringContaining('DENIED') }]);
    expect(again.accessRequest!.state).toBe('DENIED');
    expect(codes((await decideAs(vendor, { id: asked.accessRequest!.id, approve: false })).errors)).toEqual(['INVALID_TRANSITION']);
    const view = await vendorView(vendor, asked.accessRequest!.id);
    expect(states(view)).toEqual(['REQUESTED', 'DENIED']);
  });

  test('50 concurrent decisions on one request: exactly one wins, the rest are INVALID_TRANSITION', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const id = (await ask(customer, customer.owner, vendor)).accessRequest!.id;

    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => decideAs(vendor, { id, approve: i % 2 === 0 })));
    const winners = results.filter((r) => r.errors.length === 0);
    expect(winners).toHaveLength(1);
    expect(results.flatMap((r) => codes(r.errors))).toEqual(Array(49).fill('INVALID_TRANSITION'));
    const final = winners[0]!.accessRequest!.state;
    expect(['APPROVED', 'DENIED']).toContain(final);

    const view = await vendorView(vendor, id);
    expect(view.state).toBe(final);
    expect(states(view)).toEqual(['REQUESTED', final]);
    const grants = await app.owner.query(`SELECT count(*)::int AS n FROM access_grants WHERE org_id = $1`, [vendor.id]);
    expect(grants.rows[0].n).toBe(final === 'APPROVED' ? 1 : 0);
    const decisions = (await auditTrail(app, vendor)).filter((e) => e.targetId === id && ['access.approved', 'access.denied'].includes(e.action));
    expect(decisions).toHaveLength(1);
    expect(await verifyAudit(app, vendor)).toMatchObject({ valid: true, firstBrokenSeq: null, reason: null });
  });

  test('revoking ends access at once; revoking again (or a request never approved) is INVALID_TRANSITION', async () => {
    const { vendor, documentId, customer, requestId } = await approvedWithoutNda();
    expect(await outcome(documentId, customer)).toBe('URL');

    const revoked = await revoke(vendor, requestId, 'Contract ended');
    expect(revoked.errors).toEqual([]);
    expect(revoked.accessRequest!.state).toBe('REVOKED');
    expect(revoked.accessRequest!.history.map((h) => [h.fromState, h.toState, h.reason])).toEqual([
      [null, 'REQUESTED', null], ['REQUESTED', 'APPROVED', null], ['APPROVED', 'REVOKED', 'Contract ended'],
    ]);
    expect(await outcome(documentId, customer)).toBe('NOT_FOUND');
    expect(codes((await revoke(vendor, requestId)).errors)).toEqual(['INVALID_TRANSITION']);

    const colleague = await addMember(app, customer, 'VIEWER');
    const pending = (await ask(customer, colleague, vendor)).accessRequest!;
    expect(pending.state).toBe('REQUESTED');
    expect(codes((await revoke(vendor, pending.id)).errors)).toEqual(['INVALID_TRANSITION']);
  });

  test('a grant past its expiry reads EXPIRED, downloads stop, and the customer may ask again', async () => {
    const { vendor, documentId, customer, requestId } = await approvedWithoutNda();
    expect(await outcome(documentId, customer)).toBe('URL');

    await app.owner.query(`UPDATE access_grants SET expires_at = now() - interval '1 minute' WHERE org_id = $1 AND request_id = $2`, [vendor.id, requestId]);
    await app.owner.query(`UPDATE access_requests SET grant_expires_at = now() - interval '1 minute' WHERE org_id = $1 AND id = $2`, [vendor.id, requestId]);

    expect((await vendorView(vendor, requestId)).state).toBe('EXPIRED');
    expect(await outcome(documentId, customer)).toBe('NOT_FOUND');
    expect(codes((await revoke(vendor, requestId)).errors)).toEqual(['INVALID_TRANSITION']);
    const again = await ask(customer, customer.owner, vendor, { documentIds: [documentId] });
    expect(again.errors).toEqual([]);
    expect(again.accessRequest!.state).toBe('REQUESTED');
  });
});

// ---- grant scope ---------------------------------------------------------------------------------------------------

describe('grant scope', () => {
  test('DOCUMENT grants only the documents asked for', async () => {
    const { vendor, documentId: asked } = await vendorWithRestrictedDocument(app, 'SOC 2 Type II');
    const other = await createDocumentWithFile(app, vendor, { title: 'Pen test 2026', kind: 'PEN_TEST' });
    expect((await setAccessPolicy(app, vendor, { grantScope: 'DOCUMENT', ndaRequired: false })).accessPolicy.grantScope).toBe('DOCUMENT');
    const customer = await createOrg(app);
    const req = await ask(customer, customer.owner, vendor, { documentIds: [asked] });
    expect(req.accessRequest!.scope).toBe('DOCUMENTS');
    await decideAs(vendor, { id: req.accessRequest!.id, approve: true });

    expect(await outcome(asked, customer)).toBe('URL');
    expect(await outcome(other.id, customer)).toBe('NOT_FOUND');
    expect(codes((await ask(customer, customer.owner, vendor, { documentIds: [asked] })).errors)).toEqual(['ALREADY_GRANTED']);
    expect((await ask(customer, customer.owner, vendor, { documentIds: [other.id] })).accessRequest?.state).toBe('REQUESTED');
  });

  test('TRUST_CENTER (the default) grants every restricted document, including one added after the approval', async () => {
    const { vendor, documentId: asked } = await vendorWithRestrictedDocument(app, 'SOC 2 Type II');
    const other = await createDocumentWithFile(app, vendor, { title: 'Pen test 2026', kind: 'PEN_TEST' });
    await setAccessPolicy(app, vendor, { ndaRequired: false });
    const customer = await createOrg(app);
    const req = await ask(customer, customer.owner, vendor, { documentIds: [asked] });
    await decideAs(vendor, { id: req.accessRequest!.id, approve: true });

    const later = await createDocumentWithFile(app, vendor, { title: 'Bridge letter', kind: 'BRIDGE_LETTER' });
    expect(await outcome(asked, customer)).toBe('URL');
    expect(await outcome(other.id, customer)).toBe('URL');
    expect(await outcome(later.id, customer)).toBe('URL');
    // The grant is the customer organization's, and no other organization's.
    const stranger = await createOrg(app);
    expect(await outcome(asked, stranger)).toBe('NOT_FOUND');
  });
});

// ---- who sees what -------------------------------------------------------------------------------------------------

describe('views of a request', () => {
  test('the vendor sees the requester, its organization, its NDA status and the history', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    await publishNda(app, vendor);
    const customer = await createOrg(app);
    const id = (await ask(customer, customer.owner, vendor, { reason: 'Annual review' })).accessRequest!.id;

    const before = await vendorView(vendor, id);
    expect(before).toMatchObject({ requesterEmail: customer.owner.email, requesterOrganizationName: `Org ${customer.slug}`, reason: 'Annual review', ndaOnFile: false, state: 'REQUESTED' });
    expect(states(before)).toEqual(['REQUESTED']);

    await acceptNda(app, customer, customer.owner, vendor.slug, 1);
    expect((await vendorView(vendor, id)).ndaOnFile).toBe(true);
  });

  test('the customer sees its outgoing requests with the vendor, and no one else\'s', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const second = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const bystander = await createOrg(app);
    const a = (await ask(customer, customer.owner, vendor)).accessRequest!.id;
    const b = (await ask(customer, customer.owner, second.vendor)).accessRequest!.id;
    await ask(bystander, bystander.owner, vendor);
    await decideAs(vendor, { id: a, approve: true });

    const r = await app.gql(`{ organization { outgoingAccessRequests(first: 10) { edges { node { id state ndaOnFile vendor { slug } history { toState } } } } } }`, as(customer));
    const nodes = expectNoErrors(r).organization.outgoingAccessRequests.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toEqual([
      { id: b, state: 'REQUESTED', ndaOnFile: null, vendor: { slug: second.vendor.slug }, history: [{ toState: 'REQUESTED' }] },
      { id: a, state: 'APPROVED', ndaOnFile: null, vendor: { slug: vendor.slug }, history: [{ toState: 'REQUESTED' }, { toState: 'APPROVED' }] },
    ]);
  });
});

// ---- downloads when storage fails ----------------------------------------------------------------------------------

describe('downloads when object storage is unreachable', () => {
  let broken: TestApp;
  beforeAll(async () => { broken = await startAppWithBrokenStorage(); });
  afterAll(async () => { await broken.close(); });

  test('the download is an error, not a URL, and leaves no download event and no audit event', async () => {
    const { vendor, documentId } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    await grantedCustomer(app, vendor, customer, documentId);
    const count = async () => (await app.owner.query(
      `SELECT (SELECT count(*)::int FROM download_events WHERE org_id = $1) AS downloads, (SELECT count(*)::int FROM audit_events WHERE org_id = $1) AS audit`,
      [vendor.id],
    )).rows[0];
    const before = await count();

    const r = await download(broken, documentId, as(customer));
    expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(r.data?.requestDocumentDownload?.download ?? null).toBeNull();
    expect(JSON.stringify(r)).not.toMatch(/https?:\/\/127\.0\.0\.1:9\//);
    expect(await count()).toEqual(before);

    // The same download through working storage succeeds and records exactly one of each.
    expect(await outcome(documentId, customer)).toBe('URL');
    expect(await count()).toEqual({ downloads: before.downloads + 1, audit: before.audit + 1 });
  });
});

// ---- the injected clock --------------------------------------------------------------------------------------------

describe('decisions follow the app clock', () => {
  // The app's clock is injectable (ctx.now); decide() reads it for the state check, so the grant it writes must count
  // from it too. Here the app clock runs 30 days ahead of the wall clock.
  let ahead: TestApp;
  const offset = 30 * DAY_MS;
  beforeAll(async () => { ahead = await startTestApp({ now: () => new Date(Date.now() + offset) }); });
  afterAll(async () => { await ahead.close(); });

  test('a 7-day approval expires 7 days after the app clock\'s now and reads APPROVED', async () => {
    const { vendor } = await vendorWithRestrictedDocument(app);
    const customer = await createOrg(app);
    const id = (await ask(customer, customer.owner, vendor)).accessRequest!.id;
    const decidedFrom = Date.now();
    const r = await ahead.gql(
      `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { state grantExpiresAt } errors { code } } }`,
      { ...as(vendor), variables: { i: { id, approve: true, grantDays: 7 } } },
    );
    const decidedBy = Date.now();
    const decided = expectNoErrors(r).decideAccessRequest;
    expect(decided.errors).toEqual([]);
    const expires = Date.parse(decided.accessRequest.grantExpiresAt);
    // Decided by the app clock while the request ran: between its start and end, 30 days ahead, plus 7 days.
    expect(expires).toBeGreaterThanOrEqual(decidedFrom + offset + 7 * DAY_MS);
    expect(expires).toBeLessThanOrEqual(decidedBy + offset + 7 * DAY_MS);
    expect(decided.accessRequest.state).toBe('APPROVED');
  });
});
