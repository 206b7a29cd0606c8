import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../src/logger';
import { TenantScope } from '../../src/modules/auth/tenant-scope';
import { NotificationsService } from '../../src/modules/notifications/notifications.service';
import { WebhookClient } from '../../src/modules/notifications/webhook-client';
import { startTestApp, type TestApp } from '../support/harness';
import { createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { resolver } from '../support/fake-resolver';

/**
 * The webhook SSRF guard against real sockets: a receiver listens on 127.0.0.1 and must never hear from a guarded
 * delivery, whatever the URL's spelling, whatever DNS answers, and however the endpoint row got its URL.
 *
 * Deliveries here are rows inserted directly and delivered by calling the service: a queued job could be taken by a
 * worker another test file runs (webhooks.test.ts), which allows private targets.
 */
let app: TestApp;
let receiver: http.Server;
let port: number;
let hits: { url: string | undefined }[] = [];
const logger = createLogger('silent');
/** Who the audit log names for endpoints this file creates through the service directly. */
const TEST_ACTOR = { userId: null, email: 'webhook-ssrf-test', orgId: null, ip: null, userAgent: null };

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    hits.push({ url: req.url });
    req.resume();
    if (req.url === '/redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/internal` });
      res.end();
      return;
    }
    res.statusCode = 204;
    res.end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  port = (receiver.address() as AddressInfo).port;
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  hits = [];
});


/** Every spelling of "this machine" a tenant could type, as text (new URL() reads it at delivery). */
const localUrls = (p: number): string[] => [
  `http://127.0.0.1:${p}/hooks`, `http://[::ffff:127.0.0.1]:${p}/hooks`, `http://[::ffff:7f00:1]:${p}/hooks`, `http://[::127.0.0.1]:${p}/hooks`,
  `http://[64:ff9b::7f00:1]:${p}/hooks`, `http://2130706433:${p}/hooks`, `http://0177.0.0.1:${p}/hooks`, `http://0x7f.1:${p}/hooks`,
  `http://127.1:${p}/hooks`, `http://0:${p}/hooks`, `http://0.0.0.0:${p}/hooks`, `http://[::]:${p}/hooks`, `http://[::1]:${p}/hooks`,
  `http://localhost:${p}/hooks`, `http://LOCALHOST.:${p}/hooks`, `https://127.0.0.1:${p}/hooks`,
];

async function endpointFor(org: TestOrg, url: string): Promise<string> {
  const r = expectNoErrors(await app.gql(`mutation($u: String!) { createWebhookEndpoint(input: { url: $u }) { endpoint { id } errors { code message } } }`, { token: org.owner.token, org: org.slug, variables: { u: url } }));
  expect(r.createWebhookEndpoint.errors).toEqual([]);
  return r.createWebhookEndpoint.endpoint.id;
}

async function pendingDelivery(orgId: string, endpointId: string): Promise<string> {
  const { rows } = await app.owner.query(
    `INSERT INTO webhook_deliveries (org_id, endpoint_id, event_type, payload, status) VALUES ($1, $2, 'webhook.test', '{"type":"webhook.test"}', 'PENDING') RETURNING id`,
    [orgId, endpointId],
  );
  return rows[0].id;
}

const deliveryRow = async (id: string): Promise<{ status: string; attempts: number; last_status_code: number | null; last_error: string | null }> =>
  (await app.owner.query(`SELECT status, attempts, last_status_code, last_error FROM webhook_deliveries WHERE id = $1`, [id])).rows[0];

test('the guarded client reaches no local receiver, whatever the spelling; the unguarded one does (the receiver works)', async () => {
  const guarded = new WebhookClient({ lookup: resolver(['127.0.0.1']) });
  const open = new WebhookClient({ allowPrivate: true });
  try {
    for (const url of localUrls(port)) {
      await expect(guarded.post(url, { headers: {}, body: '{}' })).rejects.toThrow(/non-public address|is local/);
    }
    expect(hits).toEqual([]);
    expect(await open.post(`http://127.0.0.1:${port}/hooks`, { headers: {}, body: '{}' })).toEqual({ status: 204 });
    expect(hits).toHaveLength(1);
  } finally {
    await Promise.all([guarded.close(), open.close()]);
  }
});

// DNS rebinding inside one connection (one lookup, connect to the checked address) is proven in
// test/unit/webhook-client.test.ts with undici's connector replaced: a test here must never open a connection to an
// address off this machine.

test('DNS rebinding between endpoint creation and delivery: public when created, loopback when delivered, refused and recorded', async () => {
  const org = await createOrg(app, { prefix: 'rebind' });
  const lookup = resolver(['93.184.215.14'], ['127.0.0.1']);
  const service = new NotificationsService(app.db, logger, { lookup }); // defaults: public targets only
  try {
    const created = await service.createEndpoint(TenantScope.forSystem(org.id), TEST_ACTOR, { url: `http://rebind.test:${port}/hooks` }, { allowPlainHttp: true, allowPrivateTargets: false });
    expect(created.errors).toEqual([]);
    expect(lookup.count).toBe(1);
    const id = await pendingDelivery(org.id, created.endpoint!.id);
    await service.deliver(org.id, id, { number: 1, max: 1 });
    expect(lookup.count).toBe(2);
    expect(hits).toEqual([]);
    expect(await deliveryRow(id)).toEqual({
      status: 'FAILED', attempts: 1, last_status_code: null,
      last_error: 'webhook host rebind.test resolves to a non-public address (127.0.0.1: loopback)',
    });
  } finally {
    await service.close();
  }
});

test('createEndpoint refuses non-public targets whenever private targets are not allowed, http or https', async () => {
  const org = await createOrg(app, { prefix: 'refuse' });
  const service = new NotificationsService(app.db, logger, { lookup: resolver(['10.0.0.7']) });
  const scope = TenantScope.forSystem(org.id);
  for (const allowPlainHttp of [true, false]) {
    for (const url of [...localUrls(port).map((u) => u.replace(/^http:/, 'https:')), 'https://internal.example/x', 'https://169.254.169.254/latest', 'https://[fd00::1]/', 'https://[fe80::1]/', 'https://100.64.0.1/']) {
      const r = await service.createEndpoint(scope, TEST_ACTOR, { url }, { allowPlainHttp, allowPrivateTargets: false });
      expect([url, r.endpoint, r.errors.map((e) => e.code)]).toEqual([url, null, ['INVALID_URL']]);
      expect(r.errors[0]!.message).toMatch(/non-public address|is local/);
    }
  }
  const allowed = await service.createEndpoint(scope, TEST_ACTOR, { url: `http://127.0.0.1:${port}/hooks` }, { allowPlainHttp: true, allowPrivateTargets: true });
  expect(allowed.errors).toEqual([]);
  const publicOne = await service.createEndpoint(scope, TEST_ACTOR, { url: 'https://8.8.8.8/hooks' }, { allowPlainHttp: false, allowPrivateTargets: false });
  expect(publicOne.errors).toEqual([]);
});

test('an endpoint row edited to a local address is refused at delivery by the default service, whatever the spelling', async () => {
  const org = await createOrg(app, { prefix: 'edited' });
  const endpointId = await endpointFor(org, `http://127.0.0.1:${port}/hooks`); // the harness allows private targets
  const guarded = new NotificationsService(app.db, logger);
  const open = new NotificationsService(app.db, logger, { publicTargetsOnly: false });
  try {
    for (const url of localUrls(port)) {
      await app.owner.query(`UPDATE webhook_endpoints SET url = $1 WHERE id = $2`, [url, endpointId]);
      const id = await pendingDelivery(org.id, endpointId);
      await guarded.deliver(org.id, id, { number: 1, max: 1 });
      const row = await deliveryRow(id);
      expect([url, row.status, row.last_status_code]).toEqual([url, 'FAILED', null]);
      expect(row.last_error).toMatch(/non-public address|is local/);
    }
    expect(hits).toEqual([]);
    // The same row, delivered where private targets are allowed: the receiver was there all along.
    await app.owner.query(`UPDATE webhook_endpoints SET url = $1, enabled = true, consecutive_failures = 0 WHERE id = $2`, [`http://127.0.0.1:${port}/hooks`, endpointId]);
    const id = await pendingDelivery(org.id, endpointId);
    await open.deliver(org.id, id, { number: 1, max: 1 });
    expect((await deliveryRow(id)).status).toBe('SUCCEEDED');
    expect(hits).toHaveLength(1);
  } finally {
    await Promise.all([guarded.close(), open.close()]);
  }
});

test('redirects are not followed: a 3xx is recorded as a failure and its Location is not requested', async () => {
  const org = await createOrg(app, { prefix: 'redirect' });
  const endpointId = await endpointFor(org, `http://127.0.0.1:${port}/redirect`);
  const open = new NotificationsService(app.db, logger, { publicTargetsOnly: false });
  try {
    const id = await pendingDelivery(org.id, endpointId);
    await open.deliver(org.id, id, { number: 1, max: 1 });
    expect(await deliveryRow(id)).toEqual({ status: 'FAILED', attempts: 1, last_status_code: 302, last_error: 'HTTP 302: redirects are not followed' });
    expect(hits).toEqual([{ url: '/redirect' }]);
  } finally {
    await open.close();
  }
});
