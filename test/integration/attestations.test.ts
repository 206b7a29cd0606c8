import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import {
  ATTESTATION_FIELDS,
  ISO27001_CERTIFICATE,
  SOC2_TYPE_II,
  addMember,
  countRows,
  createAttestation,
  createOrg,
  expectNoErrors,
  soc2TypeII,
  type TestOrg,
  type TestUser,
} from '../support/factories';

/**
 * The attestation rules (src/domain/attestation.ts) through the GraphQL API: typed payload errors with their code and
 * field, the publish/supersede/withdraw lifecycle, bridge letters, freshness, visibility and input limits.
 * The clock is fixed so "today" and "in the future" do not drift.
 */
const TODAY = '2026-06-30';
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) }); });
afterAll(async () => { await app.close(); });

// ---- GraphQL helpers ------------------------------------------------------------------------------------------

interface PayloadError { code: string; field: string | null; message: string }
interface AttestationPayload { attestation: Record<string, any> | null; errors: PayloadError[]; warnings: PayloadError[] }
interface BridgeLetterPayload { attestation: Record<string, any> | null; bridgeLetter: Record<string, any> | null; errors: PayloadError[] }

const NODE = `${ATTESTATION_FIELDS} auditor scope gapBeforeDays supersededBy { id } publishedAt supersededAt withdrawnAt`;
const PAYLOAD = `attestation { ${NODE} } errors { code field message } warnings { code field message }`;

/** Runs a GraphQL operation as the org's owner (or `as`), in the org. */
function gqlIn(org: TestOrg, query: string, variables: Record<string, unknown> = {}, as: TestUser = org.owner): Promise<GqlResponse> {
  return app.gql(query, { token: as.token, org: org.slug, variables });
}

async function create(org: TestOrg, input: Record<string, unknown>, as?: TestUser): Promise<AttestationPayload> {
  const r = await gqlIn(org, `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { ${PAYLOAD} } }`, { input }, as);
  return expectNoErrors(r).createAttestation;
}

/** Creates a SOC 2 Type II draft from SOC2_TYPE_II plus overrides, failing the test on any payload error. */
async function draft(org: TestOrg, overrides: Record<string, unknown> = {}): Promise<string> {
  return createAttestation(app, org, overrides);
}

async function update(org: TestOrg, input: Record<string, unknown>): Promise<AttestationPayload> {
  const r = await gqlIn(org, `mutation($input: UpdateAttestationInput!) { updateAttestation(input: $input) { ${PAYLOAD} } }`, { input });
  return expectNoErrors(r).updateAttestation;
}

async function publish(org: TestOrg, id: string): Promise<AttestationPayload> {
  const r = await gqlIn(org, `mutation($id: ID!) { publishAttestation(id: $id) { ${PAYLOAD} } }`, { id });
  return expectNoErrors(r).publishAttestation;
}

async function withdraw(org: TestOrg, id: string, reason?: string): Promise<AttestationPayload> {
  const r = await gqlIn(org, `mutation($input: WithdrawAttestationInput!) { withdrawAttestation(input: $input) { ${PAYLOAD} } }`, { input: { id, reason } });
  return expectNoErrors(r).withdrawAttestation;
}

const LETTER_PAYLOAD = `bridgeLetter { id coversFrom coversThrough issuedOn signedByName }
  attestation { id freshness(asOf: "${TODAY}") { coveredThrough expiresOn uncoveredDays } }
  errors { code field message }`;

async function addLetter(org: TestOrg, input: Record<string, unknown>): Promise<BridgeLetterPayload> {
  const r = await gqlIn(org, `mutation($input: AddBridgeLetterInput!) { addBridgeLetter(input: $input) { ${LETTER_PAYLOAD} } }`, {
    input: { signedByName: 'Chief Executive', signedByTitle: 'CEO', ...input },
  });
  return expectNoErrors(r).addBridgeLetter;
}

async function updateTrustCenter(org: TestOrg, input: Record<string, unknown>): Promise<void> {
  const r = await gqlIn(org, `mutation($input: UpdateTrustCenterInput!) { updateTrustCenter(input: $input) { errors { code field } } }`, { input });
  expect(expectNoErrors(r).updateTrustCenter.errors).toEqual([]);
}

async function getAttestation(org: TestOrg, id: string, fields = NODE): Promise<Record<string, any>> {
  return expectNoErrors(await gqlIn(org, `query($id: ID!) { attestation(id: $id) { ${fields} } }`, { id })).attestation;
}

/** organization.attestations as the owner: every status. */
async function orgAttestations(org: TestOrg): Promise<Record<string, any>[]> {
  const r = await gqlIn(org, `{ organization { attestations { edges { node { id status } } } } }`);
  return expectNoErrors(r).organization.attestations.edges.map((e: any) => e.node);
}

/** trustCenter(slug).attestations anonymously: the public list. */
async function publicAttestations(org: TestOrg, fields = 'id status'): Promise<Record<string, any>[]> {
  const r = await app.gql(`query($slug: String!) { trustCenter(slug: $slug) { attestations { edges { node { ${fields} } } } } }`, { variables: { slug: org.slug } });
  return expectNoErrors(r).trustCenter.attestations.edges.map((e: any) => e.node);
}

/** Exactly one payload error, with this code on this field. */
function expectOnlyError(payload: { errors: PayloadError[] }, code: string, field: string | null): void {
  expect(payload.errors.map((e) => ({ code: e.code, field: e.field }))).toEqual([{ code, field }]);
  expect(payload.errors[0]!.message).toEqual(expect.any(String));
}

// ---- Creation rules -------------------------------------------------------------------------------------------

describe('creating an attestation', () => {
  test('a valid SOC 2 Type II is created as a DRAFT with its facts', async () => {
    const org = await createOrg(app);
    const p = await create(org, SOC2_TYPE_II);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(p.attestation).toMatchObject({
      status: 'DRAFT', framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31',
      issueDate: '2026-02-15', opinion: 'UNQUALIFIED', trustServiceCriteria: ['SECURITY', 'AVAILABILITY'], exceptionCount: 0,
    });
  });

  test('SOC 2 without the SECURITY criterion is refused (SECURITY_CRITERION_REQUIRED on trustServiceCriteria)', async () => {
    const org = await createOrg(app);
    const p = await create(org, { ...SOC2_TYPE_II, trustServiceCriteria: ['AVAILABILITY', 'CONFIDENTIALITY'] });
    expectOnlyError(p, 'SECURITY_CRITERION_REQUIRED', 'trustServiceCriteria');
    expect(p.attestation).toBeNull();
    expect(await countRows(app, 'attestations', org.id)).toBe(0);
  });

  test('SOC 2 with an empty criteria list is refused too (SECURITY_CRITERION_REQUIRED)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, trustServiceCriteria: [] }), 'SECURITY_CRITERION_REQUIRED', 'trustServiceCriteria');
  });

  test('SOC 2 created without trustServiceCriteria gets [SECURITY] by default', async () => {
    const org = await createOrg(app);
    const { trustServiceCriteria: _omitted, ...input } = SOC2_TYPE_II;
    const p = await create(org, input);
    expect(p.errors).toEqual([]);
    expect(p.attestation!.trustServiceCriteria).toEqual(['SECURITY']);
  });

  test.each([
    ['equal to', '2025-12-31', '2025-12-31'],
    ['after', '2026-01-01', '2025-12-31'],
  ])('Type II with periodStart %s periodEnd is refused (INVALID_PERIOD on periodEnd)', async (_label, periodStart, periodEnd) => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, periodStart, periodEnd }), 'INVALID_PERIOD', 'periodEnd');
  });

  test.each([
    ['periodStart', { periodStart: null }],
    ['periodEnd', { periodEnd: null }],
  ])('Type II without %s is refused (PERIOD_REQUIRED on that field)', async (field, missing) => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, ...missing }), 'PERIOD_REQUIRED', field);
  });

  test.each([
    ['2 months', '2025-01-01', '2025-02-28'],
    ['14 months', '2024-11-01', '2025-12-31'],
  ])('a Type II period of %s is accepted with warning PERIOD_LENGTH_UNUSUAL on periodEnd', async (_label, periodStart, periodEnd) => {
    const org = await createOrg(app);
    const p = await create(org, { ...SOC2_TYPE_II, periodStart, periodEnd });
    expect(p.errors).toEqual([]);
    expect(p.attestation!.status).toBe('DRAFT');
    expect(p.warnings.map((w) => ({ code: w.code, field: w.field }))).toEqual([{ code: 'PERIOD_LENGTH_UNUSUAL', field: 'periodEnd' }]);
  });

  test('a 12-month Type II period (2025-01-01..2025-12-31) has no warning', async () => {
    const org = await createOrg(app);
    const p = await create(org, { ...SOC2_TYPE_II, periodStart: '2025-01-01', periodEnd: '2025-12-31' });
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  test('a SOC report without socType is refused (SOC_TYPE_REQUIRED on socType)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, socType: null, periodStart: null, periodEnd: null }), 'SOC_TYPE_REQUIRED', 'socType');
  });

  test('Type II with an asOf date is refused (PERIOD_NOT_APPLICABLE on asOf)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, asOf: '2025-12-31' }), 'PERIOD_NOT_APPLICABLE', 'asOf');
  });

  const TYPE_I = { ...SOC2_TYPE_II, socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2025-06-30', issueDate: '2025-08-01' };

  test('a valid Type I (asOf, no period) is accepted', async () => {
    const org = await createOrg(app);
    const p = await create(org, TYPE_I);
    expect(p.errors).toEqual([]);
    expect(p.attestation).toMatchObject({ socType: 'TYPE_I', asOf: '2025-06-30', periodStart: null, periodEnd: null });
  });

  test('Type I without asOf is refused (AS_OF_REQUIRED on asOf)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...TYPE_I, asOf: null }), 'AS_OF_REQUIRED', 'asOf');
  });

  test('Type I with a period is refused (PERIOD_NOT_APPLICABLE on periodStart)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...TYPE_I, periodStart: '2025-01-01', periodEnd: '2025-06-30' }), 'PERIOD_NOT_APPLICABLE', 'periodStart');
  });

  test('an issue date before the period end is refused (ISSUE_DATE_BEFORE_PERIOD_END on issueDate)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...SOC2_TYPE_II, issueDate: '2025-12-30' }), 'ISSUE_DATE_BEFORE_PERIOD_END', 'issueDate');
  });

  test('an issue date on the period end itself is accepted', async () => {
    const org = await createOrg(app);
    expect((await create(org, { ...SOC2_TYPE_II, issueDate: '2025-12-31' })).errors).toEqual([]);
  });

  test('a create without issueDate is refused (ISSUE_DATE_REQUIRED on issueDate)', async () => {
    const org = await createOrg(app);
    const { issueDate: _omitted, ...input } = SOC2_TYPE_II;
    expectOnlyError(await create(org, input), 'ISSUE_DATE_REQUIRED', 'issueDate');
  });

  test('a valid ISO 27001 certificate is accepted with no SOC fields', async () => {
    const org = await createOrg(app);
    const p = await create(org, ISO27001_CERTIFICATE);
    expect(p.errors).toEqual([]);
    expect(p.attestation).toMatchObject({ framework: 'ISO27001', socType: null, trustServiceCriteria: [], opinion: null });
  });

  test('ISO 27001 without certificateValidUntil is refused (CERTIFICATE_VALIDITY_REQUIRED)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...ISO27001_CERTIFICATE, certificateValidUntil: null }), 'CERTIFICATE_VALIDITY_REQUIRED', 'certificateValidUntil');
  });

  test('socType on ISO 27001 is refused (SOC_TYPE_NOT_APPLICABLE on socType)', async () => {
    const org = await createOrg(app);
    const p = await create(org, { ...ISO27001_CERTIFICATE, socType: 'TYPE_I', asOf: '2025-02-28' });
    expectOnlyError(p, 'SOC_TYPE_NOT_APPLICABLE', 'socType');
  });

  test('Trust Service Criteria on ISO 27001 are refused (CRITERIA_NOT_APPLICABLE on trustServiceCriteria)', async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...ISO27001_CERTIFICATE, trustServiceCriteria: ['SECURITY'] }), 'CRITERIA_NOT_APPLICABLE', 'trustServiceCriteria');
  });

  test("an auditor's opinion on ISO 27001 is refused (OPINION_NOT_APPLICABLE on opinion)", async () => {
    const org = await createOrg(app);
    expectOnlyError(await create(org, { ...ISO27001_CERTIFICATE, opinion: 'UNQUALIFIED' }), 'OPINION_NOT_APPLICABLE', 'opinion');
  });

  test('a certificate valid until before it is valid from is refused (INVALID_CERTIFICATE_VALIDITY on certificateValidUntil)', async () => {
    const org = await createOrg(app);
    const p = await create(org, { ...ISO27001_CERTIFICATE, certificateValidFrom: '2025-03-01', certificateValidUntil: '2025-03-01' });
    expectOnlyError(p, 'INVALID_CERTIFICATE_VALIDITY', 'certificateValidUntil');
  });
});

// ---- Publishing and editing -----------------------------------------------------------------------------------

describe('publishing and editing', () => {
  test('publishing a SOC report without an opinion is refused (OPINION_REQUIRED) and it stays a DRAFT', async () => {
    const org = await createOrg(app);
    const id = await draft(org, { opinion: null });
    const p = await publish(org, id);
    expectOnlyError(p, 'OPINION_REQUIRED', 'opinion');
    expect(p.attestation!.status).toBe('DRAFT');
  });

  test('publishing a report issued after today is refused (ISSUE_DATE_IN_FUTURE) though the draft was accepted', async () => {
    const org = await createOrg(app);
    const id = await draft(org, { issueDate: '2026-07-01' });
    const p = await publish(org, id);
    expectOnlyError(p, 'ISSUE_DATE_IN_FUTURE', 'issueDate');
    expect(p.attestation!.status).toBe('DRAFT');
  });

  test('a report issued today can be published', async () => {
    const org = await createOrg(app);
    const id = await draft(org, { issueDate: TODAY });
    const p = await publish(org, id);
    expect(p.errors).toEqual([]);
    expect(p.attestation!.status).toBe('PUBLISHED');
    expect(p.attestation!.publishedAt).toEqual(expect.any(String));
  });

  test('publishing twice is refused (INVALID_TRANSITION on id)', async () => {
    const org = await createOrg(app);
    const id = await draft(org);
    expect((await publish(org, id)).errors).toEqual([]);
    const p = await publish(org, id);
    expectOnlyError(p, 'INVALID_TRANSITION', 'id');
    expect(p.attestation!.status).toBe('PUBLISHED');
  });

  test('a SUPERSEDED report cannot be updated (NOT_EDITABLE on id)', async () => {
    const org = await createOrg(app);
    const old = await createAttestation(app, org, soc2TypeII(2024), true);
    await createAttestation(app, org, soc2TypeII(2025), true);
    const p = await update(org, { id: old, title: 'rewritten history' });
    expectOnlyError(p, 'NOT_EDITABLE', 'id');
    expect(p.attestation).toMatchObject({ status: 'SUPERSEDED', title: 'SOC 2 Type II 2024' });
  });

  test('a WITHDRAWN report cannot be updated (NOT_EDITABLE on id)', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org, {}, true);
    expect((await withdraw(org, id)).errors).toEqual([]);
    expectOnlyError(await update(org, { id, title: 'x' }), 'NOT_EDITABLE', 'id');
  });

  test('an update keeps omitted fields and clears the nullable fields given as null', async () => {
    const org = await createOrg(app);
    const id = await draft(org, { title: 'SOC 2 2025', auditor: 'Audit LLP', scope: 'The platform' });
    const renamed = await update(org, { id, title: 'SOC 2 Type II 2025' });
    expect(renamed.errors).toEqual([]);
    expect(renamed.attestation).toMatchObject({
      title: 'SOC 2 Type II 2025', auditor: 'Audit LLP', scope: 'The platform', periodStart: '2025-01-01', periodEnd: '2025-12-31',
      issueDate: '2026-02-15', opinion: 'UNQUALIFIED', trustServiceCriteria: ['SECURITY', 'AVAILABILITY'],
    });

    const cleared = await update(org, { id, auditor: null, scope: null, opinion: null });
    expect(cleared.errors).toEqual([]);
    expect(cleared.attestation).toMatchObject({ title: 'SOC 2 Type II 2025', auditor: null, scope: null, opinion: null, periodEnd: '2025-12-31' });
    expect(await getAttestation(org, id)).toMatchObject({ title: 'SOC 2 Type II 2025', auditor: null, scope: null, opinion: null });
  });

  test('an update that breaks a rule is refused and changes nothing', async () => {
    const org = await createOrg(app);
    const id = await draft(org);
    const p = await update(org, { id, periodEnd: '2024-06-30' });
    expectOnlyError(p, 'INVALID_PERIOD', 'periodEnd');
    expect(p.attestation!.periodEnd).toBe('2025-12-31');
    expect((await getAttestation(org, id)).periodEnd).toBe('2025-12-31');
  });

  test('clearing the issue date of a draft is refused (ISSUE_DATE_REQUIRED), not a server error', async () => {
    const org = await createOrg(app);
    const id = await draft(org);
    const r = await gqlIn(org, `mutation($input: UpdateAttestationInput!) { updateAttestation(input: $input) { ${PAYLOAD} } }`, { input: { id, issueDate: null } });
    expect(r.errors).toBeUndefined();
    expectOnlyError(r.data!.updateAttestation, 'ISSUE_DATE_REQUIRED', 'issueDate');
    expect((await getAttestation(org, id)).issueDate).toBe('2026-02-15');
  });

  test('a PUBLISHED report must stay publishable: clearing its opinion is refused (OPINION_REQUIRED)', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org, {}, true);
    const p = await update(org, { id, opinion: null });
    expectOnlyError(p, 'OPINION_REQUIRED', 'opinion');
    expect(p.attestation!.opinion).toBe('UNQUALIFIED');
  });
});

// ---- Supersede and withdraw -----------------------------------------------------------------------------------

describe('superseding', () => {
  test('publishing 2025 Type II after 2024 Type II supersedes 2024; the public list shows only 2025, the org list both', async () => {
    const org = await createOrg(app, { publish: true });
    const y2024 = await createAttestation(app, org, soc2TypeII(2024), true);
    const y2025 = await createAttestation(app, org, soc2TypeII(2025));
    const p = await publish(org, y2025);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(p.attestation!.status).toBe('PUBLISHED');

    const old = await getAttestation(org, y2024);
    expect(old).toMatchObject({ status: 'SUPERSEDED', supersededBy: { id: y2025 } });
    expect(old.supersededAt).toEqual(expect.any(String));

    expect(await publicAttestations(org)).toEqual([{ id: y2025, status: 'PUBLISHED' }]);
    expect(await orgAttestations(org)).toEqual([{ id: y2025, status: 'PUBLISHED' }, { id: y2024, status: 'SUPERSEDED' }]);
  });

  test('a SOC 2 Type I and a SOC 2 Type II do not supersede each other', async () => {
    const org = await createOrg(app, { publish: true });
    const typeII = await createAttestation(app, org, soc2TypeII(2024), true);
    const typeI = await createAttestation(app, org, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2025-06-30', issueDate: '2025-08-01' }, true);
    expect((await getAttestation(org, typeII)).status).toBe('PUBLISHED');
    expect((await getAttestation(org, typeI)).status).toBe('PUBLISHED');
    expect((await publicAttestations(org)).map((a) => a.id).sort()).toEqual([typeI, typeII].sort());
  });

  test('reports of different frameworks do not supersede each other', async () => {
    const org = await createOrg(app, { publish: true });
    const soc = await createAttestation(app, org, soc2TypeII(2024), true);
    const soc1 = await createAttestation(app, org, soc2TypeII(2025, { framework: 'SOC1', trustServiceCriteria: null }), true);
    expect((await getAttestation(org, soc)).status).toBe('PUBLISHED');
    expect((await getAttestation(org, soc1)).status).toBe('PUBLISHED');
  });

  test('publishing an older report after a newer one files it as SUPERSEDED with warning PUBLISHED_AS_HISTORY', async () => {
    const org = await createOrg(app, { publish: true });
    const y2025 = await createAttestation(app, org, soc2TypeII(2025), true);
    const y2024 = await createAttestation(app, org, soc2TypeII(2024));
    const p = await publish(org, y2024);
    expect(p.errors).toEqual([]);
    expect(p.warnings.map((w) => ({ code: w.code, field: w.field }))).toEqual([{ code: 'PUBLISHED_AS_HISTORY', field: 'id' }]);
    expect(p.attestation).toMatchObject({ status: 'SUPERSEDED', supersededBy: { id: y2025 } });
    expect((await getAttestation(org, y2025)).status).toBe('PUBLISHED');
    expect(await publicAttestations(org)).toEqual([{ id: y2025, status: 'PUBLISHED' }]);
  });

  test('publishing 2024 and 2025 at the same time leaves exactly one current report: 2025', async () => {
    const org = await createOrg(app);
    const y2024 = await createAttestation(app, org, soc2TypeII(2024));
    const y2025 = await createAttestation(app, org, soc2TypeII(2025));
    const results = await Promise.all([publish(org, y2024), publish(org, y2025)]);
    expect(results.flatMap((p) => p.errors)).toEqual([]);
    expect(await getAttestation(org, y2025, 'status supersededBy { id }')).toEqual({ status: 'PUBLISHED', supersededBy: null });
    expect(await getAttestation(org, y2024, 'status supersededBy { id }')).toEqual({ status: 'SUPERSEDED', supersededBy: { id: y2025 } });
  });

  test('withdrawing the current report makes the one it superseded PUBLISHED again', async () => {
    const org = await createOrg(app, { publish: true });
    const y2024 = await createAttestation(app, org, soc2TypeII(2024), true);
    const y2025 = await createAttestation(app, org, soc2TypeII(2025), true);
    const p = await withdraw(org, y2025, 'issued in error');
    expect(p.errors).toEqual([]);
    expect(p.attestation!.status).toBe('WITHDRAWN');
    expect(p.attestation!.withdrawnAt).toEqual(expect.any(String));

    expect(await getAttestation(org, y2024, 'status supersededBy { id } supersededAt')).toEqual({ status: 'PUBLISHED', supersededBy: null, supersededAt: null });
    expect(await publicAttestations(org)).toEqual([{ id: y2024, status: 'PUBLISHED' }]);
    expect(await getAttestation(org, y2025, 'withdrawnReason')).toEqual({ withdrawnReason: 'issued in error' });
  });

  test('a draft cannot be withdrawn (INVALID_TRANSITION)', async () => {
    const org = await createOrg(app);
    const id = await draft(org);
    expectOnlyError(await withdraw(org, id), 'INVALID_TRANSITION', 'id');
  });

  test('gapBeforeDays is 0 for continuous Type II periods, 31 after a January gap, null for the first', async () => {
    const org = await createOrg(app);
    const y2024 = await createAttestation(app, org, soc2TypeII(2024), true);
    const y2025 = await createAttestation(app, org, soc2TypeII(2025), true);
    expect((await getAttestation(org, y2024, 'gapBeforeDays')).gapBeforeDays).toBeNull();
    expect((await getAttestation(org, y2025, 'gapBeforeDays')).gapBeforeDays).toBe(0);

    const other = await createOrg(app);
    await createAttestation(app, other, soc2TypeII(2024), true);
    const late = await createAttestation(app, other, { periodStart: '2025-02-01', periodEnd: '2026-01-31', issueDate: '2026-03-15' }, true);
    expect((await getAttestation(other, late, 'gapBeforeDays')).gapBeforeDays).toBe(31);
  });
});

// ---- Bridge letters -------------------------------------------------------------------------------------------

describe('bridge letters', () => {
  /** A published SOC 2 Type II for 2025 (period end 2025-12-31). */
  async function published2025(org: TestOrg): Promise<string> {
    return createAttestation(app, org, soc2TypeII(2025), true);
  }
  const VALID = { coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-05' };

  test('a letter starting the day after the period end, up to 3 months, is accepted: coveredThrough moves, expiresOn does not', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    const before = await getAttestation(org, id, `freshness(asOf: "${TODAY}") { coveredThrough expiresOn uncoveredDays }`);
    expect(before.freshness).toEqual({ coveredThrough: '2025-12-31', expiresOn: '2026-12-31', uncoveredDays: 181 });

    const p = await addLetter(org, { attestationId: id, ...VALID });
    expect(p.errors).toEqual([]);
    expect(p.bridgeLetter).toMatchObject({ ...VALID, signedByName: 'Chief Executive' });
    expect(p.attestation!.freshness).toEqual({ coveredThrough: '2026-03-31', expiresOn: '2026-12-31', uncoveredDays: 91 });
    const after = await getAttestation(org, id, `bridgeLetters { coversFrom coversThrough } freshness(asOf: "${TODAY}") { coveredThrough expiresOn }`);
    expect(after).toEqual({ bridgeLetters: [{ coversFrom: '2026-01-01', coversThrough: '2026-03-31' }], freshness: { coveredThrough: '2026-03-31', expiresOn: '2026-12-31' } });
  });

  test('a letter extends coverage only from the day it was issued', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expect((await addLetter(org, { attestationId: id, ...VALID })).errors).toEqual([]);
    const at = async (asOf: string) => (await getAttestation(org, id, `freshness(asOf: "${asOf}") { coveredThrough }`)).freshness.coveredThrough;
    expect(await at('2026-04-04')).toBe('2025-12-31');
    expect(await at('2026-04-05')).toBe('2026-03-31');
  });

  test('a second letter chaining from the first is accepted and extends coverage', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expect((await addLetter(org, { attestationId: id, coversFrom: '2026-01-01', coversThrough: '2026-01-31', issuedOn: '2026-02-01' })).errors).toEqual([]);
    const p = await addLetter(org, { attestationId: id, coversFrom: '2026-02-01', coversThrough: '2026-03-31', issuedOn: '2026-04-01' });
    expect(p.errors).toEqual([]);
    expect(p.attestation!.freshness.coveredThrough).toBe('2026-03-31');
  });

  test('a letter starting 2 days after the period end leaves a gap (BRIDGE_LETTER_GAP on coversFrom)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    const p = await addLetter(org, { attestationId: id, ...VALID, coversFrom: '2026-01-02' });
    expectOnlyError(p, 'BRIDGE_LETTER_GAP', 'coversFrom');
    expect(p.bridgeLetter).toBeNull();
    expect(await countRows(app, 'bridge_letters', org.id)).toBe(0);
  });

  test('a letter covering 4 months is too long (BRIDGE_LETTER_TOO_LONG on coversThrough)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID, coversThrough: '2026-04-30', issuedOn: '2026-05-02' }), 'BRIDGE_LETTER_TOO_LONG', 'coversThrough');
  });

  test('a 4-month letter is accepted once the trust center allows 6 months (bridgeLetterMaxMonths)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    await updateTrustCenter(org, { bridgeLetterMaxMonths: 6 });
    const p = await addLetter(org, { attestationId: id, ...VALID, coversThrough: '2026-04-30', issuedOn: '2026-05-02' });
    expect(p.errors).toEqual([]);
    expect(p.attestation!.freshness.coveredThrough).toBe('2026-04-30');
  });

  test('a letter for a draft report is refused (REPORT_NOT_PUBLISHED on attestationId)', async () => {
    const org = await createOrg(app);
    const id = await draft(org, soc2TypeII(2025));
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID }), 'REPORT_NOT_PUBLISHED', 'attestationId');
  });

  test('a letter for an ISO certificate is refused (NOT_A_SOC_REPORT on attestationId)', async () => {
    const org = await createOrg(app);
    const p = await create(org, ISO27001_CERTIFICATE);
    const id = p.attestation!.id as string;
    expect((await publish(org, id)).errors).toEqual([]);
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID }), 'NOT_A_SOC_REPORT', 'attestationId');
  });

  test('a letter issued on or before the period end is refused (ISSUED_BEFORE_PERIOD_END on issuedOn)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID, issuedOn: '2025-12-31' }), 'ISSUED_BEFORE_PERIOD_END', 'issuedOn');
  });

  test('a letter dated after today is refused (ISSUED_IN_FUTURE on issuedOn)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID, issuedOn: '2026-07-01' }), 'ISSUED_IN_FUTURE', 'issuedOn');
  });

  test('a letter ending before it starts is refused (INVALID_PERIOD on coversThrough)', async () => {
    const org = await createOrg(app);
    const id = await published2025(org);
    expectOnlyError(await addLetter(org, { attestationId: id, ...VALID, coversThrough: '2025-12-15' }), 'INVALID_PERIOD', 'coversThrough');
  });
});

// ---- Freshness ------------------------------------------------------------------------------------------------

describe('freshness', () => {
  const FRESHNESS = 'state anchorDate ageDays expiresOn daysUntilStale';

  async function freshnessAt(org: TestOrg, id: string, asOf: string, anchor?: string): Promise<Record<string, any>> {
    const args = anchor ? `asOf: "${asOf}", anchor: ${anchor}` : `asOf: "${asOf}"`;
    return (await getAttestation(org, id, `freshness(${args}) { ${FRESHNESS} }`)).freshness;
  }

  test.each([
    ['2026-02-14', { state: 'NONE', anchorDate: null, ageDays: null, expiresOn: null, daysUntilStale: null }],
    ['2026-06-30', { state: 'CURRENT', anchorDate: '2025-12-31', ageDays: 181, expiresOn: '2026-12-31', daysUntilStale: 184 }],
    ['2026-11-01', { state: 'EXPIRING_SOON', anchorDate: '2025-12-31', ageDays: 305, expiresOn: '2026-12-31', daysUntilStale: 60 }],
    ['2026-12-31', { state: 'EXPIRING_SOON', anchorDate: '2025-12-31', ageDays: 365, expiresOn: '2026-12-31', daysUntilStale: 0 }],
    ['2027-01-01', { state: 'STALE', anchorDate: '2025-12-31', ageDays: 366, expiresOn: '2026-12-31', daysUntilStale: -1 }],
  ])('a 2025 Type II issued 2026-02-15, evaluated on %s', async (asOf, expected) => {
    const org = await createOrg(app, { publish: true });
    const id = await createAttestation(app, org, soc2TypeII(2025), true);
    expect(await freshnessAt(org, id, asOf)).toEqual(expected);
  });

  test('freshness is the same through the public trust center', async () => {
    const org = await createOrg(app, { publish: true });
    await createAttestation(app, org, soc2TypeII(2025), true);
    const nodes = await publicAttestations(org, `freshness(asOf: "2026-11-01") { state daysUntilStale }`);
    expect(nodes).toEqual([{ freshness: { state: 'EXPIRING_SOON', daysUntilStale: 60 } }]);
  });

  test('without asOf, freshness is evaluated today (the server clock)', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org, soc2TypeII(2025), true);
    expect((await getAttestation(org, id, 'freshness { evaluatedOn state }')).freshness).toEqual({ evaluatedOn: TODAY, state: 'CURRENT' });
  });

  test('anchor: ISSUE_DATE counts age from the issue date; the trust center setting does the same, and the argument overrides it', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org, soc2TypeII(2025), true);
    const byIssueDate = { state: 'CURRENT', anchorDate: '2026-02-15', ageDays: 135, expiresOn: '2027-02-15', daysUntilStale: 230 };
    const byPeriodEnd = { state: 'CURRENT', anchorDate: '2025-12-31', ageDays: 181, expiresOn: '2026-12-31', daysUntilStale: 184 };

    expect(await freshnessAt(org, id, TODAY, 'ISSUE_DATE')).toEqual(byIssueDate);
    expect(await freshnessAt(org, id, TODAY)).toEqual(byPeriodEnd);

    await updateTrustCenter(org, { ageAnchor: 'ISSUE_DATE' });
    expect(await freshnessAt(org, id, TODAY)).toEqual(byIssueDate);
    expect(await freshnessAt(org, id, TODAY, 'PERIOD_END')).toEqual(byPeriodEnd);
  });

  test('the trust center maxAgeMonths and expiringSoonDays settings apply', async () => {
    const org = await createOrg(app);
    const id = await createAttestation(app, org, soc2TypeII(2025), true);
    await updateTrustCenter(org, { maxAgeMonths: 6, expiringSoonDays: 10 });
    expect(await freshnessAt(org, id, TODAY)).toEqual({ state: 'EXPIRING_SOON', anchorDate: '2025-12-31', ageDays: 181, expiresOn: '2026-06-30', daysUntilStale: 0 });
  });

  test('an ISO certificate expires on its certificateValidUntil', async () => {
    const org = await createOrg(app);
    const id = (await create(org, ISO27001_CERTIFICATE)).attestation!.id as string;
    expect(await freshnessAt(org, id, TODAY)).toMatchObject({ state: 'CURRENT', anchorDate: '2025-03-01', expiresOn: '2028-02-28' });
  });
});

// ---- Visibility -----------------------------------------------------------------------------------------------

describe('visibility of report details', () => {
  const DETAILS = `exceptionCount exceptions { controlRef description managementResponse } complementaryUserEntityControls { ref description }`;
  const EXCEPTIONS = [
    { controlRef: 'CC6.1', description: 'Access not revoked within SLA', managementResponse: 'Automated offboarding' },
    { controlRef: 'CC7.2', description: 'Alert not triaged', managementResponse: null },
  ];
  const CUECS = [{ ref: 'CUEC-1', description: 'Customers manage their own users' }];

  async function publishedWithDetails(): Promise<TestOrg> {
    const org = await createOrg(app, { publish: true });
    await createAttestation(app, org, { exceptions: EXCEPTIONS, complementaryUserEntityControls: CUECS }, true);
    return org;
  }
  const trustCenterQuery = `query($slug: String!) { trustCenter(slug: $slug) { attestations { edges { node { ${DETAILS} } } } } }`;

  test('anonymous visitors see exceptionCount but not exceptions or complementary user-entity controls', async () => {
    const org = await publishedWithDetails();
    const r = await app.gql(trustCenterQuery, { variables: { slug: org.slug } });
    expect(expectNoErrors(r).trustCenter.attestations.edges[0].node).toEqual({ exceptionCount: 2, exceptions: null, complementaryUserEntityControls: null });
  });

  test('members of another org see exceptionCount but not the details', async () => {
    const org = await publishedWithDetails();
    const stranger = await createOrg(app);
    const r = await app.gql(trustCenterQuery, { token: stranger.owner.token, variables: { slug: org.slug } });
    expect(expectNoErrors(r).trustCenter.attestations.edges[0].node).toEqual({ exceptionCount: 2, exceptions: null, complementaryUserEntityControls: null });
  });

  test('members (even a VIEWER) see the exceptions and complementary user-entity controls', async () => {
    const org = await publishedWithDetails();
    const viewer = await addMember(app, org, 'VIEWER');
    for (const user of [org.owner, viewer]) {
      const r = await app.gql(trustCenterQuery, { token: user.token, variables: { slug: org.slug } });
      expect(expectNoErrors(r).trustCenter.attestations.edges[0].node).toEqual({ exceptionCount: 2, exceptions: EXCEPTIONS, complementaryUserEntityControls: CUECS });
    }
  });
});

// ---- Bad input ------------------------------------------------------------------------------------------------

describe('bad input', () => {
  const CREATE = `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { attestation { id } errors { code } } }`;

  async function expectRefusedAsBadInput(org: TestOrg, r: GqlResponse, codes = ['BAD_USER_INPUT']): Promise<void> {
    expect(r.data?.createAttestation ?? null).toBeNull();
    expect(r.errors).toHaveLength(1);
    expect(codes).toContain(r.errors![0]!.extensions?.code);
    expect(await countRows(app, 'attestations', org.id)).toBe(0);
  }

  test('a 300-character title answers a top-level BAD_USER_INPUT and writes nothing', async () => {
    const org = await createOrg(app);
    const r = await gqlIn(org, CREATE, { input: { ...SOC2_TYPE_II, title: 'x'.repeat(300) } });
    await expectRefusedAsBadInput(org, r);
    expect(r.errors![0]!.extensions?.validationErrors).toEqual([expect.objectContaining({ property: 'title' })]);
    // The formatter's contract (src/graphql/format-error.ts): the message names the field and its limit.
    expect(r.errors![0]!.message).toMatch(/^Invalid input: title: /);
  });

  test('101 exceptions answer a top-level BAD_USER_INPUT and write nothing', async () => {
    const org = await createOrg(app);
    const exceptions = Array.from({ length: 101 }, (_, i) => ({ controlRef: `CC${i}`, description: 'deviation' }));
    await expectRefusedAsBadInput(org, await gqlIn(org, CREATE, { input: { ...SOC2_TYPE_II, exceptions } }));
  });

  test('100 exceptions are accepted', async () => {
    const org = await createOrg(app);
    const exceptions = Array.from({ length: 100 }, (_, i) => ({ controlRef: `CC${i}`, description: 'deviation' }));
    const r = await gqlIn(org, `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { attestation { exceptionCount } errors { code } } }`, { input: { ...SOC2_TYPE_II, exceptions } });
    expect(expectNoErrors(r).createAttestation).toEqual({ attestation: { exceptionCount: 100 }, errors: [] });
  });

  test('an over-long exception description (nested validation) answers BAD_USER_INPUT', async () => {
    const org = await createOrg(app);
    const exceptions = [{ controlRef: 'CC6.1', description: 'x'.repeat(5001) }];
    await expectRefusedAsBadInput(org, await gqlIn(org, CREATE, { input: { ...SOC2_TYPE_II, exceptions } }));
  });

  test.each(['2025-02-30', 'yesterday', '2025-2-1', '2025-12-31T00:00:00Z'])('a malformed Date variable (%s) answers BAD_USER_INPUT and writes nothing', async (issueDate) => {
    const org = await createOrg(app);
    await expectRefusedAsBadInput(org, await gqlIn(org, CREATE, { input: { ...SOC2_TYPE_II, issueDate } }));
  });

  test.each(['2025-02-30', 'yesterday'])('a malformed Date literal (%s) is refused before execution and writes nothing', async (bad) => {
    const org = await createOrg(app);
    const r = await gqlIn(org, `mutation { createAttestation(input: { framework: SOC2, socType: TYPE_II, periodStart: "2025-01-01", periodEnd: "2025-12-31", issueDate: "${bad}", opinion: UNQUALIFIED }) { attestation { id } } }`);
    await expectRefusedAsBadInput(org, r, ['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']);
  });

  test('a malformed freshness(asOf:) argument answers BAD_USER_INPUT', async () => {
    const org = await createOrg(app);
    const id = await draft(org);
    const r = await gqlIn(org, `query($id: ID!, $asOf: Date) { attestation(id: $id) { freshness(asOf: $asOf) { state } } }`, { id, asOf: '2026-13-01' });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
