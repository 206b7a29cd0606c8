import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';
import { readMailbox, waitForMail } from '../support/mailbox';
import { queueDrained, waitFor } from '../support/wait';
import { startWorker } from '../../src/jobs/worker';
import { createLogger } from '../../src/logger';
import { TenantScope } from '../../src/modules/auth/tenant-scope';
import { queueMail, type MailSettings, type OutgoingMail } from '../../src/modules/mail/mail.service';
import { render } from '../../src/modules/mail/mail.templates';

/** The outbox and its delivery job on their own: a row and a job in the caller's transaction, real SMTP to the sink. */
let app: TestApp;
let settings: MailSettings;

beforeAll(async () => {
  app = await startTestApp({ worker: true });
  settings = { from: 'Trust Portal Tests <no-reply@mail.example.test>', publicBaseUrl: 'https://trust.example.test' };
});
afterAll(() => app.close());

const mailOf = (to: string, eventKey: string, extra: Partial<OutgoingMail> = {}): OutgoingMail => ({
  kind: 'test.message', category: 'TRANSACTIONAL', eventKey, to,
  content: render({ title: 'Hello <b>there</b>', blocks: ['Body with <script>alert(1)</script>', [['Who', 'O\'Brien & Co']]], action: { label: 'Open', url: 'https://trust.example.test/x?a=1&b=2' }, footer: 'Because.' }),
  ...extra,
});

async function queue(orgId: string, mail: OutgoingMail, rollback = false) {
  const scope = TenantScope.forSystem(orgId);
  let result: Awaited<ReturnType<typeof queueMail>> | null = null;
  await app.db.transaction(scope.identity(), async (m) => {
    result = await queueMail(m, scope, settings, mail);
    if (rollback) throw new Error('rolled back on purpose');
  }).catch((error: Error) => {
    if (!rollback || error.message !== 'rolled back on purpose') throw error;
  });
  return result!;
}

const row = async (id: string) => (await app.owner.query(`SELECT * FROM mail_outbox WHERE id = $1`, [id])).rows[0];

test('a queued message is delivered once over SMTP with its stored Message-ID, and marked SENT', async () => {
  const org = await createOrg(app);
  const to = `first-${org.slug}@example.test`;
  const queued = await queue(org.id, mailOf(to, `e1:${org.id}`));
  expect(queued).toMatchObject({ status: 'QUEUED', queued: true });
  expect(queued.messageId).toMatch(/^<[0-9a-f-]{36}@mail\.example\.test>$/);
  const mail = await waitForMail(app.mail!.dir, to);
  expect(mail.messageId).toBe(queued.messageId);
  expect(mail.subject).toBe('Hello <b>there</b>');
  expect(mail.from).toBe('"Trust Portal Tests" <no-reply@mail.example.test>');
  // The Date header is the row's creation (to the second), the same on every attempt.
  expect(mail.date!.getTime()).toBe(Math.floor((await row(queued.id)).created_at.getTime() / 1000) * 1000);
  expect(mail.html).toContain('Body with &lt;script&gt;alert(1)&lt;/script&gt;');
  expect(mail.html).not.toContain('<script>');
  expect(mail.html).toContain('O&#39;Brien &amp; Co');
  expect(mail.html).toContain('href="https://trust.example.test/x?a=1&amp;b=2"');
  expect(mail.text).toContain('Body with <script>alert(1)</script>');
  expect(mail.text).toContain('Open: https://trust.example.test/x?a=1&b=2');
  const sent = await waitFor('the row to be SENT', async () => ((await row(queued.id)).status === 'SENT' ? row(queued.id) : null));
  expect(sent).toMatchObject({ attempts: 1, last_error: null, org_id: org.id });
  expect(sent.sent_at).toBeInstanceOf(Date);
  await queueDrained(app.owner, `j.payload->>'mailId' = $1`, [queued.id]);
  expect((await readMailbox(app.mail!.dir)).filter((m) => m.messageId === queued.messageId)).toHaveLength(1);
});

test('a rolled-back change leaves no message and no job', async () => {
  const org = await createOrg(app);
  const queued = await queue(org.id, mailOf(`rollback-${org.slug}@example.test`, `e2:${org.id}`), true);
  expect(await row(queued.id)).toBeUndefined();
  const jobs = await app.owner.query(`SELECT 1 FROM graphile_worker._private_jobs WHERE payload->>'mailId' = $1`, [queued.id]);
  expect(jobs.rows).toHaveLength(0);
});

test('one message per event: the same event key queued again keeps the first message', async () => {
  const org = await createOrg(app);
  const to = `dup-${org.slug}@example.test`;
  const first = await queue(org.id, mailOf(to, `e3:${org.id}`));
  const second = await queue(org.id, mailOf(to, `e3:${org.id}`));
  expect(second).toEqual({ id: first.id, messageId: first.messageId, status: expect.any(String), queued: false });
  const rows = await app.owner.query(`SELECT id FROM mail_outbox WHERE org_id = $1`, [org.id]);
  expect(rows.rows).toHaveLength(1);
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [org.id]);
  expect((await readMailbox(app.mail!.dir)).filter((m) => m.to.includes(to))).toHaveLength(1);
});

test('a malformed recipient is recorded as FAILED with a reason, and nothing is sent', async () => {
  const org = await createOrg(app);
  const queued = await queue(org.id, mailOf('not an address\r\nBcc: victim@example.test', `e4:${org.id}`));
  expect(queued.status).toBe('FAILED');
  const failed = await row(queued.id);
  expect(failed).toMatchObject({ status: 'FAILED', attempts: 0, last_error: 'The recipient is not a valid email address; nothing was sent.' });
  expect(failed.recipient).not.toMatch(/[\r\n]/);
  const jobs = await app.owner.query(`SELECT 1 FROM graphile_worker._private_jobs WHERE payload->>'mailId' = $1`, [queued.id]);
  expect(jobs.rows).toHaveLength(0);
});

test('a message carrying a secret is delivered whole, then its bodies are removed from the outbox', async () => {
  const org = await createOrg(app);
  const to = `secret-${org.slug}@example.test`;
  const content = render({ title: 'Your token', blocks: ['tpi_secret_value'], footer: 'x' });
  const queued = await queue(org.id, mailOf(to, `e5:${org.id}`, { content, redactAfterDelivery: true }));
  expect((await row(queued.id)).text_body).toContain('tpi_secret_value');
  const mail = await waitForMail(app.mail!.dir, to);
  expect(mail.text).toContain('tpi_secret_value');
  const sent = await waitFor('the row to be SENT', async () => ((await row(queued.id)).status === 'SENT' ? row(queued.id) : null));
  expect(sent.text_body).not.toContain('tpi_secret_value');
  expect(sent.html_body).not.toContain('tpi_secret_value');
});

test('headers that would readdress the message are refused; others are carried', async () => {
  const org = await createOrg(app);
  await expect(queue(org.id, mailOf(`h-${org.slug}@example.test`, `e6:${org.id}`, { headers: { Bcc: 'x@example.test' } }))).rejects.toThrow(/header "Bcc"/);
  const to = `h2-${org.slug}@example.test`;
  await queue(org.id, mailOf(to, `e7:${org.id}`, { headers: { 'List-Unsubscribe': '<https://trust.example.test/u>\r\nBcc: x@example.test' } }));
  const mail = await waitForMail(app.mail!.dir, to);
  const head = mail.raw.slice(0, mail.raw.indexOf('\r\n\r\n'));
  expect(head).toMatch(/^List-Unsubscribe: <https:\/\/trust\.example\.test\/u> Bcc: x@example\.test$/m);
  expect(head).not.toMatch(/^Bcc:/im);
});

test('the grant expiry reminders are scheduled with the daily sweep, only on a worker that can send mail', async () => {
  const known = async () => (await app.owner.query(`SELECT identifier FROM graphile_worker._private_known_crontabs ORDER BY identifier`)).rows.map((r: { identifier: string }) => r.identifier);
  const bare = await startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: '0 3 * * *' });
  try {
    await waitFor('the sweep to be scheduled', async () => (await known()).includes('freshness_sweep'));
    expect(await known()).not.toContain('mail_grant_reminders');
  } finally {
    await bare.stop();
  }
  const mailer = await startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: '0 3 * * *', mail: { smtpUrl: app.mail!.url, ...settings } });
  try {
    await waitFor('the reminders to be scheduled', async () => (await known()).includes('mail_grant_reminders'));
  } finally {
    await mailer.stop();
  }
});
