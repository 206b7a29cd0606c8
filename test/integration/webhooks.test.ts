import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logger';
import { NotificationsService, signWebhook, DISABLE_AFTER_FAILED_DELIVERIES } from '../../src/modules/notifications/notifications.service';
import { startWorker } from '../../src/jobs/worker';
import { startTestApp, type TestApp } from '../support/harness';
import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { queueDrained, waitFor as until } from '../support/wait';

/**
 * Webhooks end to end: a vendor's publication reaches a watching customer's endpoint on a local receiver, signed;
 * the queue survives a restart and two workers never deliver one event twice. Local receivers are private targets:
 * the harness allows them (WEBHOOK_ALLOW_PRIVATE=true) and the workers and services here say so (publicTargetsOnly:
 * false); the last test starts a worker with its defaults, which refuses them.
 */
interface Received { headers: http.IncomingHttpHeaders; body: string }

let app: TestApp;
let receiver: http.Server;
let received: Received[] = [];
let failNext = 0;
let receiverUrl: string;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = failNext > 0 ? (failNext--, 500) : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  received = [];
  failNext = 0;
});

async function customerWatching(vendor: TestOrg, eventTypes: string[] = []): Promise<{ customer: TestOrg; endpointId: string; secret: string }> {
  const customer = await createOrg(app, { prefix: 'cust' });
  expectNoErrors(await app.gql(`mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { token: customer.owner.token, org: customer.slug, variables: { s: vendor.slug } }));
  const r = expectNoErrors(await app.gql(
    `mutation($u: String!, $t: [String!]) { createWebhookEndpoint(input: { url: $u, eventTypes: $t }) { endpoint { id } secret errors { code } } }`,
    { token: customer.owner.token, org: customer.slug, variables: { u: receiverUrl, t: eventTypes } },
  )).createWebhookEndpoint;
  return { customer, endpointId: r.endpoint.id, secret: r.secret };
}

test('a published report reaches a watching customer as a signed webhook and a notification', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const { customer, secret } = await customerWatching(vendor, ['attestation.published']);
  const worker = await startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: null, publicTargetsOnly: false });
  try {
    const before = Math.floor(Date.now() / 1000);
    await createAttestation(app, vendor, {}, true);
    const hit = await until('the webhook', async () => received.find((r) => JSON.parse(r.body).vendorOrganizationId === vendor.id));
    const after = Math.ceil(Date.now() / 1000);
    const body = JSON.parse(hit.body);
    expect(body).toMatchObject({ type: 'attestation.published', vendorOrganizationId: vendor.id });
    const signature = String(hit.headers['x-trust-portal-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature)!;
    expect(createHmac('sha256', secret).update(`${t}.${hit.body}`).digest('hex')).toBe(v1);
    expect(signWebhook(secret, Number(t), hit.body)).toBe(signature);
    // Signed when sent: between the publication and its arrival.
    expect(Number(t)).toBeGreaterThanOrEqual(before);
    expect(Number(t)).toBeLessThanOrEqual(after);

    const feed = expectNoErrors(await app.gql(`{ organization { unreadNotificationCount notifications { edges { node { type title eventId } } } } }`, { token: customer.owner.token, org: customer.slug })).organization;
    expect(feed.unreadNotificationCount).toBe(1);
    expect(feed.notifications.edges[0].node).toMatchObject({ type: 'attestation.published', eventId: body.id });
    const deliveries = await until('the delivery log', async () => {
      const r = expectNoErrors(await app.gql(`{ organization { webhookEndpoints { deliveries { status attempts lastStatusCode } } } }`, { token: customer.owner.token, org: customer.slug }));
      const d = r.organization.webhookEndpoints[0].deliveries;
      return d.length === 1 && d[0].status === 'SUCCEEDED' ? d : null;
    });
    expect(deliveries).toEqual([{ status: 'SUCCEEDED', attempts: 1, lastStatusCode: 204 }]);
  } finally {
    await worker.stop();
  }
});

test('jobs queued while no worker runs are delivered after a restart, once each, even with two workers', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const customers = await Promise.all([1, 2, 3].map(() => customerWatching(vendor)));
  // No worker: the publication's jobs wait in PostgreSQL (a crashed or stopped process loses nothing).
  await createAttestation(app, vendor, {}, true);
  const [{ n }] = (await app.owner.query(`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`)).rows;
  expect(n).toBeGreaterThan(0);
  const workers = await Promise.all([1, 2].map(() => startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: null, publicTargetsOnly: false })));
  try {
    const mine = () => received.filter((r) => JSON.parse(r.body).vendorOrganizationId === vendor.id);
    await until('three deliveries', async () => mine().length >= 3);
    // Would a duplicate arrive? Not once the publication's work is done: every job it caused (the fan-out, each
    // delivery and any retry) has left the queue, and a receiver hears a delivery before its job completes.
    await queueDrained(app.owner, `j.payload->>'vendorOrgId' = $1 OR j.payload->>'orgId' = ANY($2)`, [vendor.id, customers.map((c) => c.customer.id)]);
    const ids = mine().map((r) => r.headers['x-trust-portal-delivery']);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const c of customers) {
      const { rows } = await app.owner.query(`SELECT status, attempts FROM webhook_deliveries WHERE org_id = $1`, [c.customer.id]);
      expect(rows).toEqual([{ status: 'SUCCEEDED', attempts: 1 }]);
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
});

test('a failed attempt is recorded and retried; the last failure marks the delivery FAILED; repeated failures disable the endpoint', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const { customer, endpointId } = await customerWatching(vendor);
  const service = new NotificationsService(app.db, createLogger('silent'), { publicTargetsOnly: false });
  const delivery = async (): Promise<string> => {
    const r = expectNoErrors(await app.gql(`mutation($id: ID!) { testWebhookEndpoint(id: $id) { id status } }`, { token: customer.owner.token, org: customer.slug, variables: { id: endpointId } }));
    return r.testWebhookEndpoint.id;
  };
  failNext = 1;
  const first = await delivery();
  await expect(service.deliver(customer.id, first, { number: 1, max: 3 })).rejects.toThrow(/HTTP 500/);
  let row = (await app.owner.query(`SELECT status, attempts, last_status_code FROM webhook_deliveries WHERE id = $1`, [first])).rows[0];
  expect(row).toEqual({ status: 'PENDING', attempts: 1, last_status_code: 500 });
  await service.deliver(customer.id, first, { number: 2, max: 3 });
  row = (await app.owner.query(`SELECT status, attempts, last_status_code FROM webhook_deliveries WHERE id = $1`, [first])).rows[0];
  expect(row).toEqual({ status: 'SUCCEEDED', attempts: 2, last_status_code: 204 });

  for (let i = 0; i < DISABLE_AFTER_FAILED_DELIVERIES; i++) {
    failNext = 1;
    const id = await delivery();
    await service.deliver(customer.id, id, { number: 3, max: 3 }); // the last attempt: no rethrow, FAILED
    expect((await app.owner.query(`SELECT status FROM webhook_deliveries WHERE id = $1`, [id])).rows[0].status).toBe('FAILED');
  }
  const endpoint = expectNoErrors(await app.gql(`{ organization { webhookEndpoints { enabled disabledReason consecutiveFailures } } }`, { token: customer.owner.token, org: customer.slug })).organization.webhookEndpoints[0];
  expect(endpoint).toEqual({ enabled: false, disabledReason: `disabled after ${DISABLE_AFTER_FAILED_DELIVERIES} failed deliveries`, consecutiveFailures: DISABLE_AFTER_FAILED_DELIVERIES });
});

test('a retried fan-out notifies each follower once', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const { customer } = await customerWatching(vendor);
  const service = new NotificationsService(app.db, createLogger('silent'));
  const event = { eventId: '6d1e1f2a-8b8a-4b55-9d0e-0c4c4bde1b11', vendorOrgId: vendor.id, type: 'subprocessors.changed' as const, title: 'Subprocessor added', data: {}, occurredAt: new Date().toISOString() };
  await service.fanOut(event);
  await service.fanOut(event);
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM notifications WHERE org_id = $1 AND event_id = $2`, [customer.id, event.eventId]);
  expect(rows[0].n).toBe(1);
  const d = await app.owner.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE org_id = $1`, [customer.id]);
  expect(d.rows[0].n).toBe(1);
});

test('webhook URLs must be http(s); unknown event types are refused', async () => {
  const org = await createOrg(app);
  const r = await app.gql(`mutation { a: createWebhookEndpoint(input: { url: "ftp://x.example" }) { errors { code field } } b: createWebhookEndpoint(input: { url: "https://127.0.0.1:9/x", eventTypes: ["nope"] }) { errors { code field } } }`, { token: org.owner.token, org: org.slug });
  expect(expectNoErrors(r)).toEqual({ a: { errors: [{ code: 'INVALID_URL', field: 'url' }] }, b: { errors: [{ code: 'INVALID_EVENT_TYPE', field: 'eventTypes' }] } });
});

test('the daily sweep emits expiring_soon and stale once per transition, to the vendor and its followers, and records status history', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const { customer } = await customerWatching(vendor);
  // Watches the same vendor but is left out of the sweep (onlyOrgIds): the sweep records nothing for it.
  const { customer: bystander } = await customerWatching(vendor);
  await createAttestation(app, vendor, { periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-01' }, true);
  const service = new NotificationsService(app.db, createLogger('silent'));
  const run = async (on: string) => {
    // Only this test's vendor and customer (onlyOrgIds): the bystander, watching the same vendor, must see nothing.
    await service.sweep(new Date(`${on}T04:00:00Z`), { onlyOrgIds: [vendor.id, customer.id] });
    // Fan-out jobs were queued by the sweep; run them here (no worker in this test).
    const jobs = await app.owner.query(`SELECT j.id, j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE t.identifier = 'fanout_vendor_event' AND j.payload->>'vendorOrgId' = $1`, [vendor.id]);
    for (const job of jobs.rows) {
      await service.fanOut(job.payload, new Date(`${on}T04:00:00Z`));
      await app.owner.query(`DELETE FROM graphile_worker._private_jobs WHERE id = $1`, [job.id]);
    }
  };
  await run('2026-06-30'); // fresh: nothing
  await run('2026-11-15'); // inside the 60-day window before 2026-12-31
  await run('2026-11-16'); // same state: nothing new
  await run('2027-01-05'); // stale
  const types = async (orgId: string) => (await app.owner.query(`SELECT type FROM notifications WHERE org_id = $1 AND type LIKE 'attestation.%' AND type <> 'attestation.published' ORDER BY created_at`, [orgId])).rows.map((r) => r.type);
  expect(await types(customer.id)).toEqual(['attestation.expiring_soon', 'attestation.stale']);
  expect(await types(vendor.id)).toEqual(['attestation.expiring_soon', 'attestation.stale']);
  const history = await app.owner.query(`SELECT previous_status, status, cause FROM vendor_status_history WHERE org_id = $1 ORDER BY recorded_at, effective_on`, [customer.id]);
  expect(history.rows.map((r) => r.status)).toEqual(expect.arrayContaining(['EXPIRING_SOON', 'NON_COMPLIANT']));
  const statuses = history.rows.map((r) => r.status);
  expect(statuses.filter((s, i) => i > 0 && s === statuses[i - 1])).toEqual([]); // each change recorded once
  const bySweep = async (orgId: string) => (await app.owner.query(`SELECT count(*)::int AS n FROM vendor_status_history WHERE org_id = $1 AND cause = 'daily freshness sweep'`, [orgId])).rows[0].n;
  expect(await bySweep(customer.id)).toBeGreaterThan(0);
  expect(await bySweep(bystander.id)).toBe(0);
});

test('a worker started with its defaults refuses private targets: the delivery fails and the receiver hears nothing', async () => {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const { customer, endpointId } = await customerWatching(vendor);
  const worker = await startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: null });
  let deliveryId = '';
  try {
    deliveryId = expectNoErrors(await app.gql(`mutation($id: ID!) { testWebhookEndpoint(id: $id) { id } }`, { token: customer.owner.token, org: customer.slug, variables: { id: endpointId } })).testWebhookEndpoint.id;
    const row = await until('the refused attempt', async () => {
      const { rows } = await app.owner.query(`SELECT status, attempts, last_status_code, last_error FROM webhook_deliveries WHERE id = $1`, [deliveryId]);
      return rows[0]?.attempts >= 1 ? rows[0] : null;
    });
    expect(row).toMatchObject({ status: 'PENDING', attempts: 1, last_status_code: null });
    expect(row.last_error).toMatch(/^webhook host 127\.0\.0\.1 is a non-public address \(127\.0\.0\.1: loopback\)$/);
    expect(received.filter((r) => r.headers['x-trust-portal-delivery'] === deliveryId)).toEqual([]);
  } finally {
    await worker.stop();
    // Its retry must not be delivered by a later (private-allowing) worker.
    await app.owner.query(`DELETE FROM graphile_worker._private_jobs WHERE key = $1`, [`delivery:${deliveryId}`]);
  }
});
