import { addDays, addMonths, calendarDate, type CalendarDate } from '../../src/domain/calendar-date';
import { VENDOR_STATUSES, type VendorStatus } from '../../src/domain/compliance';
import { TenantScope } from '../../src/modules/auth/tenant-scope';
import type { StatusIndexQuery } from '../../src/modules/tracking/status-index.repository';
import { TrackingService, type StatusPage } from '../../src/modules/tracking/tracking.service';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';

/**
 * Issue 16, item 4: vendorStatuses and portfolioSummary read today's statuses from the stored index
 * (vendor_status_current) and evaluate only the page's vendors and those whose stored row is not usable. The index
 * path must give exactly what evaluating every vendor gives: checked here over random portfolios (vendors on and off
 * the platform, random policies and overrides, reviews, bridge letters, engagements in progress, names that sort
 * differently by UTF-16 unit and by code point), at dates before, on and long after the stored evaluation, walking
 * every page of both orders with and without a status filter, after changes the refresh has not seen yet (a vendor
 * publishing, withdrawing, adding a letter or unpublishing its trust center; the customer's policy, records, reviews and
 * watches changed behind the resolver's back) and after a stored row was corrupted on purpose.
 */
const NOW = new Date('2026-06-01T12:00:00Z');
const TODAY = calendarDate('2026-06-01');

let app: TestApp;
let tracking: TrackingService;
beforeAll(async () => {
  app = await startTestApp({ now: () => new Date(NOW) });
  tracking = new TrackingService(app.db);
});
afterAll(async () => { await app.close(); });

const as = (org: TestOrg) => ({ token: org.owner.token, org: org.slug });

/** A small seeded generator (mulberry32): the same seed builds the same portfolio. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, pick, chance: (p: number): boolean => next() < p };
}
type Random = ReturnType<typeof random>;

async function gql(org: TestOrg, query: string, variables: Record<string, unknown> = {}): Promise<Record<string, any>> {
  return expectNoErrors(await app.gql(query, { ...as(org), variables }));
}

const before = (days: number): CalendarDate => addDays(TODAY, -days);

/** A published report of a random kind and age on the vendor's trust center (a SOC 2 Type II sometimes bridged). */
async function publishReport(rnd: Random, vendor: TestOrg): Promise<void> {
  const kind = rnd.pick(['II', 'II', 'II', 'I', 'ISO'] as const);
  if (kind === 'ISO') {
    const issue = before(rnd.int(30, 1000));
    await createAttestation(app, vendor, {
      framework: 'ISO27001', socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: [], issueDate: issue,
      certificateNumber: `ISO-${rnd.int(1, 99999)}`, certificateValidFrom: issue, certificateValidUntil: addDays(addMonths(issue, 36), -1),
    }, true);
    return;
  }
  const end = before(rnd.int(20, 560));
  const issue = addDays(end, rnd.int(5, 60));
  const common = {
    issueDate: issue > TODAY ? TODAY : issue,
    opinion: rnd.pick(['UNQUALIFIED', 'UNQUALIFIED', 'UNQUALIFIED', 'QUALIFIED', 'ADVERSE'] as const),
    exceptions: rnd.chance(0.3) ? [{ controlRef: 'CC6.1', description: 'One deviation.' }] : [],
  };
  const id = kind === 'I'
    ? await createAttestation(app, vendor, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: end, ...common }, true)
    : await createAttestation(app, vendor, { periodStart: addDays(addMonths(end, -12), 1), periodEnd: end, ...common }, true);
  if (kind === 'II' && rnd.chance(0.4)) {
    const through = addDays(end, rnd.int(20, 85));
    const issued = addDays(through, rnd.int(-15, 10));
    if (issued <= TODAY && issued > end) {
      const r = await gql(vendor, `mutation($i: AddBridgeLetterInput!) { addBridgeLetter(input: $i) { errors { code message } } }`, {
        i: { attestationId: id, coversFrom: addDays(end, 1), coversThrough: through, issuedOn: issued, signedByName: 'Dana Reyes' },
      });
      // A report older than the vendor's current one is SUPERSEDED on publishing: its letter is refused, fine here.
      expect(r.addBridgeLetter.errors.filter((e: { code: string }) => e.code !== 'REPORT_NOT_PUBLISHED')).toEqual([]);
    }
  }
}

async function vendorOnPlatform(rnd: Random): Promise<TestOrg> {
  const vendor = await createOrg(app, { publish: true, prefix: 'idx-vendor' });
  for (let i = rnd.int(0, 3); i > 0; i--) await publishReport(rnd, vendor);
  if (rnd.chance(0.3)) {
    const r = await gql(vendor, `mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { errors { code message } } }`, {
      i: { framework: 'SOC2', socType: 'TYPE_II', expectedReportDate: addDays(TODAY, rnd.int(1, 200)) },
    });
    expect(r.createAttestationInProgress.errors).toEqual([]);
  }
  return vendor;
}

/** Names whose order differs between UTF-16 units and code points ('\uFF3A' vs an emoji), and accents, dotted I, sharp s. */
const NAMES = ['Acme', 'acme', 'Ärzte GmbH', 'Zeta', '\uFF3Aeta Fullwidth', '\u{1F600} Smile Inc', 'İstanbul Data', 'Straße AG', 'b', 'B2B Corp', 'Offline'];

async function recordedVendor(rnd: Random, customer: TestOrg, n: number): Promise<void> {
  const r = await gql(customer, `mutation($i: WatchVendorInput!) { watchVendor(input: $i) { vendor { id } errors { code message } } }`, {
    i: { name: `${rnd.pick(NAMES)} ${rnd.chance(0.5) ? n : ''}`.trim() },
  });
  expect(r.watchVendor.errors).toEqual([]);
  const watchId = r.watchVendor.vendor.id as string;
  for (let i = rnd.int(0, 2); i > 0; i--) {
    const end = before(rnd.int(20, 600));
    const issue = addDays(end, rnd.int(5, 40));
    const rec = await gql(customer, `mutation($i: RecordVendorAttestationInput!) { recordVendorAttestation(input: $i) { errors { code message } } }`, {
      i: {
        watchId, framework: 'SOC2', socType: 'TYPE_II', periodStart: addDays(addMonths(end, -12), 1), periodEnd: end, issueDate: issue > TODAY ? TODAY : issue,
        opinion: rnd.pick(['UNQUALIFIED', 'QUALIFIED']), exceptionCount: rnd.int(0, 1),
        bridgeLetters: rnd.chance(0.3) ? [{ coversFrom: addDays(end, 1), coversThrough: addDays(end, 60), issuedOn: addDays(end, rnd.int(50, 70)) }] : [],
      },
    });
    expect(rec.recordVendorAttestation.errors).toEqual([]);
  }
}

const SET_POLICY = `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) { errors { code message } } }`;

function randomPolicy(rnd: Random): Record<string, unknown> {
  return {
    accepted: rnd.pick([
      [{ framework: 'SOC2', socType: 'TYPE_II' }, { framework: 'ISO27001' }],
      [{ framework: 'SOC2', socType: 'TYPE_II' }],
      [{ framework: 'SOC2' }],
    ]),
    maxAgeMonths: rnd.int(6, 18),
    expiringSoonDays: rnd.int(0, 90),
    bridgeLettersCount: rnd.chance(0.5),
    maxUncoveredDays: rnd.chance(0.4) ? rnd.int(0, 120) : null,
    exceptionsNeedReview: rnd.chance(0.5),
    acceptTypeIInProgressDays: rnd.chance(0.5) ? rnd.int(0, 60) : null,
  };
}

interface Portfolio { customer: TestOrg; scope: TenantScope; watchIds: string[] }

/** A customer watching `vendors` (some of a shared pool) and a few recorded ones, with its own policy, overrides and reviews. */
async function portfolio(rnd: Random, pool: TestOrg[]): Promise<Portfolio> {
  const customer = await createOrg(app, { prefix: 'idx-customer' });
  expect((await gql(customer, SET_POLICY, { i: randomPolicy(rnd) })).setRequirementPolicy.errors).toEqual([]);
  for (const vendor of pool) {
    if (!rnd.chance(0.8)) continue;
    const r = await gql(customer, `mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { s: vendor.slug });
    expect(r.watchVendor.errors).toEqual([]);
  }
  for (let i = rnd.int(6, 12); i > 0; i--) await recordedVendor(rnd, customer, i);
  const { vendorStatuses } = await gql(customer, `{ vendorStatuses(first: 100) { edges { node { vendor { id } basedOn { attestationId } } } } }`);
  const entries = vendorStatuses.edges.map((e: any) => e.node) as { vendor: { id: string }; basedOn: { attestationId: string } | null }[];
  for (const e of entries) {
    if (rnd.chance(0.2)) expect((await gql(customer, SET_POLICY, { i: { watchId: e.vendor.id, ...randomPolicy(rnd) } })).setRequirementPolicy.errors).toEqual([]);
    if (e.basedOn && rnd.chance(0.3)) {
      const decision = rnd.pick(['ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED']);
      await gql(customer, `mutation($i: ReviewVendorReportInput!) { reviewVendorReport(input: $i) { errors { code } } }`, {
        i: { watchId: e.vendor.id, attestationId: e.basedOn.attestationId, decision, note: decision === 'ACCEPTED' ? null : 'Checked.' },
      });
    }
  }
  return { customer, scope: TenantScope.forSystem(customer.id), watchIds: entries.map((e) => e.vendor.id) };
}

/** What a page says, entry by entry: everything vendorStatuses shows. */
const shape = (page: StatusPage) => page.rows.map(({ k, v }) => ({
  k, watch: v.watch.id, status: v.status, reasons: v.reasons, basedOn: v.basedOn?.id ?? null, freshness: v.freshness, review: v.review?.id ?? null,
  needsReview: v.needsReview, typeII: v.typeIIInProgress?.id ?? null, policy: v.policy, source: v.source, vendor: v.vendor,
}));

/**
 * Walks every page of both orders, with and without a status filter, through the index and through the full
 * evaluation, and compares them; the summary too. Returns how many vendors the index path evaluated beside its pages.
 */
async function compareAt(p: Portfolio, on: CalendarDate, rnd: Random): Promise<number> {
  let unusable = -1;
  const filters: (VendorStatus[] | null)[] = [null, VENDOR_STATUSES.filter(() => rnd.chance(0.5))];
  for (const byName of [false, true]) {
    for (const statuses of filters) {
      let after: StatusIndexQuery['after'] = null;
      for (let pages = 0; pages < 50; pages++) {
        const q: StatusIndexQuery = { statuses, byName, after, limit: 8 };
        const indexed = await tracking.statusPage(p.scope, on, NOW, q, true);
        const exact = await tracking.statusPage(p.scope, on, NOW, q, false);
        expect(indexed.source).toBe('index');
        expect(shape(indexed)).toEqual(shape(exact));
        unusable = indexed.exactRows;
        if (exact.rows.length < 8) break;
        after = exact.rows[6]!.k;
      }
    }
  }
  expect(await tracking.summary(p.scope, on, NOW, true)).toEqual(await tracking.summary(p.scope, on, NOW, false));
  return unusable;
}

const refresh = (p: Portfolio, on: CalendarDate): Promise<number> => tracking.recordStatusChanges(p.scope, on, NOW, 'test refresh');

async function usableRows(p: Portfolio, on: CalendarDate): Promise<number> {
  const { rows } = await app.owner.query(
    `SELECT count(*)::int AS n FROM vendor_status_current c LEFT JOIN vendor_evidence_versions v ON v.org_id = c.vendor_org_id
     WHERE c.org_id = $1 AND c.valid_from <= $2 AND c.valid_through >= $2 AND (c.vendor_org_id IS NULL OR c.vendor_version = v.version)`,
    [p.customer.id, on],
  );
  return rows[0].n;
}

describe.each([[1], [2], [3]])('a random portfolio (seed %i)', (seed) => {
  test('the index gives what the full evaluation gives, at every date and after every kind of change', async () => {
    const rnd = random(seed);
    const pool: TestOrg[] = [];
    for (let i = 0; i < 10; i++) pool.push(await vendorOnPlatform(rnd));
    const p = await portfolio(rnd, pool);
    const total = p.watchIds.length;
    expect(total).toBeGreaterThan(8);

    // Refreshed today by the resolver after each change: every row usable, nothing evaluated beside the pages.
    expect(await usableRows(p, TODAY)).toBe(total);
    expect(await compareAt(p, TODAY, rnd)).toBe(0);

    // A refresh at an earlier date; then dates before it, on it, and up to a year and a half after it.
    const refreshedOn = before(rnd.int(60, 300));
    await refresh(p, refreshedOn);
    for (const on of [addDays(refreshedOn, -3), refreshedOn, addDays(refreshedOn, 1), addDays(refreshedOn, rnd.int(2, 60)), addDays(refreshedOn, rnd.int(61, 500)), TODAY]) {
      await compareAt(p, on, rnd);
    }
    await refresh(p, TODAY);
    expect(await compareAt(p, TODAY, rnd)).toBe(0);

    // Vendor changes the customer has not heard of yet (no fan-out job here): only that vendor's row is evaluated exactly.
    const watchedIds = new Set((await app.owner.query(`SELECT vendor_org_id FROM vendor_watches WHERE org_id = $1 AND vendor_org_id IS NOT NULL`, [p.customer.id])).rows.map((r) => r.vendor_org_id as string));
    const watched = pool.filter((v) => watchedIds.has(v.id));
    const vendor = rnd.pick(watched);
    await publishReport(rnd, vendor);
    await compareAt(p, TODAY, rnd);
    await gql(vendor, `mutation { unpublishTrustCenter { errors { code } } }`);
    await compareAt(p, TODAY, rnd);
    await gql(vendor, `mutation { publishTrustCenter { errors { code } } }`);
    await compareAt(p, TODAY, rnd);
    await refresh(p, TODAY);

    // The customer's inputs changed without the resolver's refresh (the triggers alone): default policy, a recorded
    // report, a review, a new watch.
    await app.owner.query(`UPDATE requirement_policies SET max_age_months = $2, expiring_soon_days = $3 WHERE org_id = $1 AND watch_id IS NULL`, [p.customer.id, rnd.int(3, 24), rnd.int(0, 120)]);
    expect(await usableRows(p, TODAY)).toBe(0);
    expect(await compareAt(p, TODAY, rnd)).toBe(total);
    await refresh(p, TODAY);
    expect(await usableRows(p, TODAY)).toBe(total);
    const recorded = (await app.owner.query(`SELECT id FROM vendor_watches WHERE org_id = $1 AND vendor_org_id IS NULL LIMIT 1`, [p.customer.id])).rows[0].id as string;
    await app.owner.query(
      `INSERT INTO tracked_attestations (org_id, watch_id, framework, soc_type, period_start, period_end, issue_date, opinion) VALUES ($1, $2, 'SOC2', 'TYPE_II', $3, $4, $5, 'UNQUALIFIED')`,
      [p.customer.id, recorded, before(370), before(6), before(2)],
    );
    expect(await usableRows(p, TODAY)).toBe(total - 1);
    await compareAt(p, TODAY, rnd);
    await app.owner.query(`INSERT INTO vendor_watches (org_id, name) VALUES ($1, 'Added behind the resolver')`, [p.customer.id]);
    expect(await compareAt(p, TODAY, rnd)).toBe(2);
    await refresh(p, TODAY);
    expect(await compareAt(p, TODAY, rnd)).toBe(0);
  }, 300_000);
});

test('a stored row that disagrees with its exact evaluation is never served: the page is answered from the full evaluation', async () => {
  const rnd = random(7);
  const p = await portfolio(rnd, [await vendorOnPlatform(rnd), await vendorOnPlatform(rnd)]);
  // Corrupt the first row by name while keeping it usable (what a missed invalidation would look like).
  const q: StatusIndexQuery = { statuses: null, byName: true, after: null, limit: 101 };
  const exact = await tracking.statusPage(p.scope, TODAY, NOW, q, false);
  const first = exact.rows[0]!.v;
  await app.owner.query(`UPDATE vendor_status_current SET status = $3 WHERE org_id = $1 AND watch_id = $2`,
    [p.customer.id, first.watch.id, first.status === 'UNKNOWN' ? 'COMPLIANT' : 'UNKNOWN']);
  const indexed = await tracking.statusPage(p.scope, TODAY, NOW, q, true);
  expect(indexed.source).toBe('exact-after-mismatch');
  expect(shape(indexed)).toEqual(shape(exact));
});

test('vendorStatuses and portfolioSummary through GraphQL: today from the index, another date in full, the same answers', async () => {
  const rnd = random(11);
  const p = await portfolio(rnd, [await vendorOnPlatform(rnd), await vendorOnPlatform(rnd), await vendorOnPlatform(rnd)]);
  const page = `query($asOf: Date, $after: String) { vendorStatuses(first: 4, after: $after, asOf: $asOf) {
    edges { cursor node { vendor { id name } status daysUntilStale reasons { code message } evaluatedOn } } pageInfo { hasNextPage endCursor } } }`;
  const walk = async (asOf: string | null) => {
    const out: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const r: Record<string, any> = (await gql(p.customer, page, { asOf, after })).vendorStatuses;
      out.push(...r.edges);
      if (!r.pageInfo.hasNextPage) return out;
      after = r.pageInfo.endCursor;
    }
  };
  // asOf today and no asOf read the index; the day before is evaluated in full, as are its cursors.
  const today = await walk(null);
  expect(today).toHaveLength(p.watchIds.length);
  expect(await walk(TODAY)).toEqual(today);
  const exact = await tracking.statusPage(p.scope, TODAY, NOW, { statuses: null, byName: false, after: null, limit: 1000 }, false);
  expect(today.map((e: any) => e.node.vendor.id)).toEqual(exact.rows.map((r) => r.v.watch.id));
  expect((await walk(before(1))).length).toBe(p.watchIds.length);
  const summary = `query($asOf: Date) { portfolioSummary(asOf: $asOf) { totalVendors byStatus { status count } goingStaleIn30Days goingStaleIn60Days goingStaleIn90Days reviewed awaitingReview } }`;
  const s = (await gql(p.customer, summary)).portfolioSummary;
  expect(s.totalVendors).toBe(p.watchIds.length);
  const counts = await tracking.summary(p.scope, TODAY, NOW, false);
  expect(s.byStatus).toEqual(VENDOR_STATUSES.map((status) => ({ status, count: counts.byStatus.get(status) ?? 0 })));
  expect([s.goingStaleIn30Days, s.goingStaleIn60Days, s.goingStaleIn90Days]).toEqual(counts.within);
}, 120_000);
