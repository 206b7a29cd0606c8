import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, addMembership, createAttestation, createOrg, expectNoErrors, ISO27001_CERTIFICATE, soc2TypeII, type TestOrg, type TestUser } from '../support/factories';
import { acceptNda, approvedRequest, createDocumentWithFile, download, publishNda, requestAccess, setAccessPolicy } from '../support/documents';

/**
 * A report's findings for granted buyers (issue 14, item 1), through the GraphQL API and the hosted page: who sees the
 * exceptions (with the auditor's test result and the vendor's current response), the complementary user-entity
 * controls and the subservice organizations, and who sees only the counts; the vendor's setExceptionResponse with its
 * audit events and every refusal; the exceptions' stable ids. The clock is fixed ("today").
 */
const TODAY = '2026-06-30';
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) }); });
afterAll(async () => { await app.close(); });

const EXCEPTIONS = [
  { controlRef: 'CC6.2', description: 'A terminated user kept access for 3 business days', testResult: 'Inspected 25 terminations: 1 deprovisioned after 3 business days instead of 1', managementResponse: 'Automated offboarding planned' },
  { controlRef: 'CC7.2', description: 'A security alert was not triaged within 24 hours', testResult: null, managementResponse: null },
];
const CUECS = [{ ref: 'CUEC-1', description: 'Customers review their users quarterly' }];
const SUBSERVICE = [{ name: 'Amazon Web Services', method: 'CARVE_OUT', services: 'Infrastructure hosting' }];
const ISO_EXCEPTIONS = [{ controlRef: 'A.8.1', description: 'Minor nonconformity in asset inventory', testResult: null, managementResponse: null }];

const RESPONSE_FIELDS = 'managementResponse remediationPlan targetDate status updatedAt';
const NODE = `id findingsVisible exceptionCount subserviceOrganizationCount complementaryUserEntityControlCount
  exceptions { id controlRef description testResult managementResponse vendorResponse { ${RESPONSE_FIELDS} } }
  complementaryUserEntityControls { ref description } subserviceOrganizations { name method services }`;
const SET = `mutation($i: SetExceptionResponseInput!) { setExceptionResponse(input: $i) {
  exception { id controlRef vendorResponse { ${RESPONSE_FIELDS} } } attestation { id } errors { code field message } } }`;

interface Vendor {
  org: TestOrg;
  /** A published SOC 2 Type II with exceptions, CUECs and a subservice organization, and its RESTRICTED report PDF. */
  reportId: string;
  reportDocId: string;
  /** A published ISO 27001 certificate with one nonconformity, and its RESTRICTED certificate PDF. */
  isoId: string;
  isoDocId: string;
  exceptionIds: string[];
  ndaVersion: number | null;
}

type As = { token?: string; org?: string };
const as = (org: TestOrg, user: TestUser = org.owner): As => ({ token: user.token, org: org.slug });

async function vendorWithReports(policy: Record<string, unknown> = {}, nda = true): Promise<Vendor> {
  const org = await createOrg(app, { publish: true, prefix: 'fvendor' });
  if (Object.keys(policy).length > 0) expect((await setAccessPolicy(app, org, policy)).errors).toEqual([]);
  const reportId = await createAttestation(app, org, soc2TypeII(2025, { exceptions: EXCEPTIONS, complementaryUserEntityControls: CUECS, subserviceOrganizations: SUBSERVICE }), true);
  const isoId = await createAttestation(app, org, { ...ISO27001_CERTIFICATE, socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: null, exceptions: ISO_EXCEPTIONS }, true);
  const reportDocId = (await createDocumentWithFile(app, org, { title: 'SOC 2 Type II report', attestationId: reportId })).id;
  const isoDocId = (await createDocumentWithFile(app, org, { title: 'ISO certificate', kind: 'CERTIFICATE', visibility: 'RESTRICTED', attestationId: isoId })).id;
  const ndaVersion = nda ? (await publishNda(app, org)).version : null;
  const exceptionIds = (await memberView(org))[reportId]!.exceptions.map((x: { id: string }) => x.id);
  return { org, reportId, reportDocId, isoId, isoDocId, exceptionIds, ndaVersion };
}

/** The trust center's reports as this caller sees them, by id. */
async function view(vendor: TestOrg, who: As = {}): Promise<Record<string, Record<string, any>>> {
  const r = await app.gql(`query($s: String!) { trustCenter(slug: $s) { attestations { edges { node { ${NODE} } } } } }`, { ...who, variables: { s: vendor.slug } });
  return Object.fromEntries(expectNoErrors(r).trustCenter.attestations.edges.map((e: { node: { id: string } }) => [e.node.id, e.node]));
}
const memberView = (vendor: TestOrg, user: TestUser = vendor.owner) => view(vendor, as(vendor, user));

const HIDDEN_REPORT = {
  findingsVisible: false, exceptionCount: 2, subserviceOrganizationCount: 1, complementaryUserEntityControlCount: 1,
  exceptions: null, complementaryUserEntityControls: null, subserviceOrganizations: [],
};
const HIDDEN_ISO = { findingsVisible: false, exceptionCount: 1, subserviceOrganizationCount: 0, complementaryUserEntityControlCount: 0, exceptions: null, complementaryUserEntityControls: null, subserviceOrganizations: [] };

/** What someone who may read the findings sees of the SOC 2 report (responses as given). */
function fullReport(v: Vendor, responses: (Record<string, unknown> | null)[] = [null, null]) {
  return {
    findingsVisible: true, exceptionCount: 2, subserviceOrganizationCount: 1, complementaryUserEntityControlCount: 1,
    exceptions: EXCEPTIONS.map((x, i) => ({ ...x, id: v.exceptionIds[i], vendorResponse: responses[i] ? expect.objectContaining(responses[i]) : null })),
    complementaryUserEntityControls: CUECS,
    subserviceOrganizations: SUBSERVICE,
  };
}

async function expectCountsOnly(v: Vendor, who: As, context: string): Promise<void> {
  const seen = await view(v.org, who);
  expect({ context, report: seen[v.reportId], iso: seen[v.isoId] })
    .toEqual({ context, report: { id: v.reportId, ...HIDDEN_REPORT }, iso: { id: v.isoId, ...HIDDEN_ISO } });
}

async function setResponse(v: Vendor, input: Record<string, unknown>, who: As = as(v.org)): Promise<GqlResponse> {
  return app.gql(SET, { ...who, variables: { i: { attestationId: v.reportId, exceptionId: v.exceptionIds[0], ...input } } });
}
async function setOk(v: Vendor, input: Record<string, unknown>): Promise<Record<string, any>> {
  const p = expectNoErrors(await setResponse(v, input)).setExceptionResponse;
  expect(p.errors).toEqual([]);
  return p;
}

async function responseRows(orgId: string): Promise<unknown[]> {
  return (await app.owner.query(`SELECT to_jsonb(r) AS row FROM exception_responses r WHERE org_id = $1 ORDER BY exception_id`, [orgId])).rows.map((r) => r.row);
}
async function auditOf(orgId: string): Promise<{ action: string; target_id: string; details: Record<string, any> }[]> {
  return (await app.owner.query(`SELECT action, target_id, details FROM audit_events WHERE org_id = $1 AND action = 'attestation.exception_response_set' ORDER BY seq`, [orgId])).rows;
}

const RESPONSE = { managementResponse: 'We agree: offboarding was manual.', remediationPlan: 'Automate deprovisioning from the HR system.', targetDate: '2026-09-30', status: 'IN_PROGRESS' };

// ---- The vendor's response ------------------------------------------------------------------------------------------

describe('setExceptionResponse', () => {
  test('sets, then changes, the response of one exception; members (even a VIEWER) read it; each change is audited', async () => {
    const v = await vendorWithReports();
    const first = await setOk(v, RESPONSE);
    expect(first.exception).toEqual({ id: v.exceptionIds[0], controlRef: 'CC6.2', vendorResponse: { ...RESPONSE, updatedAt: expect.any(String) } });
    expect(first.attestation).toEqual({ id: v.reportId });

    const second = await setOk(v, { status: 'REMEDIATED', remediationPlan: null });
    expect(second.exception.vendorResponse).toMatchObject({ managementResponse: RESPONSE.managementResponse, remediationPlan: null, targetDate: '2026-09-30', status: 'REMEDIATED' });

    // A first response can be just an acknowledgement (status OPEN) on another exception.
    expect((await setOk(v, { exceptionId: v.exceptionIds[1], status: 'OPEN' })).exception.vendorResponse).toMatchObject({ status: 'OPEN', managementResponse: null });

    const viewer = await addMember(app, v.org, 'VIEWER');
    const seen = (await memberView(v.org, viewer))[v.reportId];
    expect(seen).toEqual({ id: v.reportId, ...fullReport(v, [{ ...RESPONSE, remediationPlan: null, status: 'REMEDIATED' }, { status: 'OPEN', targetDate: null }]) });

    const audit = await auditOf(v.org.id);
    expect(audit.map((e) => [e.target_id, e.details.exceptionId, e.details.first, e.details.changed, e.details.status])).toEqual([
      [v.reportId, v.exceptionIds[0], true, ['managementResponse', 'remediationPlan', 'targetDate', 'status'], 'IN_PROGRESS'],
      [v.reportId, v.exceptionIds[0], false, ['remediationPlan', 'status'], 'REMEDIATED'],
      [v.reportId, v.exceptionIds[1], true, [], 'OPEN'],
    ]);
    expect(audit[1]!.details).toMatchObject({ controlRef: 'CC6.2', previousStatus: 'IN_PROGRESS', targetDate: '2026-09-30' });
  });

  test('every bad input is a typed refusal that writes nothing', async () => {
    const v = await vendorWithReports();
    await setOk(v, RESPONSE);
    const other = await vendorWithReports();
    const before = { rows: await responseRows(v.org.id), otherRows: await responseRows(other.org.id), audit: (await auditOf(v.org.id)).length };

    const refusals: [string, Record<string, unknown>, string, string | null][] = [
      // A management response on another vendor's report: not found in this tenant, like a missing report.
      ['another vendor\'s report', { attestationId: other.reportId, exceptionId: other.exceptionIds[0], managementResponse: 'hijack' }, 'ATTESTATION_NOT_FOUND', 'attestationId'],
      ['a missing report', { attestationId: '00000000-0000-4000-8000-000000000000', managementResponse: 'x' }, 'ATTESTATION_NOT_FOUND', 'attestationId'],
      ['a report id that is no uuid', { attestationId: 'not-an-id', managementResponse: 'x' }, 'ATTESTATION_NOT_FOUND', 'attestationId'],
      ['an exception of another report', { exceptionId: other.exceptionIds[0], managementResponse: 'x' }, 'EXCEPTION_NOT_FOUND', 'exceptionId'],
      ['an unknown exception', { exceptionId: 'nope', managementResponse: 'x' }, 'EXCEPTION_NOT_FOUND', 'exceptionId'],
      ['a target date before the period starts', { targetDate: '2024-12-31' }, 'INVALID_TARGET_DATE', 'targetDate'],
      ['a target date more than 5 years away', { targetDate: '2031-07-01' }, 'INVALID_TARGET_DATE', 'targetDate'],
      ['a management response too long', { managementResponse: 'x'.repeat(5001) }, 'TEXT_TOO_LONG', 'managementResponse'],
      ['a remediation plan too long', { remediationPlan: 'y'.repeat(5001) }, 'TEXT_TOO_LONG', 'remediationPlan'],
      ['a status cleared', { status: null }, 'STATUS_REQUIRED', 'status'],
      ['nothing that changes', { managementResponse: RESPONSE.managementResponse, status: 'IN_PROGRESS' }, 'NO_CHANGES', null],
      ['no field at all', { exceptionId: v.exceptionIds[1] }, 'NO_CHANGES', null],
    ];
    for (const [what, input, code, field] of refusals) {
      const p = expectNoErrors(await setResponse(v, input)).setExceptionResponse;
      expect({ what, codes: p.errors.map((e: { code: string; field: string | null }) => [e.code, e.field]), exception: p.exception })
        .toEqual({ what, codes: [[code, field]], exception: null });
      if (code === 'ATTESTATION_NOT_FOUND') expect({ what, attestation: p.attestation }).toEqual({ what, attestation: null });
    }
    // A date that is no date is refused before the resolver runs, like every Date input.
    for (const targetDate of ['2026-02-30', 'next quarter']) {
      const r = await setResponse(v, { targetDate });
      expect(r.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect(await responseRows(v.org.id)).toEqual(before.rows);
    expect(await responseRows(other.org.id)).toEqual(before.otherRows);
    expect((await auditOf(v.org.id)).length).toBe(before.audit);

    // The limits themselves are accepted: 5000 characters (whitespace around is not counted), the period's first
    // day, and today + 5 years.
    expect((await setOk(v, { managementResponse: ` ${'z'.repeat(5000)} ` })).exception.vendorResponse.managementResponse).toHaveLength(5000);
    expect((await setOk(v, { targetDate: '2025-01-01' })).exception.vendorResponse.targetDate).toBe('2025-01-01');
    expect((await setOk(v, { targetDate: '2031-06-30' })).exception.vendorResponse.targetDate).toBe('2031-06-30');
  });

  test('a WITHDRAWN report takes no response; SUPERSEDED and DRAFT ones do', async () => {
    const v = await vendorWithReports();
    const newer = await createAttestation(app, v.org, soc2TypeII(2026, { issueDate: '2026-06-01', periodEnd: '2026-05-31', exceptions: [EXCEPTIONS[1]] }));
    // Still a DRAFT: the vendor may prepare its responses before publishing.
    const draftException = (await app.gql(`query($id: ID!) { attestation(id: $id) { exceptions { id } } }`, { ...as(v.org), variables: { id: newer } })).data!.attestation.exceptions[0].id;
    expect(expectNoErrors(await setResponse(v, { attestationId: newer, exceptionId: draftException, status: 'OPEN' })).setExceptionResponse.errors).toEqual([]);
    expectNoErrors(await app.gql(`mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`, { ...as(v.org), variables: { id: newer } }));
    // The 2025 report is SUPERSEDED now: its exceptions are still being remediated.
    await setOk(v, { status: 'REMEDIATED' });
    expectNoErrors(await app.gql(`mutation($id: ID!) { withdrawAttestation(input: { id: $id }) { errors { code } } }`, { ...as(v.org), variables: { id: v.reportId } }));
    const p = expectNoErrors(await setResponse(v, { status: 'RISK_ACCEPTED' })).setExceptionResponse;
    expect(p.errors.map((e: { code: string }) => e.code)).toEqual(['REPORT_WITHDRAWN']);
  });

  test('only EDITOR and above of the report\'s own organization may respond', async () => {
    const v = await vendorWithReports();
    const viewer = await addMember(app, v.org, 'VIEWER');
    const editor = await addMember(app, v.org, 'EDITOR');
    expect((await setResponse(v, RESPONSE, as(v.org, viewer))).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect((await setResponse(v, RESPONSE, {})).errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    // A granted customer acts for its own organization: the vendor's report is not found there.
    const customer = await createOrg(app, { prefix: 'fcust' });
    await approvedRequest(app, v.org, customer);
    await acceptNda(app, customer, customer.owner, v.org.slug, v.ndaVersion!);
    expect(expectNoErrors(await setResponse(v, RESPONSE, as(customer))).setExceptionResponse.errors.map((e: { code: string }) => e.code)).toEqual(['ATTESTATION_NOT_FOUND']);
    expect(await responseRows(v.org.id)).toEqual([]);
    expect(expectNoErrors(await setResponse(v, RESPONSE, as(v.org, editor))).setExceptionResponse.errors).toEqual([]);
  });
});

// ---- Who reads the findings -----------------------------------------------------------------------------------------

describe('who reads the findings', () => {
  test('anonymous, no grant, pending, granted without the NDA, revoked: counts only; granted with the NDA: everything', async () => {
    const v = await vendorWithReports();
    await setOk(v, RESPONSE);
    const customer = await createOrg(app, { prefix: 'fcust' });

    await expectCountsOnly(v, {}, 'anonymous');
    await expectCountsOnly(v, as(customer), 'a customer without a request');
    const stranger = await createOrg(app, { publish: true, prefix: 'fother' });
    await expectCountsOnly(v, as(stranger), "another vendor's owner");

    const request = await requestAccess(app, customer, customer.owner, v.org.slug);
    expect(request.accessRequest.state).toBe('REQUESTED');
    await expectCountsOnly(v, as(customer), 'a pending request');

    const decided = expectNoErrors(await app.gql(`mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { errors { code } } }`, { ...as(v.org), variables: { i: { id: request.accessRequest.id, approve: true } } }));
    expect(decided.decideAccessRequest.errors).toEqual([]);
    await expectCountsOnly(v, as(customer), 'a live grant but no accepted NDA');
    // The same rule as the report's download: NDA first.
    expect(expectNoErrors(await download(app, v.reportDocId, { token: customer.owner.token, org: customer.slug })).requestDocumentDownload.errors.map((e: { code: string }) => e.code)).toEqual(['NDA_REQUIRED']);

    expect((await acceptNda(app, customer, customer.owner, v.org.slug, v.ndaVersion!)).errors).toEqual([]);
    const granted = await view(v.org, as(customer));
    expect(granted[v.reportId]).toEqual({ id: v.reportId, ...fullReport(v, [RESPONSE, null]) });
    // A whole-trust-center grant (the default policy) opens every report's findings.
    expect(granted[v.isoId]).toMatchObject({ findingsVisible: true, exceptions: [expect.objectContaining({ controlRef: 'A.8.1' })], subserviceOrganizations: [] });

    // The NDA was accepted for the organization (the default): a colleague reads the findings too.
    const colleague = { email: `colleague-${customer.slug}@example.test`, token: app.tokenFor(`colleague-${customer.slug}@example.test`) };
    await addMembership(app, customer, colleague, 'VIEWER');
    expect((await view(v.org, as(customer, colleague)))[v.reportId]!.findingsVisible).toBe(true);

    // An API key of the granted organization is no signed-in user: counts only, as for downloads.
    const key = expectNoErrors(await app.gql(`mutation { createApiKey(input: { name: "k", scopes: [READ] }) { secret errors { code } } }`, as(customer))).createApiKey.secret;
    await expectCountsOnly(v, { token: key }, "the customer's API key");

    // A user in several organizations reads as the one named by X-Org, and without it as no customer at all.
    const multi = { email: `multi-${customer.slug}@example.test`, token: app.tokenFor(`multi-${customer.slug}@example.test`) };
    await addMembership(app, customer, multi, 'VIEWER');
    await addMembership(app, stranger, multi, 'VIEWER');
    await expectCountsOnly(v, { token: multi.token }, 'several organizations, no X-Org');
    await expectCountsOnly(v, { token: multi.token, org: stranger.slug }, 'X-Org names the ungranted organization');
    expect((await view(v.org, { token: multi.token, org: customer.slug }))[v.reportId]!.findingsVisible).toBe(true);

    const revoked = expectNoErrors(await app.gql(`mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { errors { code } } }`, { ...as(v.org), variables: { i: { requestId: request.accessRequest.id } } }));
    expect(revoked.revokeAccess.errors).toEqual([]);
    await expectCountsOnly(v, as(customer), 'a revoked grant');
  });

  test('an expired grant shows counts only', async () => {
    const v = await vendorWithReports();
    const customer = await createOrg(app, { prefix: 'fcust' });
    await approvedRequest(app, v.org, customer);
    await acceptNda(app, customer, customer.owner, v.org.slug, v.ndaVersion!);
    expect((await view(v.org, as(customer)))[v.reportId]!.findingsVisible).toBe(true);
    // Time passes (the clock is fixed): the grant ended yesterday.
    await app.owner.query(`UPDATE access_grants SET expires_at = $2 WHERE org_id = $1`, [v.org.id, `${TODAY}T00:00:00Z`]);
    await expectCountsOnly(v, as(customer), 'an expired grant');
  });

  test('a per-document grant opens the findings of the report its document carries, and of no other', async () => {
    const v = await vendorWithReports({ grantScope: 'DOCUMENT' });
    const letter = (await createDocumentWithFile(app, v.org, { title: 'Bridge letter', kind: 'BRIDGE_LETTER', visibility: 'RESTRICTED', attestationId: v.isoId })).id;
    const penTest = (await createDocumentWithFile(app, v.org, { title: 'Pen test', kind: 'PEN_TEST', visibility: 'RESTRICTED' })).id;

    const reportBuyer = await createOrg(app, { prefix: 'fdoc' });
    await approvedRequest(app, v.org, reportBuyer, reportBuyer.owner, { documentIds: [v.reportDocId] });
    await acceptNda(app, reportBuyer, reportBuyer.owner, v.org.slug, v.ndaVersion!);
    const seen = await view(v.org, as(reportBuyer));
    expect(seen[v.reportId]).toEqual({ id: v.reportId, ...fullReport(v) });
    expect(seen[v.isoId]).toEqual({ id: v.isoId, ...HIDDEN_ISO });

    // A bridge letter carries no findings, and a document of no report opens none.
    for (const documentId of [letter, penTest]) {
      const buyer = await createOrg(app, { prefix: 'fdoc' });
      await approvedRequest(app, v.org, buyer, buyer.owner, { documentIds: [documentId] });
      await acceptNda(app, buyer, buyer.owner, v.org.slug, v.ndaVersion!);
      await expectCountsOnly(v, as(buyer), `a grant on ${documentId === letter ? 'a bridge letter' : 'an unlinked document'}`);
    }

    // The report's document made PRIVATE is no longer served under the grant: its findings close with it.
    expectNoErrors(await app.gql(`mutation($i: UpdateDocumentInput!) { updateDocument(input: $i) { errors { code } } }`, { ...as(v.org), variables: { i: { id: v.reportDocId, visibility: 'PRIVATE' } } }));
    await expectCountsOnly(v, as(reportBuyer), 'the granted document is PRIVATE now');
  });

  test('with no NDA required, a live grant is enough; with per-signer NDAs, each user signs', async () => {
    const open = await vendorWithReports({ ndaRequired: false }, false);
    const customer = await createOrg(app, { prefix: 'fcust' });
    await approvedRequest(app, open.org, customer);
    expect((await view(open.org, as(customer)))[open.reportId]).toEqual({ id: open.reportId, ...fullReport(open) });

    const strict = await vendorWithReports({ ndaAcceptanceScope: 'USER' });
    const buyer = await createOrg(app, { prefix: 'fcust' });
    const colleague = await addMember(app, buyer, 'VIEWER');
    await approvedRequest(app, strict.org, buyer);
    await acceptNda(app, buyer, buyer.owner, strict.org.slug, strict.ndaVersion!);
    expect((await view(strict.org, as(buyer)))[strict.reportId]!.findingsVisible).toBe(true);
    await expectCountsOnly(strict, as(buyer, colleague), 'a colleague who has not signed a per-signer NDA');
  });

  test('the hosted page shows counts only, whoever opens it', async () => {
    const v = await vendorWithReports();
    await setOk(v, RESPONSE);
    const customer = await createOrg(app, { prefix: 'fcust' });
    await approvedRequest(app, v.org, customer);
    await acceptNda(app, customer, customer.owner, v.org.slug, v.ndaVersion!);
    expect((await view(v.org, as(customer)))[v.reportId]!.findingsVisible).toBe(true);
    const base = new URL(app.url).origin;
    for (const headers of [{}, { authorization: `Bearer ${customer.owner.token}` }] as Record<string, string>[]) {
      const res = await fetch(`${base}/trust/${v.org.slug}`, { headers });
      const page = await res.text();
      expect(res.status).toBe(200);
      expect(page).toContain('2 exceptions reported');
      for (const secret of [EXCEPTIONS[0]!.description, EXCEPTIONS[0]!.testResult!, RESPONSE.remediationPlan, CUECS[0]!.description, 'Amazon Web Services']) expect(page).not.toContain(secret);
    }
  });

  test('a customer reading a trust center runs the same number of statements for 1 and 3 reports', async () => {
    const counts: number[] = [];
    for (const extra of [0, 2]) {
      const v = await vendorWithReports();
      for (let i = 0; i < extra; i++) await createAttestation(app, v.org, { framework: 'PCI_DSS', socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: null, issueDate: `202${i}-06-01`, certificateValidUntil: `202${i + 1}-05-31`, exceptions: ISO_EXCEPTIONS }, true);
      const customer = await createOrg(app, { prefix: 'fcust' });
      await approvedRequest(app, v.org, customer);
      await acceptNda(app, customer, customer.owner, v.org.slug, v.ndaVersion!);
      const r = await app.gql(`query($s: String!) { trustCenter(slug: $s) { attestations { edges { node { ${NODE} } } } } }`, { ...as(customer), variables: { s: v.org.slug } });
      expect(expectNoErrors(r).trustCenter.attestations.edges.every((e: { node: { findingsVisible: boolean } }) => e.node.findingsVisible)).toBe(true);
      counts.push(r.statements);
    }
    expect(counts[1]).toBe(counts[0]);
  });
});

// ---- Stable exception ids -------------------------------------------------------------------------------------------

describe('exception ids', () => {
  const UPDATE = `mutation($i: UpdateAttestationInput!) { updateAttestation(input: $i) { attestation { exceptions { id controlRef description vendorResponse { status } } } errors { code field message } } }`;
  const update = async (org: TestOrg, input: Record<string, unknown>) => expectNoErrors(await app.gql(UPDATE, { ...as(org), variables: { i: input } })).updateAttestation;

  test('an exception keeps its id, and its response, when the list is resent unchanged or corrected with its id', async () => {
    const v = await vendorWithReports();
    await setOk(v, { status: 'IN_PROGRESS' });
    const [first, second] = v.exceptionIds;

    // Resent unchanged and reordered (as a client that knows nothing of ids would): same ids.
    const resent = await update(v.org, { id: v.reportId, exceptions: [EXCEPTIONS[1], EXCEPTIONS[0]] });
    expect(resent.errors).toEqual([]);
    expect(resent.attestation.exceptions.map((x: { id: string }) => x.id)).toEqual([second, first]);

    // A corrected description with the id keeps the response; a new exception gets a new id.
    const corrected = await update(v.org, { id: v.reportId, exceptions: [{ ...EXCEPTIONS[0], id: first, description: 'Corrected wording' }, EXCEPTIONS[1], { controlRef: 'CC8.1', description: 'New' }] });
    expect(corrected.errors).toEqual([]);
    expect(corrected.attestation.exceptions).toEqual([
      { id: first, controlRef: 'CC6.2', description: 'Corrected wording', vendorResponse: { status: 'IN_PROGRESS' } },
      { id: second, controlRef: 'CC7.2', description: EXCEPTIONS[1]!.description, vendorResponse: null },
      { id: expect.not.stringMatching(new RegExp(`^(${first}|${second})$`)), controlRef: 'CC8.1', description: 'New', vendorResponse: null },
    ]);

    // An id the report does not list, or one given twice: refused, nothing changes.
    for (const exceptions of [[{ ...EXCEPTIONS[0], id: '00000000-0000-4000-8000-000000000000' }], [{ ...EXCEPTIONS[0], id: first }, { ...EXCEPTIONS[1], id: first }]]) {
      const refused = await update(v.org, { id: v.reportId, exceptions });
      expect(refused.errors.map((e: { code: string }) => e.code)).toEqual(['UNKNOWN_EXCEPTION_ID']);
    }
    expect((await memberView(v.org))[v.reportId]!.exceptions.map((x: { id: string }) => x.id)).toEqual(corrected.attestation.exceptions.map((x: { id: string }) => x.id));
  });

  test('exceptions stored before ids existed get stable derived ids, kept when the report is next saved', async () => {
    const v = await vendorWithReports();
    // A report as stored before issue 14: exceptions without id or testResult.
    await app.owner.query(`UPDATE attestations SET exceptions = $2::jsonb WHERE id = $1`, [v.reportId, JSON.stringify([
      { controlRef: 'CC6.2', description: 'Same text', managementResponse: null },
      { controlRef: 'CC6.2', description: 'Same text', managementResponse: null },
    ])]);
    const ids = (await memberView(v.org))[v.reportId]!.exceptions.map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(2);
    expect((await memberView(v.org))[v.reportId]!.exceptions.map((x: { id: string }) => x.id)).toEqual(ids);
    const p = expectNoErrors(await setResponse(v, { exceptionId: ids[1], status: 'RISK_ACCEPTED' })).setExceptionResponse;
    expect(p.errors).toEqual([]);

    const saved = await update(v.org, { id: v.reportId, title: 'Renamed', exceptions: [{ controlRef: 'CC6.2', description: 'Same text' }, { controlRef: 'CC6.2', description: 'Same text' }] });
    expect(saved.attestation.exceptions.map((x: { id: string; vendorResponse: unknown }) => [x.id, x.vendorResponse])).toEqual([[ids[0], null], [ids[1], { status: 'RISK_ACCEPTED' }]]);
    const stored = (await app.owner.query(`SELECT exceptions FROM attestations WHERE id = $1`, [v.reportId])).rows[0].exceptions;
    expect(stored.map((x: { id: string }) => x.id)).toEqual(ids);
  });
});
