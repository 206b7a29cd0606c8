import { startTestApp, testConfig, uniqueSuffix, type TestApp } from '../support/harness';
import { addMember, createOrg, expectNoErrors, newUser, type TestOrg, type TestUser } from '../support/factories';
import { createDocumentWithFile, publishNda, setAccessPolicy } from '../support/documents';
import { readMailbox, waitForMail, type ReceivedMail } from '../support/mailbox';
import { queueDrained } from '../support/wait';
import { createLogger } from '../../src/logger';
import { remindExpiringGrants } from '../../src/modules/mail/reminders';

/**
 * Issue 13, mail: the whole story through real SMTP to the embedded sink, read back with mailparser. Invitation (its
 * link carries the token the invitee accepts with), access request to the vendor's deciders, approval with the NDA as
 * next step, NDA receipt, denial with the vendor's reason, and the expiry reminder 7 days before a grant ends. Names
 * and reasons typed by other people are hostile; the HTML part must show them as text.
 */
const BASE = 'https://trust.example.test';
const ENV = { PUBLIC_BASE_URL: BASE, MAIL_FROM: 'Trust Portal <trust@mail.example.test>' };
const HOSTILE = `<script>alert("x")</script> & "Sons"`;
const DAY_MS = 24 * 3600 * 1000;

let app: TestApp;
beforeAll(async () => { app = await startTestApp({ worker: true, env: ENV }); });
afterAll(() => app.close());

const as = (org: TestOrg, user: TestUser = org.owner) => ({ token: user.token, org: org.slug });

async function orgNamed(name: string, publish: boolean): Promise<TestOrg> {
  const owner = newUser(app, 'owner');
  const slug = `mail-${uniqueSuffix()}`;
  const r = await app.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } errors { code } } }`,
    { token: owner.token, variables: { i: { slug, name } } });
  const id = expectNoErrors(r).createOrganization.organization.id;
  if (publish) expectNoErrors(await app.gql(`mutation { publishTrustCenter { errors { code } } }`, { token: owner.token, org: slug }));
  return { id, slug, owner };
}

/** The HTML part shows `text` escaped, never as markup. */
function showsEscaped(mail: ReceivedMail, text: string): void {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  expect(mail.html).toContain(escaped);
  expect(mail.html).not.toContain(text);
  expect(mail.html).not.toMatch(/<(script|img|b|i)\b/i);
  expect(mail.text).toContain(text);
}

const A_DATE_TIME = /\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}, \d{2}:\d{2} UTC\b/;

test('the story by mail: invite, accept, request, decide, NDA receipt, expiry reminder; each message once', async () => {
  const vendor = await orgNamed(`Vendor ${HOSTILE}`, true);
  const vendorName = `Vendor ${HOSTILE}`;
  const doc = await createDocumentWithFile(app, vendor, { title: `SOC 2 <b>Type II</b>` });
  const nda = await publishNda(app, vendor);
  // Grants name the documents asked for (not the whole trust center), so the mails list them by title.
  expect((await setAccessPolicy(app, vendor, { grantScope: 'DOCUMENT' })).errors).toEqual([]);
  const viewer = await addMember(app, vendor, 'VIEWER');
  const editor = await addMember(app, vendor, 'EDITOR');

  // 1. Invitation: the mail carries the link with the token, and that token joins the organization.
  const manager = newUser(app, 'manager');
  const inv = expectNoErrors(await app.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id expiresAt } errors { code } } }`,
    { ...as(vendor), variables: { i: { email: manager.email, role: 'ACCESS_MANAGER' } } })).inviteMember;
  expect(inv.errors).toEqual([]);
  const invitation = await waitForMail(app.mail!.dir, manager.email);
  expect(invitation.subject).toBe(`Join ${vendorName} on trust-portal`);
  expect(invitation.from).toBe('"Trust Portal" <trust@mail.example.test>');
  showsEscaped(invitation, vendorName);
  expect(invitation.text).toContain(`${vendor.owner.email} invited you to join ${vendorName} as ACCESS_MANAGER.`);
  expect(invitation.text).toMatch(A_DATE_TIME);
  const acceptUrl = new URL(/Accept the invitation: (\S+)/.exec(invitation.text)![1]!);
  expect(`${acceptUrl.origin}${acceptUrl.pathname}`).toBe(`${BASE}/invitations/accept`);
  expect(invitation.html).toContain(`href="${acceptUrl.toString().replace(/&/g, '&amp;')}"`);
  const accepted = expectNoErrors(await app.gql(`mutation($t: String!) { acceptInvitation(token: $t) { role errors { code } } }`,
    { token: manager.token, variables: { t: acceptUrl.searchParams.get('token') } })).acceptInvitation;
  expect(accepted).toEqual({ role: 'ACCESS_MANAGER', errors: [] });

  // 2. A request arrives: the deciders (OWNER, ADMIN, ACCESS_MANAGER) are told, the VIEWER and the EDITOR are not.
  const customer = await orgNamed(`Buyer ${HOSTILE}`, false);
  const reason = `Vendor review <img src=x onerror=alert(1)>`;
  const req = expectNoErrors(await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } errors { code } } }`,
    { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug, documentIds: [doc.id], reason } } })).requestAccess;
  expect(req.accessRequest.state).toBe('REQUESTED');
  for (const decider of [vendor.owner, manager]) {
    const arrived = await waitForMail(app.mail!.dir, decider.email, (m) => m.subject.includes('asks for access'));
    expect(arrived.subject).toBe(`Buyer ${HOSTILE} asks for access to ${vendorName}'s documents`);
    showsEscaped(arrived, reason);
    showsEscaped(arrived, `Buyer ${HOSTILE}`);
    showsEscaped(arrived, 'SOC 2 <b>Type II</b>');
    expect(arrived.text).toContain(`Who: ${customer.owner.email}`);
    expect(arrived.text).toContain(`Review the request: ${BASE}/access-requests/${req.accessRequest.id}`);
  }

  // 3. Approved: what, until when, and the next step (the NDA, not accepted yet).
  const decided = expectNoErrors(await app.gql(`mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { state grantExpiresAt } errors { code } } }`,
    { ...as(vendor, manager), variables: { i: { id: req.accessRequest.id, approve: true, grantDays: 30 } } })).decideAccessRequest;
  expect(decided.accessRequest.state).toBe('APPROVED');
  const approved = await waitForMail(app.mail!.dir, customer.owner.email, (m) => m.subject.includes('approved'));
  expect(approved.subject).toBe(`${vendorName} approved your access request`);
  const until = new Date(decided.accessRequest.grantExpiresAt);
  expect(approved.text).toContain(`Access until: ${until.getUTCDate()} `);
  expect(approved.text).toMatch(A_DATE_TIME);
  expect(approved.text).toContain(`Next step: accept ${vendorName}'s NDA (version ${nda.version})`);
  expect(approved.text).toContain(`Read and accept the NDA: ${BASE}/trust/${vendor.slug}`);
  showsEscaped(approved, 'SOC 2 <b>Type II</b>');

  // 4. The signer's receipt: vendor, version, text hash, time.
  const signed = expectNoErrors(await app.gql(`mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id bodySha256 acceptedAt } errors { code } } }`,
    { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug, version: nda.version, signerName: `Pat <i>Buyer</i>`, signerTitle: 'CISO' } } })).acceptNda;
  expect(signed.errors).toEqual([]);
  const receipt = await waitForMail(app.mail!.dir, customer.owner.email, (m) => m.subject.startsWith('Receipt'));
  expect(receipt.subject).toBe(`Receipt: you accepted ${vendorName}'s NDA (version ${nda.version})`);
  expect(receipt.text).toContain(`Text SHA-256: ${signed.acceptance.bodySha256}`);
  expect(receipt.text).toContain(`NDA version: ${nda.version}`);
  expect(receipt.text).toMatch(A_DATE_TIME);
  showsEscaped(receipt, 'Pat <i>Buyer</i>, CISO');

  // 5. Denied, with the vendor's reason.
  const other = await orgNamed(`Other buyer ${uniqueSuffix()}`, false);
  const req2 = expectNoErrors(await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id } errors { code } } }`,
    { ...as(other), variables: { i: { trustCenterSlug: vendor.slug } } })).requestAccess;
  const why = `We only share with customers <under contract> & partners`;
  expectNoErrors(await app.gql(`mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { errors { code } } }`,
    { ...as(vendor), variables: { i: { id: req2.accessRequest.id, approve: false, reason: why } } }));
  const denied = await waitForMail(app.mail!.dir, other.owner.email, (m) => m.subject.includes('declined'));
  expect(denied.subject).toBe(`${vendorName} declined your access request`);
  expect(denied.text).toContain(`Vendor's reason: ${why}`);
  showsEscaped(denied, why);

  // 6. Seven days before the grant ends, its holder is reminded, once however often the job runs.
  const settings = testConfig(ENV).mail;
  const logger = createLogger('silent');
  const early = new Date(until.getTime() - 8 * DAY_MS);
  expect(await remindExpiringGrants(app.db, logger, settings, early, { onlyOrgIds: [vendor.id] })).toBe(0);
  const inWindow = new Date(until.getTime() - 6 * DAY_MS);
  expect(await remindExpiringGrants(app.db, logger, settings, inWindow, { onlyOrgIds: [vendor.id] })).toBe(1);
  expect(await remindExpiringGrants(app.db, logger, settings, new Date(inWindow.getTime() + DAY_MS), { onlyOrgIds: [vendor.id] })).toBe(0);
  const reminder = await waitForMail(app.mail!.dir, customer.owner.email, (m) => m.subject.includes('ends on'));
  expect(reminder.subject).toBe(`Your access to ${vendorName}'s documents ends on ${until.getUTCDate()} ${until.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' })} ${until.getUTCFullYear()}`);
  showsEscaped(reminder, 'SOC 2 <b>Type II</b>');

  // Every message of the story arrived exactly once; the VIEWER and the EDITOR got none.
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = ANY($1)`, [[vendor.id, customer.id, other.id]]);
  const { rows } = await app.owner.query(`SELECT message_id, recipient, kind, status FROM mail_outbox WHERE org_id = $1 ORDER BY created_at`, [vendor.id]);
  expect(rows.map((r: { kind: string }) => r.kind)).toEqual([
    'member.invitation', 'access.requested', 'access.requested', 'access.approved', 'nda.receipt', 'access.requested', 'access.requested', 'access.denied', 'access.expiring',
  ]);
  expect(rows.every((r: { status: string }) => r.status === 'SENT')).toBe(true);
  const box = await readMailbox(app.mail!.dir);
  for (const r of rows) expect(box.filter((m) => m.messageId === r.message_id)).toHaveLength(1);
  expect(box.filter((m) => m.to.includes(viewer.email) || m.to.includes(editor.email))).toEqual([]);
});

test('an auto-approved request mails the requester, not the deciders; a blocked one mails the policy reason', async () => {
  const vendor = await orgNamed(`Auto vendor ${uniqueSuffix()}`, true);
  await createDocumentWithFile(app, vendor, { title: 'Pen test' });
  expect((await setAccessPolicy(app, vendor, { ndaRequired: false, autoApproveDomains: ['example.test'] })).errors).toEqual([]);
  const customer = await createOrg(app);
  const r = expectNoErrors(await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } errors { code } } }`,
    { ...as(customer), variables: { i: { trustCenterSlug: vendor.slug } } })).requestAccess;
  expect(r.accessRequest.state).toBe('APPROVED');
  const approved = await waitForMail(app.mail!.dir, customer.owner.email, (m) => m.subject.includes('approved'));
  expect(approved.text).toContain('Documents: every restricted document');
  expect(approved.text).toContain('Next step: download the documents from the trust center.');
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [vendor.id]);
  const kinds = (await app.owner.query(`SELECT kind FROM mail_outbox WHERE org_id = $1`, [vendor.id])).rows.map((x: { kind: string }) => x.kind);
  expect(kinds).toEqual(['access.approved']);

  const strict = await orgNamed(`Strict vendor ${uniqueSuffix()}`, true);
  await createDocumentWithFile(app, strict, { title: 'Pen test' });
  expect((await setAccessPolicy(app, strict, { blockedDomains: ['example.test'] })).errors).toEqual([]);
  const blocked = expectNoErrors(await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { state decisionReason } errors { code } } }`,
    { ...as(customer), variables: { i: { trustCenterSlug: strict.slug } } })).requestAccess;
  expect(blocked.accessRequest.state).toBe('DENIED');
  const denied = await waitForMail(app.mail!.dir, customer.owner.email, (m) => m.subject.includes('declined'));
  expect(denied.text).toContain(`Vendor's reason: ${blocked.accessRequest.decisionReason}`);
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [strict.id]);
  expect((await app.owner.query(`SELECT kind FROM mail_outbox WHERE org_id = $1`, [strict.id])).rows).toEqual([{ kind: 'access.denied' }]);
});

test('resending an invitation mails a new message with the new token; the first message is not sent again', async () => {
  const org = await createOrg(app);
  const invitee = newUser(app, 'invitee');
  const first = expectNoErrors(await app.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { invitation { id } token errors { code } } }`,
    { ...as(org), variables: { i: { email: invitee.email, role: 'VIEWER' } } })).inviteMember;
  const again = expectNoErrors(await app.gql(`mutation($id: ID!) { resendInvitation(id: $id) { token errors { code } } }`,
    { ...as(org), variables: { id: first.invitation.id } })).resendInvitation;
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [org.id]);
  const mails = (await readMailbox(app.mail!.dir)).filter((m) => m.to.includes(invitee.email));
  expect(mails).toHaveLength(2);
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);
  expect(mails.map((m) => new URL(/Accept the invitation: (\S+)/.exec(m.text)![1]!).searchParams.get('token')).sort()).toEqual([first.token, again.token].sort());
  // Delivered: the token no longer sits in the outbox.
  const { rows } = await app.owner.query(`SELECT text_body, html_body FROM mail_outbox WHERE org_id = $1`, [org.id]);
  for (const row of rows) expect(`${row.text_body}${row.html_body}`).not.toContain('tpi_');
});

test("mailDeliveries shows OWNER and ADMIN the organization's outbox: newest first, by status, paged; never a body", async () => {
  const org = await createOrg(app);
  const admin = await addMember(app, org, 'ADMIN');
  const emails = [newUser(app, 'a').email, newUser(app, 'b').email, newUser(app, 'c').email];
  for (const email of emails) {
    expectNoErrors(await app.gql(`mutation($i: InviteMemberInput!) { inviteMember(input: $i) { errors { code } } }`, { ...as(org), variables: { i: { email, role: 'VIEWER' } } }));
  }
  await queueDrained(app.owner, `j.payload->>'mailOrgId' = $1`, [org.id]);
  const Q = `query($first: Int, $after: String, $status: MailStatus) { organization { mailDeliveries(first: $first, after: $after, status: $status) {
    edges { node { id kind category recipient subject messageId status attempts lastError lastAttemptAt createdAt sentAt } } pageInfo { hasNextPage endCursor } } } }`;
  const all = expectNoErrors(await app.gql(Q, { ...as(org, admin), variables: {} })).organization.mailDeliveries;
  expect(all.edges.map((e: any) => e.node.recipient)).toEqual([...emails].reverse());
  for (const { node } of all.edges) {
    expect(node).toMatchObject({ kind: 'member.invitation', category: 'TRANSACTIONAL', status: 'SENT', attempts: 1, lastError: null, subject: `Join Org ${org.slug} on trust-portal` });
    expect(new Date(node.sentAt).getTime()).toBeGreaterThanOrEqual(new Date(node.createdAt).getTime());
    expect(node.messageId).toMatch(/^<[0-9a-f-]{36}@/);
  }
  const box = await readMailbox(app.mail!.dir);
  for (const { node } of all.edges) expect(box.filter((m) => m.messageId === node.messageId).map((m) => m.to)).toEqual([[node.recipient]]);
  expect(expectNoErrors(await app.gql(Q, { ...as(org), variables: { status: 'FAILED' } })).organization.mailDeliveries.edges).toEqual([]);
  const first = expectNoErrors(await app.gql(Q, { ...as(org), variables: { first: 2 } })).organization.mailDeliveries;
  expect(first.pageInfo.hasNextPage).toBe(true);
  const rest = expectNoErrors(await app.gql(Q, { ...as(org), variables: { first: 2, after: first.pageInfo.endCursor } })).organization.mailDeliveries;
  expect([...first.edges, ...rest.edges].map((e: any) => e.node.id)).toEqual(all.edges.map((e: any) => e.node.id));
  expect(rest.pageInfo.hasNextPage).toBe(false);
  const forged = await app.gql(Q, { ...as(org), variables: { after: 'bm90LWEtY3Vyc29y' } });
  expect(forged.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  const viewer = await addMember(app, org, 'VIEWER');
  expect((await app.gql(Q, { ...as(org, viewer), variables: {} })).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  // No API key scope reads the outbox, not even all of them together.
  const key = expectNoErrors(await app.gql(`mutation { createApiKey(input: { name: "partner", scopes: [READ, PUBLISH, MANAGE_ACCESS, TRACKING, WEBHOOKS] }) { secret errors { code } } }`, as(org))).createApiKey;
  expect(key.errors).toEqual([]);
  expect((await app.gql(Q, { token: key.secret, variables: {} })).errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
});
