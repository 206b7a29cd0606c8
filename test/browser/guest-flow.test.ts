import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { createOrg, type TestOrg } from '../support/factories';
import { createDocumentWithFile, decide, publishNda, setAccessPolicy } from '../support/documents';
import { startTestApp, uniqueSuffix, type TestApp } from '../support/harness';
import { waitForMail } from '../support/mailbox';

/**
 * The guest access flow in Debian's chromium, through the embedded SMTP sink: from the hosted page's "Request access"
 * to the watermarked download, by clicks and typing only; axe-core on every page the guest sees.
 */
const BASE = 'https://trust.example.test';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

describe('guest access in chromium', () => {
  let app: TestApp;
  let origin: string;
  let browser: Browser;
  let vendor: TestOrg;
  let docId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    app = await startTestApp({ worker: true, env: { PUBLIC_BASE_URL: BASE, SESSION_SECRET: 'browser-test-session-secret-at-least-32-bytes' } });
    origin = new URL(app.url).origin;
    vendor = await createOrg(app, { publish: true, prefix: 'guestb' });
    docId = (await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II report', visibility: 'RESTRICTED' })).id;
    await publishNda(app, vendor);
    expect((await setAccessPolicy(app, vendor, { ndaRequired: true, grantScope: 'DOCUMENT' })).errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** The mailed link's path and query, opened on this test server. */
  async function mailedLink(email: string, label: string): Promise<string> {
    const mail = await waitForMail(app.mail!.dir, email, (m) => m.text.includes(label));
    const url = new URL(new RegExp(`${label}: (\\S+)`).exec(mail.text)![1]!);
    return `${origin}${url.pathname}${url.search}`;
  }

  /** axe-core in a CSP-bypassing copy of the page (the page itself refuses injected scripts). */
  async function seriousViolations(url: string, cookies: { name: string; value: string; url: string }[]): Promise<string[]> {
    const context = await browser.newContext({ bypassCSP: true });
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(url);
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate<{ violations: { id: string; impact: string | null; help: string }[] }>("axe.run(document, { resultTypes: ['violations'] })");
    await context.close();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${url}: ${v.impact} ${v.id}: ${v.help}`);
  }

  it('requests, confirms by mail, accepts the NDA and downloads the watermarked copy', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page: Page = await context.newPage();
    const email = `guest-${uniqueSuffix()}@buyer.example`;
    const audited: string[] = [];

    await page.goto(`${origin}/trust/${vendor.slug}`);
    await page.getByRole('link', { name: 'Request access' }).click();
    audited.push(page.url());
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('Your name').fill('Grace Buyer');
    await page.getByLabel('Company').fill('Buyer Corp');
    await page.getByLabel(/Why you need the documents/).fill('Vendor security review');
    await page.getByRole('button', { name: 'Email me the confirmation link' }).click();
    await page.getByText('Check your inbox').waitFor();

    await page.goto(await mailedLink(email, 'Confirm the request'));
    audited.push(page.url());
    await page.getByRole('button', { name: 'Confirm and continue' }).click();
    await page.waitForURL(/\/access/);
    await page.getByText('Pending').waitFor();

    const { rows } = await app.owner.query(`SELECT id FROM access_requests WHERE org_id = $1 AND requester_email = $2`, [vendor.id, email]);
    expect((await decide(app, vendor, rows[0].id)).errors).toEqual([]);
    await page.goto(await mailedLink(email, 'Read and accept the NDA'));
    audited.push(page.url());
    await page.getByText('Approved').first().waitFor();
    await page.getByLabel('Your name (signature)').fill('Grace Buyer');
    await page.getByRole('button', { name: 'I accept the NDA' }).click();
    await page.getByText('the NDA is accepted').waitFor();

    // The download button answers 303 to a presigned S3 URL, whose attachment the browser saves: the stamped PDF.
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20_000 }),
      page.getByRole('button', { name: 'Download SOC 2 Type II report' }).click(),
    ]);
    expect(download.url()).toContain('X-Amz-Signature');
    const saved = readFileSync((await download.path())!);
    expect(saved.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { rows: events } = await app.owner.query(`SELECT watermarked FROM download_events WHERE org_id = $1 AND document_id = $2`, [vendor.id, docId]);
    expect(events).toEqual([{ watermarked: true }]);

    const cookies = (await context.cookies()).map((c) => ({ name: c.name, value: c.value, url: origin }));
    await context.close();
    const violations: string[] = [];
    for (const url of audited) violations.push(...(await seriousViolations(url, cookies)));
    expect(violations).toEqual([]);
  }, 120_000);
});
