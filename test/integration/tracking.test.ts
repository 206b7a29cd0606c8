import type pg from 'pg';
import { addDays, addMonths, calendarDate } from '../../src/domain/calendar-date';
import { startTestApp, uniqueSuffix, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, addMembership, createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg, type TestUser } from '../support/factories';
import { approvedRequest, asAppWith, createDocumentWithFile } from '../support/documents';

/**
 * Procurement tracking through GraphQL: the watchlist, recorded (off-platform) attestations, requirement policies, each
 * vendor's status as a live read of what the vendor publishes, the portfolio summary, constant SQL, tenant isolation
 * and the RLS rules for cross-tenant public reads. The server clock is fixed at 2026-06-01 so statuses are exact.
 */
const NOW = new Date('2026-06-01T12:00:00Z');
const TODAY = '2026-06-01';

let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(NOW) }); });
afterAll(async () => { await app.close(); });

// ---- GraphQL documents -------------------------------------------------------------------------------------------

const WATCH = `mutation($i: WatchVendorInput!) { watchVendor(input: $i) {
  vendor { id name domain trustCenterSlug onPlatform notes createdAt } errors { code field message } } }`;
const UNWATCH = `mutation($id: ID!) { unwatchVendor(watchId: $id) { watchId errors { code field message } } }`;
const RECORD = `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { attestationId errors { code field message } } }`;
const POLICY_FIELDS = `accepted { framework socType } maxAgeMonths expiringSoonDays ageAnchor bridgeLettersCount maxUncoveredDays qualifiedOpinionNeedsReview exceptionsNeedReview`;
const SET_POLICY = `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { policy { ${POLICY_FIELDS} } errors { code field message } } }`;
const CLEAR_OVERRIDE = `mutation($id: ID!) { clearRequirementPolicyOverride(watchId: $id) { policy { ${POLICY_FIELDS} } errors { code field message } } }`;
const ORG_POLICY = `{ organization { id requirementPolicy { ${POLICY_FIELDS} } } }`;
const STATUSES = `query($first: Int, $after: String, $status: [VendorStatus!], $asOf: Date, $orderBy: VendorStatusOrder) {
  vendorStatuses(first: $first, after: $after, status: $status, asOf: $asOf, orderBy: $orderBy) {
    edges { cursor node {
      vendor { id name domain trustCenterSlug onPlatform }
      status reasons { code message }
      basedOn { attestationId source framework socType periodEnd asOf issueDate opinion exceptionCount certificateValidUntil }
      freshness { state anchorDate expiresOn daysUntilStale coveredThrough uncoveredDays evaluatedOn }
      daysUntilStale evaluatedOn
      policy { maxAgeMonths expiringSoonDays exceptionsNeedReview qualifiedOpinionNeedsReview }
    } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }`;
const SUMMARY = `query($asOf: Date) { portfolioSummary(asOf: $asOf) {
  evaluatedOn totalVendors byStatus { status count } goingStaleIn30Days goingStaleIn60Days goingStaleIn90Days } }`;

// ---- helpers ------------------------------------------------------------------------------------------------------

interface Entry {
  vendor: { id: string; name: string; domain: string | null; trustCenterSlug: string | null; onPlatform: boolean };
  status: string;
  reasons: { code: string; message: string }[];
  basedOn: Record<string, any> | null;
  freshness: Record<string, any> | null;
  daysUntilStale: number | null;
  evaluatedOn: string;
  policy: { maxAgeMonths: number; expiringSoonDays: number; exceptionsNeedReview: boolean; qualifiedOpinionNeedsReview: boolean };
}

/** The data of a response that must have no top-level errors. */
const ok = (r: GqlResponse): Record<string, any> => expectNoErrors(r);

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });

async function watch(customer: TestOrg, input: Record<string, unknown>, user: TestUser = customer.owner) {
  return ok(await app.gql(WATCH, { ...as(customer, user), variables: { i: input } })).watchVendor;
}

async function watchId(customer: TestOrg, input: Record<string, unknown>): Promise<string> {
  const p = await watch(customer, input);
  if (p.errors.length) throw new Error(JSON.stringify(p.errors));
  return p.vendor.id;
}

async function record(customer: TestOrg, input: Record<string, unknown>) {
  return ok(await app.gql(RECORD, { ...as(customer), variables: { i: input } })).recordVendorAttestation;
}

/** A SOC 2 Type II of an off-platform vendor whose 12-month period ends on `periodEnd`, issued 20 days later. */
function recordedSoc2(id: string, periodEnd: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const end = calendarDate(periodEnd);
  return {
    watchId: id, framework: 'SOC2', socType: 'TYPE_II', periodStart: addDays(addMonths(end, -12), 1), periodEnd: end,
    issueDate: addDays(end, 20), opinion: 'UNQUALIFIED', auditor: 'Audit LLP', ...extra,
  };
}

async function recordOk(customer: TestOrg, input: Record<string, unknown>): Promise<string> {
  const p = await record(customer, input);
  if (p.errors.length) throw new Error(JSON.stringify(p.errors));
  return p.attestationId;
}

async function setPolicy(customer: TestOrg, input: Record<string, unknown>) {
  return ok(await app.gql(SET_POLICY, { ...as(customer), variables: { i: input } })).setRequirementPolicy;
}

async function statusesPage(customer: TestOrg, variables: Record<string, unknown> = {}, user: TestUser = customer.owner) {
  const r = await app.gql(STATUSES, { ...as(customer, user), variables: { first: 100, ...variables } });
  return expectNoErrors(r).vendorStatuses as { edges: { cursor: string; node: Entry }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null } };
}

async function statuses(customer: TestOrg, variables: Record<string, unknown> = {}): Promise<Entry[]> {
  return (await statusesPage(customer, variables)).edges.map((e) => e.node);
}

async function statusOf(customer: TestOrg, id: string, variables: Record<string, unknown> = {}): Promise<Entry> {
  const entry = (await statuses(customer, variables)).find((e) => e.vendor.id === id);
  if (!entry) throw new Error(`watch ${id} not in vendorStatuses`);
  return entry;
}

const codes = (e: Entry): string[] => e.reasons.map((r) => r.code);

async function summary(customer: TestOrg, asOf?: string) {
  return ok(await app.gql(SUMMARY, { ...as(customer), variables: { asOf } })).portfolioSummary;
}

const customerOrg = (): Promise<TestOrg> => createOrg(app, { prefix: 'cust' });
const vendorOrg = (): Promise<TestOrg> => createOrg(app, { publish: true, prefix: 'vendor' });

/** A published vendor with one published SOC 2 Type II for `year` (period Jan-Dec, issued Feb 15 of the next year). */
async function vendorWithReport(year = 2025, overrides: Record<string, unknown> = {}): Promise<{ vendor: TestOrg; attestationId: string }> {
  const vendor = await vendorOrg();
  const attestationId = await createAttestation(app, vendor, soc2TypeII(year, overrides), true);
  return { vendor, attestationId };
}

async function vendorMutation(vendor: TestOrg, query: string, variables: Record<string, unknown> = {}) {
  return ok(await app.gql(query, { ...as(vendor), variables }));
}

const unpublish = (vendor: TestOrg) => vendorMutation(vendor, `mutation { unpublishTrustCenter { errors { code } } }`);
const republish = (vendor: TestOrg) => vendorMutation(vendor, `mutation { publishTrustCenter { errors { code } } }`);
const withdraw = (vendor: TestOrg, id: string) =>
  vendorMutation(vendor, `mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { attestation { status } errors { code message } } }`, { i: { id, reason: 'wrong report' } });

async function ownerCount(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await app.owner.query(sql, params);
  return Number(rows[0].n);
}

async function trackingRows(customerId: string) {
  return {
    watches: await ownerCount(`SELECT count(*) AS n FROM vendor_watches WHERE org_id = $1`, [customerId]),
    recorded: await ownerCount(`SELECT count(*) AS n FROM tracked_attestations WHERE org_id = $1`, [customerId]),
    policies: await ownerCount(`SELECT count(*) AS n FROM requirement_policies WHERE org_id = $1`, [customerId]),
  };
}

/** A transaction as the app role with only the settings given (BEGIN ... ROLLBACK). */
const asApp = <T>(settings: Record<string, string>, work: (c: pg.PoolClient) => Promise<T>): Promise<T> => asAppWith(app, settings, work);

const errorCode = (r: GqlResponse): string | undefined => r.errors?.[0]?.extensions?.code;

// ---- watchVendor --------------------------------------------------------------------------------------------------

describe('watchVendor', () => {
  test('by slug: the name comes from the vendor; the same vendor twice is ALREADY_WATCHED', async () => {
    const customer = await customerOrg();
    const vendor = await vendorOrg();
    const p = await watch(customer, { trustCenterSlug: vendor.slug, notes: 'critical supplier' });
    expect(p.errors).toEqual([]);
    expect(p.vendor).toMatchObject({ name: `Org ${vendor.slug}`, domain: null, trustCenterSlug: vendor.slug, onPlatform: true, notes: 'critical supplier' });
    const { rows } = await app.owner.query(`SELECT org_id, vendor_org_id, name FROM vendor_watches WHERE id = $1`, [p.vendor.id]);
    expect(rows).toEqual([{ org_id: customer.id, vendor_org_id: vendor.id, name: `Org ${vendor.slug}` }]);

    // The slug is normalized: a differently spelled slug is still the same vendor.
    const again = await watch(customer, { trustCenterSlug: ` ${vendor.slug.toUpperCase()} ` });
    expect(again.vendor).toBeNull();
    expect(again.errors).toEqual([expect.objectContaining({ code: 'ALREADY_WATCHED', field: 'trustCenterSlug' })]);
    expect((await trackingRows(customer.id)).watches).toBe(1);
  });

  test('your own organization is OWN_ORGANIZATION (published or not)', async () => {
    const unpublished = await customerOrg();
    const published = await vendorOrg();
    for (const org of [unpublished, published]) {
      const p = await watch(org, { trustCenterSlug: org.slug });
      expect(p.vendor).toBeNull();
      expect(p.errors).toEqual([expect.objectContaining({ code: 'OWN_ORGANIZATION', field: 'trustCenterSlug' })]);
      expect((await trackingRows(org.id)).watches).toBe(0);
    }
  });

  test('an unknown or unpublished slug is INVALID_VENDOR', async () => {
    const customer = await customerOrg();
    const draft = await customerOrg(); // its trust center is DRAFT
    for (const slug of [`nobody-${uniqueSuffix()}`, draft.slug]) {
      const p = await watch(customer, { trustCenterSlug: slug });
      expect(p.vendor).toBeNull();
      expect(p.errors).toEqual([expect.objectContaining({ code: 'INVALID_VENDOR', field: 'trustCenterSlug' })]);
    }
    expect((await trackingRows(customer.id)).watches).toBe(0);
  });

  test('an unpublished slug is INVALID_VENDOR even when the caller is also a member of that vendor', async () => {
    const customer = await customerOrg();
    const draft = await customerOrg();
    await addMembership(app, draft, customer.owner, 'ADMIN');
    const p = await watch(customer, { trustCenterSlug: draft.slug });
    expect(p.vendor).toBeNull();
    expect(p.errors).toEqual([expect.objectContaining({ code: 'INVALID_VENDOR', field: 'trustCenterSlug' })]);
    expect((await trackingRows(customer.id)).watches).toBe(0);
  });

  test('off the platform by name and domain (trimmed, domain lowercased)', async () => {
    const customer = await customerOrg();
    const p = await watch(customer, { name: '  Acme Payroll  ', domain: ' Payroll.ACME.example ' });
    expect(p.errors).toEqual([]);
    expect(p.vendor).toMatchObject({ name: 'Acme Payroll', domain: 'payroll.acme.example', trustCenterSlug: null, onPlatform: false });
    // The domain is optional.
    const noDomain = await watch(customer, { name: 'Beta Cleaning' });
    expect(noDomain.errors).toEqual([]);
    expect(noDomain.vendor).toMatchObject({ name: 'Beta Cleaning', domain: null, onPlatform: false });
    const { rows } = await app.owner.query(`SELECT vendor_org_id FROM vendor_watches WHERE org_id = $1`, [customer.id]);
    expect(rows).toEqual([{ vendor_org_id: null }, { vendor_org_id: null }]);
  });

  test('INVALID_VENDOR for a bad domain, an empty name, or nothing at all', async () => {
    const customer = await customerOrg();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Acme', domain: 'not a domain' }, 'domain'],
      [{ name: 'Acme', domain: 'acme' }, 'domain'],
      [{ name: 'Acme', domain: 'http://acme.example' }, 'domain'],
      [{ name: '', domain: 'acme.example' }, 'name'],
      [{ name: '    ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{}, 'name'],
    ];
    for (const [input, field] of cases) {
      const p = await watch(customer, input);
      expect({ input, vendor: p.vendor, errors: p.errors.map((e: { code: string; field: string }) => [e.code, e.field]) })
        .toEqual({ input, vendor: null, errors: [['INVALID_VENDOR', field]] });
    }
    expect((await trackingRows(customer.id)).watches).toBe(0);
  });
});

// ---- recordVendorAttestation and unwatchVendor -----------------------------------------------------------------------

describe('recordVendorAttestation', () => {
  test('an off-platform vendor with nothing recorded is UNKNOWN; a recorded report is evidence with source RECORDED', async () => {
    const customer = await customerOrg();
    const id = await watchId(customer, { name: 'Gamma Hosting', domain: 'gamma.example' });
    const before = await statusOf(customer, id);
    expect(before.status).toBe('UNKNOWN');
    expect(codes(before)).toEqual(['NO_DATA']);
    expect(before.basedOn).toBeNull();

    const attestationId = await recordOk(customer, recordedSoc2(id, '2025-12-31'));
    const after = await statusOf(customer, id);
    expect(after.status).toBe('COMPLIANT');
    expect(after.reasons).toEqual([]); // no ACCESS_NOT_GRANTED for your own records
    expect(after.basedOn).toMatchObject({ attestationId, source: 'RECORDED', framework: 'SOC2', socType: 'TYPE_II', periodEnd: '2025-12-31', issueDate: '2026-01-20' });
    expect(after.freshness).toMatchObject({ state: 'CURRENT', expiresOn: '2026-12-31', daysUntilStale: 213 });
    const { rows } = await app.owner.query(`SELECT org_id, watch_id, trust_service_criteria FROM tracked_attestations WHERE id = $1`, [attestationId]);
    expect(rows).toEqual([{ org_id: customer.id, watch_id: id, trust_service_criteria: ['SECURITY'] }]);
  });

  test('the same rules as a vendor report: SOC 2 without SECURITY, a reversed Type II period, an ISO certificate without expiry', async () => {
    const customer = await customerOrg();
    const id = await watchId(customer, { name: 'Delta Logistics' });
    const noSecurity = await record(customer, recordedSoc2(id, '2025-12-31', { trustServiceCriteria: ['AVAILABILITY'] }));
    expect(noSecurity.attestationId).toBeNull();
    expect(noSecurity.errors).toEqual([expect.objectContaining({ code: 'INVALID_ATTESTATION', field: 'trustServiceCriteria' })]);

    const reversed = await record(customer, { ...recordedSoc2(id, '2025-12-31'), periodStart: '2025-12-31', periodEnd: '2025-01-01', issueDate: '2026-02-01' });
    expect(reversed.attestationId).toBeNull();
    expect(reversed.errors).toEqual([expect.objectContaining({ code: 'INVALID_ATTESTATION', field: 'periodEnd' })]);

    const typeIWithoutAsOf = await record(customer, { watchId: id, framework: 'SOC2', socType: 'TYPE_I', issueDate: '2026-01-01', opinion: 'UNQUALIFIED' });
    expect(typeIWithoutAsOf.errors).toEqual([expect.objectContaining({ code: 'INVALID_ATTESTATION', field: 'asOf' })]);

    const isoNoExpiry = await record(customer, { watchId: id, framework: 'ISO27001', issueDate: '2025-03-01', certificateValidFrom: '2025-03-01' });
    expect(isoNoExpiry.errors).toEqual([expect.objectContaining({ code: 'INVALID_ATTESTATION', field: 'certificateValidUntil' })]);

    expect((await trackingRows(customer.id)).recorded).toBe(0);
    expect((await statusOf(customer, id)).status).toBe('UNKNOWN');
  });

  test('recorded bridge letters cover days like published ones, and extend freshness only with bridgeLettersCount', async () => {
    const customer = await customerOrg();
    const id = await watchId(customer, { name: 'Echo Payments' });
    await recordOk(customer, recordedSoc2(id, '2025-12-31', { bridgeLetters: [{ coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-05' }] }));
    // Default policy: the letter covers days, the report stays as old as its period.
    expect((await statusOf(customer, id)).freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', coveredThrough: '2026-03-31' });
    expect((await setPolicy(customer, { bridgeLettersCount: true })).errors).toEqual([]);
    const now = await statusOf(customer, id);
    expect(now.freshness).toMatchObject({ anchorDate: '2026-03-31', expiresOn: '2027-03-31', coveredThrough: '2026-03-31' });
    expect((await statusOf(customer, id, { asOf: '2027-02-15' })).status).toBe('EXPIRING_SOON');
    const expired = await statusOf(customer, id, { asOf: '2027-04-01' });
    expect(expired.status).toBe('NON_COMPLIANT');
    expect(codes(expired)).toEqual(['BRIDGE_LETTER_EXPIRED']);
  });

  test('an on-platform watch is ON_PLATFORM_VENDOR: its statuses follow what the vendor publishes', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport();
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const p = await record(customer, recordedSoc2(id, '2025-12-31'));
    expect(p.attestationId).toBeNull();
    expect(p.errors).toEqual([expect.objectContaining({ code: 'ON_PLATFORM_VENDOR', field: 'watchId' })]);
    expect((await trackingRows(customer.id)).recorded).toBe(0);
  });

  test('an unknown watch id is NOT_FOUND', async () => {
    const customer = await customerOrg();
    for (const bad of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const r = await app.gql(RECORD, { ...as(customer), variables: { i: recordedSoc2(bad, '2025-12-31') } });
      expect(errorCode(r)).toBe('NOT_FOUND');
    }
  });
});

describe('unwatchVendor', () => {
  test('removes the watch, its recorded attestations and its policy override', async () => {
    const customer = await customerOrg();
    const keep = await watchId(customer, { name: 'Keep Me' });
    await recordOk(customer, recordedSoc2(keep, '2025-12-31'));
    const id = await watchId(customer, { name: 'Drop Me', domain: 'drop.example' });
    await recordOk(customer, recordedSoc2(id, '2025-12-31'));
    await recordOk(customer, recordedSoc2(id, '2024-12-31'));
    expect((await setPolicy(customer, { watchId: id, maxAgeMonths: 6 })).errors).toEqual([]);
    expect(await trackingRows(customer.id)).toEqual({ watches: 2, recorded: 3, policies: 1 });

    const p = ok(await app.gql(UNWATCH, { ...as(customer), variables: { id } })).unwatchVendor;
    expect(p).toEqual({ watchId: id, errors: [] });
    expect(await ownerCount(`SELECT count(*) AS n FROM vendor_watches WHERE id = $1`, [id])).toBe(0);
    expect(await ownerCount(`SELECT count(*) AS n FROM tracked_attestations WHERE watch_id = $1`, [id])).toBe(0);
    expect(await ownerCount(`SELECT count(*) AS n FROM requirement_policies WHERE watch_id = $1`, [id])).toBe(0);
    expect(await trackingRows(customer.id)).toEqual({ watches: 1, recorded: 1, policies: 0 });
    expect((await statuses(customer)).map((e) => e.vendor.id)).toEqual([keep]);

    const again = await app.gql(UNWATCH, { ...as(customer), variables: { id } });
    expect(errorCode(again)).toBe('NOT_FOUND');
  });

  test('an on-platform vendor can be unwatched and watched again', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport();
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    ok(await app.gql(UNWATCH, { ...as(customer), variables: { id } }));
    expect((await trackingRows(customer.id)).watches).toBe(0);
    const again = await watch(customer, { trustCenterSlug: vendor.slug });
    expect(again.errors).toEqual([]);
    expect(again.vendor.id).not.toBe(id);
  });
});

// ---- vendorStatuses: on-platform vendors ---------------------------------------------------------------------------

describe('vendorStatuses of on-platform vendors', () => {
  test('a fresh published SOC 2 Type II is COMPLIANT (source PUBLISHED); an unpublished trust center is UNKNOWN', async () => {
    const customer = await customerOrg();
    const { vendor, attestationId } = await vendorWithReport(2025);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });

    const entry = await statusOf(customer, id);
    expect(entry.status).toBe('COMPLIANT');
    expect(entry.vendor).toMatchObject({ id, name: `Org ${vendor.slug}`, trustCenterSlug: vendor.slug, onPlatform: true });
    expect(entry.basedOn).toMatchObject({ attestationId, source: 'PUBLISHED', framework: 'SOC2', socType: 'TYPE_II', periodEnd: '2025-12-31', issueDate: '2026-02-15', opinion: 'UNQUALIFIED', exceptionCount: 0 });
    expect(entry.freshness).toMatchObject({ state: 'CURRENT', anchorDate: '2025-12-31', expiresOn: '2026-12-31', daysUntilStale: 213, evaluatedOn: TODAY });
    expect(entry.daysUntilStale).toBe(213);
    expect(entry.evaluatedOn).toBe(TODAY);
    expect(codes(entry).filter((c) => c !== 'ACCESS_NOT_GRANTED')).toEqual([]);

    await unpublish(vendor);
    const hidden = await statusOf(customer, id);
    expect(hidden.status).toBe('UNKNOWN');
    expect(codes(hidden)).toEqual(['NO_DATA']);
    expect(hidden.basedOn).toBeNull();
    expect(hidden.freshness).toBeNull();
    expect(hidden.vendor.trustCenterSlug).toBeNull();

    await republish(vendor);
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');
  });

  test('an old report is NON_COMPLIANT with STALE_REPORT', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2023);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const entry = await statusOf(customer, id);
    expect(entry.status).toBe('NON_COMPLIANT');
    expect(codes(entry)).toContain('STALE_REPORT');
    expect(entry.freshness).toMatchObject({ state: 'STALE', expiresOn: '2024-12-31' });
    expect(entry.daysUntilStale).toBeLessThan(0);
  });

  test('asOf evaluates at another date: a year ahead the fresh report is stale; in November it is expiring soon', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2025);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');
    const nextYear = await statusOf(customer, id, { asOf: '2027-06-01' });
    expect(nextYear.status).toBe('NON_COMPLIANT');
    expect(codes(nextYear)).toContain('STALE_REPORT');
    expect(nextYear.evaluatedOn).toBe('2027-06-01');
    const november = await statusOf(customer, id, { asOf: '2026-11-15' });
    expect(november.status).toBe('EXPIRING_SOON');
    expect(codes(november)).toContain('EXPIRING_SOON');
    // Before the report was issued, there was no acceptable evidence.
    const early = await statusOf(customer, id, { asOf: '2026-02-14' });
    expect(early.status).toBe('NON_COMPLIANT');
    expect(codes(early)).toEqual(['MISSING_FRAMEWORK']);
  });

  test('a newer report published by the vendor changes the status on the next read (a live feed, nothing copied)', async () => {
    const customer = await customerOrg();
    const { vendor, attestationId: old } = await vendorWithReport(2024);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const before = await statusOf(customer, id);
    expect(before.status).toBe('NON_COMPLIANT');
    expect(before.basedOn!.attestationId).toBe(old);

    const fresh = await createAttestation(app, vendor, soc2TypeII(2025), true);
    const after = await statusOf(customer, id);
    expect(after.status).toBe('COMPLIANT');
    expect(after.basedOn).toMatchObject({ attestationId: fresh, source: 'PUBLISHED' });
    // The superseded report is still evidence at a date when it was the newest.
    const past = await statusOf(customer, id, { asOf: '2025-06-01' });
    expect(past.basedOn!.attestationId).toBe(old);
    expect(past.status).toBe('COMPLIANT');
    expect((await trackingRows(customer.id)).recorded).toBe(0);
  });

  test("by default bridge letters cover days without making the report younger; maxUncoveredDays limits the gap", async () => {
    const customer = await customerOrg();
    const { vendor, attestationId } = await vendorWithReport(2025);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    expect((await setPolicy(customer, { maxUncoveredDays: 60 })).errors).toEqual([]);
    const bare = await statusOf(customer, id);
    expect(bare.status).toBe('NON_COMPLIANT');
    // (ACCESS_NOT_GRANTED too: informational, the customer holds no grant to the restricted report.)
    expect(codes(bare)).toEqual(['UNCOVERED_TOO_LONG', 'ACCESS_NOT_GRANTED']);
    const added = await vendorMutation(vendor, `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } errors { code message } } }`,
      { i: { attestationId, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-10', signedByName: 'Pat CFO' } });
    expect(added.addBridgeLetter.errors).toEqual([]);
    // The vendor's letter (live, through its published data) brings the gap under the limit; the age stays put.
    const covered = await statusOf(customer, id, { asOf: '2026-05-15' });
    expect(covered.status).toBe('COMPLIANT');
    expect(covered.freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', coveredThrough: '2026-03-31', uncoveredDays: 45 });
    expect(codes(await statusOf(customer, id, { asOf: '2026-06-01' }))).toEqual(['UNCOVERED_TOO_LONG', 'ACCESS_NOT_GRANTED']);
    // null clears the limit.
    expect((await setPolicy(customer, { maxUncoveredDays: null })).policy.maxUncoveredDays).toBeNull();
    expect((await statusOf(customer, id, { asOf: '2026-06-01' })).status).toBe('COMPLIANT');
    expect((await setPolicy(customer, { maxUncoveredDays: -1 })).errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_POLICY']);
  });

  test("with bridgeLettersCount, the vendor's bridge letters extend freshness", async () => {
    const customer = await customerOrg();
    const { vendor, attestationId } = await vendorWithReport(2025);
    expect((await setPolicy(customer, { bridgeLettersCount: true })).errors).toEqual([]);
    const added = await vendorMutation(vendor, `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } errors { code message } } }`,
      { i: { attestationId, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-10', signedByName: 'Pat CFO' } });
    expect(added.addBridgeLetter.errors).toEqual([]);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const entry = await statusOf(customer, id);
    expect(entry.freshness).toMatchObject({ anchorDate: '2026-03-31', expiresOn: '2027-03-31', coveredThrough: '2026-03-31' });
    expect((await statusOf(customer, id, { asOf: '2027-01-15' })).status).toBe('COMPLIANT');
    expect(codes(await statusOf(customer, id, { asOf: '2027-04-01' }))).toContain('BRIDGE_LETTER_EXPIRED');
    // Bridge letters not counted: 12 months from the period end.
    expect((await setPolicy(customer, { bridgeLettersCount: false })).errors).toEqual([]);
    expect((await statusOf(customer, id)).freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31' });
    expect((await statusOf(customer, id, { asOf: '2027-01-15' })).status).toBe('NON_COMPLIANT');
  });

  test('a qualified opinion is NEEDS_REVIEW', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2025, { opinion: 'QUALIFIED' });
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const entry = await statusOf(customer, id);
    expect(entry.status).toBe('NEEDS_REVIEW');
    expect(codes(entry)).toContain('QUALIFIED_OPINION');
    expect(entry.basedOn!.opinion).toBe('QUALIFIED');
    // The buyer may decide a qualified opinion is fine.
    expect((await setPolicy(customer, { qualifiedOpinionNeedsReview: false })).errors).toEqual([]);
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');
  });

  test('exceptions are NEEDS_REVIEW once setRequirementPolicy(exceptionsNeedReview: true)', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2025, {
      exceptions: [{ controlRef: 'CC6.1', description: 'Two terminated users kept access', managementResponse: 'Revoked' }, { controlRef: 'CC7.2', description: 'Alert not triaged' }],
    });
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const before = await statusOf(customer, id);
    expect(before.status).toBe('COMPLIANT');
    expect(before.basedOn!.exceptionCount).toBe(2);

    const set = await setPolicy(customer, { exceptionsNeedReview: true });
    expect(set.errors).toEqual([]);
    expect(set.policy).toMatchObject({ exceptionsNeedReview: true, maxAgeMonths: 12, expiringSoonDays: 60, ageAnchor: 'PERIOD_END', bridgeLettersCount: false, maxUncoveredDays: null, qualifiedOpinionNeedsReview: true });
    const orgPolicy = ok(await app.gql(ORG_POLICY, as(customer))).organization.requirementPolicy;
    expect(orgPolicy).toEqual(set.policy);

    const after = await statusOf(customer, id);
    expect(after.status).toBe('NEEDS_REVIEW');
    expect(codes(after)).toContain('EXCEPTIONS');
    expect(after.policy.exceptionsNeedReview).toBe(true);
  });

  test('a per-vendor override (maxAgeMonths 3) applies to that vendor only; clearRequirementPolicyOverride restores the default', async () => {
    const customer = await customerOrg();
    const a = await vendorWithReport(2025);
    const b = await vendorWithReport(2025);
    const idA = await watchId(customer, { trustCenterSlug: a.vendor.slug });
    const idB = await watchId(customer, { trustCenterSlug: b.vendor.slug });

    const set = await setPolicy(customer, { watchId: idA, maxAgeMonths: 3 });
    expect(set.errors).toEqual([]);
    expect(set.policy.maxAgeMonths).toBe(3);
    const overridden = await statusOf(customer, idA);
    expect(overridden.status).toBe('NON_COMPLIANT');
    expect(codes(overridden)).toContain('STALE_REPORT');
    expect(overridden.freshness!.expiresOn).toBe('2026-03-31');
    expect(overridden.policy.maxAgeMonths).toBe(3);
    const other = await statusOf(customer, idB);
    expect(other.status).toBe('COMPLIANT');
    expect(other.policy.maxAgeMonths).toBe(12);
    // The default itself did not change.
    expect(ok(await app.gql(ORG_POLICY, as(customer))).organization.requirementPolicy.maxAgeMonths).toBe(12);

    const cleared = ok(await app.gql(CLEAR_OVERRIDE, { ...as(customer), variables: { id: idA } })).clearRequirementPolicyOverride;
    expect(cleared.errors).toEqual([]);
    expect(cleared.policy.maxAgeMonths).toBe(12);
    const restored = await statusOf(customer, idA);
    expect(restored.status).toBe('COMPLIANT');
    expect(restored.policy.maxAgeMonths).toBe(12);
    expect((await trackingRows(customer.id)).policies).toBe(0);
  });

  test('setRequirementPolicy refuses an invalid policy with INVALID_POLICY and changes nothing', async () => {
    const customer = await customerOrg();
    for (const input of [{ maxAgeMonths: 0 }, { maxAgeMonths: 61 }, { expiringSoonDays: 400 }, { accepted: [] }]) {
      const p = await setPolicy(customer, input);
      expect(p.policy).toBeNull();
      expect(p.errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_POLICY']);
    }
    expect((await trackingRows(customer.id)).policies).toBe(0);
    // Accepting Type I too changes the status of a Type I-only vendor.
    const { vendor } = await vendorWithReport(2025, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2025-12-31' });
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    expect(codes(await statusOf(customer, id))).toContain('MISSING_FRAMEWORK');
    const anyType = await setPolicy(customer, { accepted: [{ framework: 'SOC2' }] });
    expect(anyType.policy.accepted).toEqual([{ framework: 'SOC2', socType: null }]);
    expect((await statusOf(customer, id)).status).toBe('COMPLIANT');
  });

  test('ACCESS_NOT_GRANTED is listed until the vendor grants the customer access, and never changes the status', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2025);
    await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II 2025' }); // RESTRICTED by default
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const before = await statusOf(customer, id);
    expect(before.status).toBe('COMPLIANT');
    expect(codes(before)).toEqual(['ACCESS_NOT_GRANTED']);

    const requestId = await approvedRequest(app, vendor, customer);
    const after = await statusOf(customer, id);
    expect(after.status).toBe('COMPLIANT');
    expect(codes(after)).toEqual([]);
    // A stale report stays NON_COMPLIANT with or without access; the reason is the only difference.
    expect((await statusOf(customer, id, { asOf: '2027-06-01' })).reasons.map((r) => r.code)).toEqual(['STALE_REPORT']);

    // An expired grant is no grant: the same data read by a server whose clock is past the grant's expiry (365 days).
    const { rows: grants } = await app.owner.query(`SELECT expires_at FROM access_grants WHERE org_id = $1 AND customer_org_id = $2`, [vendor.id, customer.id]);
    expect(grants.length).toBeGreaterThan(0);
    const later = await startTestApp({ now: () => new Date(grants[0].expires_at.getTime() + 86_400_000) });
    try {
      const r = await later.gql(STATUSES, { ...as(customer), variables: { first: 10 } });
      const entry = expectNoErrors(r).vendorStatuses.edges.map((e: { node: Entry }) => e.node).find((e: Entry) => e.vendor.id === id);
      expect(codes(entry)).toContain('ACCESS_NOT_GRANTED');
    } finally {
      await later.close();
    }

    // Revoked access is no access.
    const revoked = await vendorMutation(vendor, `mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { accessRequest { state } errors { code message } } }`,
      { i: { requestId, reason: 'contract ended' } });
    expect(revoked.revokeAccess.errors).toEqual([]);
    const afterRevoke = await statusOf(customer, id);
    expect(afterRevoke.status).toBe('COMPLIANT');
    expect(codes(afterRevoke)).toEqual(['ACCESS_NOT_GRANTED']);
    expect(codes(await statusOf(customer, id, { asOf: '2027-06-01' }))).toEqual(['STALE_REPORT', 'ACCESS_NOT_GRANTED']);
    // Another customer of the same vendor still has no grant.
    const other = await customerOrg();
    const otherId = await watchId(other, { trustCenterSlug: vendor.slug });
    expect(codes(await statusOf(other, otherId))).toEqual(['ACCESS_NOT_GRANTED']);
  });

  test('a DRAFT or WITHDRAWN attestation of a watched vendor is never evidence', async () => {
    const customer = await customerOrg();
    // Only a draft.
    const draftOnly = await vendorOrg();
    await createAttestation(app, draftOnly, soc2TypeII(2025), false);
    // Published, then withdrawn.
    const { vendor: withdrawnOnly, attestationId: w } = await vendorWithReport(2025);
    await withdraw(withdrawnOnly, w);
    // An older published report and a newer draft.
    const { vendor: mixed, attestationId: published2024 } = await vendorWithReport(2024);
    await createAttestation(app, mixed, soc2TypeII(2025), false);
    // A newer report withdrawn: the one it superseded is current again.
    const { vendor: rolledBack, attestationId: older } = await vendorWithReport(2024);
    const newer = await createAttestation(app, rolledBack, soc2TypeII(2025), true);
    await withdraw(rolledBack, newer);

    const ids = {
      draftOnly: await watchId(customer, { trustCenterSlug: draftOnly.slug }),
      withdrawnOnly: await watchId(customer, { trustCenterSlug: withdrawnOnly.slug }),
      mixed: await watchId(customer, { trustCenterSlug: mixed.slug }),
      rolledBack: await watchId(customer, { trustCenterSlug: rolledBack.slug }),
    };
    for (const id of [ids.draftOnly, ids.withdrawnOnly]) {
      const e = await statusOf(customer, id);
      expect(e.status).toBe('NON_COMPLIANT');
      expect(codes(e)).toEqual(['MISSING_FRAMEWORK']);
      expect(e.basedOn).toBeNull();
    }
    expect((await statusOf(customer, ids.mixed)).basedOn!.attestationId).toBe(published2024);
    const rb = await statusOf(customer, ids.rolledBack);
    expect(rb.basedOn!.attestationId).toBe(older);
    expect(codes(rb)).toContain('STALE_REPORT');
  });
});

// ---- filtering, sorting, paging, summary -------------------------------------------------------------------------

describe('a portfolio of eight vendors', () => {
  let customer: TestOrg;
  const ids: Record<string, string> = {};
  // Days until stale on 2026-06-01 under the default policy (12 months from the period end, 60-day window).
  const PLAN: [string, string | null, Record<string, unknown>?][] = [
    ['Alpha Compliant', '2025-12-31'], // 213 days: COMPLIANT
    ['Bravo Qualified', '2025-12-31', { opinion: 'QUALIFIED' }], // 213: NEEDS_REVIEW
    ['Charlie 75', '2025-08-15'], // 75: COMPLIANT
    ['Delta 45', '2025-07-16'], // 45: EXPIRING_SOON
    ['Echo 20', '2025-06-21'], // 20: EXPIRING_SOON
    ['Foxtrot Stale', '2024-12-31'], // -152: NON_COMPLIANT (STALE_REPORT)
    ['Golf Soc1', '2025-12-31', { framework: 'SOC1', trustServiceCriteria: [] }], // NON_COMPLIANT (MISSING_FRAMEWORK), no freshness
    ['Hotel Nothing', null], // UNKNOWN
  ];
  const BY_URGENCY = ['Golf Soc1', 'Hotel Nothing', 'Foxtrot Stale', 'Echo 20', 'Delta 45', 'Charlie 75', 'Alpha Compliant', 'Bravo Qualified'];

  beforeAll(async () => {
    customer = await customerOrg();
    for (const [name, periodEnd, extra] of PLAN) {
      ids[name] = await watchId(customer, { name, domain: `${name.split(' ')[0]!.toLowerCase()}.example` });
      if (periodEnd) await recordOk(customer, recordedSoc2(ids[name]!, periodEnd, extra));
    }
  });

  test('each vendor has the expected status and days until stale', async () => {
    const byName = Object.fromEntries((await statuses(customer)).map((e) => [e.vendor.name, [e.status, e.daysUntilStale, codes(e)]]));
    expect(byName).toEqual({
      'Alpha Compliant': ['COMPLIANT', 213, []],
      'Bravo Qualified': ['NEEDS_REVIEW', 213, ['QUALIFIED_OPINION']],
      'Charlie 75': ['COMPLIANT', 75, []],
      'Delta 45': ['EXPIRING_SOON', 45, ['EXPIRING_SOON']],
      'Echo 20': ['EXPIRING_SOON', 20, ['EXPIRING_SOON']],
      'Foxtrot Stale': ['NON_COMPLIANT', -152, ['STALE_REPORT']],
      'Golf Soc1': ['NON_COMPLIANT', null, ['MISSING_FRAMEWORK']],
      'Hotel Nothing': ['UNKNOWN', null, ['NO_DATA']],
    });
  });

  test('DAYS_UNTIL_STALE (the default) puts vendors without evidence first, then ascending days; NAME sorts by name', async () => {
    expect((await statuses(customer)).map((e) => e.vendor.name)).toEqual(BY_URGENCY);
    expect((await statuses(customer, { orderBy: 'DAYS_UNTIL_STALE' })).map((e) => e.vendor.name)).toEqual(BY_URGENCY);
    expect((await statuses(customer, { orderBy: 'NAME' })).map((e) => e.vendor.name)).toEqual([...BY_URGENCY].sort());
  });

  test('filter by status', async () => {
    expect((await statuses(customer, { status: ['NON_COMPLIANT'] })).map((e) => e.vendor.name)).toEqual(['Golf Soc1', 'Foxtrot Stale']);
    expect((await statuses(customer, { status: ['EXPIRING_SOON', 'UNKNOWN'] })).map((e) => e.vendor.name)).toEqual(['Hotel Nothing', 'Echo 20', 'Delta 45']);
    expect((await statuses(customer, { status: ['COMPLIANT'], asOf: '2027-06-01' }))).toEqual([]);
    expect((await statuses(customer, { status: [] })).length).toBe(8);
  });

  test('paging with first/after covers every vendor exactly once, in order', async () => {
    for (const orderBy of ['DAYS_UNTIL_STALE', 'NAME']) {
      for (const first of [1, 3, 5]) {
        const seen: string[] = [];
        let after: string | null = null;
        let pages = 0;
        for (;;) {
          const page = await statusesPage(customer, { first, after, orderBy });
          expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
          expect(page.edges.length).toBeLessThanOrEqual(first);
          seen.push(...page.edges.map((e) => e.node.vendor.name));
          pages += 1;
          if (!page.pageInfo.hasNextPage) break;
          expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]!.cursor);
          after = page.pageInfo.endCursor;
          if (pages > 20) throw new Error('paging does not end');
        }
        expect(pages).toBe(Math.ceil(8 / first));
        expect(seen).toEqual(orderBy === 'NAME' ? [...BY_URGENCY].sort() : BY_URGENCY);
      }
    }
  });

  test('paging a filtered list', async () => {
    const first = await statusesPage(customer, { first: 1, status: ['EXPIRING_SOON', 'UNKNOWN'] });
    const second = await statusesPage(customer, { first: 5, status: ['EXPIRING_SOON', 'UNKNOWN'], after: first.pageInfo.endCursor });
    expect([...first.edges, ...second.edges].map((e) => e.node.vendor.name)).toEqual(['Hotel Nothing', 'Echo 20', 'Delta 45']);
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  test('portfolioSummary counts every status (zeros included) and the vendors going stale in 30/60/90 days', async () => {
    const s = await summary(customer);
    expect(s).toEqual({
      evaluatedOn: TODAY,
      totalVendors: 8,
      byStatus: [
        { status: 'COMPLIANT', count: 2 },
        { status: 'EXPIRING_SOON', count: 2 },
        { status: 'NEEDS_REVIEW', count: 1 },
        { status: 'NON_COMPLIANT', count: 2 },
        { status: 'UNKNOWN', count: 1 },
      ],
      goingStaleIn30Days: 1,
      goingStaleIn60Days: 2,
      goingStaleIn90Days: 3,
    });
    const later = await summary(customer, '2027-06-01');
    expect(later.evaluatedOn).toBe('2027-06-01');
    expect(later.byStatus).toEqual([
      { status: 'COMPLIANT', count: 0 },
      { status: 'EXPIRING_SOON', count: 0 },
      { status: 'NEEDS_REVIEW', count: 0 },
      { status: 'NON_COMPLIANT', count: 7 },
      { status: 'UNKNOWN', count: 1 },
    ]);
    expect([later.goingStaleIn30Days, later.goingStaleIn60Days, later.goingStaleIn90Days]).toEqual([0, 0, 0]);

    const empty = await summary(await customerOrg());
    expect(empty.totalVendors).toBe(0);
    expect(empty.byStatus.map((b: { status: string }) => b.status)).toEqual(['COMPLIANT', 'EXPIRING_SOON', 'NEEDS_REVIEW', 'NON_COMPLIANT', 'UNKNOWN']);
    expect(empty.byStatus.every((b: { count: number }) => b.count === 0)).toBe(true);
  });
});

// ---- constant SQL ---------------------------------------------------------------------------------------------------

/** `count` published vendors, each with one PUBLISHED SOC 2 Type II (and every third with a bridge letter), inserted directly. */
async function bulkVendors(count: number): Promise<{ id: string; slug: string }[]> {
  const prefix = `bulk-${uniqueSuffix()}`;
  const { rows: orgs } = await app.owner.query(
    `INSERT INTO organizations (slug, name) SELECT $1 || '-' || g, 'Bulk vendor ' || g FROM generate_series(1, $2::int) g RETURNING id, slug`,
    [prefix, count],
  );
  const ids = orgs.map((o: { id: string }) => o.id);
  await app.owner.query(`INSERT INTO trust_centers (org_id, status, published_at) SELECT unnest($1::uuid[]), 'PUBLISHED', now()`, [ids]);
  const { rows: atts } = await app.owner.query(
    `INSERT INTO attestations (org_id, framework, soc_type, title, period_start, period_end, issue_date, auditor, opinion, trust_service_criteria, exceptions, status, published_at)
     SELECT o, 'SOC2', 'TYPE_II', 'SOC 2 Type II 2025', '2025-01-01', '2025-12-31', '2026-02-15', 'Audit LLP', 'UNQUALIFIED', '{SECURITY}',
            '[{"controlRef": "CC6.1", "description": "late review", "managementResponse": null}]'::jsonb, 'PUBLISHED', now()
     FROM unnest($1::uuid[]) o RETURNING org_id, id`,
    [ids],
  );
  const withLetters = atts.filter((_: unknown, i: number) => i % 3 === 0);
  await app.owner.query(
    `INSERT INTO bridge_letters (org_id, attestation_id, covers_from, covers_through, issued_on, signed_by_name)
     SELECT unnest($1::uuid[]), unnest($2::uuid[]), '2026-01-01', '2026-03-31', '2026-04-10', 'Pat CFO'`,
    [withLetters.map((a: { org_id: string }) => a.org_id), withLetters.map((a: { id: string }) => a.id)],
  );
  return orgs;
}

test('vendorStatuses and portfolioSummary run the same number of statements for 1, 10 and 100 vendors', async () => {
  const statusCounts: number[] = [];
  const summaryCounts: number[] = [];
  for (const size of [1, 10, 100]) {
    const customer = await customerOrg();
    const vendors = await bulkVendors(size);
    for (const v of vendors) await watchId(customer, { trustCenterSlug: v.slug });
    // One off-platform vendor with a recorded report too.
    const off = await watchId(customer, { name: 'Off Platform' });
    await recordOk(customer, recordedSoc2(off, '2025-12-31'));

    const r = await app.gql(STATUSES, { ...as(customer), variables: { first: 100 } });
    const page = expectNoErrors(r).vendorStatuses;
    expect(page.edges).toHaveLength(Math.min(size + 1, 100));
    const onPlatform = page.edges.filter((e: { node: Entry }) => e.node.vendor.onPlatform);
    expect(onPlatform.length).toBeGreaterThan(0);
    for (const e of onPlatform) {
      expect(e.node.status).toBe('COMPLIANT');
      expect(e.node.basedOn.source).toBe('PUBLISHED');
      expect(e.node.basedOn.exceptionCount).toBe(1);
    }
    // The bridge letter of the first vendor was loaded too.
    const first = page.edges.find((e: { node: Entry }) => e.node.vendor.name === 'Bulk vendor 1');
    expect(first.node.freshness.coveredThrough).toBe('2026-03-31');
    statusCounts.push(r.statements);

    const s = await app.gql(SUMMARY, as(customer));
    expect(expectNoErrors(s).portfolioSummary.totalVendors).toBe(size + 1);
    summaryCounts.push(s.statements);
  }
  expect(statusCounts[0]).toBeGreaterThan(0);
  expect(statusCounts).toEqual([statusCounts[0], statusCounts[0], statusCounts[0]]);
  expect(summaryCounts).toEqual([summaryCounts[0], summaryCounts[0], summaryCounts[0]]);
}, 120_000);

// ---- isolation ------------------------------------------------------------------------------------------------------

describe('isolation between customers', () => {
  test("another customer never sees your watches, recorded attestations or policies, and cannot touch them", async () => {
    const mine = await customerOrg();
    const other = await customerOrg();
    const { vendor } = await vendorWithReport(2025);
    const onId = await watchId(mine, { trustCenterSlug: vendor.slug });
    const offId = await watchId(mine, { name: 'Secret Supplier', domain: 'secret.example' });
    await recordOk(mine, recordedSoc2(offId, '2025-12-31'));
    expect((await setPolicy(mine, { exceptionsNeedReview: true, maxAgeMonths: 18 })).errors).toEqual([]);
    expect((await setPolicy(mine, { watchId: onId, maxAgeMonths: 3 })).errors).toEqual([]);
    const rowsBefore = await trackingRows(mine.id);
    expect(rowsBefore).toEqual({ watches: 2, recorded: 1, policies: 2 });

    // Through GraphQL.
    expect(await statuses(other)).toEqual([]);
    expect((await summary(other)).totalVendors).toBe(0);
    const otherPolicy = ok(await app.gql(ORG_POLICY, as(other))).organization.requirementPolicy;
    expect(otherPolicy).toMatchObject({ maxAgeMonths: 12, exceptionsNeedReview: false });
    for (const [query, variables] of [
      [RECORD, { i: recordedSoc2(offId, '2025-12-31') }],
      [UNWATCH, { id: offId }],
      [SET_POLICY, { i: { watchId: onId, maxAgeMonths: 24 } }],
      [CLEAR_OVERRIDE, { id: onId }],
    ] as const) {
      const r = await app.gql(query, { ...as(other), variables });
      expect(errorCode(r)).toBe('NOT_FOUND');
    }
    // The other customer watching the same vendor gets its own watch, evaluated under its own (default) policy.
    const theirs = await watchId(other, { trustCenterSlug: vendor.slug });
    const theirEntry = await statusOf(other, theirs);
    expect(theirEntry.status).toBe('COMPLIANT');
    expect(theirEntry.policy.maxAgeMonths).toBe(12);
    expect((await statuses(other)).map((e) => e.vendor.id)).toEqual([theirs]);
    expect(await trackingRows(mine.id)).toEqual(rowsBefore);
    expect((await statusOf(mine, onId)).policy.maxAgeMonths).toBe(3);

    // In the database, as the app role in the other tenant (with and without public reads).
    const settingsList: Record<string, string>[] = [{ 'app.org_id': other.id }, { 'app.org_id': other.id, 'app.public_reads': 'on', 'app.customer_org_id': other.id }];
    for (const settings of settingsList) {
      const seen = await asApp(settings, async (c) => ({
        watches: Number((await c.query(`SELECT count(*) AS n FROM vendor_watches WHERE org_id = $1`, [mine.id])).rows[0].n),
        recorded: Number((await c.query(`SELECT count(*) AS n FROM tracked_attestations WHERE org_id = $1`, [mine.id])).rows[0].n),
        policies: Number((await c.query(`SELECT count(*) AS n FROM requirement_policies WHERE org_id = $1`, [mine.id])).rows[0].n),
        anyForeign: Number((await c.query(
          `SELECT (SELECT count(*) FROM vendor_watches WHERE org_id <> $1) + (SELECT count(*) FROM tracked_attestations WHERE org_id <> $1)
                + (SELECT count(*) FROM requirement_policies WHERE org_id <> $1) AS n`, [other.id])).rows[0].n),
        updated: (await c.query(`UPDATE vendor_watches SET notes = 'hijacked' WHERE org_id = $1`, [mine.id])).rowCount,
        deleted: (await c.query(`DELETE FROM tracked_attestations WHERE org_id = $1`, [mine.id])).rowCount,
      }));
      expect(seen).toEqual({ watches: 0, recorded: 0, policies: 0, anyForeign: 0, updated: 0, deleted: 0 });
    }
  });

  test('with app.public_reads unset the app role cannot read another tenant\'s published attestations; with it set, only PUBLISHED/SUPERSEDED ones of PUBLISHED trust centers', async () => {
    const customer = await customerOrg();
    // A published vendor with every attestation status and a bridge letter.
    const { vendor, attestationId: superseded } = await vendorWithReport(2024);
    const published = await createAttestation(app, vendor, soc2TypeII(2025), true);
    const draft = await createAttestation(app, vendor, soc2TypeII(2026, { issueDate: '2026-05-01', periodEnd: '2026-03-31', periodStart: '2025-04-01' }), false);
    const withdrawnId = await createAttestation(app, vendor, { framework: 'ISO27001', socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: [], issueDate: '2025-06-01', certificateValidUntil: '2028-05-31' }, true);
    await withdraw(vendor, withdrawnId);
    const letter = await vendorMutation(vendor, `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { bridgeLetter { id } errors { code message } } }`,
      { i: { attestationId: published, coversFrom: '2026-01-01', coversThrough: '2026-03-31', issuedOn: '2026-04-10', signedByName: 'Pat CFO' } });
    expect(letter.addBridgeLetter.errors).toEqual([]);
    // A vendor that published a report, then took its trust center back to DRAFT.
    const { vendor: hidden, attestationId: hiddenPublished } = await vendorWithReport(2025);
    await unpublish(hidden);
    // A vendor whose trust center was never published, with a published report.
    const never = await customerOrg();
    const neverPublished = await createAttestation(app, never, soc2TypeII(2025), true);

    const { rows: statusRows } = await app.owner.query(`SELECT id, status FROM attestations WHERE id = ANY($1) ORDER BY id`, [[superseded, published, draft, withdrawnId]]);
    expect(Object.fromEntries(statusRows.map((r: { id: string; status: string }) => [r.id, r.status]))).toEqual({
      [superseded]: 'SUPERSEDED', [published]: 'PUBLISHED', [draft]: 'DRAFT', [withdrawnId]: 'WITHDRAWN',
    });
    expect(await ownerCount(`SELECT count(*) AS n FROM attestations WHERE id = ANY($1) AND status = 'PUBLISHED'`, [[hiddenPublished, neverPublished]])).toBe(2);

    const vendorIds = [vendor.id, hidden.id, never.id];
    const read = (c: pg.PoolClient) => (async () => ({
      attestations: (await c.query(`SELECT id FROM attestations WHERE org_id = ANY($1) ORDER BY id`, [vendorIds])).rows.map((r) => r.id),
      bridgeLetters: Number((await c.query(`SELECT count(*) AS n FROM bridge_letters WHERE org_id = ANY($1)`, [vendorIds])).rows[0].n),
      trustCenters: (await c.query(`SELECT org_id FROM trust_centers WHERE org_id = ANY($1)`, [vendorIds])).rows.map((r) => r.org_id),
      organizations: (await c.query(`SELECT id FROM organizations WHERE id = ANY($1)`, [vendorIds])).rows.map((r) => r.id),
    }))();

    // Only the tenant set: nothing of another tenant.
    expect(await asApp({ 'app.org_id': customer.id }, read)).toEqual({ attestations: [], bridgeLetters: 0, trustCenters: [], organizations: [] });
    // Any value other than 'on' is not public reads.
    expect(await asApp({ 'app.org_id': customer.id, 'app.public_reads': 'true' }, read)).toEqual({ attestations: [], bridgeLetters: 0, trustCenters: [], organizations: [] });
    // Public reads on: PUBLISHED and SUPERSEDED of the published trust center only.
    const pub = await asApp({ 'app.org_id': customer.id, 'app.public_reads': 'on' }, read);
    expect(pub).toEqual({ attestations: [superseded, published].sort(), bridgeLetters: 1, trustCenters: [vendor.id], organizations: [vendor.id] });
    // Public reads are reads: no write reaches another tenant.
    const writes = await asApp({ 'app.org_id': customer.id, 'app.public_reads': 'on' }, async (c) => ({
      updated: (await c.query(`UPDATE attestations SET title = 'hijacked' WHERE org_id = $1`, [vendor.id])).rowCount,
      updatedTc: (await c.query(`UPDATE trust_centers SET headline = 'hijacked' WHERE org_id = $1`, [vendor.id])).rowCount,
    }));
    expect(writes).toEqual({ updated: 0, updatedTc: 0 });
  });
});

// ---- roles ----------------------------------------------------------------------------------------------------------

describe('roles', () => {
  test('a VIEWER reads vendorStatuses, portfolioSummary and the policy, but every tracking mutation is FORBIDDEN', async () => {
    const customer = await customerOrg();
    const { vendor } = await vendorWithReport(2025);
    const id = await watchId(customer, { trustCenterSlug: vendor.slug });
    const viewer = await addMember(app, customer, 'VIEWER');
    const before = await trackingRows(customer.id);

    const page = await statusesPage(customer, {}, viewer);
    expect(page.edges.map((e) => [e.node.vendor.id, e.node.status])).toEqual([[id, 'COMPLIANT']]);
    expect(ok(await app.gql(SUMMARY, as(customer, viewer))).portfolioSummary.totalVendors).toBe(1);
    expect(ok(await app.gql(ORG_POLICY, as(customer, viewer))).organization.requirementPolicy.maxAgeMonths).toBe(12);

    const other = await vendorOrg();
    for (const [query, variables] of [
      [WATCH, { i: { trustCenterSlug: other.slug } }],
      [WATCH, { i: { name: 'Viewer Vendor' } }],
      [UNWATCH, { id }],
      [RECORD, { i: recordedSoc2(id, '2025-12-31') }],
      [SET_POLICY, { i: { maxAgeMonths: 6 } }],
      [CLEAR_OVERRIDE, { id }],
    ] as const) {
      const r = await app.gql(query, { ...as(customer, viewer), variables });
      expect(errorCode(r)).toBe('FORBIDDEN');
    }
    expect(await trackingRows(customer.id)).toEqual(before);
  });

  test('an EDITOR and an ACCESS_MANAGER may watch; anonymous callers are UNAUTHENTICATED', async () => {
    const customer = await customerOrg();
    for (const role of ['EDITOR', 'ACCESS_MANAGER']) {
      const user = await addMember(app, customer, role);
      const p = await watch(customer, { name: `${role} pick` }, user);
      expect(p.errors).toEqual([]);
    }
    expect((await trackingRows(customer.id)).watches).toBe(2);
    const anon = await app.gql(STATUSES, { variables: { first: 10 } });
    expect(errorCode(anon)).toBe('UNAUTHENTICATED');
  });
});
