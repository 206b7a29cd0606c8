import { readFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { createAttestation, expectNoErrors, ISO27001_CERTIFICATE, newUser, uniqueSlug, type TestOrg } from '../support/factories';
import { createDocumentWithFile, publishNda } from '../support/documents';
import { startTestApp, type TestApp } from '../support/harness';

/**
 * The hosted page in a real browser (Debian's chromium through playwright-core): it renders with JavaScript off,
 * hostile vendor strings execute nothing, axe-core finds no serious or critical accessibility violation, and a phone
 * has no horizontal scroll. Screenshots go to the OS temp folder, or to docs/screenshots with UPDATE_SCREENSHOTS=1.
 */
const HOSTILE = `"><img src=x onerror=alert(1)><script>alert(2)</script>\u202Egnp.exe <a href="javascript:alert(3)">x</a>`;
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? path.resolve(__dirname, '../../docs/screenshots') : path.join(os.tmpdir(), 'tp-screenshots');

async function vendor(app: TestApp, name: string, slugPrefix: string): Promise<TestOrg> {
  const owner = newUser(app, 'owner');
  const slug = uniqueSlug(slugPrefix);
  const r = expectNoErrors(await app.gql(`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { organization { id } errors { code message } } }`, { token: owner.token, variables: { i: { slug, name } } }));
  if (r.createOrganization.errors.length) throw new Error(JSON.stringify(r.createOrganization.errors));
  const org = { id: r.createOrganization.organization.id as string, slug, owner };
  expectNoErrors(await app.gql(`mutation { publishTrustCenter { errors { code } } }`, { token: owner.token, org: slug }));
  return org;
}

async function subprocessor(app: TestApp, org: TestOrg, input: Record<string, unknown>): Promise<void> {
  const r = expectNoErrors(await app.gql(`mutation($i: SubprocessorInput!) { createSubprocessor(input: $i) { errors { code message } } }`, { token: org.owner.token, org: org.slug, variables: { i: input } }));
  if (r.createSubprocessor.errors.length) throw new Error(JSON.stringify(r.createSubprocessor.errors));
}

async function profile(app: TestApp, org: TestOrg, input: Record<string, unknown>): Promise<void> {
  const r = expectNoErrors(await app.gql(`mutation($i: UpdateTrustCenterInput!) { updateTrustCenter(input: $i) { errors { code message } } }`, { token: org.owner.token, org: org.slug, variables: { i: input } }));
  if (r.updateTrustCenter.errors.length) throw new Error(JSON.stringify(r.updateTrustCenter.errors));
}

describe('hosted trust-center page in chromium', () => {
  let app: TestApp;
  let base: string;
  let browser: Browser;
  let demo: TestOrg;
  let evil: TestOrg;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startTestApp();
    base = new URL(app.url).origin;
    demo = await vendor(app, 'Northwind Cloud', 'northwind');
    await profile(app, demo, {
      headline: 'Security, privacy and compliance at Northwind Cloud',
      description: 'Northwind Cloud runs managed analytics for finance teams.\nCustomer data is encrypted at rest and in transit, and access is reviewed every quarter.',
      websiteUrl: 'https://northwind.example', contactEmail: 'security@northwind.example',
    });
    await createAttestation(app, demo, { periodStart: '2025-09-01', periodEnd: '2026-08-31', issueDate: '2026-10-15', auditor: 'Example & Partners LLP', trustServiceCriteria: ['SECURITY', 'AVAILABILITY', 'CONFIDENTIALITY'] }, true);
    await createAttestation(app, demo, { ...ISO27001_CERTIFICATE, socType: null, periodStart: null, periodEnd: null, opinion: null, trustServiceCriteria: [] }, true);
    await createDocumentWithFile(app, demo, { title: 'Security overview', kind: 'POLICY', visibility: 'PUBLIC', description: 'How we protect customer data.' });
    await createDocumentWithFile(app, demo, { title: 'SOC 2 Type II report 2026', visibility: 'RESTRICTED' });
    await publishNda(app, demo);
    await subprocessor(app, demo, { name: 'Amazon Web Services', purpose: 'Cloud hosting', location: 'United States, Ireland', websiteUrl: 'https://aws.amazon.com' });
    await subprocessor(app, demo, { name: 'Postmark', purpose: 'Transactional email', location: 'United States' });

    evil = await vendor(app, 'Evil Corp', 'evil');
    await profile(app, evil, { headline: HOSTILE, description: HOSTILE, contactEmail: 'sec@evil.example' });
    await createDocumentWithFile(app, evil, { title: HOSTILE, kind: 'POLICY', visibility: 'PUBLIC', description: HOSTILE });
    await subprocessor(app, evil, { name: HOSTILE, purpose: HOSTILE, location: HOSTILE });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function open(options: { width: number; height: number; javaScript?: boolean; bypassCSP?: boolean }, slug: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: options.width, height: options.height }, javaScriptEnabled: options.javaScript ?? true, bypassCSP: options.bypassCSP ?? false });
    const page = await context.newPage();
    const res = await page.goto(`${base}/trust/${slug}`);
    expect(res?.status()).toBe(200);
    return page;
  }

  it('renders with JavaScript off, state in colour and in words', async () => {
    const page = await open({ width: 1280, height: 900, javaScript: false }, demo.slug);
    expect(await page.locator('h1').innerText()).toBe('Northwind Cloud trust center');
    const cards = page.locator('li.attestation');
    expect(await cards.count()).toBe(2);
    expect(await cards.first().innerText()).toMatch(/Period ended 31 Aug 2026, current until 31 Aug 2027/);
    expect(await page.locator('a', { hasText: 'Download' }).count()).toBe(1);
    expect(await page.locator('a', { hasText: 'Request access' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SHOTS, 'trust-page-desktop.png'), fullPage: true });
    await page.context().close();
  });

  it('fits a phone: no horizontal scroll', async () => {
    for (const slug of [demo.slug, evil.slug]) {
      const page = await open({ width: 375, height: 812 }, slug);
      const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })');
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      if (slug === demo.slug) await page.screenshot({ path: path.join(SHOTS, 'trust-page-phone.png'), fullPage: true });
      await page.context().close();
    }
  });

  it('executes nothing a vendor typed (JavaScript on)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    const violations: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    await page.goto(`${base}/trust/${evil.slug}`);
    await page.waitForLoadState('load');
    // Runs in the page (a string: the DOM's types are not this Node program's).
    const dom = await page.evaluate<{ scripts: number; images: number; handlers: number; scriptLinks: number; bidi: boolean; headline: string }>(`({
      scripts: document.querySelectorAll('script').length,
      images: document.querySelectorAll('img').length,
      handlers: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => a.name.startsWith('on'))).length,
      scriptLinks: [...document.querySelectorAll('a')].filter((a) => (a.getAttribute('href') || '').trim().toLowerCase().startsWith('javascript:')).length,
      bidi: document.body.innerText.includes('\\u202E'),
      headline: document.querySelector('.headline')?.textContent ?? '',
    })`);
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]); // nothing even tried to run
    expect(dom).toMatchObject({ scripts: 0, images: 0, handlers: 0, scriptLinks: 0, bidi: false });
    expect(dom.headline).toContain('<script>alert(2)</script>'); // shown as text
    await context.close();
  });

  it('has no serious or critical accessibility violation (axe-core)', async () => {
    for (const [slug, width] of [[demo.slug, 1280], [demo.slug, 375], [evil.slug, 1280]] as const) {
      // axe is injected as a script, which the page's own CSP would (rightly) refuse: this context bypasses it.
      const page = await open({ width, height: 900, bypassCSP: true }, slug);
      await page.addScriptTag({ content: AXE });
      const result = await page.evaluate<{ violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[] }>("axe.run(document, { resultTypes: ['violations'] })");
      const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
      expect({ slug, width, bad }).toEqual({ slug, width, bad: [] });
      await page.context().close();
    }
  });
});
