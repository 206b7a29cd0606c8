import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg } from '../support/factories';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

test('a published trust center answers anonymously', async () => {
  const org = await createOrg(app, { publish: true });
  await createAttestation(app, org, {}, true);
  const r = await app.gql(`query($slug: String!) { trustCenter(slug: $slug) { slug attestations { edges { node { framework freshness(asOf: "2026-06-30") { state ageDays } } } } } }`, { variables: { slug: org.slug } });
  expect(r.errors).toBeUndefined();
  expect(r.data!.trustCenter.attestations.edges[0].node.freshness).toEqual({ state: 'CURRENT', ageDays: 181 });
});
