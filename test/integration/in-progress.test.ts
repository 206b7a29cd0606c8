import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { waitFor } from '../support/wait';
import { addMember, createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg, type TestUser } from '../support/factories';

/**
 * Attestations in progress (issue 14, item 3) through the GraphQL API: the lifecycle, every refusal with its code and
 * field, audit events, who sees what on the trust center, and tenant isolation. The clock is fixed ("today").
 */
const TODAY = '2026-06-30';
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(`${TODAY}T12:00:00Z`) }); });
afterAll(async () => { await app.close(); });

interface PayloadError { code: string; field: string | null; message: string }
interface Payload { attestationInProgress: Record<string, any> | null; errors: PayloadError[] }

const NODE = 'id framework socType observationStart expectedReportDate auditor status completedAt cancelledAt attestation { id status }';
const PAYLOAD = `attestationInProgress { ${NODE} } errors { code field message }`;
const TYPE_II = { framework: 'SOC2', socType: 'TYPE_II', observationStart: '2026-03-01', expectedReportDate: '2027-05-15', auditor: 'Audit LLP' };

function gqlIn(org: TestOrg, query: string, variables: Record<string, unknown> = {}, as: TestUser = org.owner): Promise<GqlResponse> {
  return app.gql(query, { token: as.token, org: org.slug, variables });
}
async function create(org: TestOrg, input: Record<string, unknown>, as?: TestUser): Promise<Payload> {
  return expectNoErrors(await gqlIn(org, `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { ${PAYLOAD} } }`, { i: input }, as)).createAttestationInProgress;
}
async function update(org: TestOrg, id: string, input: Record<string, unknown>): Promise<Payload> {
  return expectNoErrors(await gqlIn(org, `mutation($id: ID!, $i: AttestationInProgressFieldsInput!) { updateAttestationInProgress(id: $id, input: $i) { ${PAYLOAD} } }`, { id, i: input })).updateAttestationInProgress;
}
async function cancel(org: TestOrg, id: string): Promise<Payload> {
  return expectNoErrors(await gqlIn(org, `mutation($id: ID!) { cancelAttestationInProgress(id: $id) { ${PAYLOAD} } }`, { id })).cancelAttestationInProgress;
}
async function complete(org: TestOrg, id: string, attestationId: string): Promise<Payload> {
  return expectNoErrors(await gqlIn(org, `mutation($id: ID!, $a: ID!) { completeAttestationInProgress(id: $id, attestationId: $a) { ${PAYLOAD} } }`, { id, a: attestationId })).completeAttestationInProgress;
}
async function created(org: TestOrg, input: Record<string, unknown> = TYPE_II): Promise<string> {
  const p = await create(org, input);
  expect(p.errors).toEqual([]);
  return p.attestationInProgress!.id;
}
const codes = (p: Payload): [string, string | null][] => p.errors.map((e) => [e.code, e.field]);
async function auditActions(org: TestOrg): Promise<string[]> {
  const { rows } = await app.owner.query(`SELECT action FROM audit_events WHERE org_id = $1 AND action LIKE 'attestation_in_progress.%' ORDER BY seq`, [org.id]);
  return rows.map((r) => r.action);
}
async function listed(org: TestOrg, as: TestUser | null): Promise<GqlResponse> {
  return app.gql(`query($s: String!) { trustCenter(slug: $s) { attestationsInProgress { ${NODE} } } }`, { token: as?.token, variables: { s: org.slug } });
}

test('create, update, complete: the fields round-trip and every change is audited', async () => {
  const org = await createOrg(app);
  const p = await create(org, TYPE_II);
  expect(p.errors).toEqual([]);
  expect(p.attestationInProgress).toMatchObject({ ...TYPE_II, status: 'IN_PROGRESS', attestation: null, completedAt: null });
  const id = p.attestationInProgress!.id;

  const u = await update(org, id, { expectedReportDate: '2027-06-30', auditor: null });
  expect(u.errors).toEqual([]);
  expect(u.attestationInProgress).toMatchObject({ expectedReportDate: '2027-06-30', auditor: null, observationStart: '2026-03-01' });

  const report = await createAttestation(app, org, soc2TypeII(2026, { periodStart: '2026-03-01', periodEnd: '2027-02-28', issueDate: '2027-04-01' }));
  const c = await complete(org, id, report);
  expect(c.errors).toEqual([]);
  expect(c.attestationInProgress).toMatchObject({ status: 'COMPLETED', attestation: { id: report, status: 'DRAFT' } });
  expect(c.attestationInProgress!.completedAt).not.toBeNull();
  expect(await auditActions(org)).toEqual(['attestation_in_progress.created', 'attestation_in_progress.updated', 'attestation_in_progress.completed']);

  // Done is done: no second transition.
  expect(codes(await cancel(org, id))).toEqual([['INVALID_TRANSITION', 'id']]);
  expect(codes(await update(org, id, { auditor: 'Other' }))).toEqual([['INVALID_TRANSITION', 'id']]);
});

test('cancel: it leaves the public list; members still see it; a second cancel is refused', async () => {
  const org = await createOrg(app, { publish: true });
  const id = await created(org, { framework: 'ISO27001', expectedReportDate: '2026-12-01' });
  const c = await cancel(org, id);
  expect(c.errors).toEqual([]);
  expect(c.attestationInProgress).toMatchObject({ status: 'CANCELLED' });
  expect(codes(await cancel(org, id))).toEqual([['INVALID_TRANSITION', 'id']]);
  expect(codes(await complete(org, id, id))).toEqual([['INVALID_TRANSITION', 'id']]);
  expect(expectNoErrors(await listed(org, null)).trustCenter.attestationsInProgress).toEqual([]);
  expect(expectNoErrors(await listed(org, org.owner)).trustCenter.attestationsInProgress.map((x: any) => x.status)).toEqual(['CANCELLED']);
  expect(await auditActions(org)).toEqual(['attestation_in_progress.created', 'attestation_in_progress.cancelled']);
});

test('create refusals: each bad input gets its code and field, and nothing is written', async () => {
  const org = await createOrg(app);
  const cases: [Record<string, unknown>, [string, string][]][] = [
    [{ ...TYPE_II, expectedReportDate: '2026-06-29' }, [['EXPECTED_DATE_IN_PAST', 'expectedReportDate']]],
    [{ ...TYPE_II, periodEnd: '2027-02-28' }, [['PERIOD_END_NOT_ALLOWED', 'periodEnd']]],
    [{ ...TYPE_II, socType: null, observationStart: null }, [['SOC_TYPE_REQUIRED', 'socType']]],
    [{ framework: 'ISO27001', socType: 'TYPE_I', expectedReportDate: '2026-12-01' }, [['SOC_TYPE_NOT_APPLICABLE', 'socType']]],
    [{ ...TYPE_II, socType: 'TYPE_I' }, [['OBSERVATION_START_NOT_APPLICABLE', 'observationStart']]],
    [{ ...TYPE_II, observationStart: '2027-06-01' }, [['OBSERVATION_START_AFTER_EXPECTED_DATE', 'observationStart']]],
    [{ framework: 'SOC2', socType: 'TYPE_I' }, [['EXPECTED_DATE_REQUIRED', 'expectedReportDate']]],
  ];
  for (const [input, expected] of cases) {
    const p = await create(org, input);
    expect(codes(p)).toEqual(expected);
    expect(p.attestationInProgress).toBeNull();
    expect(p.errors[0]!.message.length).toBeGreaterThan(10);
  }
  // Today itself is not in the past.
  expect((await create(org, { framework: 'SOC2', socType: 'TYPE_I', expectedReportDate: TODAY })).errors).toEqual([]);
  expect(codes(await create(org, { framework: 'SOC2', socType: 'TYPE_I', expectedReportDate: '2026-09-01' }))).toEqual([['ALREADY_IN_PROGRESS', 'framework']]);
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM attestations_in_progress WHERE org_id = $1`, [org.id]);
  expect(rows[0].n).toBe(1);
  expect(await auditActions(org)).toEqual(['attestation_in_progress.created']);
});

test('update refusals, and an overdue entry can still be corrected without moving its date', async () => {
  const org = await createOrg(app);
  const id = await created(org);
  expect(codes(await update(org, id, { expectedReportDate: '2026-06-01' }))).toEqual([['EXPECTED_DATE_IN_PAST', 'expectedReportDate']]);
  expect(codes(await update(org, id, { expectedReportDate: null }))).toEqual([['EXPECTED_DATE_REQUIRED', 'expectedReportDate']]);
  expect(codes(await update(org, id, { periodEnd: '2027-01-01' }))).toEqual([['PERIOD_END_NOT_ALLOWED', 'periodEnd']]);
  expect(codes(await update(org, id, { socType: 'TYPE_I' }))).toEqual([['OBSERVATION_START_NOT_APPLICABLE', 'observationStart']]);
  expect(codes(await update(org, id, { observationStart: '2028-01-01' }))).toEqual([['OBSERVATION_START_AFTER_EXPECTED_DATE', 'observationStart']]);
  expect(codes(await update(org, id, { socType: null, observationStart: null }))).toEqual([['SOC_TYPE_REQUIRED', 'socType']]);

  await app.owner.query(`UPDATE attestations_in_progress SET expected_report_date = '2026-05-01' WHERE org_id = $1 AND id = $2`, [org.id, id]);
  const fixed = await update(org, id, { auditor: 'New Auditor LLP' });
  expect(fixed.errors).toEqual([]);
  expect(fixed.attestationInProgress).toMatchObject({ auditor: 'New Auditor LLP', expectedReportDate: '2026-05-01' });
});

test('complete refusals: another framework or type, a withdrawn report, another org, a bad id', async () => {
  const org = await createOrg(app);
  const other = await createOrg(app);
  const id = await created(org);
  const typeI = await createAttestation(app, org, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2026-01-31', issueDate: '2026-03-01' });
  const iso = await createAttestation(app, org, { framework: 'ISO27001', socType: null, trustServiceCriteria: null, opinion: null, periodStart: null, periodEnd: null, issueDate: '2025-03-01', certificateValidFrom: '2025-03-01', certificateValidUntil: '2028-02-28' });
  const theirs = await createAttestation(app, other, soc2TypeII(2025));
  const withdrawn = await createAttestation(app, org, soc2TypeII(2025), true);
  expectNoErrors(await gqlIn(org, `mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { errors { code } } }`, { i: { id: withdrawn } }));

  for (const report of [typeI, iso, theirs, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
    expect(codes(await complete(org, id, report))).toEqual([['REPORT_MISMATCH', 'attestationId']]);
  }
  expect(codes(await complete(org, id, withdrawn))).toEqual([['REPORT_NOT_CURRENT', 'attestationId']]);
  const { rows } = await app.owner.query(`SELECT status, attestation_id FROM attestations_in_progress WHERE org_id = $1`, [org.id]);
  expect(rows).toEqual([{ status: 'IN_PROGRESS', attestation_id: null }]);
});

test('visibility: the public sees IN_PROGRESS rows of a published trust center only; a draft trust center hides them', async () => {
  const org = await createOrg(app);
  const id = await created(org);
  const done = await created(org, { framework: 'ISO27001', expectedReportDate: '2026-12-01' });
  const report = await createAttestation(app, org, { framework: 'ISO27001', socType: null, trustServiceCriteria: null, opinion: null, periodStart: null, periodEnd: null, issueDate: '2025-03-01', certificateValidFrom: '2025-03-01', certificateValidUntil: '2028-02-28' });
  expect((await complete(org, done, report)).errors).toEqual([]);

  const stranger = (await createOrg(app)).owner;
  // Draft trust center: NOT_FOUND for outsiders, everything for members.
  expect((await listed(org, null)).errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  expect(expectNoErrors(await listed(org, org.owner)).trustCenter.attestationsInProgress.map((x: any) => x.status).sort()).toEqual(['COMPLETED', 'IN_PROGRESS']);

  expectNoErrors(await gqlIn(org, `mutation { publishTrustCenter { errors { code } } }`));
  for (const who of [null, stranger]) {
    const rows = expectNoErrors(await listed(org, who)).trustCenter.attestationsInProgress;
    expect(rows.map((x: any) => x.id)).toEqual([id]);
    expect(rows[0]).toMatchObject({ status: 'IN_PROGRESS', auditor: 'Audit LLP', attestation: null });
  }
  const viewer = await addMember(app, org, 'VIEWER');
  expect(expectNoErrors(await listed(org, viewer)).trustCenter.attestationsInProgress).toHaveLength(2);

  // The database wall repeats it: a visitor's unfiltered read sees only the IN_PROGRESS row.
  const client = await app.appPool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.org_id', $1, true), set_config('app.visitor', 'on', true)`, [org.id]);
    const seen = await client.query(`SELECT id FROM attestations_in_progress`);
    expect(seen.rows.map((r) => r.id)).toEqual([id]);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test('roles and isolation: VIEWER and ACCESS_MANAGER may not write; another org can neither see nor touch it', async () => {
  const org = await createOrg(app);
  const other = await createOrg(app);
  const id = await created(org);
  for (const role of ['VIEWER', 'ACCESS_MANAGER']) {
    const user = await addMember(app, org, role);
    const r = await gqlIn(org, `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { errors { code } } }`, { i: TYPE_II }, user);
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  }
  const editor = await addMember(app, org, 'EDITOR');
  expect((await create(org, { framework: 'HIPAA', expectedReportDate: '2026-12-01' }, editor)).errors).toEqual([]);

  for (const doc of [
    `mutation($id: ID!) { cancelAttestationInProgress(id: $id) { errors { code } } }`,
    `mutation($id: ID!) { updateAttestationInProgress(id: $id, input: { auditor: "x" }) { errors { code } } }`,
  ]) {
    const r = await gqlIn(other, doc, { id });
    expect(r.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  }
  const theirReport = await createAttestation(app, other, soc2TypeII(2026, { periodStart: '2026-03-01', periodEnd: '2027-02-28', issueDate: '2027-04-01' }));
  const theirs = await created(other);
  expect(codes(await complete(other, theirs, theirReport))).toEqual([]);
  expect((await gqlIn(other, `mutation($id: ID!, $a: ID!) { completeAttestationInProgress(id: $id, attestationId: $a) { errors { code } } }`, { id, a: theirReport })).errors?.[0])
    .toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  const { rows } = await app.owner.query(`SELECT status, auditor FROM attestations_in_progress WHERE org_id = $1 AND id = $2`, [org.id, id]);
  expect(rows).toEqual([{ status: 'IN_PROGRESS', auditor: 'Audit LLP' }]);
  expect(expectNoErrors(await listed(other, other.owner)).trustCenter.attestationsInProgress.map((x: any) => x.id)).toEqual([theirs]);
});

test('the hosted page lists it under the reports, in words, and a cancelled one not at all', async () => {
  const org = await createOrg(app, { publish: true });
  await created(org);
  const cancelled = await created(org, { framework: 'HIPAA', expectedReportDate: '2026-12-01', auditor: 'Gone LLP' });
  expect((await cancel(org, cancelled)).errors).toEqual([]);
  const res = await fetch(`${new URL(app.url).origin}/trust/${org.slug}`);
  expect(res.status).toBe(200);
  const body = await res.text();
  expect(body).toContain('<h3 id="in-progress">In progress</h3>');
  expect(body).toContain('<strong>SOC 2 Type II</strong>: observation period under way since 1 Mar 2026; report expected May 2027 (auditor engaged: Audit LLP).');
  expect(body).not.toContain('Gone LLP');

  // A change reaches the cached page (the table NOTIFYs like the other public tables).
  const id = (await created(org, { framework: 'PCI_DSS', expectedReportDate: '2026-09-30', auditor: 'QSA Ltd' }));
  await waitFor('the cached page to show the new entry', async () => (await (await fetch(`${new URL(app.url).origin}/trust/${org.slug}`)).text()).includes('QSA Ltd'));
  expect((await cancel(org, id)).errors).toEqual([]);
  await waitFor('the cached page to drop the cancelled entry', async () => !(await (await fetch(`${new URL(app.url).origin}/trust/${org.slug}`)).text()).includes('QSA Ltd'));
});
