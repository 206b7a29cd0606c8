import { startTestApp, type TestApp } from '../support/harness';
import { createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { download, grantedCustomer, vendorWithRestrictedDocument } from '../support/documents';

/**
 * A vendor's own events (access requests, NDA acceptances, downloads) are queued for its webhook endpoints only when
 * one of its enabled endpoints takes the event, decided in the statement that queues it (src/jobs/events.ts). No worker
 * runs here, so what was queued stays in the queue to be counted. Delivery itself: vendor-webhooks.test.ts.
 */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

async function queued(vendor: TestOrg): Promise<string[]> {
  const { rows } = await app.owner.query(
    `SELECT j.payload->>'type' AS type FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE t.identifier = 'notify_own_event' AND j.payload->>'orgId' = $1 ORDER BY j.id`,
    [vendor.id],
  );
  return rows.map((r: { type: string }) => r.type);
}

async function endpoint(org: TestOrg, eventTypes: string[]): Promise<string> {
  const r = expectNoErrors(await app.gql(
    `mutation($u: String!, $t: [String!]) { createWebhookEndpoint(input: { url: $u, eventTypes: $t }) { endpoint { id } errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { u: 'http://127.0.0.1:9/hook', t: eventTypes } },
  )).createWebhookEndpoint;
  expect(r.errors).toEqual([]);
  return r.endpoint.id;
}

test('a vendor without an endpoint queues none of its own events; one that takes some queues those, while it is enabled', async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  const customer = await createOrg(app, { prefix: 'cust' });
  // An access request, its approval, an NDA acceptance and a download: each an own event, none heard.
  await grantedCustomer(app, vendor, customer, documentId);
  const as = { token: customer.owner.token, org: customer.slug };
  expect(expectNoErrors(await download(app, documentId, as)).requestDocumentDownload.errors).toEqual([]);
  expect(await queued(vendor)).toEqual([]);

  // An endpoint for NDA acceptances only: a download is still not queued.
  await endpoint(vendor, ['nda.accepted']);
  expect(expectNoErrors(await download(app, documentId, as)).requestDocumentDownload.errors).toEqual([]);
  expect(await queued(vendor)).toEqual([]);

  // An endpoint that takes every event: the next download is.
  const all = await endpoint(vendor, []);
  expect(expectNoErrors(await download(app, documentId, as)).requestDocumentDownload.errors).toEqual([]);
  expect(await queued(vendor)).toEqual(['document.downloaded']);

  // Disabled (as after repeated failed deliveries): not any more.
  await app.owner.query(`UPDATE webhook_endpoints SET enabled = false WHERE org_id = $1 AND id = $2`, [vendor.id, all]);
  expect(expectNoErrors(await download(app, documentId, as)).requestDocumentDownload.errors).toEqual([]);
  expect(await queued(vendor)).toEqual(['document.downloaded']);
});

test("another organization's endpoint does not make a vendor's event queued", async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  const customer = await createOrg(app, { prefix: 'cust' });
  await endpoint(customer, []);
  await grantedCustomer(app, vendor, customer, documentId);
  expect(expectNoErrors(await download(app, documentId, { token: customer.owner.token, org: customer.slug })).requestDocumentDownload.errors).toEqual([]);
  expect(await queued(vendor)).toEqual([]);
});
