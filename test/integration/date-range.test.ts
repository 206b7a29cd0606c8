import { createAttestation, createOrg, expectNoErrors, ISO27001_CERTIFICATE, soc2TypeII, type TestOrg } from '../support/factories';
import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';

/**
 * Dates at the edges of the calendar (issue #11, item 10): a report dated late 9999 answered INTERNAL_SERVER_ERROR,
 * because its expiry (or the day after its period) does not exist as a date. Inputs are now held to
 * 1900-01-01..2999-12-31 by the Date scalar (a BAD_USER_INPUT for every argument and input field), and rows stored
 * before that range existed still answer: the rules are total over years 1000-9999.
 */
const CREATE = `mutation($input: CreateAttestationInput!) { createAttestation(input: $input) { attestation { id } errors { code field message } } }`;
const FRESHNESS = `state anchorDate expiresOn daysUntilStale coveredThrough uncoveredDays evaluatedOn`;
const ATTESTATION = `query($id: ID!, $asOf: Date) { attestation(id: $id) {
  periodEnd asOf issueDate certificateValidUntil
  fresh: freshness(asOf: $asOf) { ${FRESHNESS} }
  byIssue: freshness(asOf: $asOf, anchor: ISSUE_DATE) { ${FRESHNESS} } } }`;
const ADD_LETTER = `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } errors { code field message } } }`;
const WATCH = `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } errors { code message } } }`;
const RECORD = `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code field message } } }`;
const STATUSES = `query($asOf: Date) { vendorStatuses(first: 100, asOf: $asOf) { edges { node {
  vendor { id } status reasons { code } freshness { ${FRESHNESS} } evaluatedOn } } } }`;
const SUMMARY = `query($asOf: Date) { portfolioSummary(asOf: $asOf) { evaluatedOn totalVendors byStatus { status count } goingStaleIn30Days } }`;
const ANALYTICS = `query($from: Date, $to: Date) { organization { analytics(from: $from, to: $to) { from to totalDownloads } } }`;

/** createAttestation's factory starts from a SOC 2 report: clear what a certificate does not have. */
const ISO_ONLY = { ...ISO27001_CERTIFICATE, socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: [] };
const as = (org: TestOrg) => ({ token: org.owner.token, org: org.slug });
const codes = (r: GqlResponse): (string | undefined)[] => (r.errors ?? []).map((e) => e.extensions?.code);

/** A typed refusal of the date at `where`, naming the accepted range; never INTERNAL_SERVER_ERROR. */
function expectDateRefused(r: GqlResponse, where: string): void {
  expect(codes(r)).not.toContain('INTERNAL_SERVER_ERROR');
  expect(codes(r).length).toBeGreaterThan(0);
  expect(new Set(codes(r))).toEqual(new Set(['BAD_USER_INPUT']));
  expect(r.errors!.map((e) => e.message).join('\n')).toContain(where);
  expect(r.errors![0]!.message).toContain('from 1900-01-01 to 2999-12-31');
}

describe('date inputs outside 1900-01-01..2999-12-31 are BAD_USER_INPUT', () => {
  let app: TestApp;
  let vendor: TestOrg;
  let customer: TestOrg;
  beforeAll(async () => {
    app = await startTestApp();
    vendor = await createOrg(app, { prefix: 'datevendor', publish: true });
    customer = await createOrg(app, { prefix: 'datecust' });
  });
  afterAll(async () => app.close());

  test.each([
    ['a Type II period ending 9999-12-31', { ...soc2TypeII(2025), periodStart: '9999-01-01', periodEnd: '9999-12-31', issueDate: '9999-12-31' }, 'input.periodEnd'],
    ['a Type II period ending late 9999', { ...soc2TypeII(2025), periodStart: '9999-06-01', periodEnd: '9999-09-30', issueDate: '9999-10-30' }, 'input.periodEnd'],
    ['a Type I as of 9999-06-30', { ...soc2TypeII(2025), socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '9999-06-30', issueDate: '9999-07-30' }, 'input.asOf'],
    ['an issue date late in 9999', { ...soc2TypeII(2025), issueDate: '9999-12-31' }, 'input.issueDate'],
    ['a certificate valid until 9999-12-31', { ...ISO_ONLY, certificateValidUntil: '9999-12-31' }, 'input.certificateValidUntil'],
    ['a date before 1900', { ...soc2TypeII(2025), periodStart: '1000-01-01' }, 'input.periodStart'],
  ])('createAttestation with %s', async (_what, input, where) => {
    const before = await app.owner.query(`SELECT count(*)::int AS n FROM attestations WHERE org_id = $1`, [vendor.id]);
    expectDateRefused(await app.gql(CREATE, { ...as(vendor), variables: { input } }), where);
    const after = await app.owner.query(`SELECT count(*)::int AS n FROM attestations WHERE org_id = $1`, [vendor.id]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  test('a date literal outside the range is refused too (parseLiteral)', async () => {
    const r = await app.gql(`mutation { createAttestation(input: { framework: SOC2, socType: TYPE_I, asOf: "9999-06-30", issueDate: "9999-07-30" }) { errors { code } } }`, as(vendor));
    expect(codes(r)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(codes(r)[0]);
    expect(r.errors![0]!.message).toContain('from 1900-01-01 to 2999-12-31');
  });

  test('the edges of the range are accepted and evaluate: 1900-01-01 and 2999-12-31', async () => {
    const late = await createAttestation(app, vendor, { ...soc2TypeII(2025), periodStart: '2999-01-01', periodEnd: '2999-12-31', issueDate: '2999-12-31' });
    const early = await createAttestation(app, vendor, { ...soc2TypeII(2025), periodStart: '1900-01-01', periodEnd: '1900-12-31', issueDate: '1901-01-15' });
    const lateF = expectNoErrors(await app.gql(ATTESTATION, { ...as(vendor), variables: { id: late, asOf: '2999-12-31' } })).attestation;
    expect(lateF.fresh).toMatchObject({ state: 'CURRENT', anchorDate: '2999-12-31', expiresOn: '3000-12-31', daysUntilStale: 365, evaluatedOn: '2999-12-31' });
    expect(lateF.byIssue).toMatchObject({ state: 'CURRENT', anchorDate: '2999-12-31', expiresOn: '3000-12-31' });
    const earlyF = expectNoErrors(await app.gql(ATTESTATION, { ...as(vendor), variables: { id: early, asOf: '1900-01-01' } })).attestation;
    expect(earlyF.fresh.state).toBe('NONE'); // not issued yet
  });

  test.each([['9999-12-31'], ['3000-01-01'], ['1899-12-31'], ['1000-01-01']])('freshness(asOf: %s)', async (asOf) => {
    const id = await createAttestation(app, vendor, soc2TypeII(2025));
    expectDateRefused(await app.gql(ATTESTATION, { ...as(vendor), variables: { id, asOf } }), `"${asOf}"`);
  });

  test('vendorStatuses, portfolioSummary and analytics with a date outside the range', async () => {
    await app.gql(WATCH, { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug } } });
    expectDateRefused(await app.gql(STATUSES, { ...as(customer), variables: { asOf: '9999-12-31' } }), '"9999-12-31"');
    expectDateRefused(await app.gql(SUMMARY, { ...as(customer), variables: { asOf: '9999-11-30' } }), '"9999-11-30"');
    // analytics' default window ends at `to` + 1 day and starts 29 days before it: both left the calendar.
    expectDateRefused(await app.gql(ANALYTICS, { ...as(vendor), variables: { to: '9999-12-31' } }), '"9999-12-31"');
    expectDateRefused(await app.gql(ANALYTICS, { ...as(vendor), variables: { to: '1000-01-01' } }), '"1000-01-01"');
    const edge = expectNoErrors(await app.gql(STATUSES, { ...as(customer), variables: { asOf: '2999-12-31' } }));
    expect(edge.vendorStatuses.edges[0].node.evaluatedOn).toBe('2999-12-31');
  });

  test('recordVendorAttestation and addBridgeLetter with dates outside the range', async () => {
    const w = expectNoErrors(await app.gql(WATCH, { ...as(customer), variables: { i: { name: 'Off Platform Inc' } } })).watchVendor;
    expectDateRefused(await app.gql(RECORD, { ...as(customer), variables: { i: { watchId: w.vendor.id, framework: 'SOC2', socType: 'TYPE_I', asOf: '9999-06-30', issueDate: '9999-07-30' } } }), 'i.asOf');
    expectDateRefused(await app.gql(RECORD, {
      ...as(customer),
      variables: { i: { watchId: w.vendor.id, framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-01-15', bridgeLetters: [{ coversFrom: '2026-01-01', coversThrough: '9999-12-31', issuedOn: '2026-01-10' }] } },
    }), 'i.bridgeLetters[0].coversThrough');
    const id = await createAttestation(app, vendor, soc2TypeII(2025), true);
    expectDateRefused(await app.gql(ADD_LETTER, { ...as(vendor), variables: { i: { attestationId: id, coversFrom: '2026-01-01', coversThrough: '9999-12-31', issuedOn: '2026-01-10', signedByName: 'CFO' } } }), 'i.coversThrough');
  });
});

describe('reports stored with dates late in 9999 (before the input range existed) still answer', () => {
  // The server's clock on the last representable day: every "today" default lands there too.
  const LAST_DAY = new Date('9999-12-31T12:00:00Z');
  let app: TestApp;
  let vendor: TestOrg;
  beforeAll(async () => {
    app = await startTestApp({ now: () => new Date(LAST_DAY) });
    vendor = await createOrg(app, { prefix: 'y9999', publish: true });
  });
  afterAll(async () => app.close());

  /** Rewrites an attestation's dates in the database, as an older server would have stored them. */
  async function store(id: string, dates: Record<string, string | null>): Promise<void> {
    const sets = Object.keys(dates).map((column, i) => `${column} = $${i + 2}`).join(', ');
    await app.owner.query(`UPDATE attestations SET ${sets} WHERE id = $1`, [id, ...Object.values(dates)]);
  }

  const freshness = async (id: string, asOf?: string) => expectNoErrors(await app.gql(ATTESTATION, { ...as(vendor), variables: { id, asOf } })).attestation;

  test('a draft with a Type II period ending 9999-12-31: freshness today, by issue date and at a past date', async () => {
    const id = await createAttestation(app, vendor, soc2TypeII(2025));
    await store(id, { period_start: '9999-01-01', period_end: '9999-12-31', issue_date: '9999-12-31' });
    const a = await freshness(id);
    // Expiry (9999-12-31 + 12 months) is past the calendar: it saturates at its last day.
    expect(a.fresh).toEqual({ state: 'EXPIRING_SOON', anchorDate: '9999-12-31', expiresOn: '9999-12-31', daysUntilStale: 0, coveredThrough: '9999-12-31', uncoveredDays: 0, evaluatedOn: '9999-12-31' });
    expect(a.byIssue).toMatchObject({ state: 'EXPIRING_SOON', anchorDate: '9999-12-31', expiresOn: '9999-12-31' });
    expect((await freshness(id, '2999-12-31')).fresh.state).toBe('NONE'); // not issued yet then
    // Editing and publishing run the attestation rules over the stored dates.
    const upd = expectNoErrors(await app.gql(`mutation($i: UpdateAttestationInput!) { updateAttestation(input: $i) { errors { code } warnings { code } } }`, { ...as(vendor), variables: { i: { id, title: 'Far future' } } })).updateAttestation;
    expect(upd).toEqual({ errors: [], warnings: [] });
    const pub = expectNoErrors(await app.gql(`mutation($id: ID!) { publishAttestation(id: $id) { attestation { status } errors { code } } }`, { ...as(vendor), variables: { id } })).publishAttestation;
    expect(pub).toEqual({ attestation: { status: 'PUBLISHED' }, errors: [] });
  });

  test('a Type I as of 9999-06-30 and a certificate valid until 9999-12-31', async () => {
    const typeI = await createAttestation(app, vendor, { ...soc2TypeII(2025), socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2025-06-30', issueDate: '2025-07-30' });
    await store(typeI, { as_of: '9999-06-30', issue_date: '9999-11-30' });
    expect((await freshness(typeI)).fresh).toMatchObject({ state: 'EXPIRING_SOON', anchorDate: '9999-06-30', expiresOn: '9999-12-31', daysUntilStale: 0 });
    expect((await freshness(typeI)).byIssue).toMatchObject({ anchorDate: '9999-11-30', expiresOn: '9999-12-31' });
    const cert = await createAttestation(app, vendor, ISO_ONLY);
    await store(cert, { issue_date: '9999-01-01', certificate_valid_from: '9999-01-01', certificate_valid_until: '9999-12-31' });
    expect((await freshness(cert)).fresh).toMatchObject({ state: 'EXPIRING_SOON', expiresOn: '9999-12-31', daysUntilStale: 0 });
  });

  test('a bridge letter for a published report whose period ends 9999-12-31 is a typed refusal', async () => {
    const id = await createAttestation(app, vendor, soc2TypeII(2024), true);
    await store(id, { period_start: '9999-01-01', period_end: '9999-12-31', issue_date: '9999-12-31' });
    const r = expectNoErrors(await app.gql(ADD_LETTER, { ...as(vendor), variables: { i: { attestationId: id, coversFrom: '2999-01-01', coversThrough: '2999-03-31', issuedOn: '2999-01-05', signedByName: 'CFO' } } })).addBridgeLetter;
    expect(r.bridgeLetter).toBeNull();
    expect(r.errors).toContainEqual({ code: 'BRIDGE_LETTER_GAP', field: 'coversFrom', message: expect.stringContaining('already covered through 9999-12-31') });
    expect(r.errors).toContainEqual(expect.objectContaining({ code: 'ISSUED_BEFORE_PERIOD_END' }));
  });

  test("a buyer's statuses and summary over a vendor's and a recorded report dated 9999", async () => {
    const customer = await createOrg(app, { prefix: 'y9999c' });
    const published = await createAttestation(app, vendor, soc2TypeII(2023), true);
    await store(published, { period_start: '9999-01-01', period_end: '9999-12-31', issue_date: '9999-12-31' });
    expect(expectNoErrors(await app.gql(WATCH, { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug } } })).watchVendor.errors).toEqual([]);
    const off = expectNoErrors(await app.gql(WATCH, { ...as(customer), variables: { i: { name: 'Far Future Ltd' } } })).watchVendor.vendor.id;
    const rec = expectNoErrors(await app.gql(RECORD, {
      ...as(customer),
      variables: { i: { watchId: off, framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-01-15', opinion: 'UNQUALIFIED', bridgeLetters: [{ coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-01-10' }] } },
    })).recordVendorAttestation;
    expect(rec.errors).toEqual([]);
    await app.owner.query(
      `UPDATE tracked_attestations SET period_start = '9999-01-01', period_end = '9999-09-30', issue_date = '9999-10-15', bridge_letters = $2 WHERE id = $1`,
      [rec.attestationId, JSON.stringify([{ coversFrom: '9999-10-01', coversThrough: '9999-12-31', issuedOn: '9999-10-10' }])],
    );
    // Bridge letters counting moves the age anchor to the last covered day: its expiry leaves the calendar too.
    await app.gql(`mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { errors { code } } }`, { ...as(customer), variables: { i: { bridgeLettersCount: true, maxAgeMonths: 60 } } });
    for (const asOf of [undefined, '2999-12-31']) {
      const r = await app.gql(STATUSES, { ...as(customer), variables: { asOf } });
      const nodes = expectNoErrors(r).vendorStatuses.edges.map((e: { node: Record<string, any> }) => e.node);
      expect(nodes).toHaveLength(2);
      const summary = expectNoErrors(await app.gql(SUMMARY, { ...as(customer), variables: { asOf } })).portfolioSummary;
      expect(summary.totalVendors).toBe(2);
    }
    const today = expectNoErrors(await app.gql(STATUSES, as(customer))).vendorStatuses.edges.map((e: { node: Record<string, any> }) => e.node);
    expect(today.map((n: Record<string, any>) => n.freshness?.expiresOn)).toEqual(['9999-12-31', '9999-12-31']);
    expect(today.every((n: Record<string, any>) => n.status === 'EXPIRING_SOON' && n.evaluatedOn === '9999-12-31')).toBe(true);
  });
});
