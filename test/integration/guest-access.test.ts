import { createOrg, type TestOrg } from '../support/factories';
import { createDocumentWithFile, decide, publishNda, setAccessPolicy } from '../support/documents';
import { startTestApp, testConfig, uniqueSuffix, type TestApp } from '../support/harness';
import { waitForMail } from '../support/mailbox';
import { PAGE_CSP } from '../../src/http/page-headers';
import { GUEST_MAIL_PER_IP_PER_MINUTE } from '../../src/http/guest-access.plugin';
import { GUEST_LINKS_PER_ADDRESS } from '../../src/modules/guest/guest.service';
import { issueSession, serializeCookie } from '../../src/modules/auth/session';

/**
 * Issue 15, guest access requests, through HTTP and the embedded SMTP sink: the form (CSRF), the mailed single-use
 * link, the confirm step, the request filed as the verified user by the API's own service (domain rules apply), the
 * vendor's approval mail pointing at the access page, the NDA, the watermarked download; and the refusals.
 * The server's clock is the wall clock plus `offset`, so a test can step past the 15-minute link or the 12-hour session.
 */
const BASE = 'https://trust.example.test';
const HOSTILE = `"><img src=x onerror=alert(1)><script>alert(2)</script>`;
const SESSION_SECRET = 'guest-test-session-secret-at-least-32-bytes';
let offset = 0;
let app: TestApp;
let origin: string;

beforeAll(async () => {
  app = await startTestApp({
    worker: true, now: () => new Date(Date.now() + offset),
    // Each test browses from its own X-Forwarded-For address, so the per-address mail limit is per test.
    env: { PUBLIC_BASE_URL: BASE, MAIL_FROM: 'Trust Portal <trust@mail.example.test>', TRUST_PROXY: 'loopback', SESSION_SECRET },
  });
  origin = new URL(app.url).origin;
});
afterAll(() => app.close());
afterEach(() => { offset = 0; });

interface Page { status: number; headers: Headers; text: string }

/** A browser without JavaScript: keeps cookies (path /trust), sends forms urlencoded, follows no redirect. */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
  setCookies: string[] = [];

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string | string[]>): Promise<Page> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.ip };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      body = params.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(`${origin}${path}`, { method, headers, body, redirect: 'manual' });
    this.setCookies = res.headers.getSetCookie();
    for (const c of this.setCookies) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, form: Record<string, string | string[]>) => this.request('POST', path, form);
}

const csrfOf = (page: Page): string => /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;

async function vendorWithDocument(name?: string): Promise<{ vendor: TestOrg; docId: string; docBytes: Buffer }> {
  const vendor = await createOrg(app, { publish: true, prefix: 'guestv' });
  // The API validates names but lets any text through: the vendor's own name is hostile here.
  if (name) await app.owner.query(`UPDATE organizations SET name = $1 WHERE id = $2`, [name, vendor.id]);
  const doc = await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II report', visibility: 'RESTRICTED' });
  return { vendor, docId: doc.id, docBytes: doc.bytes };
}

/** Fills the form and sends it; returns the page answered. */
async function submitRequest(b: Browser, slug: string, fields: Record<string, string | string[]>): Promise<Page> {
  const form = await b.get(`/trust/${slug}/request-access`);
  expect(form.status).toBe(200);
  return b.post(`/trust/${slug}/request-access`, { csrf: csrfOf(form), ...fields });
}

/** The verify link of the newest mail to `email` (path and query, on this test server). */
async function mailedLink(email: string, label: string, not: Set<string> = new Set()): Promise<string> {
  const mail = await waitForMail(app.mail!.dir, email, (m) => m.text.includes(label) && !not.has(m.messageId));
  not.add(mail.messageId);
  const url = new URL(new RegExp(`${label}: (\\S+)`).exec(mail.text)![1]!);
  expect(url.origin).toBe(BASE);
  return `${url.pathname}${url.search}`;
}

/** Opens the link, presses the confirm button; the answer of that POST (or of the GET, when it shows no button). */
async function confirm(b: Browser, link: string): Promise<Page> {
  const page = await b.get(link);
  if (page.status !== 200) return page;
  const token = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
  return b.post(link.split('?')[0]!, { csrf: csrfOf(page), token });
}

/** POSTs a token straight to the confirm step (as a page kept open past the link's life would), with a valid CSRF pair. */
async function postToken(b: Browser, link: string): Promise<Page> {
  const slug = link.split('/')[2]!;
  const csrf = csrfOf(await b.get(`/trust/${slug}/access`));
  return b.post(`/trust/${slug}/verify`, { csrf, token: new URL(link, BASE).searchParams.get('token')! });
}

async function requestsOf(vendor: TestOrg): Promise<{ id: string; state: string; requester_email: string; reason: string | null; document_ids: string[] }[]> {
  return (await app.owner.query(`SELECT id, state, requester_email, reason, document_ids FROM access_requests WHERE org_id = $1 ORDER BY created_at`, [vendor.id])).rows;
}

const guestEmail = (domain = 'buyer.example') => `guest-${uniqueSuffix()}@${domain}`;

test('the guest story: form, mailed link, confirm, request filed, approval mail, NDA, watermarked download, sign-out', async () => {
  const { vendor, docId, docBytes } = await vendorWithDocument();
  const nda = await publishNda(app, vendor, `Keep it secret.\nSecond line <b>not bold</b>, long enough to count.`);
  expect((await setAccessPolicy(app, vendor, { ndaRequired: true, grantScope: 'DOCUMENT' })).errors).toEqual([]);
  const b = new Browser();
  const email = guestEmail();

  // The form: the document asked for from the page is ticked; the CSRF cookie is HttpOnly, SameSite=Lax, under /trust.
  const form = await b.get(`/trust/${vendor.slug}/request-access?document=${docId}`);
  expect(form.status).toBe(200);
  // The download form redirects to storage: its origin (and only it) joins form-action.
  expect(form.headers.get('content-security-policy')).toBe(PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${new URL((await app.storage.presignDownload('k', 'f', 'application/pdf')).url).origin}`));
  expect(form.headers.get('cache-control')).toBe('no-store');
  expect(form.text).toContain(`value="${docId}" checked`);
  expect(form.text).toMatch(/<label for="email">[^<]+<\/label>/);
  expect(form.text).toContain('autocomplete="email"');
  expect(form.text).toContain('autocomplete="organization"');
  expect(form.text).not.toMatch(/<script|style=/i);
  const csrfCookie = b.setCookies.find((c) => c.startsWith('tp_csrf='))!;
  expect(csrfCookie).toMatch(/; Path=\/trust/);
  expect(csrfCookie).toMatch(/; HttpOnly/);
  expect(csrfCookie).toMatch(/; SameSite=Lax/);
  expect(csrfOf(form)).not.toBe(b.cookies.get('tp_csrf'));

  const sent = await b.post(`/trust/${vendor.slug}/request-access`, { csrf: csrfOf(form), email: email.toUpperCase(), name: 'Grace Buyer', company: 'Buyer Corp', reason: 'Vendor review', documents: docId });
  expect(sent.status).toBe(200);
  expect(sent.text).toContain('Check your inbox');
  expect(sent.text).toContain(email);
  expect(await requestsOf(vendor)).toEqual([]);

  const link = await mailedLink(email, 'Confirm the request');
  expect(link).toMatch(new RegExp(`^/trust/${vendor.slug}/verify\\?token=tpg_`));
  // The token is stored hashed only.
  const stored = await app.owner.query(`SELECT token_hash, purpose, email FROM guest_verifications WHERE org_id = $1`, [vendor.id]);
  expect(stored.rows).toEqual([expect.objectContaining({ purpose: 'REQUEST', email })]);
  expect(link).not.toContain(stored.rows[0].token_hash);

  // Opening the link changes nothing (a link scanner would stop here); the button files the request.
  const confirmPage = await b.get(link);
  expect(confirmPage.headers.get('referrer-policy')).toBe('no-referrer');
  expect(await requestsOf(vendor)).toEqual([]);
  const verified = await confirm(b, link);
  expect(verified.status).toBe(303);
  expect(verified.headers.get('location')).toBe(`/trust/${vendor.slug}/access?notice=requested`);
  const session = b.setCookies.find((c) => c.startsWith('tp_session='))!;
  expect(session).toMatch(/; Max-Age=43200/);
  expect(session).toMatch(/; Path=\/trust/);
  expect(session).toMatch(/; HttpOnly/);
  expect(session).toMatch(/; SameSite=Lax/);
  expect(session).not.toMatch(/; Secure/);
  const [filed] = await requestsOf(vendor);
  expect(filed).toMatchObject({ state: 'REQUESTED', requester_email: email, reason: 'Vendor review', document_ids: [docId] });
  // Filed by the verified user of a new organization named after the company, which they own.
  const owner = await app.owner.query(`SELECT u.subject, o.name, m.role FROM users u JOIN memberships m ON m.user_id = u.id JOIN organizations o ON o.id = m.org_id WHERE u.email = $1`, [email]);
  expect(owner.rows).toEqual([{ subject: `guest:${email}`, name: 'Buyer Corp', role: 'OWNER' }]);

  const pending = await b.get(`/trust/${vendor.slug}/access?notice=requested`);
  expect(pending.text).toContain('your request is filed');
  expect(pending.text).toContain('Pending');
  expect(pending.text).not.toContain('I accept the NDA');

  // The vendor approves through the API; the approval mail's link opens the access page.
  expect((await decide(app, vendor, filed!.id)).errors).toEqual([]);
  const accessLink = await mailedLink(email, 'Read and accept the NDA');
  expect(accessLink).toBe(`/trust/${vendor.slug}/access`);
  const approved = await b.get(accessLink);
  expect(approved.text).toContain('Approved');
  expect(approved.text).toContain(`(version ${nda.version})`);
  expect(approved.text).toContain('<div class="prose nda-text">Keep it secret.\nSecond line &lt;b&gt;not bold&lt;/b&gt;');

  // Before the NDA, a download sends the buyer back to it.
  const early = await b.post(`/trust/${vendor.slug}/download`, { csrf: csrfOf(approved), document: docId });
  expect(early.status).toBe(303);
  expect(early.headers.get('location')).toBe(`/trust/${vendor.slug}/access?notice=nda-required`);

  const unsigned = await b.post(`/trust/${vendor.slug}/nda`, { csrf: csrfOf(approved), version: String(nda.version), signerName: '', signerTitle: '' });
  expect(unsigned.status).toBe(400);
  expect(unsigned.text).toContain('id="signerName-error"');
  const signed = await b.post(`/trust/${vendor.slug}/nda`, { csrf: csrfOf(approved), version: String(nda.version), signerName: 'Grace Buyer', signerTitle: 'CISO' });
  expect(signed.status).toBe(303);
  const acceptance = await app.owner.query(`SELECT signer_email, signer_name, template_version FROM nda_acceptances WHERE org_id = $1`, [vendor.id]);
  expect(acceptance.rows).toEqual([{ signer_email: email, signer_name: 'Grace Buyer', template_version: nda.version }]);

  const ready = await b.get(signed.headers.get('location')!);
  expect(ready.text).toContain('the NDA is accepted');
  expect(ready.text).not.toContain('I accept the NDA');
  const download = await b.post(`/trust/${vendor.slug}/download`, { csrf: csrfOf(ready), document: docId });
  expect(download.status).toBe(303);
  const file = Buffer.from(await (await fetch(download.headers.get('location')!)).arrayBuffer());
  expect(file.subarray(0, 5).toString()).toBe('%PDF-');
  expect(file.equals(docBytes)).toBe(false);
  const events = await app.owner.query(`SELECT watermarked FROM download_events WHERE org_id = $1 AND document_id = $2`, [vendor.id, docId]);
  expect(events.rows).toEqual([{ watermarked: true }]);

  // Sign-out clears the cookie: the page asks to sign in again.
  const out = await b.post(`/trust/${vendor.slug}/sign-out`, { csrf: csrfOf(ready) });
  expect(out.status).toBe(303);
  expect(b.setCookies.find((c) => c.startsWith('tp_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
  const after = await b.get(`/trust/${vendor.slug}/access`);
  expect(after.text).toContain('Email me a sign-in link');
});

test('every POST needs the CSRF pair: none, forged, or another browser\'s is 403', async () => {
  const { vendor } = await vendorWithDocument();
  const b = new Browser();
  const form = await b.get(`/trust/${vendor.slug}/request-access`);
  const fields = { email: guestEmail(), name: 'N', company: 'C' };
  expect((await b.post(`/trust/${vendor.slug}/request-access`, fields)).status).toBe(403);
  expect((await b.post(`/trust/${vendor.slug}/request-access`, { ...fields, csrf: 'forged' })).status).toBe(403);
  expect((await b.post(`/trust/${vendor.slug}/request-access`, { ...fields, csrf: b.cookies.get('tp_csrf')! })).status).toBe(403);
  const other = new Browser();
  await other.get(`/trust/${vendor.slug}/request-access`);
  expect((await other.post(`/trust/${vendor.slug}/request-access`, { ...fields, csrf: csrfOf(form) })).status).toBe(403);
  for (const path of ['verify', 'sign-in', 'nda', 'download', 'sign-out']) expect((await b.post(`/trust/${vendor.slug}/${path}`, {})).status).toBe(403);
  expect(await requestsOf(vendor)).toEqual([]);
  expect((await app.owner.query(`SELECT count(*)::int AS n FROM guest_verifications WHERE org_id = $1`, [vendor.id])).rows[0].n).toBe(0);
});

test('bad inputs re-render the form with 400 and an error next to each field; unpublished centers are 404', async () => {
  const { vendor } = await vendorWithDocument();
  const otherVendor = await vendorWithDocument();
  const b = new Browser();
  const page = await submitRequest(b, vendor.slug, {
    email: 'not-an-email', name: '', company: 'x'.repeat(201), reason: 'r'.repeat(2001), documents: [otherVendor.docId],
  });
  expect(page.status).toBe(400);
  for (const f of ['email', 'name', 'company', 'reason', 'documents']) expect(page.text).toContain(`id="${f}-error"`);
  expect(page.text).toContain('aria-invalid="true" aria-describedby="email-error"');
  expect(page.text).toContain('value="not-an-email"');
  expect((await submitRequest(b, vendor.slug, { email: `${'a'.repeat(250)}@b.example`, name: 'N', company: 'C' })).status).toBe(400);
  expect((await app.owner.query(`SELECT count(*)::int AS n FROM guest_verifications WHERE org_id = $1`, [vendor.id])).rows[0].n).toBe(0);

  const draft = await createOrg(app, { publish: false, prefix: 'guestd' });
  expect((await b.get(`/trust/${draft.slug}/request-access`)).status).toBe(404);
  expect((await b.get(`/trust/no-such-${uniqueSuffix()}/access`)).status).toBe(404);
});

test('links are single-use, expire after 15 minutes, and forged or foreign tokens are refused', async () => {
  const { vendor } = await vendorWithDocument();
  const other = await vendorWithDocument();
  const b = new Browser();
  const email = guestEmail();
  const seen = new Set<string>();
  await submitRequest(b, vendor.slug, { email, name: 'N', company: 'C' });
  const first = await mailedLink(email, 'Confirm the request', seen);

  // Forged: a changed secret, and this vendor's token presented to another vendor.
  const token = new URL(first, BASE).searchParams.get('token')!;
  const forged = `${first.slice(0, -3)}${token.endsWith('AAA') ? 'BBB' : 'AAA'}`;
  expect((await confirm(b, forged)).status).toBe(400);
  expect((await postToken(b, forged)).text).toContain('not valid');
  const foreign = await confirm(b, `/trust/${other.vendor.slug}/verify?token=${token}`);
  expect(foreign.status).toBe(400);
  expect(foreign.text).toContain('not valid');

  expect((await confirm(b, first)).status).toBe(303);
  const reused = await b.get(first);
  expect(reused.status).toBe(400);
  expect(reused.text).toContain('already used');
  expect(reused.text).not.toContain('name="token"');
  const reposted = await postToken(b, first);
  expect(reposted.status).toBe(400);
  expect(reposted.text).toContain('already used');
  expect(await requestsOf(vendor)).toHaveLength(1);

  // Expired: the server's clock steps 15 minutes on.
  const late = new Browser();
  const lateEmail = guestEmail();
  await submitRequest(late, vendor.slug, { email: lateEmail, name: 'N', company: 'C' });
  const lateLink = await mailedLink(lateEmail, 'Confirm the request');
  // The confirm page was opened in time; the button is pressed after the link's 15 minutes.
  const openPage = await late.get(lateLink);
  expect(openPage.status).toBe(200);
  offset = 15 * 60 * 1000 + 1000;
  const expired = await late.post(`/trust/${vendor.slug}/verify`, { csrf: csrfOf(openPage), token: new URL(lateLink, BASE).searchParams.get('token')! });
  expect(expired.status).toBe(400);
  expect(expired.text).toContain('expired');
  expect((await late.get(lateLink)).text).toContain('expired');
  expect(await requestsOf(vendor)).toHaveLength(1);
});

test('domain rules apply as in the API: a blocked domain is denied, an auto-approved one approved at once', async () => {
  const { vendor } = await vendorWithDocument();
  expect((await setAccessPolicy(app, vendor, { blockedDomains: ['blocked.example'], autoApproveDomains: ['trusted.example'] })).errors).toEqual([]);
  for (const [domain, state] of [['blocked.example', 'DENIED'], ['trusted.example', 'APPROVED']] as const) {
    const b = new Browser();
    const email = guestEmail(domain);
    await submitRequest(b, vendor.slug, { email, name: 'N', company: `Co ${domain}` });
    expect((await confirm(b, await mailedLink(email, 'Confirm the request'))).status).toBe(303);
    expect((await requestsOf(vendor)).find((r) => r.requester_email === email)!.state).toBe(state);
    const page = await b.get(`/trust/${vendor.slug}/access`);
    expect(page.text).toContain(state === 'DENIED' ? 'Denied' : 'Approved');
    if (state === 'DENIED') expect(page.text).toContain('Refused by policy');
    else expect(page.text).toContain('Your documents');
  }
});

test('sign-in by mail; a forged or expired session cookie is anonymous', async () => {
  const { vendor } = await vendorWithDocument();
  const b = new Browser();
  const email = guestEmail();
  await submitRequest(b, vendor.slug, { email, name: 'N', company: 'C' });
  expect((await confirm(b, await mailedLink(email, 'Confirm the request'))).status).toBe(303);

  const fresh = new Browser();
  const signInPage = await fresh.get(`/trust/${vendor.slug}/access`);
  expect(signInPage.text).toContain('Email me a sign-in link');
  expect((await fresh.post(`/trust/${vendor.slug}/sign-in`, { csrf: csrfOf(signInPage), email: 'nope' })).status).toBe(400);
  expect((await fresh.post(`/trust/${vendor.slug}/sign-in`, { csrf: csrfOf(signInPage), email })).text).toContain('Check your inbox');
  const signedIn = await confirm(fresh, await mailedLink(email, 'Sign in'));
  expect(signedIn.headers.get('location')).toBe(`/trust/${vendor.slug}/access?notice=signed-in`);
  expect((await fresh.get(`/trust/${vendor.slug}/access`)).text).toContain('Pending');
  // The cookie is the hosted page's only: the API does not read it (a cross-site GraphQL request carries no power).
  const viaApi = await app.gql('{ viewer { user { email } } }', { headers: { cookie: `tp_session=${fresh.cookies.get('tp_session')}` } });
  expect(viaApi.data?.viewer ?? null).toBeNull();

  // Forged: the payload changed (another address), the signature kept.
  const [payload, signature] = fresh.cookies.get('tp_session')!.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = new Browser();
  forged.cookies.set('tp_session', `${Buffer.from(JSON.stringify({ ...claims, email: 'victim@buyer.example', subject: 'guest:victim@buyer.example' })).toString('base64url')}.${signature}`);
  expect((await forged.get(`/trust/${vendor.slug}/access`)).text).toContain('Email me a sign-in link');
  // Signed with another secret.
  forged.cookies.set('tp_session', issueSession('another-secret-that-is-at-least-32-bytes!', { subject: `guest:${email}`, email }, new Date()).value);
  expect((await forged.get(`/trust/${vendor.slug}/access`)).text).toContain('Email me a sign-in link');
  // Expired: twelve hours on.
  offset = 12 * 3600 * 1000 + 1000;
  expect((await fresh.get(`/trust/${vendor.slug}/access`)).text).toContain('Email me a sign-in link');
});

test('links are rate-limited per client address and per email', async () => {
  const { vendor } = await vendorWithDocument();
  const b = new Browser();
  const email = guestEmail();
  for (let i = 0; i < GUEST_LINKS_PER_ADDRESS; i += 1) expect((await submitRequest(b, vendor.slug, { email, name: 'N', company: 'C' })).status).toBe(200);
  const throttled = await submitRequest(b, vendor.slug, { email, name: 'N', company: 'C' });
  expect(throttled.status).toBe(429);
  expect(throttled.text).toContain('several links to this address');
  // The address has had GUEST_LINKS_PER_ADDRESS + 1 tries this minute; the rest of its per-minute allowance, then 429.
  let status = 0;
  for (let i = GUEST_LINKS_PER_ADDRESS + 1; i <= GUEST_MAIL_PER_IP_PER_MINUTE && status !== 429; i += 1) status = (await submitRequest(b, vendor.slug, { email: guestEmail(), name: 'N', company: 'C' })).status;
  const limited = await submitRequest(b, vendor.slug, { email: guestEmail(), name: 'N', company: 'C' });
  expect(limited.status).toBe(429);
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
});

test('hostile strings typed by the vendor and the buyer are text on every page', async () => {
  const { vendor } = await vendorWithDocument(`Vendor ${HOSTILE}`);
  expect((await setAccessPolicy(app, vendor, { blockedDomains: ['blocked.example'] })).errors).toEqual([]);
  const b = new Browser();
  const form = await b.get(`/trust/${vendor.slug}/request-access`);
  expect(form.text).toContain('Vendor &quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
  const bad = await b.post(`/trust/${vendor.slug}/request-access`, { csrf: csrfOf(form), email: HOSTILE, name: HOSTILE, company: '', reason: HOSTILE });
  expect(bad.status).toBe(400);
  for (const page of [form, bad]) {
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).not.toContain('<script>alert');
  }
  const email = guestEmail('blocked.example');
  await submitRequest(b, vendor.slug, { email, name: HOSTILE, company: HOSTILE, reason: HOSTILE });
  expect((await confirm(b, await mailedLink(email, 'Confirm the request'))).status).toBe(303);
  const access = await b.get(`/trust/${vendor.slug}/access`);
  expect(access.text).toContain('Denied');
  expect(access.text).toContain('&lt;img src=x');
  expect(access.text).not.toContain('<img src=x');
  expect(access.text).not.toContain('<script>alert');
});

test('cookies are Secure outside development and test', () => {
  expect(testConfig({ SESSION_SECRET }).session.secureCookies).toBe(false);
  expect(testConfig({ NODE_ENV: 'development', SESSION_SECRET }).session.secureCookies).toBe(false);
  expect(serializeCookie('tp_session', 'abc.def', { path: '/trust', secure: true, maxAge: 43200 })).toBe('tp_session=abc.def; Path=/trust; HttpOnly; SameSite=Lax; Max-Age=43200; Secure');
  expect(() => testConfig({ SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET/);
});
