import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logger';
import { OWN_EVENT_TYPES, WEBHOOK_API_VERSION } from '../../src/jobs/events';
import { startWorker, type Worker } from '../../src/jobs/worker';
import { NotificationsService, signWebhook } from '../../src/modules/notifications/notifications.service';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg } from '../support/factories';
import { acceptNda, decide, download, publishNda, requestAccess, vendorWithRestrictedDocument } from '../support/documents';
import { queueDrained, waitFor } from '../support/wait';

/**
 * A vendor's own endpoints hear its trust center: access requests and decisions, expiries, NDA acceptances, downloads
 * and its attestation lifecycle, each once, signed, with the documented envelope (docs/webhooks.md). Other
 * organizations' endpoints hear none of the private ones. Receivers listen on 127.0.0.1 (the harness allows private
 * targets; the worker is told so).
 */
interface Received { path: string; headers: http.IncomingHttpHeaders; body: string; json: Record<string, any> }

let app: TestApp;
let worker: Worker;
let receiver: http.Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body, json: JSON.parse(body) });
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  app = await startTestApp();
  worker = await startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: null, publicTargetsOnly: false });
});
afterAll(async () => {
  await worker.stop();
  await app.close();
  await new Promise((r) => receiver.close(r));
});

async function endpoint(org: TestOrg, path: string, eventTypes: string[] = []): Promise<string> {
  const r = expectNoErrors(await app.gql(
    `mutation($u: String!, $t: [String!]) { createWebhookEndpoint(input: { url: $u, eventTypes: $t }) { endpoint { id } secret errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { u: `${base}${path}`, t: eventTypes } },
  )).createWebhookEndpoint;
  expect(r.errors).toEqual([]);
  return r.secret;
}

const at = (path: string) => received.filter((r) => r.path === path);
const ofType = (path: string, type: string) => at(path).filter((r) => r.json.type === type);

test('createWebhookEndpoint takes the vendor event names and still refuses unknown ones', async () => {
  const org = await createOrg(app, { prefix: 'vendor' });
  const r = expectNoErrors(await app.gql(
    `mutation($u: String!, $t: [String!]) { createWebhookEndpoint(input: { url: $u, eventTypes: $t }) { endpoint { eventTypes } errors { code field } } }`,
    { token: org.owner.token, org: org.slug, variables: { u: `${base}/unused`, t: [...OWN_EVENT_TYPES, 'attestation.stale'] } },
  )).createWebhookEndpoint;
  expect(r).toEqual({ endpoint: { eventTypes: [...OWN_EVENT_TYPES, 'attestation.stale'] }, errors: [] });
  const bad = expectNoErrors(await app.gql(
    `mutation($u: String!) { createWebhookEndpoint(input: { url: $u, eventTypes: ["access.requested", "access.exploded"] }) { endpoint { id } errors { code field } } }`,
    { token: org.owner.token, org: org.slug, variables: { u: `${base}/unused` } },
  )).createWebhookEndpoint;
  expect(bad).toEqual({ endpoint: null, errors: [{ code: 'INVALID_EVENT_TYPE', field: 'eventTypes' }] });
});

test("a vendor's endpoint hears each event of its trust center once, signed and versioned; nobody else hears the private ones", async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app, 'SOC 2 Type II report');
  const allSecret = await endpoint(vendor, `/all-${vendor.id}`);
  await endpoint(vendor, `/nda-${vendor.id}`, ['nda.accepted']);
  const customer = await createOrg(app, { prefix: 'cust' });
  await endpoint(customer, `/customer-${vendor.id}`);
  const watcher = await createOrg(app, { prefix: 'watch' });
  expectNoErrors(await app.gql(`mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { token: watcher.owner.token, org: watcher.slug, variables: { s: vendor.slug } }));
  await endpoint(watcher, `/watcher-${vendor.id}`);
  const all = `/all-${vendor.id}`;

  // Access: requested and approved, the NDA accepted, a download, revoked; requested and denied; requested and
  // approved for a day, then expired (the daily sweep, a day and an hour later).
  const nda = await publishNda(app, vendor);
  const first = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId], reason: 'Vendor review' });
  expect(first.errors).toEqual([]);
  expect((await decide(app, vendor, first.accessRequest.id)).errors).toEqual([]);
  expect((await acceptNda(app, customer, customer.owner, vendor.slug, nda.version)).errors).toEqual([]);
  const got = await download(app, documentId, { token: customer.owner.token, org: customer.slug });
  expect(expectNoErrors(got).requestDocumentDownload.download.url).toBeTruthy();
  expectNoErrors(await app.gql(`mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug, variables: { i: { requestId: first.accessRequest.id, reason: 'Contract ended' } } }));
  const second = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId] });
  expect((await decide(app, vendor, second.accessRequest.id, false, { reason: 'Not now' })).errors).toEqual([]);
  const third = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId] });
  const approved = await decide(app, vendor, third.accessRequest.id, true, { grantDays: 1 });
  expect(approved.errors).toEqual([]);

  // Attestations: 2024 published, 2025 published (superseding 2024), 2025 withdrawn (2024 is current again, and stale).
  const older = await createAttestation(app, vendor, soc2TypeII(2024), true);
  const newer = await createAttestation(app, vendor, soc2TypeII(2025), true);
  expectNoErrors(await app.gql(`mutation($i: WithdrawAttestationInput!) { withdrawAttestation(input: $i) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug, variables: { i: { id: newer, reason: 'Reissued' } } }));
  const later = new Date(Date.now() + 25 * 3600 * 1000);
  await new NotificationsService(app.db, createLogger('silent')).sweep(later, { onlyOrgIds: [vendor.id] });

  const expected: Record<string, number> = {
    'access.requested': 3, 'access.approved': 2, 'access.denied': 1, 'access.revoked': 1, 'access.expired': 1,
    'nda.accepted': 1, 'document.downloaded': 1,
    'attestation.published': 2, 'attestation.superseded': 1, 'attestation.withdrawn': 1, 'attestation.stale': 1,
  };
  const total = Object.values(expected).reduce((a, b) => a + b, 0);
  await waitFor('every vendor event at its endpoint', () => at(all).length >= total);
  await queueDrained(app.owner, `j.payload->>'vendorOrgId' = $1 OR j.payload->>'orgId' = ANY($2)`, [vendor.id, [vendor.id, customer.id, watcher.id]]);

  // Once each (by delivery and by event id), signed with the endpoint's secret, in the documented envelope.
  const counts: Record<string, number> = {};
  for (const r of at(all)) counts[r.json.type] = (counts[r.json.type] ?? 0) + 1;
  expect(counts).toEqual(expected);
  expect(new Set(at(all).map((r) => r.json.id)).size).toBe(total);
  expect(new Set(at(all).map((r) => r.headers['x-trust-portal-delivery'])).size).toBe(total);
  for (const r of at(all)) {
    const signature = String(r.headers['x-trust-portal-signature']);
    const t = Number(/^t=(\d+),v1=[0-9a-f]{64}$/.exec(signature)![1]);
    expect(signWebhook(allSecret, t, r.body)).toBe(signature);
    expect(r.headers['x-trust-portal-event']).toBe(r.json.type);
    expect(r.json).toMatchObject({ apiVersion: WEBHOOK_API_VERSION, organizationId: vendor.id, vendorOrganizationId: vendor.id, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(new Date(r.json.occurredAt).toISOString()).toBe(r.json.occurredAt);
    expect(typeof r.json.data).toBe('object');
    // Nothing secret rides along: no storage key, no hash.
    expect(r.body).not.toMatch(/sha256|storageKey|whsec_|orgs\//i);
  }

  const customerData = { customerOrganizationId: customer.id, customerOrganizationName: expect.any(String), requesterEmail: customer.owner.email };
  expect(ofType(all, 'access.requested').map((r) => r.json.data)).toEqual(expect.arrayContaining([
    { accessRequestId: first.accessRequest.id, ...customerData, documentIds: [documentId], reason: 'Vendor review', expiresAt: null },
  ]));
  expect(ofType(all, 'access.approved').find((r) => r.json.data.accessRequestId === third.accessRequest.id)!.json.data)
    .toEqual({ accessRequestId: third.accessRequest.id, ...customerData, documentIds: [documentId], reason: null, expiresAt: approved.accessRequest.grantExpiresAt });
  expect(ofType(all, 'access.denied')[0]!.json.data).toMatchObject({ accessRequestId: second.accessRequest.id, ...customerData, reason: 'Not now' });
  expect(ofType(all, 'access.revoked')[0]!.json.data).toMatchObject({ accessRequestId: first.accessRequest.id, ...customerData, reason: 'Contract ended', expiresAt: null });
  expect(ofType(all, 'access.expired')[0]!.json).toMatchObject({
    occurredAt: approved.accessRequest.grantExpiresAt,
    data: { accessRequestId: third.accessRequest.id, ...customerData, expiresAt: approved.accessRequest.grantExpiresAt },
  });
  expect(ofType(all, 'nda.accepted')[0]!.json.data).toEqual({
    ndaAcceptanceId: expect.any(String), ndaVersion: nda.version, customerOrganizationId: customer.id, customerOrganizationName: expect.any(String),
    signerName: 'Pat Buyer', signerTitle: 'Procurement', signerEmail: customer.owner.email, acceptedAt: expect.any(String),
  });
  expect(ofType(all, 'document.downloaded')[0]!.json.data).toEqual({
    documentId, documentTitle: 'SOC 2 Type II report', version: 1, visibility: 'RESTRICTED', watermarked: true,
    customerOrganizationId: customer.id, customerOrganizationName: expect.any(String), userEmail: customer.owner.email,
  });
  expect(ofType(all, 'attestation.superseded')[0]!.json).toMatchObject({ title: expect.any(String), data: { attestationId: older, supersededById: newer } });
  expect(ofType(all, 'attestation.withdrawn')[0]!.json.data).toMatchObject({ attestationId: newer, framework: 'SOC2' });
  expect(ofType(all, 'attestation.stale')[0]!.json.data).toMatchObject({ attestationId: older, framework: 'SOC2' });

  // The filtered endpoint: the NDA acceptance only, the same event.
  expect(at(`/nda-${vendor.id}`).map((r) => r.json.id)).toEqual(ofType(all, 'nda.accepted').map((r) => r.json.id));
  // The customer (not following) hears nothing by webhook; the follower hears the public lifecycle only, addressed to itself.
  expect(at(`/customer-${vendor.id}`)).toEqual([]);
  const heard = at(`/watcher-${vendor.id}`);
  expect(heard.map((r) => r.json.type).sort()).toEqual(['attestation.published', 'attestation.published', 'attestation.stale', 'attestation.superseded', 'attestation.withdrawn']);
  for (const r of heard) expect(r.json).toMatchObject({ apiVersion: WEBHOOK_API_VERSION, organizationId: watcher.id, vendorOrganizationId: vendor.id });
});

test('a refused request sends nothing: only the request that was recorded is told', async () => {
  const { vendor, documentId } = await vendorWithRestrictedDocument(app);
  await endpoint(vendor, `/refused-${vendor.id}`);
  const customer = await createOrg(app, { prefix: 'cust' });
  const ok = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId] });
  expect(ok.errors).toEqual([]);
  // A second open request is refused (ALREADY_REQUESTED): its transaction writes nothing, so no second access.requested.
  const again = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId] });
  expect(again.errors.map((e: { code: string }) => e.code)).toEqual(['ALREADY_REQUESTED']);
  await waitFor('the first request', () => at(`/refused-${vendor.id}`).length >= 1);
  await queueDrained(app.owner, `j.payload->>'orgId' = $1`, [vendor.id]);
  expect(at(`/refused-${vendor.id}`).map((r) => [r.json.type, r.json.data.accessRequestId])).toEqual([['access.requested', ok.accessRequest.id]]);
});

test('a vendor whose trust center is not published still hears its own attestation lifecycle (followers hear nothing)', async () => {
  const vendor = await createOrg(app, { prefix: 'draft' });
  await endpoint(vendor, `/draft-${vendor.id}`);
  const id = await createAttestation(app, vendor, soc2TypeII(2025), true);
  const hit = await waitFor('the published event', () => at(`/draft-${vendor.id}`)[0]);
  expect(hit.json).toMatchObject({ apiVersion: WEBHOOK_API_VERSION, type: 'attestation.published', organizationId: vendor.id, data: { attestationId: id } });
  await queueDrained(app.owner, `j.payload->>'vendorOrgId' = $1 OR j.payload->>'orgId' = $1`, [vendor.id]);
  expect(at(`/draft-${vendor.id}`)).toHaveLength(1);
});
