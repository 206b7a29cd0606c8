import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { startTestApp, testConfig, type TestApp } from '../support/harness';
import { createOrg, expectNoErrors, newUser, type TestOrg } from '../support/factories';
import { readMailbox } from '../support/mailbox';
import { queueDrained, waitFor } from '../support/wait';
import { startWorker, type Worker } from '../../src/jobs/worker';
import { createLogger } from '../../src/logger';
import { startEmbeddedSmtp, type EmbeddedSmtp } from '../../src/modules/mail/embedded-smtp';

/**
 * Mail survives its relay being down: the SMTP server is really stopped (connections refused), mail is caused
 * meanwhile, and once the server is back a minute later every message arrives exactly once (by Message-ID). With
 * graphile-worker's own backoff (e^attempt seconds), unshortened: the 4th retry of a message is 85 s after its first try.
 * The app runs no worker of its own: each test starts the one it needs, pointed at its SMTP server.
 */
jest.setTimeout(240_000);

let app: TestApp;
const settings = testConfig().mail;
beforeAll(async () => { app = await startTestApp(); });
afterAll(() => app.close());

function mailWorker(smtpUrl: string): Promise<Worker> {
  return startWorker({ connectionString: process.env.TP_TEST_APP_URL!, db: app.db, logger: createLogger('silent'), sweepCron: null, mail: { smtpUrl, from: settings.from, publicBaseUrl: settings.publicBaseUrl } });
}

async function invite(org: TestOrg, email: string): Promise<void> {
  const r = expectNoErrors(await app.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { i: { email, role: 'VIEWER' } } })).inviteMember;
  expect(r.errors).toEqual([]);
}

type Row = { id: string; message_id: string; recipient: string; status: string; attempts: number; last_error: string | null };
const outbox = async (orgId: string): Promise<Row[]> => (await app.owner.query(
  `SELECT id, message_id, recipient, status, attempts, last_error FROM mail_outbox WHERE org_id = $1 ORDER BY created_at`, [orgId])).rows;

test('SMTP down for a minute: mail caused meanwhile is retried and arrives exactly once; admins see the failures', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tp-mail-outage-'));
  let sink: EmbeddedSmtp = await startEmbeddedSmtp({ dir });
  const worker = await mailWorker(sink.url);
  try {
    const org = await createOrg(app);
    const before = newUser(app, 'before').email;
    await invite(org, before);
    await waitFor('the first invitation to be SENT', async () => (await outbox(org.id))[0]?.status === 'SENT');

    // The relay goes away: its port refuses connections.
    await sink.close();
    const down = Date.now();
    await expect(fetch(`http://127.0.0.1:${sink.port}/`)).rejects.toThrow();
    const during = [newUser(app, 'd1').email, newUser(app, 'd2').email, newUser(app, 'd3').email];
    for (const email of during) await invite(org, email);
    const failing = await waitFor('every new message to have failed at least twice', async () => {
      const rows = (await outbox(org.id)).filter((r) => during.includes(r.recipient));
      return rows.length === 3 && rows.every((r) => r.attempts >= 2) ? rows : null;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    for (const row of failing) {
      expect(row.status).toBe('QUEUED');
      expect(row.last_error).toMatch(/ECONNREFUSED|ECONNECTION/);
    }
    // The organization's admins see it: queued, with the connection error.
    const seen = expectNoErrors(await app.gql(`{ organization { mailDeliveries(status: QUEUED) { edges { node { recipient status attempts lastError } } } } }`,
      { token: org.owner.token, org: org.slug })).organization.mailDeliveries.edges.map((e: any) => e.node);
    expect(seen.map((n: any) => n.recipient).sort()).toEqual([...during].sort());
    for (const node of seen) expect(node.lastError).toMatch(/ECONNREFUSED|ECONNECTION/);

    // A minute after it went down, the relay is back on the same address.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 60_000 - (Date.now() - down))));
    sink = await startEmbeddedSmtp({ dir, port: sink.port });
    await waitFor('every message to be SENT', async () => (await outbox(org.id)).every((r) => r.status === 'SENT'), { timeoutMs: 150_000, intervalMs: 500 });
    await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [org.id]);

    const rows = await outbox(org.id);
    expect(rows).toHaveLength(4);
    const box = await readMailbox(dir);
    for (const row of rows) {
      const copies = box.filter((m) => m.messageId === row.message_id);
      expect({ recipient: row.recipient, copies: copies.length }).toEqual({ recipient: row.recipient, copies: 1 });
      expect(copies[0]!.to).toEqual([row.recipient]);
    }
    expect(box).toHaveLength(4);
    expect(rows.filter((r) => during.includes(r.recipient)).every((r) => r.attempts >= 3 && r.last_error === null)).toBe(true);
  } finally {
    await worker.stop();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a relay that refuses a message for good (5xx) makes it FAILED at once, with the reply, and it is not retried', async () => {
  const refusing = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onRcptTo(address, _session, callback) {
      callback(Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const port = (refusing.server.address() as { port: number }).port;
  const worker = await mailWorker(`smtp://127.0.0.1:${port}`);
  try {
    const org = await createOrg(app);
    const email = newUser(app, 'gone').email;
    await invite(org, email);
    const [row] = await waitFor('the message to be FAILED', async () => {
      const rows = await outbox(org.id);
      return rows[0]?.status === 'FAILED' ? rows : null;
    });
    expect(row).toMatchObject({ recipient: email, attempts: 1 });
    expect(row!.last_error).toMatch(/550/);
    await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [org.id]);
    expect((await outbox(org.id))[0]!.attempts).toBe(1);
    const failed = expectNoErrors(await app.gql(`{ organization { mailDeliveries(status: FAILED) { edges { node { recipient lastError sentAt } } } } }`,
      { token: org.owner.token, org: org.slug })).organization.mailDeliveries.edges.map((e: any) => e.node);
    expect(failed).toEqual([{ recipient: email, lastError: expect.stringMatching(/550/), sentAt: null }]);
  } finally {
    await worker.stop();
    await new Promise<void>((resolve) => refusing.close(() => resolve()));
  }
});

test('an attempt whose outcome was uncertain is retried as the same message: same Message-ID, recognisable by the receiver', async () => {
  const received: string[] = [];
  const sockets: { destroy(): void }[] = [];
  let dropFirst = true;
  // Takes the whole message, then (the first time) drops the connection instead of answering 250.
  const flaky = new SMTPServer({
    authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        received.push(/^Message-ID: (.+)$/im.exec(text)![1]!.trim());
        if (dropFirst) {
          dropFirst = false;
          for (const socket of sockets) socket.destroy();
          return;
        }
        callback();
      });
    },
  });
  flaky.server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
  const port = (flaky.server.address() as { port: number }).port;
  const worker = await mailWorker(`smtp://127.0.0.1:${port}`);
  try {
    const org = await createOrg(app);
    await invite(org, newUser(app, 'uncertain').email);
    await waitFor('the message to be SENT', async () => (await outbox(org.id))[0]?.status === 'SENT', { timeoutMs: 30_000 });
    const [row] = await outbox(org.id);
    expect(row!.attempts).toBe(2);
    expect(received).toEqual([row!.message_id, row!.message_id]);
  } finally {
    await worker.stop();
    await new Promise<void>((resolve) => flaky.close(() => resolve()));
  }
});
