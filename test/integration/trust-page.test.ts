import { createAttestation, createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { createDocument, createDocumentWithFile, publishNda } from '../support/documents';
import { startTestApp, type TestApp } from '../support/harness';
import { waitFor } from '../support/wait';
import { PAGE_CSP } from '../../src/http/page-headers';
import { TRUST_PAGE_CSS_PATH } from '../../src/views/trust-page.css';

const HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>\u202E';

describe('hosted trust-center page, badge and stylesheet', () => {
  let app: TestApp;
  let base: string;
  let vendor: TestOrg;
  let publicDoc: { id: string; bytes: Buffer };
  let restrictedDoc: string;

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  };

  beforeAll(async () => {
    app = await startTestApp();
    base = new URL(app.url).origin;
    vendor = await createOrg(app, { publish: true, prefix: 'page' });
    await createAttestation(app, vendor, {}, true);
    publicDoc = await createDocumentWithFile(app, vendor, { title: 'Security overview', kind: 'POLICY', visibility: 'PUBLIC' });
    restrictedDoc = (await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II report', visibility: 'RESTRICTED' })).id;
    await publishNda(app, vendor);
    expectNoErrors(await app.gql(
      `mutation($input: SubprocessorInput!) { createSubprocessor(input: $input) { errors { code } } }`,
      { token: vendor.owner.token, org: vendor.slug, variables: { input: { name: 'Amazon Web Services', purpose: 'Hosting', location: 'US', websiteUrl: 'https://aws.amazon.com' } } },
    ));
  });
  afterAll(() => app.close());

  it('renders the published trust center as HTML under a strict CSP', async () => {
    const page = await get(`/trust/${vendor.slug}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.text).toContain(`Org ${vendor.slug} trust center`);
    expect(page.text).toMatch(/Period ended 31 Dec 2025, (current until|expiring soon: current until|stale: out of date since) 31 Dec 2026/);
    expect(page.text).toContain(`href="/trust/${vendor.slug}/documents/${publicDoc.id}/download"`);
    expect(page.text).toContain(`href="/trust/${vendor.slug}/request-access?document=${restrictedDoc}"`);
    expect(page.text).toContain('Amazon Web Services');
    expect(page.text).toMatch(/version 1\)/);
    expect(page.text).not.toMatch(/<script/i);
  });

  it('serves repeat views from the cache with an ETag, and shows a change once the vendor makes it', async () => {
    const first = await waitFor('a cached page', async () => {
      const p = await get(`/trust/${vendor.slug}`);
      return p.headers.get('x-cache') === 'hit' ? p : null;
    });
    const etag = first.headers.get('etag')!;
    expect((await get(`/trust/${vendor.slug}`, { 'if-none-match': etag })).status).toBe(304);
    expectNoErrors(await app.gql(`mutation { updateTrustCenter(input: { headline: "Now with headlines" }) { errors { code } } }`, { token: vendor.owner.token, org: vendor.slug }));
    const changed = await waitFor('the page to show the new headline', async () => {
      const p = await get(`/trust/${vendor.slug}`);
      return p.text.includes('Now with headlines') ? p : null;
    }, { timeoutMs: 10_000, intervalMs: 25 });
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('is 404 for drafts, unknown and malformed slugs', async () => {
    const draft = await createOrg(app, { prefix: 'draft' });
    for (const slug of [draft.slug, 'no-such-vendor-here', 'UPPER', 'bad_slug!', 'a'.repeat(100)]) {
      const page = await get(`/trust/${encodeURIComponent(slug)}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.text).toContain('There is no published trust center here.');
    }
  });

  it('escapes every vendor-controlled string', async () => {
    const evil = await createOrg(app, { publish: true, prefix: 'evil' });
    expectNoErrors(await app.gql(`mutation($i: UpdateTrustCenterInput!) { updateTrustCenter(input: $i) { errors { code } } }`, { token: evil.owner.token, org: evil.slug, variables: { i: { headline: HOSTILE, description: HOSTILE } } }));
    await createDocument(app, evil, { title: HOSTILE, visibility: 'RESTRICTED' });
    expectNoErrors(await app.gql(
      `mutation($input: SubprocessorInput!) { createSubprocessor(input: $input) { errors { code } } }`,
      { token: evil.owner.token, org: evil.slug, variables: { input: { name: HOSTILE, purpose: HOSTILE, location: HOSTILE } } },
    ));
    const page = await get(`/trust/${evil.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<img|<script/i);
    expect(page.text).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)&lt;/script&gt;\uFFFD');
  });

  it('draws the freshness badge as SVG and as shields.io JSON', async () => {
    const svg = await get(`/trust/${vendor.slug}/badge.svg?framework=SOC2`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(svg.headers.get('cache-control')).toBe('public, max-age=300');
    expect(svg.headers.get('etag')).toMatch(/^".+"$/);
    expect(svg.text).toMatch(/<title>SOC 2 Type II: (current|expiring soon|stale)<\/title>/);
    const json = await get(`/trust/${vendor.slug}/badge.json?framework=soc2`);
    expect(JSON.parse(json.text)).toMatchObject({ schemaVersion: 1, label: 'SOC 2 Type II' });
    expect(JSON.parse((await get(`/trust/${vendor.slug}/badge.json?framework=ISO27001`)).text)).toEqual({ schemaVersion: 1, label: 'ISO/IEC 27001', message: 'none', color: 'lightgrey' });
    const bad = await get(`/trust/${vendor.slug}/badge.svg?framework=SOC9`);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Unknown framework "SOC9"');
    expect((await get('/trust/no-such-vendor-here/badge.svg')).status).toBe(404);
  });

  it('redirects a public download to a short-lived link, and refuses restricted ones', async () => {
    const res = await get(`/trust/${vendor.slug}/documents/${publicDoc.id}/download`);
    expect(res.status).toBe(303);
    const file = await fetch(res.headers.get('location')!);
    expect(Buffer.from(await file.arrayBuffer()).equals(publicDoc.bytes)).toBe(true);
    expect((await get(`/trust/${vendor.slug}/documents/${restrictedDoc}/download`)).status).toBe(404);
  });

  it('serves its stylesheet for a year under a content hash', async () => {
    const css = await get(TRUST_PAGE_CSS_PATH);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });
});

describe("hosted page views in the vendor's analytics", () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('counts page views and badge loads per day, cached or not, and nothing for unknown slugs', async () => {
    const base = new URL(app.url).origin;
    const vendor = await createOrg(app, { publish: true, prefix: 'views' });
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/trust/${vendor.slug}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await fetch(`${base}/trust/${vendor.slug}/badge.svg`)).status).toBe(200);
    expect((await fetch(`${base}/trust/no-such-vendor-views`)).status).toBe(404);
    const today = new Date().toISOString().slice(0, 10);
    const analytics = await waitFor('the counts to be written (every 5 s)', async () => {
      const r = expectNoErrors(await app.gql(`{ organization { analytics { totalPageViews totalBadgeLoads pageViewsByDay { date pageViews badgeLoads } } } }`, { token: vendor.owner.token, org: vendor.slug }));
      const a = r.organization.analytics;
      return a.totalPageViews === 3 && a.totalBadgeLoads === 2 ? a : null;
    }, { timeoutMs: 15_000, intervalMs: 250 });
    expect(analytics.pageViewsByDay).toEqual([{ date: today, pageViews: 3, badgeLoads: 2 }]);
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM page_view_counts WHERE org_id = $1`, [vendor.id]);
    expect(rows[0].n).toBe(2); // one row per day and kind: no per-visitor data
  });
});
