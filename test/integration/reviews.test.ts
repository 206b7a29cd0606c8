import type pg from 'pg';
import { asAppWith } from '../support/documents';
import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg, type TestUser } from '../support/factories';

/**
 * The buyer closes a review (issue 14, item 2) through GraphQL: reviewVendorReport records who read the report a
 * watched vendor's status is based on, what they decided and why; ACCEPTED (with or without conditions) turns
 * NEEDS_REVIEW into COMPLIANT for that report only, REJECTED makes the vendor NON_COMPLIANT, a newer report reopens it.
 * Reviews are history (never changed), visible in vendorStatuses and counted in portfolioSummary; each is audited and
 * the status change it causes is recorded. The server clock is set per test (`clock`), so "the day of the review"
 * and "a later report" are exact.
 */
const START = new Date('2026-06-01T12:00:00Z');
let clock = new Date(START);
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(clock) }); });
afterAll(async () => { await app.close(); });
beforeEach(() => { clock = new Date(START); });

interface Review { id: string; attestationId: string; decision: string; note: string | null; reviewer: string | null; reviewedAt: string; reviewedOn: string }
interface Entry {
  vendor: { id: string; name: string };
  status: string;
  reasons: { code: string; message: string }[];
  basedOn: { attestationId: string; source: string } | null;
  needsReview: boolean;
  review: Review | null;
  reviews: Review[];
  history: { status: string; previousStatus: string | null; cause: string }[];
}
interface PayloadError { code: string; field: string | null; message: string }

const REVIEW_FIELDS = 'id attestationId decision note reviewer reviewedAt reviewedOn';
const REVIEW = `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { review { ${REVIEW_FIELDS} } errors { code field message } } }`;
const STATUSES = `query($asOf: Date) { vendorStatuses(first: 100, asOf: $asOf) { edges { node {
  vendor { id name } status reasons { code message } basedOn { attestationId source } needsReview
  review { ${REVIEW_FIELDS} } reviews { ${REVIEW_FIELDS} } history { status previousStatus cause } } } } }`;
const SUMMARY = `query($asOf: Date) { portfolioSummary(asOf: $asOf) { totalVendors byStatus { status count } reviewed awaitingReview } }`;

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });
const ok = (r: GqlResponse): Record<string, any> => expectNoErrors(r);

async function watch(customer: TestOrg, input: Record<string, unknown>): Promise<string> {
  const p = ok(await app.gql(`mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } errors { code message } } }`, { ...as(customer), variables: { i: input } })).watchVendor;
  expect(p.errors).toEqual([]);
  return p.vendor.id;
}

function reviewCall(customer: TestOrg, input: Record<string, unknown>, user: TestUser = customer.owner): Promise<GqlResponse> {
  return app.gql(REVIEW, { ...as(customer, user), variables: { i: input } });
}

async function review(customer: TestOrg, input: Record<string, unknown>, user?: TestUser): Promise<{ review: Review | null; errors: PayloadError[] }> {
  return ok(await reviewCall(customer, input, user)).reviewVendorReport;
}

async function reviewed(customer: TestOrg, input: Record<string, unknown>): Promise<Review> {
  const p = await review(customer, input);
  expect(p.errors).toEqual([]);
  return p.review!;
}

async function statusOf(customer: TestOrg, watchId: string, asOf?: string, user: TestUser = customer.owner): Promise<Entry> {
  const edges = ok(await app.gql(STATUSES, { ...as(customer, user), variables: { asOf } })).vendorStatuses.edges as { node: Entry }[];
  const entry = edges.find((e) => e.node.vendor.id === watchId);
  if (!entry) throw new Error(`watch ${watchId} not in vendorStatuses`);
  return entry.node;
}

const codes = (e: Entry): string[] => e.reasons.map((r) => r.code);

async function setPolicy(customer: TestOrg, input: Record<string, unknown>): Promise<void> {
  const p = ok(await app.gql(`mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { errors { code message } } }`, { ...as(customer), variables: { i: input } })).setRequirementPolicy;
  expect(p.errors).toEqual([]);
}

/** A published vendor with a published FY2025 SOC 2 Type II (fresh through 2026-12-31) whose opinion is qualified. */
async function qualifiedVendor(overrides: Record<string, unknown> = {}): Promise<{ vendor: TestOrg; reportId: string }> {
  const vendor = await createOrg(app, { publish: true, prefix: 'rvendor' });
  const reportId = await createAttestation(app, vendor, soc2TypeII(2025, { opinion: 'QUALIFIED', ...overrides }), true);
  return { vendor, reportId };
}

async function count(sql: string, params: unknown[]): Promise<number> {
  return Number((await app.owner.query(sql, params)).rows[0].n);
}
const reviewRows = (customer: TestOrg) => count(`SELECT count(*) AS n FROM vendor_reviews WHERE org_id = $1`, [customer.id]);
const auditRows = (customer: TestOrg) => count(`SELECT count(*) AS n FROM audit_events WHERE org_id = $1`, [customer.id]);

/** A transaction as the app role with only the settings given (BEGIN ... ROLLBACK). */
const asApp = <T>(settings: Record<string, string>, work: (c: pg.PoolClient) => Promise<T>): Promise<T> => asAppWith(app, settings, work);

describe('reviewVendorReport', () => {
  test('ACCEPTED turns NEEDS_REVIEW into COMPLIANT for that report; audited; the status change is recorded with the review as cause', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    const before = await statusOf(customer, id);
    expect(before).toMatchObject({ status: 'NEEDS_REVIEW', needsReview: true, review: null, reviews: [] });
    // The customer holds no grant for the restricted report: informational, last.
    expect(codes(before)).toEqual(['QUALIFIED_OPINION', 'ACCESS_NOT_GRANTED']);

    const r = await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED', note: '  Qualification is about a carved-out subservice org we do not use.  ' });
    expect(r).toMatchObject({ attestationId: reportId, decision: 'ACCEPTED', note: 'Qualification is about a carved-out subservice org we do not use.', reviewer: customer.owner.email, reviewedOn: '2026-06-01' });
    expect(new Date(r.reviewedAt).toISOString()).toBe(START.toISOString());

    const after = await statusOf(customer, id);
    expect(after).toMatchObject({ status: 'COMPLIANT', needsReview: true, review: r, reviews: [r] });
    expect(after.reasons).toEqual([
      { code: 'QUALIFIED_OPINION', message: "The auditor's opinion is qualified." },
      { code: 'REVIEW_ACCEPTED', message: `Reviewed by ${customer.owner.email} on 2026-06-01: accepted: Qualification is about a carved-out subservice org we do not use.` },
      { code: 'ACCESS_NOT_GRANTED', message: 'Your organization has not been granted the report yet.' },
    ]);
    expect(after.history[0]).toEqual({ status: 'COMPLIANT', previousStatus: 'NEEDS_REVIEW', cause: 'report reviewed: ACCEPTED' });

    const { rows: [event] } = await app.owner.query(`SELECT * FROM audit_events WHERE org_id = $1 AND action = 'vendor_review.recorded'`, [customer.id]);
    expect(event).toMatchObject({ target_type: 'vendor_review', target_id: r.id, actor_email: customer.owner.email });
    expect(event.details).toMatchObject({ watchId: id, vendorOrgId: vendor.id, attestationId: reportId, source: 'PUBLISHED', decision: 'ACCEPTED', statusBefore: 'NEEDS_REVIEW' });

    // Evaluated at a date before the review, it did not apply yet.
    expect(await statusOf(customer, id, '2026-05-31')).toMatchObject({ status: 'NEEDS_REVIEW', review: null });
  });

  test('ACCEPTED_WITH_CONDITIONS is COMPLIANT with the conditions as an informational reason; REJECTED is NON_COMPLIANT; the latest applies, all stay as history', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor({ exceptions: [{ controlRef: 'CC6.1', description: 'Terminated user kept access' }] });
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    await setPolicy(customer, { exceptionsNeedReview: true });
    expect(codes(await statusOf(customer, id))).toEqual(['QUALIFIED_OPINION', 'EXCEPTIONS', 'ACCESS_NOT_GRANTED']);

    const conditional = await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED_WITH_CONDITIONS', note: 'Bridge letter by 2026-09-30' });
    const withConditions = await statusOf(customer, id);
    expect(withConditions.status).toBe('COMPLIANT');
    expect(withConditions.reasons.at(-2)).toEqual({ code: 'REVIEW_ACCEPTED_WITH_CONDITIONS', message: `Reviewed by ${customer.owner.email} on 2026-06-01: accepted with conditions: Bridge letter by 2026-09-30` });

    clock = new Date('2026-06-03T09:00:00Z');
    const rejected = await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'REJECTED', note: 'The bridge letter did not come.' });
    const nowRejected = await statusOf(customer, id);
    expect(nowRejected).toMatchObject({ status: 'NON_COMPLIANT', review: { id: rejected.id }, reviews: [rejected, conditional] });
    expect(codes(nowRejected)).toEqual(['QUALIFIED_OPINION', 'EXCEPTIONS', 'REVIEW_REJECTED', 'ACCESS_NOT_GRANTED']);
    // Only changes are recorded: the policy change kept NEEDS_REVIEW.
    expect(nowRejected.history.map((h) => [h.status, h.cause])).toEqual([
      ['NON_COMPLIANT', 'report reviewed: REJECTED'],
      ['COMPLIANT', 'report reviewed: ACCEPTED_WITH_CONDITIONS'],
      ['NEEDS_REVIEW', 'vendor added to the watchlist'],
    ]);
    // The earlier decision still applies at the dates it was the latest.
    expect(await statusOf(customer, id, '2026-06-02')).toMatchObject({ status: 'COMPLIANT', review: { id: conditional.id } });

    // A later review supersedes the rejection; nothing is overwritten.
    clock = new Date('2026-06-05T09:00:00Z');
    const accepted = await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' });
    expect(accepted.note).toBeNull();
    const last = await statusOf(customer, id);
    expect(last).toMatchObject({ status: 'COMPLIANT', review: { id: accepted.id } });
    expect(last.reviews.map((x) => x.decision)).toEqual(['ACCEPTED', 'REJECTED', 'ACCEPTED_WITH_CONDITIONS']);
    expect(await reviewRows(customer)).toBe(3);
  });

  test('a new report from the vendor reopens it: NEEDS_REVIEW again, the old review kept as history and still applying at earlier dates', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    const old = await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' });
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');

    // A month later the vendor publishes a newer qualified report (period to 2026-05-31, issued 2026-06-20): it decides now.
    clock = new Date('2026-07-01T12:00:00Z');
    const newer = await createAttestation(app, vendor, soc2TypeII(2025, { periodStart: '2025-06-01', periodEnd: '2026-05-31', issueDate: '2026-06-20', opinion: 'QUALIFIED', title: 'SOC 2 FY26' }), true);
    const reopened = await statusOf(customer, id);
    expect(reopened).toMatchObject({ status: 'NEEDS_REVIEW', basedOn: { attestationId: newer }, review: null, reviews: [old] });
    // Between the review and the newer report, the reviewed report decided, and its review applied.
    expect(await statusOf(customer, id, '2026-06-19')).toMatchObject({ status: 'COMPLIANT', basedOn: { attestationId: reportId }, review: { id: old.id } });

    // The old report is no longer the basis: a review of it is refused.
    const stale = await review(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' });
    expect(stale.review).toBeNull();
    expect(stale.errors.map((e) => [e.code, e.field])).toEqual([['REPORT_NOT_CURRENT', 'attestationId']]);
    expect(stale.errors[0]!.message).toContain(newer);
    await reviewed(customer, { watchId: id, attestationId: newer, decision: 'ACCEPTED' });
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');
  });

  test('reviews apply to recorded (off-platform) evidence too', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const id = await watch(customer, { name: 'Offline Payroll Ltd' });
    await setPolicy(customer, { exceptionsNeedReview: true });
    const recorded = ok(await app.gql(`mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code message } } }`, {
      ...as(customer),
      variables: { i: { watchId: id, framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-01', opinion: 'UNQUALIFIED', exceptionCount: 3 } },
    })).recordVendorAttestation;
    expect(recorded.errors).toEqual([]);
    expect((await statusOf(customer, id)).status).toBe('NEEDS_REVIEW');
    await reviewed(customer, { watchId: id, attestationId: recorded.attestationId, decision: 'ACCEPTED_WITH_CONDITIONS', note: 'Re-test in Q3' });
    const after = await statusOf(customer, id);
    expect(after).toMatchObject({ status: 'COMPLIANT', basedOn: { source: 'RECORDED' } });
    expect(codes(after)).toEqual(['EXCEPTIONS', 'REVIEW_ACCEPTED_WITH_CONDITIONS']);
    expect(after.reasons[1]!.message).toBe(`Reviewed by ${customer.owner.email} on 2026-06-01: accepted with conditions: Re-test in Q3`);
    const { rows: [event] } = await app.owner.query(`SELECT details FROM audit_events WHERE org_id = $1 AND action = 'vendor_review.recorded'`, [customer.id]);
    expect(event.details).toMatchObject({ source: 'RECORDED', vendorOrgId: null, attestationId: recorded.attestationId });
  });

  test('every bad input is a typed refusal that writes nothing', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const other = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const second = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    const secondId = await watch(customer, { trustCenterSlug: second.vendor.slug });
    const othersWatch = await watch(other, { trustCenterSlug: vendor.slug });
    const draftVendor = await createOrg(app, { publish: true, prefix: 'rdraft' });
    await createAttestation(app, draftVendor, soc2TypeII(2025), true);
    const draftId = await watch(customer, { trustCenterSlug: draftVendor.slug });
    ok(await app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, as(draftVendor)));
    const nothing = await watch(customer, { name: 'Nothing recorded yet' });
    const older = await createAttestation(app, vendor, soc2TypeII(2024, { opinion: 'QUALIFIED' }), true);
    const rowsBefore = [await reviewRows(customer), await auditRows(customer)];

    const cases: [Record<string, unknown>, string, string][] = [
      [{ watchId: othersWatch, attestationId: reportId, decision: 'ACCEPTED' }, 'VENDOR_NOT_WATCHED', 'watchId'],
      [{ watchId: '00000000-0000-4000-8000-000000000000', attestationId: reportId, decision: 'ACCEPTED' }, 'VENDOR_NOT_WATCHED', 'watchId'],
      [{ watchId: 'not-an-id', attestationId: reportId, decision: 'ACCEPTED' }, 'VENDOR_NOT_WATCHED', 'watchId'],
      [{ watchId: id, attestationId: second.reportId, decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: secondId, attestationId: reportId, decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: id, attestationId: older, decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: id, attestationId: 'not-an-id', decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: draftId, attestationId: reportId, decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: nothing, attestationId: reportId, decision: 'ACCEPTED' }, 'REPORT_NOT_CURRENT', 'attestationId'],
      [{ watchId: id, attestationId: reportId, decision: 'REJECTED' }, 'NOTE_REQUIRED', 'note'],
      [{ watchId: id, attestationId: reportId, decision: 'REJECTED', note: '   ' }, 'NOTE_REQUIRED', 'note'],
      [{ watchId: id, attestationId: reportId, decision: 'ACCEPTED_WITH_CONDITIONS' }, 'NOTE_REQUIRED', 'note'],
      [{ watchId: id, attestationId: reportId, decision: 'ACCEPTED', note: 'x'.repeat(2001) }, 'NOTE_TOO_LONG', 'note'],
    ];
    for (const [input, code, field] of cases) {
      const p = await review(customer, input);
      expect({ input, review: p.review, errors: p.errors.map((e) => [e.code, e.field]) }).toEqual({ input, review: null, errors: [[code, field]] });
    }
    expect([await reviewRows(customer), await auditRows(customer)]).toEqual(rowsBefore);
    expect(await statusOf(customer, id)).toMatchObject({ status: 'NEEDS_REVIEW', reviews: [] });
    // The other customer's watch of the same vendor is untouched.
    expect(await reviewRows(other)).toBe(0);
    // 2000 characters is the limit, not a refusal.
    expect((await review(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED', note: 'y'.repeat(2000) })).errors).toEqual([]);
    // An unknown decision never reaches the service.
    const bad = await reviewCall(customer, { watchId: id, attestationId: reportId, decision: 'MAYBE' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('reviews survive an unwatch (history), but a new watch of the vendor starts unreviewed', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' });
    ok(await app.gql(`mutation($id: ID!) { unwatchVendor(watchId: $id) { errors { code } } }`, { ...as(customer), variables: { id } }));
    expect(await reviewRows(customer)).toBe(1);
    const again = await watch(customer, { trustCenterSlug: vendor.slug });
    expect(await statusOf(customer, again)).toMatchObject({ status: 'NEEDS_REVIEW', review: null, reviews: [] });
  });
});

describe('portfolioSummary', () => {
  test('counts vendors reviewed and awaiting review, at any date', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const a = await qualifiedVendor();
    const b = await qualifiedVendor();
    const clean = await createOrg(app, { publish: true, prefix: 'rvendor' });
    const cleanReport = await createAttestation(app, clean, soc2TypeII(2025), true);
    const idA = await watch(customer, { trustCenterSlug: a.vendor.slug });
    await watch(customer, { trustCenterSlug: b.vendor.slug });
    const idClean = await watch(customer, { trustCenterSlug: clean.slug });
    const summary = async (asOf?: string) => ok(await app.gql(SUMMARY, { ...as(customer), variables: { asOf } })).portfolioSummary;
    expect(await summary()).toMatchObject({ totalVendors: 3, reviewed: 0, awaitingReview: 2 });

    clock = new Date('2026-06-10T08:00:00Z');
    await reviewed(customer, { watchId: idA, attestationId: a.reportId, decision: 'ACCEPTED' });
    await reviewed(customer, { watchId: idClean, attestationId: cleanReport, decision: 'REJECTED', note: 'Scope excludes the product we buy.' });
    const s = await summary();
    expect(s).toMatchObject({ reviewed: 2, awaitingReview: 1 });
    expect(Object.fromEntries(s.byStatus.map((x: { status: string; count: number }) => [x.status, x.count]))).toMatchObject({ COMPLIANT: 1, NEEDS_REVIEW: 1, NON_COMPLIANT: 1 });
    expect(await summary('2026-06-09')).toMatchObject({ reviewed: 0, awaitingReview: 2 });
  });
});

describe('who may review, and who sees reviews', () => {
  test('a VIEWER reads reviews but may not record one; an EDITOR may; anonymous callers are UNAUTHENTICATED', async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    const viewer = await addMember(app, customer, 'VIEWER');
    const editor = await addMember(app, customer, 'EDITOR');
    const refused = await reviewCall(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' }, viewer);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await app.gql(REVIEW, { variables: { i: { watchId: id, attestationId: reportId, decision: 'ACCEPTED' } } });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await reviewRows(customer)).toBe(0);
    const r = await review(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED' }, editor);
    expect(r.errors).toEqual([]);
    expect(r.review!.reviewer).toBe(editor.email);
    expect(await statusOf(customer, id, undefined, viewer)).toMatchObject({ status: 'COMPLIANT', review: { id: r.review!.id, reviewer: editor.email } });
  });

  test("another customer never sees your reviews, through GraphQL or in the database; the vendor neither", async () => {
    const customer = await createOrg(app, { prefix: 'rcust' });
    const other = await createOrg(app, { prefix: 'rcust' });
    const { vendor, reportId } = await qualifiedVendor();
    const id = await watch(customer, { trustCenterSlug: vendor.slug });
    const theirs = await watch(other, { trustCenterSlug: vendor.slug });
    await reviewed(customer, { watchId: id, attestationId: reportId, decision: 'ACCEPTED', note: 'confidential reasoning' });
    // The other customer watches the same vendor and report: still unreviewed for them.
    expect(await statusOf(other, theirs)).toMatchObject({ status: 'NEEDS_REVIEW', review: null, reviews: [] });
    const attempts: Record<string, string>[] = [
      { 'app.org_id': other.id },
      { 'app.org_id': other.id, 'app.public_reads': 'on', 'app.customer_org_id': other.id },
      { 'app.org_id': vendor.id },
      { 'app.org_id': customer.id, 'app.visitor': 'on' },
    ];
    for (const settings of attempts) {
      const seen = await asApp(settings, async (c) => ({
        rows: Number((await c.query(`SELECT count(*) AS n FROM vendor_reviews`)).rows[0].n),
        inserted: await c.query(`INSERT INTO vendor_reviews (org_id, watch_id, attestation_id, decision, reviewed_at) VALUES ($1, $2, $3, 'REJECTED', now())`, [customer.id, id, reportId])
          .then(() => 'inserted', (e: Error) => e.message),
      }));
      expect(seen.rows).toBe(0);
      expect(seen.inserted).toMatch(/row-level security/);
    }
    // Reviews are history: the app role cannot change or delete one, even in its own tenant.
    const own = await asApp({ 'app.org_id': customer.id }, async (c) => ({
      rows: Number((await c.query(`SELECT count(*) AS n FROM vendor_reviews`)).rows[0].n),
      update: await c.query(`UPDATE vendor_reviews SET decision = 'REJECTED'`).then(() => 'updated', (e: Error) => e.message),
    }));
    expect(own.rows).toBe(1);
    expect(own.update).toMatch(/permission denied/);
    const del = await asApp({ 'app.org_id': customer.id }, (c) => c.query(`DELETE FROM vendor_reviews`).then(() => 'deleted', (e: Error) => e.message));
    expect(del).toMatch(/permission denied/);
  });
});
