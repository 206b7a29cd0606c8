import type pg from 'pg';
import { asAppWith } from '../support/documents';
import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';

/**
 * "A Type I plus a Type II in progress" (issue 14, item 3) through GraphQL: a buyer's requirement policy may accept a
 * fresh SOC 2 Type I for `acceptTypeIInProgressDays` days past the expected date of the vendor's SOC 2 Type II in
 * progress (COMPLIANT, reason TYPE_II_IN_PROGRESS); past that, or without the option, as before. The engagement is
 * never evidence (basedOn is the Type I). The server clock is fixed at 2026-06-01.
 *
 * An engagement counts from the day the vendor recorded it (its created_at, the database's clock): the tests date
 * the rows back (recordedOn) to keep that day before the fixed server date.
 */
const NOW = new Date('2026-06-01T12:00:00Z');
let app: TestApp;
beforeAll(async () => { app = await startTestApp({ now: () => new Date(NOW) }); });
afterAll(async () => { await app.close(); });

interface Entry {
  vendor: { id: string };
  status: string;
  reasons: { code: string; message: string }[];
  basedOn: { attestationId: string; socType: string; asOf: string | null } | null;
  freshness: { state: string; expiresOn: string } | null;
  typeIIExpectedOn: string | null;
  policy: { acceptTypeIInProgressDays: number | null };
  history: { status: string; cause: string }[];
}

const STATUSES = `query($asOf: Date) { vendorStatuses(first: 100, asOf: $asOf) { edges { node {
  vendor { id } status reasons { code message } basedOn { attestationId socType asOf } freshness { state expiresOn }
  typeIIExpectedOn policy { acceptTypeIInProgressDays } history { status cause } } } } }`;
const SET_POLICY = `mutation($i: SetRequirementPolicyInput!) { setRequirementPolicy(input: $i) {
  policy { acceptTypeIInProgressDays maxAgeMonths } errors { code field message } } }`;

const as = (org: TestOrg) => ({ token: org.owner.token, org: org.slug });
const ok = (r: GqlResponse): Record<string, any> => expectNoErrors(r);
const codes = (e: Entry): string[] => e.reasons.map((r) => r.code);

async function setPolicy(customer: TestOrg, input: Record<string, unknown>) {
  return ok(await app.gql(SET_POLICY, { ...as(customer), variables: { i: input } })).setRequirementPolicy as { policy: { acceptTypeIInProgressDays: number | null } | null; errors: { code: string; field: string | null; message: string }[] };
}

async function watch(customer: TestOrg, vendor: TestOrg): Promise<string> {
  const p = ok(await app.gql(`mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { vendor { id } errors { code } } }`, { ...as(customer), variables: { s: vendor.slug } })).watchVendor;
  expect(p.errors).toEqual([]);
  return p.vendor.id;
}

async function statusOf(customer: TestOrg, watchId: string, asOf?: string): Promise<Entry> {
  const edges = ok(await app.gql(STATUSES, { ...as(customer), variables: { asOf } })).vendorStatuses.edges as { node: Entry }[];
  const found = edges.find((e) => e.node.vendor.id === watchId);
  if (!found) throw new Error(`watch ${watchId} not in vendorStatuses`);
  return found.node;
}

async function inProgress(vendor: TestOrg, input: Record<string, unknown>): Promise<string> {
  const p = ok(await app.gql(`mutation($i: CreateAttestationInProgressInput!) { createAttestationInProgress(input: $i) { attestationInProgress { id } errors { code message } } }`, { ...as(vendor), variables: { i: input } })).createAttestationInProgress;
  expect(p.errors).toEqual([]);
  return p.attestationInProgress.id;
}

/** Dates an engagement's recording back to `day` (see the header). */
async function recordedOn(id: string, day: string): Promise<void> {
  await app.owner.query(`UPDATE attestations_in_progress SET created_at = $2::date WHERE id = $1`, [id, day]);
}

/**
 * A published vendor with a published SOC 2 Type I as of 2026-03-31 (issued 2026-04-20; fresh through 2027-03-31) and,
 * unless `typeII` is false, a SOC 2 Type II in progress expected 2026-09-30, recorded 2026-05-01.
 */
async function typeIVendor(typeII = true): Promise<{ vendor: TestOrg; typeIId: string; inProgressId: string | null }> {
  const vendor = await createOrg(app, { publish: true, prefix: 'tivendor' });
  const typeIId = await createAttestation(app, vendor, { socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: '2026-03-31', issueDate: '2026-04-20', title: 'SOC 2 Type I' }, true);
  let inProgressId: string | null = null;
  if (typeII) {
    inProgressId = await inProgress(vendor, { framework: 'SOC2', socType: 'TYPE_II', observationStart: '2026-04-01', expectedReportDate: '2026-09-30', auditor: 'Audit LLP' });
    await recordedOn(inProgressId, '2026-05-01');
  }
  return { vendor, typeIId, inProgressId };
}

/** A transaction as the app role with only the settings given (BEGIN ... ROLLBACK). */
const asApp = <T>(settings: Record<string, string>, work: (c: pg.PoolClient) => Promise<T>): Promise<T> => asAppWith(app, settings, work);

test('off by default; with acceptTypeIInProgressDays the Type I stands in (TYPE_II_IN_PROGRESS) through expected date + N days, as before after', async () => {
  const customer = await createOrg(app, { prefix: 'ticust' });
  const { vendor, typeIId } = await typeIVendor();
  const id = await watch(customer, vendor);
  const before = await statusOf(customer, id);
  expect(before).toMatchObject({ status: 'NON_COMPLIANT', basedOn: null, typeIIExpectedOn: null, policy: { acceptTypeIInProgressDays: null } });
  expect(codes(before)).toEqual(['MISSING_FRAMEWORK']);

  const set = await setPolicy(customer, { acceptTypeIInProgressDays: 30 });
  expect(set.errors).toEqual([]);
  expect(set.policy!.acceptTypeIInProgressDays).toBe(30);
  const ok30 = await statusOf(customer, id);
  expect(ok30).toMatchObject({
    status: 'COMPLIANT',
    basedOn: { attestationId: typeIId, socType: 'TYPE_I', asOf: '2026-03-31' },
    freshness: { state: 'CURRENT', expiresOn: '2027-03-31' },
    typeIIExpectedOn: '2026-09-30',
    policy: { acceptTypeIInProgressDays: 30 },
  });
  expect(ok30.reasons).toEqual([
    { code: 'TYPE_II_IN_PROGRESS', message: 'The SOC 2 Type II is in progress (report expected 2026-09-30); your policy accepts the SOC 2 Type I as of 2026-03-31 until 2026-10-30.' },
    { code: 'ACCESS_NOT_GRANTED', message: 'Your organization has not been granted the report yet.' },
  ]);
  // The policy change is recorded as the cause of the new status.
  expect(ok30.history[0]).toEqual({ status: 'COMPLIANT', cause: 'requirement policy changed' });

  // Any date: the last accepted day is the expected date + 30; the day after, as without the option.
  expect((await statusOf(customer, id, '2026-10-30')).status).toBe('COMPLIANT');
  const late = await statusOf(customer, id, '2026-10-31');
  expect(late).toMatchObject({ status: 'NON_COMPLIANT', basedOn: null, typeIIExpectedOn: null });
  expect(codes(late)).toEqual(['MISSING_FRAMEWORK']);
  // Before the vendor recorded the engagement, it did not count.
  expect((await statusOf(customer, id, '2026-04-30')).status).toBe('NON_COMPLIANT');
  expect((await statusOf(customer, id, '2026-05-01')).status).toBe('COMPLIANT');

  // null turns it off again.
  expect((await setPolicy(customer, { acceptTypeIInProgressDays: null })).policy!.acceptTypeIInProgressDays).toBeNull();
  expect((await statusOf(customer, id)).status).toBe('NON_COMPLIANT');
});

test('only while the vendor shows the engagement: cancelled, or without one, or with an unpublished trust center, as before', async () => {
  const customer = await createOrg(app, { prefix: 'ticust' });
  await setPolicy(customer, { acceptTypeIInProgressDays: 90 });
  const a = await typeIVendor();
  const b = await typeIVendor(false);
  const idA = await watch(customer, a.vendor);
  const idB = await watch(customer, b.vendor);
  expect((await statusOf(customer, idA)).status).toBe('COMPLIANT');
  expect((await statusOf(customer, idB)).status).toBe('NON_COMPLIANT');

  // A SOC 2 Type I in progress, or an ISO 27001 one, is not a Type II in progress.
  const other = await inProgress(b.vendor, { framework: 'ISO27001', expectedReportDate: '2026-09-30' });
  await recordedOn(other, '2026-04-01');
  expect((await statusOf(customer, idB)).status).toBe('NON_COMPLIANT');

  ok(await app.gql(`mutation($id: ID!) { cancelAttestationInProgress(id: $id) { errors { code } } }`, { ...as(a.vendor), variables: { id: a.inProgressId } }));
  expect((await statusOf(customer, idA)).status).toBe('NON_COMPLIANT');

  const c = await typeIVendor();
  const idC = await watch(customer, c.vendor);
  expect((await statusOf(customer, idC)).status).toBe('COMPLIANT');
  ok(await app.gql(`mutation { unpublishTrustCenter { errors { code } } }`, as(c.vendor)));
  expect((await statusOf(customer, idC)).status).toBe('UNKNOWN');
});

test('a per-vendor override applies the option to that vendor only', async () => {
  const customer = await createOrg(app, { prefix: 'ticust' });
  const a = await typeIVendor();
  const b = await typeIVendor();
  const idA = await watch(customer, a.vendor);
  const idB = await watch(customer, b.vendor);
  expect((await setPolicy(customer, { watchId: idA, acceptTypeIInProgressDays: 0 })).errors).toEqual([]);
  expect(await statusOf(customer, idA)).toMatchObject({ status: 'COMPLIANT', policy: { acceptTypeIInProgressDays: 0 } });
  expect(await statusOf(customer, idB)).toMatchObject({ status: 'NON_COMPLIANT', policy: { acceptTypeIInProgressDays: null } });
  // N = 0: through the expected date itself.
  expect((await statusOf(customer, idA, '2026-09-30')).status).toBe('COMPLIANT');
  expect((await statusOf(customer, idA, '2026-10-01')).status).toBe('NON_COMPLIANT');
});

test('a negative or absurd number of days is INVALID_POLICY and changes nothing', async () => {
  const customer = await createOrg(app, { prefix: 'ticust' });
  expect((await setPolicy(customer, { acceptTypeIInProgressDays: 45 })).errors).toEqual([]);
  for (const days of [-1, 366, 100000, 2147483647]) {
    const p = await setPolicy(customer, { acceptTypeIInProgressDays: days });
    expect({ days, policy: p.policy, errors: p.errors.map((e) => [e.code, e.message]) })
      .toEqual({ days, policy: null, errors: [['INVALID_POLICY', 'acceptTypeIInProgressDays is 0 to 365, or null to turn it off']] });
  }
  const current = ok(await app.gql(`{ organization { requirementPolicy { acceptTypeIInProgressDays } } }`, as(customer))).organization.requirementPolicy;
  expect(current.acceptTypeIInProgressDays).toBe(45);
  // The database refuses it too.
  await expect(app.owner.query(`UPDATE requirement_policies SET accept_type_i_in_progress_days = 400 WHERE org_id = $1`, [customer.id])).rejects.toThrow(/accept_type_i_in_progress_days_check/);
});

test('RLS: with public reads, the app role reads other tenants\' IN_PROGRESS engagements only, and writes none; without, none at all', async () => {
  const customer = await createOrg(app, { prefix: 'ticust' });
  const { vendor, inProgressId } = await typeIVendor();
  const cancelled = await inProgress(vendor, { framework: 'ISO27001', expectedReportDate: '2026-12-01' });
  ok(await app.gql(`mutation($id: ID!) { cancelAttestationInProgress(id: $id) { errors { code } } }`, { ...as(vendor), variables: { id: cancelled } }));
  const read = (settings: Record<string, string>) => asApp(settings, async (c) => ({
    ids: (await c.query(`SELECT id FROM attestations_in_progress WHERE org_id = $1 ORDER BY id`, [vendor.id])).rows.map((r) => r.id),
    updated: (await c.query(`UPDATE attestations_in_progress SET auditor = 'hijacked' WHERE org_id = $1`, [vendor.id])).rowCount,
  }));
  expect(await read({ 'app.org_id': customer.id })).toEqual({ ids: [], updated: 0 });
  expect(await read({ 'app.org_id': customer.id, 'app.public_reads': 'on', 'app.customer_org_id': customer.id })).toEqual({ ids: [inProgressId], updated: 0 });
});
