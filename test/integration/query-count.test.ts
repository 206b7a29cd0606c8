import { addDays, addMonths, todayUtc } from '../../src/domain/calendar-date';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';

/** Field resolvers load through per-request DataLoaders: the statement count must not grow with the list. */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const PAGE = `query($slug: String!) {
  trustCenter(slug: $slug) {
    name
    attestations(first: 100) {
      edges { node { id framework title periodEnd gapBeforeDays supersededBy { id }
        bridgeLetters { coversThrough }
        freshness { state ageDays expiresOn coveredThrough }
        later: freshness(asOf: "2027-06-30") { state } } }
    }
  }
}`;

const MEMBER_LIST = `{
  organization {
    attestations(first: 100) {
      edges { node { id status exceptions { controlRef } complementaryUserEntityControls { description } gapBeforeDays
        supersededBy { id } bridgeLetters { coversThrough } freshness { state } } }
    }
  }
}`;

const CERTIFICATE_FRAMEWORKS = ['ISO27001', 'ISO27701', 'PCI_DSS', 'HITRUST'];

async function publishedVendor(count: number): Promise<TestOrg> {
  const org = await createOrg(app, { publish: true });
  await createAttestation(app, org, {}, true); // a SOC 2 Type II
  for (const framework of CERTIFICATE_FRAMEWORKS.slice(0, count - 1)) {
    await createAttestation(app, org, {
      framework, socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: [],
      issueDate: '2025-06-01', certificateValidUntil: '2028-05-31',
    }, true);
  }
  return org;
}

test('the public trust center page runs the same number of statements for 1 and 5 attestations', async () => {
  const counts: number[] = [];
  for (const size of [1, 5]) {
    const org = await publishedVendor(size);
    const r = await app.gql(PAGE, { variables: { slug: org.slug } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.trustCenter.attestations.edges).toHaveLength(size);
    counts.push(r.statements);
  }
  expect(counts[0]).toBeGreaterThan(0);
  expect(counts[1]).toBe(counts[0]);
});

test("a member's attestation list runs the same number of statements for 1, 10 and 40 reports", async () => {
  const counts: number[] = [];
  for (const size of [1, 10, 40]) {
    const org = await createOrg(app);
    for (let i = 0; i < size; i++) {
      const year = 2000 + i;
      await createAttestation(app, org, { periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, issueDate: `${year + 1}-02-01` });
    }
    const r = await app.gql(MEMBER_LIST, { token: org.owner.token, org: org.slug });
    expect(r.errors).toBeUndefined();
    expect(r.data!.organization.attestations.edges).toHaveLength(size);
    counts.push(r.statements);
  }
  expect(new Set(counts).size).toBe(1);
});

test('vendorStatuses and portfolioSummary with reviews and Type II engagements in progress run the same number of statements for 2 and 10 vendors', async () => {
  // The server's own clock: dates relative to today.
  const today = todayUtc(new Date());
  const statusCounts: number[] = [];
  const summaryCounts: number[] = [];
  const as = (org: TestOrg) => ({ token: org.owner.token, org: org.slug });
  for (const size of [2, 10]) {
    const customer = await createOrg(app);
    expectNoErrors(await app.gql(`mutation { setRequirementPolicy(input: { acceptTypeIInProgressDays: 30 }) { errors { code } } }`, as(customer)));
    for (let i = 0; i < size; i++) {
      const vendor = await createOrg(app, { publish: true });
      let reportId: string;
      if (i % 2 === 0) {
        // A SOC 2 Type I and a Type II in progress: COMPLIANT through TYPE_II_IN_PROGRESS.
        reportId = await createAttestation(app, vendor, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: addDays(today, -60), issueDate: addDays(today, -30) }, true);
        expectNoErrors(await app.gql(`mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { errors { code } } }`, {
          ...as(vendor), variables: { i: { framework: 'SOC2', socType: 'TYPE_II', expectedReportDate: addDays(today, 60) } },
        }));
      } else {
        // A qualified SOC 2 Type II the customer reviewed and accepted.
        const end = addDays(today, -60);
        reportId = await createAttestation(app, vendor, { periodStart: addDays(addMonths(end, -12), 1), periodEnd: end, issueDate: addDays(today, -30), opinion: 'QUALIFIED' }, true);
      }
      const watch = expectNoErrors(await app.gql(`mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { vendor { id } } }`, { ...as(customer), variables: { s: vendor.slug } })).watchVendor.vendor.id;
      if (i % 2 === 1) {
        const r = expectNoErrors(await app.gql(`mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { errors { code } } }`, {
          ...as(customer), variables: { i: { watchId: watch, attestationId: reportId, decision: 'ACCEPTED' } },
        })).reviewVendorReport;
        expect(r.errors).toEqual([]);
      }
    }
    const r = await app.gql(`{ vendorStatuses(first: 100) { edges { node { status reasons { code } typeIIExpectedOn needsReview
      review { id decision } reviews { id reviewer } history { status } } } } }`, as(customer));
    const edges = expectNoErrors(r).vendorStatuses.edges as { node: { status: string; reasons: { code: string }[]; review: unknown } }[];
    expect(edges).toHaveLength(size);
    expect(edges.map((e) => e.node.status)).toEqual(Array(size).fill('COMPLIANT'));
    expect(edges.filter((e) => e.node.reasons.some((x) => x.code === 'TYPE_II_IN_PROGRESS'))).toHaveLength(size / 2);
    expect(edges.filter((e) => e.node.review !== null)).toHaveLength(size / 2);
    statusCounts.push(r.statements);
    const s = await app.gql(`{ portfolioSummary { totalVendors reviewed awaitingReview } }`, as(customer));
    expect(expectNoErrors(s).portfolioSummary).toEqual({ totalVendors: size, reviewed: size / 2, awaitingReview: 0 });
    summaryCounts.push(s.statements);
  }
  expect(statusCounts[0]).toBeGreaterThan(0);
  expect(statusCounts[1]).toBe(statusCounts[0]);
  expect(summaryCounts[1]).toBe(summaryCounts[0]);
}, 120_000);
