import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorker, type Worker } from '../../src/jobs/worker';
import { createLogger } from '../../src/logger';
import { MailDigests } from '../../src/modules/mail/digest';
import { startEmbeddedSmtp, type EmbeddedSmtp } from '../../src/modules/mail/embedded-smtp';
import { signUnsubscribeToken, unsubscribe, verifyUnsubscribeToken } from '../../src/modules/mail/unsubscribe';
import { NotificationsService } from '../../src/modules/notifications/notifications.service';
import { startTestApp, type TestApp } from '../support/harness';
import { addMember, createAttestation, createOrg, expectNoErrors, type TestOrg, type TestUser } from '../support/factories';
import { decide, requestAccess, vendorWithRestrictedDocument } from '../support/documents';
import { readMailbox, waitForMail, type ReceivedMail } from '../support/mailbox';
import { queueDrained } from '../support/wait';

/**
 * Buyer alerts end to end (issue 13): a followed vendor's events reach the buyer's members by real SMTP (the embedded
 * sink, read back with mailparser) at once or in a daily digest, per member and category, each mail with RFC 8058
 * one-click unsubscribe; the preferences API; and the buyer's feed hearing the vendor's access decisions.
 * The worker here is this file's own, started with alert mail on (the harness's workers send none).
 */
const SECRET = 'mail-alerts-test-secret-at-least-32-bytes!';
const SETTINGS = { from: 'Trust Portal Alerts <alerts@mail.example.test>', publicBaseUrl: 'https://trust.example.test', tokenSecret: SECRET };
const logger = createLogger('silent');

let app: TestApp;
let sink: EmbeddedSmtp;
let worker: Worker;
let webBase: string;

beforeAll(async () => {
  app = await startTestApp({ env: { MAIL_TOKEN_SECRET: SECRET } });
  sink = await startEmbeddedSmtp({ dir: mkdtempSync(path.join(os.tmpdir(), 'tp-alerts-')) });
  worker = await startWorker({
    connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger, sweepCron: null, publicTargetsOnly: false,
    mail: { smtpUrl: sink.url, from: SETTINGS.from, publicBaseUrl: SETTINGS.publicBaseUrl }, alerts: { tokenSecret: SECRET, digestCron: null },
  });
  // The links in mail point at PUBLIC_BASE_URL; the tests send them to the app's own server instead.
  webBase = new URL(app.url).origin;
});
afterAll(async () => {
  await worker.stop();
  await sink.close();
  await app.close();
});

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });
const drained = () => queueDrained(app.owner, 'true', [], { timeoutMs: 30_000 });
const sweep = (day: string, orgIds: string[]) => new NotificationsService(app.db, logger).sweep(new Date(`${day}T04:00:00Z`), { onlyOrgIds: orgIds });

async function follow(vendor: TestOrg, customer: TestOrg): Promise<void> {
  const r = expectNoErrors(await app.gql(`mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { ...as(customer), variables: { s: vendor.slug } }));
  expect(r.watchVendor.errors).toEqual([]);
}

const PREFS = `category mode isDefault`;
async function setPrefs(org: TestOrg, user: TestUser, preferences: { category: string; mode: string }[]) {
  return app.gql(`mutation($i: UpdateMailPreferencesInput!) { updateMailPreferences(input: $i) { preferences { ${PREFS} } errors { code field message } } }`, { ...as(org, user), variables: { i: { preferences } } });
}
const getPrefs = async (org: TestOrg, user: TestUser) => expectNoErrors(await app.gql(`{ mailPreferences { ${PREFS} } }`, as(org, user))).mailPreferences;

/** Outbox rows of one org (the superuser reads them: what was queued, for whom). */
const outbox = async (orgId: string) => (await app.owner.query(`SELECT kind, recipient, subject, headers FROM mail_outbox WHERE org_id = $1 ORDER BY created_at`, [orgId])).rows as { kind: string; recipient: string; subject: string; headers: Record<string, string> }[];

/** The List-Unsubscribe target of a received mail, pointed at the app's server. */
function unsubscribeLink(mail: ReceivedMail): { url: string; token: string } {
  const head = mail.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const match = /^List-Unsubscribe: <([^>]+)>$/im.exec(head);
  if (!match) throw new Error(`no List-Unsubscribe in ${head}`);
  const header = new URL(match[1]!);
  expect(`${header.origin}${header.pathname}`).toBe('https://trust.example.test/mail/unsubscribe');
  return { url: `${webBase}${header.pathname}${header.search}`, token: header.searchParams.get('token')! };
}

const oneClick = (url: string, body = 'List-Unsubscribe=One-Click') => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

/** A published vendor, a customer following it with an owner and a VIEWER, and an organization that follows nothing. */
async function story() {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const customer = await createOrg(app, { prefix: 'buyer' });
  const viewer = await addMember(app, customer, 'VIEWER');
  const bystander = await createOrg(app, { prefix: 'bystander' });
  await follow(vendor, customer);
  return { vendor, customer, viewer, bystander };
}

test('a report going STALE mails each following member at once, with one-click unsubscribe headers; nobody else', async () => {
  const { vendor, customer, viewer, bystander } = await story();
  await createAttestation(app, vendor, { periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-01', title: 'SOC 2 FY2025' }, true);
  await drained();
  await sweep('2027-01-05', [vendor.id, customer.id]);
  const mail = await waitForMail(sink.dir, viewer.email, (m) => m.subject.includes('went stale'));
  expect(mail.subject).toBe(`Org ${vendor.slug}: SOC 2 FY2025 went stale after 2026-12-31`);
  expect(mail.from).toBe('"Trust Portal Alerts" <alerts@mail.example.test>');
  expect(mail.text).toContain('Expires on: 2026-12-31');
  expect(mail.html).toContain(`href="https://trust.example.test/trust/${vendor.slug}"`);
  expect(mail.raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
  const { token } = unsubscribeLink(mail);
  expect(verifyUnsubscribeToken(SECRET, token)).toMatchObject({ orgId: customer.id, categories: ['FRESHNESS'] });
  await waitForMail(sink.dir, customer.owner.email, (m) => m.subject.includes('went stale'));
  await drained();
  // Exactly one per member and event; the vendor hears in its feed only; the bystander nothing.
  const rows = await outbox(customer.id);
  expect(rows.filter((r) => r.kind === 'alert.freshness').map((r) => r.recipient).sort()).toEqual([customer.owner.email, viewer.email].sort());
  expect(rows.every((r) => r.headers['List-Unsubscribe-Post'] === 'List-Unsubscribe=One-Click')).toBe(true);
  expect(await outbox(vendor.id)).toEqual([]);
  expect(await outbox(bystander.id)).toEqual([]);
  expect((await readMailbox(sink.dir)).filter((m) => m.to.includes(bystander.owner.email) || m.to.includes(vendor.owner.email))).toEqual([]);
  // The same sweep again: no new transition, no new mail.
  await sweep('2027-01-06', [vendor.id, customer.id]);
  await drained();
  expect((await outbox(customer.id)).filter((r) => r.kind === 'alert.freshness')).toHaveLength(2);
});

test('a member who wants NEW_REPORT at once is mailed on publication; the default (digest) member gets a digest item instead', async () => {
  const { vendor, customer, viewer } = await story();
  expect((await setPrefs(customer, viewer, [{ category: 'NEW_REPORT', mode: 'IMMEDIATE' }])).data!.updateMailPreferences.errors).toEqual([]);
  await createAttestation(app, vendor, { title: 'SOC 2 Type II 2026', periodStart: '2026-01-01', periodEnd: '2026-06-30', issueDate: '2026-08-01' }, true);
  const mail = await waitForMail(sink.dir, viewer.email, (m) => m.subject.includes('SOC 2 Type II 2026'));
  expect(mail.text).toContain('A vendor you follow published a report.');
  unsubscribeLink(mail);
  await drained();
  expect((await outbox(customer.id)).map((r) => [r.kind, r.recipient])).toEqual([['alert.new_report', viewer.email]]);
  const items = await app.owner.query(`SELECT user_id, category, dispatched_at FROM mail_digest_items WHERE org_id = $1`, [customer.id]);
  expect(items.rows).toEqual([{ user_id: expect.any(String), category: 'NEW_REPORT', dispatched_at: null }]);
});

test('the daily digest gathers a member\'s pending items into one mail, marks them dispatched, and sends nothing more that day', async () => {
  const { vendor, customer, viewer, bystander } = await story();
  await createAttestation(app, vendor, { title: 'ISO report', periodStart: '2026-01-01', periodEnd: '2026-03-31', issueDate: '2026-05-01' }, true);
  expectNoErrors(await app.gql(`mutation { createSubprocessor(input: { name: "Blob Storage Co", purpose: "Backups", location: "EU" }) { errors { code } } }`, as(vendor)));
  expect((await setPrefs(customer, viewer, [{ category: 'SUBPROCESSORS', mode: 'OFF' }])).data!.updateMailPreferences.errors).toEqual([]);
  await drained();
  const digests = new MailDigests(app.db, logger, SETTINGS);
  // Pending: the owner has both items, the viewer the report only (subprocessors OFF: dropped, whether the change
  // was told before or after).
  expect(await digests.schedule(new Date(), { onlyOrgIds: [customer.id, bystander.id] })).toBe(2);
  const mail = await waitForMail(sink.dir, customer.owner.email, (m) => m.subject.startsWith('Your daily vendor digest'));
  expect(mail.text).toContain('2 updates from the vendors');
  expect(mail.text).toContain('New reports');
  expect(mail.text).toContain(`Org ${vendor.slug}: ISO report`);
  expect(mail.text).toContain('Subprocessor changes');
  expect(mail.text).toContain(`Org ${vendor.slug}: Subprocessor added: Blob Storage Co`);
  expect(verifyUnsubscribeToken(SECRET, unsubscribeLink(mail).token)).toMatchObject({ categories: ['NEW_REPORT', 'SUBPROCESSORS'] });
  const viewerDigest = await waitForMail(sink.dir, viewer.email, (m) => m.subject.startsWith('Your daily vendor digest'));
  expect(viewerDigest.text).toContain('1 update from the vendors');
  expect(viewerDigest.text).not.toContain('Blob Storage Co');
  await drained();
  const pending = await app.owner.query(`SELECT count(*)::int AS n FROM mail_digest_items WHERE org_id = $1 AND dispatched_at IS NULL`, [customer.id]);
  expect(pending.rows[0].n).toBe(0);
  // A second run the same day: nothing pending, nothing scheduled, still one digest each.
  expect(await digests.schedule(new Date(), { onlyOrgIds: [customer.id] })).toBe(0);
  expect((await outbox(customer.id)).filter((r) => r.kind === 'alert.digest')).toHaveLength(2);
  expect(await outbox(bystander.id)).toEqual([]);
});

test('one-click unsubscribe: GET changes nothing, POST turns that category OFF; the next mail of it stops, other categories still come', async () => {
  const { vendor, customer, viewer } = await story();
  expect((await setPrefs(customer, viewer, [{ category: 'NEW_REPORT', mode: 'IMMEDIATE' }])).data!.updateMailPreferences.errors).toEqual([]);
  await createAttestation(app, vendor, { title: 'First report', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-01' }, true);
  await drained();
  await sweep('2027-01-05', [vendor.id, customer.id]);
  const stale = await waitForMail(sink.dir, viewer.email, (m) => m.subject.includes('First report went stale'));
  const { url } = unsubscribeLink(stale);

  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  const body = await page.text();
  expect(body).toContain('<form method="post">');
  expect(body).toContain('reports becoming due or stale');
  expect((await getPrefs(customer, viewer)).find((p: { category: string }) => p.category === 'FRESHNESS')).toEqual({ category: 'FRESHNESS', mode: 'IMMEDIATE', isDefault: true });

  const posted = await oneClick(url);
  expect(posted.status).toBe(200);
  expect(await posted.text()).toContain('You are unsubscribed');
  expect(await getPrefs(customer, viewer)).toEqual([
    { category: 'FRESHNESS', mode: 'OFF', isDefault: false },
    { category: 'NEW_REPORT', mode: 'IMMEDIATE', isDefault: false },
    { category: 'SUBPROCESSORS', mode: 'DAILY_DIGEST', isDefault: true },
  ]);
  expect((await oneClick(url)).status).toBe(200); // again: still OFF, still fine

  // Another report: its publication (NEW_REPORT) still reaches the viewer; its going stale (FRESHNESS) only the owner.
  await createAttestation(app, vendor, { title: 'Second report', periodStart: '2025-02-01', periodEnd: '2026-01-31', issueDate: '2026-03-01' }, true);
  await waitForMail(sink.dir, viewer.email, (m) => m.subject.includes('Second report'));
  await drained();
  await sweep('2027-03-05', [vendor.id, customer.id]);
  await waitForMail(sink.dir, customer.owner.email, (m) => m.subject.includes('Second report went stale'));
  await drained();
  const viewerRows = (await outbox(customer.id)).filter((r) => r.recipient === viewer.email).map((r) => r.subject);
  expect(viewerRows.filter((s) => s.includes('went stale'))).toEqual([`Org ${vendor.slug}: First report went stale after 2026-12-31`]);
  expect(viewerRows.filter((s) => s.includes('Second report'))).toHaveLength(1);
});

test('a forged, altered or foreign token is 400 with a clear page, and changes nothing; so is a POST without the one-click body', async () => {
  const { customer, viewer } = await story();
  const [{ id: userId }] = (await app.owner.query(`SELECT id FROM users WHERE email = $1`, [viewer.email])).rows;
  const token = signUnsubscribeToken(SECRET, { orgId: customer.id, userId, categories: ['FRESHNESS'] });
  const signature = token.slice(token.lastIndexOf('.') + 1);
  const forged = [
    token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), // one character of the signature
    token.replace('.FRESHNESS.', '.NEW_REPORT.'), // another category under the same signature
    token.replace('.FRESHNESS.', '.FRESHNESS+NEW_REPORT.'),
    signUnsubscribeToken('another-secret-that-is-also-32-bytes-long', { orgId: customer.id, userId, categories: ['FRESHNESS'] }),
    `u1.${customer.id}.${customer.id}.FRESHNESS.${signature}`, // someone else
    'garbage',
    '',
  ];
  for (const bad of forged) {
    const url = `${webBase}/mail/unsubscribe?token=${encodeURIComponent(bad)}`;
    const get = await fetch(url);
    expect(get.status).toBe(400);
    expect(await get.text()).toContain('This unsubscribe link is not valid');
    const post = await oneClick(url);
    expect(post.status).toBe(400);
    expect(await unsubscribe(app.db, SECRET, bad)).toEqual({ ok: false, message: expect.stringContaining('not valid') });
  }
  const good = `${webBase}/mail/unsubscribe?token=${encodeURIComponent(token)}`;
  const noBody = await oneClick(good, 'confirm=yes');
  expect(noBody.status).toBe(400);
  expect(await noBody.text()).toContain('List-Unsubscribe=One-Click');
  expect((await getPrefs(customer, viewer)).every((p: { isDefault: boolean }) => p.isDefault)).toBe(true);
  // The genuine token, as multipart (RFC 8058 allows it): works.
  const form = new FormData();
  form.set('List-Unsubscribe', 'One-Click');
  expect((await fetch(good, { method: 'POST', body: form })).status).toBe(200);
  expect((await getPrefs(customer, viewer))[0]).toEqual({ category: 'FRESHNESS', mode: 'OFF', isDefault: false });
});

test('preferences: defaults, changes per member and organization, typed refusals, enum validation', async () => {
  const a = await createOrg(app, { prefix: 'prefs-a' });
  const b = await createOrg(app, { prefix: 'prefs-b' });
  const colleague = await addMember(app, a, 'EDITOR');
  expect(await getPrefs(a, a.owner)).toEqual([
    { category: 'FRESHNESS', mode: 'IMMEDIATE', isDefault: true },
    { category: 'NEW_REPORT', mode: 'DAILY_DIGEST', isDefault: true },
    { category: 'SUBPROCESSORS', mode: 'DAILY_DIGEST', isDefault: true },
  ]);
  const changed = expectNoErrors(await setPrefs(a, a.owner, [{ category: 'SUBPROCESSORS', mode: 'OFF' }, { category: 'FRESHNESS', mode: 'DAILY_DIGEST' }])).updateMailPreferences;
  expect(changed).toEqual({
    errors: [],
    preferences: [
      { category: 'FRESHNESS', mode: 'DAILY_DIGEST', isDefault: false },
      { category: 'NEW_REPORT', mode: 'DAILY_DIGEST', isDefault: true },
      { category: 'SUBPROCESSORS', mode: 'OFF', isDefault: false },
    ],
  });
  // Per member, per organization: the colleague and the same person's other organization keep the defaults.
  expect((await getPrefs(a, colleague)).every((p: { isDefault: boolean }) => p.isDefault)).toBe(true);
  const inB = { ...b, owner: a.owner };
  await app.owner.query(`INSERT INTO memberships (org_id, user_id, role) SELECT $1, id, 'VIEWER' FROM users WHERE email = $2`, [b.id, a.owner.email]);
  expect((await getPrefs(inB, a.owner)).every((p: { isDefault: boolean }) => p.isDefault)).toBe(true);

  expect(expectNoErrors(await setPrefs(a, a.owner, [])).updateMailPreferences).toEqual({ preferences: null, errors: [{ code: 'NO_CHANGES', field: 'preferences', message: expect.any(String) }] });
  expect(expectNoErrors(await setPrefs(a, a.owner, [{ category: 'FRESHNESS', mode: 'OFF' }, { category: 'FRESHNESS', mode: 'IMMEDIATE' }])).updateMailPreferences)
    .toEqual({ preferences: null, errors: [{ code: 'DUPLICATE_CATEGORY', field: 'preferences', message: 'FRESHNESS is listed twice; name each category once.' }] });
  const badEnum = await setPrefs(a, a.owner, [{ category: 'WEATHER', mode: 'OFF' }]);
  expect(badEnum.data).toBeNull();
  expect(badEnum.errors![0]!.message).toContain('WEATHER');
  expect((await getPrefs(a, a.owner))[0].mode).toBe('DAILY_DIGEST'); // refusals changed nothing
  const anonymous = await app.gql(`{ mailPreferences { category } }`);
  expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  // An API key acts for its organization, not for a person: it has no mail preferences.
  const key = expectNoErrors(await app.gql(`mutation { createApiKey(input: { name: "ci", scopes: [READ] }) { secret } }`, as(a))).createApiKey.secret;
  const byKey = await app.gql(`{ mailPreferences { category } }`, { token: key, org: a.slug });
  expect(byKey.errors![0]!.extensions!.code).toBe('FORBIDDEN');
});

test('the worker runs the digest: its mail_digests task (the cron\'s) schedules each member\'s send_mail_digest job', async () => {
  const { vendor, customer } = await story();
  await createAttestation(app, vendor, { title: 'Cron report', periodStart: '2026-01-01', periodEnd: '2026-03-31', issueDate: '2026-05-01' }, true);
  await drained();
  // What the crontab line does at MAIL_DIGEST_CRON: add a mail_digests job (here at once).
  await app.owner.query(`SELECT graphile_worker.add_job('mail_digests', '{}'::json)`);
  const mail = await waitForMail(sink.dir, customer.owner.email, (m) => m.subject.startsWith('Your daily vendor digest'));
  expect(mail.text).toContain(`Org ${vendor.slug}: Cron report`);
  await drained();
  expect((await outbox(customer.id)).filter((r) => r.kind === 'alert.digest')).toHaveLength(2); // the owner and the viewer
});

test('the buyer\'s feed hears the vendor\'s decisions: approved, denied, revoked, and access about to expire', async () => {
  const { vendor } = await vendorWithRestrictedDocument(app);
  const customer = await createOrg(app, { prefix: 'buyer' });
  const feed = async () => (expectNoErrors(await app.gql(`{ organization { notifications(first: 20) { edges { node { type title vendorOrganizationId data } } } } }`, as(customer))).organization.notifications.edges as { node: { type: string; title: string; vendorOrganizationId: string; data: Record<string, unknown> } }[])
    .map((e) => e.node).filter((n) => n.type.startsWith('access.'));

  const first = await requestAccess(app, customer, customer.owner, vendor.slug, { reason: 'Vendor review' });
  expect((await decide(app, vendor, first.accessRequest.id, false, { reason: 'Not now' })).errors).toEqual([]);
  const second = await requestAccess(app, customer, customer.owner, vendor.slug, { reason: 'Vendor review, again' });
  const approved = await decide(app, vendor, second.accessRequest.id, true, { grantDays: 3 });
  expect(approved.errors).toEqual([]);
  await drained();
  expect((await feed()).map((n) => n.type).sort()).toEqual(['access.approved', 'access.denied']);
  const denied = (await feed()).find((n) => n.type === 'access.denied')!;
  expect(denied).toMatchObject({ title: `Org ${vendor.slug} denied your access request`, vendorOrganizationId: vendor.id, data: { accessRequestId: first.accessRequest.id, reason: 'Not now' } });

  // The daily sweep within 7 days of the end: access.expiring, once however many days it runs.
  const service = new NotificationsService(app.db, logger);
  await service.sweep(new Date(), { onlyOrgIds: [vendor.id] });
  await service.sweep(new Date(), { onlyOrgIds: [vendor.id] });
  await drained();
  const expiring = (await feed()).filter((n) => n.type === 'access.expiring');
  expect(expiring).toHaveLength(1);
  expect(expiring[0]!.title).toMatch(new RegExp(`^Your access to Org ${vendor.slug}'s documents ends on \\d{1,2} \\w+ \\d{4}$`));

  const revoked = expectNoErrors(await app.gql(`mutation($i: RevokeAccessInput!) { revokeAccess(input: $i) { errors { code } } }`, { ...as(vendor), variables: { i: { requestId: second.accessRequest.id, reason: 'Contract ended' } } }));
  expect(revoked.revokeAccess.errors).toEqual([]);
  await drained();
  expect((await feed()).map((n) => n.type)).toEqual(['access.revoked', 'access.expiring', 'access.approved', 'access.denied']);
  // The vendor's own feed has none of these.
  const vendorFeed = await app.owner.query(`SELECT count(*)::int AS n FROM notifications WHERE org_id = $1 AND type LIKE 'access.%'`, [vendor.id]);
  expect(vendorFeed.rows[0].n).toBe(0);
});
