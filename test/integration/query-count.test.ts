import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, type TestOrg } from '../support/factories';

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
