import { addDays, addMonths, todayUtc } from '../../src/domain/calendar-date';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, newUser, type TestOrg } from '../support/factories';
import { APP_ROLE } from '../../src/db/data-source';
import { createDocumentWithFile, customerWithDomain, download, grantedCustomer, publishNda, requestAccess, setAccessPolicy, vendorWithRestrictedDocument } from '../support/documents';
import { TRUST_CENTER_PAGE } from '../bench/scenarios';

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
  // The portfolio reads the customer's inputs (watches, policies, recorded reports, reviews) in one statement and
  // what the vendors publish (reports, bridge letters, published trust centers, grants) in another: was 20.
  expect(statusCounts[0]).toBeLessThanOrEqual(14);
  expect(summaryCounts[1]).toBe(summaryCounts[0]);
}, 120_000);

// ---- One transaction per request (issue 16, item 1) ------------------------------------------------------------

/** A vendor whose public page has every part: reports (one with a bridge letter), an NDA, a document, a subprocessor. */
async function fullVendor(): Promise<TestOrg> {
  const org = await publishedVendor(2);
  const [soc2] = await listAttestationIds(org);
  const letter = await app.gql(`mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { errors { code message } } }`, {
    token: org.owner.token, org: org.slug,
    variables: { i: { attestationId: soc2, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-02', signedByName: 'Chief Executive', signedByTitle: 'CEO' } },
  });
  expect(letter.data!.addBridgeLetter.errors).toEqual([]);
  await publishNda(app, org);
  await createDocumentWithFile(app, org, { title: 'ISO certificate', kind: 'CERTIFICATE', visibility: 'PUBLIC' });
  const sub = await app.gql(`mutation($i: SubprocessorInput!) { createSubprocessor(input: $i) { errors { code message } } }`, {
    token: org.owner.token, org: org.slug, variables: { i: { name: 'Cloud Co', purpose: 'Hosting', location: 'EU' } },
  });
  expect(sub.data!.createSubprocessor.errors).toEqual([]);
  return org;
}

async function listAttestationIds(org: TestOrg): Promise<string[]> {
  const r = await app.gql(`{ organization { attestations(first: 10) { edges { node { id framework } } } } }`, { token: org.owner.token, org: org.slug });
  return r.data!.organization.attestations.edges.filter((e: any) => e.node.framework === 'SOC2').map((e: any) => e.node.id);
}

/** What the page read, for checking it is all there. */
function pageParts(data: any) {
  const tc = data.trustCenter;
  return {
    attestations: tc.attestations.edges.length,
    letters: tc.attestations.edges.reduce((n: number, e: any) => n + e.node.bridgeLetters.length, 0),
    documents: tc.documents.edges.length,
    subprocessors: tc.subprocessors.length,
    nda: Boolean(tc.nda),
  };
}

test('the public page (bench scenario a-post) runs in ONE read-only transaction of at most 6 statements', async () => {
  const org = await fullVendor();
  const r = await app.gql(TRUST_CENTER_PAGE, { variables: { slug: org.slug } });
  expect(r.errors).toBeUndefined();
  expect(pageParts(r.data)).toEqual({ attestations: 2, letters: 1, documents: 1, subprocessors: 1, nda: true });
  expect(r.transactions).toBe(1);
  // Was 34 statements in 8 transactions, then 12 in 1. Now: BEGIN READ ONLY, set_config (slug lookup), the
  // organization by slug, set_config (visitor), ONE statement for the trust center with its NDA, subprocessors,
  // reports and their bridge letters, Type II periods and documents (page-prefetch.ts), COMMIT.
  expect(r.statements).toBeLessThanOrEqual(6);
});

test("a customer's requests to several vendors (each vendor's own tenant) are read in one transaction", async () => {
  const customer = await createOrg(app, { prefix: 'buyer' });
  const vendors: TestOrg[] = [];
  for (let i = 0; i < 3; i++) vendors.push((await vendorWithRestrictedDocument(app)).vendor);
  for (const vendor of vendors) {
    const asked = await requestAccess(app, customer, customer.owner, vendor.slug);
    expect(asked.errors).toEqual([]);
  }
  const r = await app.gql(`{ organization { outgoingAccessRequests(first: 10) { edges { node { state vendor { slug name } history { toState } } } } } }`, {
    token: customer.owner.token, org: customer.slug,
  });
  expect(r.errors).toBeUndefined();
  const edges = r.data!.organization.outgoingAccessRequests.edges;
  expect(edges.map((e: any) => e.node.vendor.slug).sort()).toEqual(vendors.map((v) => v.slug).sort());
  expect(edges.every((e: any) => e.node.history.length > 0)).toBe(true);
  // The caller's authentication (a known user: reads only) and every read of the query, across the customer's tenant
  // and three vendors' (a visitor in each): one transaction.
  expect(r.transactions).toBe(1);
});

test("a new user's first query writes the user in a transaction of its own; every later request reads in one", async () => {
  const user = newUser(app, 'first-sight');
  const VIEWER = `{ viewer { user { email } memberships { role } } }`;
  const first = await app.gql(VIEWER, { token: user.token });
  expect(first.data!.viewer.user.email).toBe(user.email);
  expect(first.transactions).toBe(2); // the read session (the lookup found no one), and the write that made the user
  const again = await app.gql(VIEWER, { token: user.token });
  expect(again.data!.viewer.user.email).toBe(user.email);
  expect(again.transactions).toBe(1);
  // BEGIN, the token subject's identity, the user's lookup (which also acts as the user: no set_config of its own, it
  // was one more), the memberships, COMMIT.
  expect(again.statements).toBe(5);
});

test("the known user's lookup acts as that user: its memberships and their organizations come back in the same transaction", async () => {
  const org = await createOrg(app, { prefix: 'acting' });
  const r = await app.gql(`{ viewer { user { email } memberships { role organization { slug name } } } }`, { token: org.owner.token });
  expect(r.errors).toBeUndefined();
  expect(r.data!.viewer.memberships).toEqual([{ role: 'OWNER', organization: { slug: org.slug, name: expect.any(String) } }]);
  expect(r.transactions).toBe(1);
});

test('a mutation keeps its own write transactions; its authentication reads in a transaction that ends before it runs', async () => {
  const org = await createOrg(app);
  const r = await app.gql(`mutation { updateTrustCenter(input: { headline: "Counted" }) { trustCenter { headline } errors { code } } }`, { token: org.owner.token, org: org.slug });
  expect(r.data!.updateTrustCenter.trustCenter.headline).toBe('Counted');
  // Authentication (read), the update (write), the payload's organization read (a transaction per unit, as before).
  expect(r.transactions).toBe(3);
});

test("a granted customer's restricted download decides in ONE statement beside its document lookup", async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  const customer = await createOrg(app, { prefix: 'dl-buyer' });
  await grantedCustomer(app, vendor, customer, documentId);
  const first = await download(app, documentId, { token: customer.owner.token, org: customer.slug });
  expect(first.data!.requestDocumentDownload.errors).toEqual([]);
  expect(first.data!.requestDocumentDownload.download.watermarked).toBe(true);
  // The watermarked copy now exists: the second download is the bench's (c) (checks, HEAD, record, presign).
  const r = await download(app, documentId, { token: customer.owner.token, org: customer.slug });
  expect(r.data!.requestDocumentDownload.errors).toEqual([]);
  // One read transaction (the caller's authentication, then the decision: the mutation is readsFirst), ended before
  // the storage work; one write transaction (the record). Was 3: the decision had a transaction of its own.
  expect(r.transactions).toBe(2);
  // Was 25, then 21. The decision: set_config (document lookup), the document's tenant, set_config (the customer in
  // the vendor's tenant), ONE statement for document, current version, trust center, live grant and NDA acceptances
  // (was five), in the authentication's transaction (its BEGIN and COMMIT are no longer the decision's own). Then
  // one more: the record switches to the vendor's system identity to queue its webhook event only if an endpoint
  // takes it (a set_config, where a job that found no endpoint cost a dozen statements after the request).
  expect(r.statements).toBeLessThanOrEqual(20);
});

test('while a download is at work in storage, none of its transactions is open (the read session ended first)', async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  const customer = await createOrg(app, { prefix: 'dl-idle' });
  await grantedCustomer(app, vendor, customer, documentId);
  // Observe from inside the storage calls: the app's connections that are in a transaction at that moment.
  const seen: string[] = [];
  const inTransaction = async (): Promise<void> => {
    const { rows } = await app.owner.query(
      `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename = $1 AND xact_start IS NOT NULL`,
      [APP_ROLE],
    );
    seen.push(...rows.map((row: { state: string }) => row.state));
  };
  const storage = app.storage as unknown as Record<'head' | 'read', (...args: unknown[]) => Promise<unknown>>;
  const original = { head: storage.head, read: storage.read };
  for (const name of ['head', 'read'] as const) {
    storage[name] = async (...args: unknown[]) => {
      await inTransaction();
      return original[name].apply(app.storage, args);
    };
  }
  try {
    for (let i = 0; i < 2; i++) {
      const r = await download(app, documentId, { token: customer.owner.token, org: customer.slug });
      expect(r.data!.requestDocumentDownload.errors).toEqual([]);
    }
  } finally {
    Object.assign(storage, original);
  }
  expect(seen).toEqual([]);
});

test('an auto-approved access request is one write transaction after the caller is known (the slug lookup included)', async () => {
  const { vendor } = await vendorWithRestrictedDocument(app);
  const domain = `auto-${Date.now()}.example`;
  expect((await setAccessPolicy(app, vendor, { autoApproveDomains: [domain], defaultGrantDays: 30 })).errors).toEqual([]);
  const { customer, user } = await customerWithDomain(app, domain);
  await app.gql(`{ viewer { user { email } } }`, { token: user.token }); // the user's first sight (its own write) out of the way
  const r = await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { state } errors { code } } }`, {
    token: user.token, org: customer.slug, variables: { i: { trustCenterSlug: vendor.slug } },
  });
  expect(r.data!.requestAccess).toEqual({ accessRequest: { state: 'APPROVED' }, errors: [] });
  // Was 3: authentication, a read transaction for the vendor's trust center, the write. Now the write transaction
  // finds the vendor by slug itself (TrustCenterService.inTenantOf).
  expect(r.transactions).toBe(2);
  // The checks before the write (the requested documents or whether any is restricted, the user's open request, the
  // organization's live grants) are one statement, was three.
  // Its second audit event links to the first without locking and reading the chain again (31 before).
  expect(r.statements).toBeLessThanOrEqual(29);
});
