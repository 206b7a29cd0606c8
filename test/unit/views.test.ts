import type { CalendarDate } from '../../src/domain/calendar-date';
import { badgeShieldsJson, badgeSvg } from '../../src/views/badge';
import { escapeHtml, html, raw, safeHref } from '../../src/views/html';
import { badgeFor, renderTrustPage, type PageAttestation, type TrustPageData } from '../../src/views/trust-page';
import { freshnessSentence } from '../../src/views/words';

const d = (s: string) => s as CalendarDate;
const HOSTILE = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", 'evil\u202Egnp.exe', '`${alert(1)}`'];

function attestation(over: Partial<PageAttestation> = {}): PageAttestation {
  return {
    id: 'a1', framework: 'SOC2', socType: 'TYPE_II', title: null, periodStart: d('2025-09-01'), periodEnd: d('2026-08-31'), asOf: null,
    issueDate: d('2026-10-01'), certificateValidUntil: null, auditor: 'Example LLP', opinion: 'UNQUALIFIED', exceptionCount: 0,
    trustServiceCriteria: ['SECURITY', 'AVAILABILITY'],
    freshness: { state: 'CURRENT', expiresOn: d('2027-08-31'), daysUntilStale: 272, coveredThrough: d('2026-08-31') },
    ...over,
  };
}

function page(over: Partial<TrustPageData> = {}): TrustPageData {
  return {
    name: 'Acme', slug: 'acme', headline: 'Security at Acme', description: 'We keep data safe.', websiteUrl: 'https://acme.example',
    contactEmail: 'security@acme.example', status: 'PUBLISHED', attestations: { edges: [{ node: attestation() }] },
    attestationsInProgress: [],
    subprocessors: [{ name: 'AWS', purpose: 'Hosting', location: 'US', websiteUrl: 'https://aws.amazon.com' }],
    documents: { edges: [
      { node: { id: 'doc1', title: 'Security overview', description: null, kind: 'POLICY', visibility: 'PUBLIC', currentVersion: { fileName: 'overview.pdf', sizeBytes: 20480 } } },
      { node: { id: 'doc2', title: 'SOC 2 report', description: null, kind: 'REPORT', visibility: 'RESTRICTED', currentVersion: null } },
    ] },
    nda: { title: 'Mutual NDA', version: 3 },
    ...over,
  };
}

/**
 * Escaped text never contains a raw `<` or `"`, so after removing quoted attribute values whatever still looks like a
 * tag or attribute is markup: no script/img/svg tag, no inline handler or style, and every link an http(s) or
 * relative URL (checked on the values themselves).
 */
function expectOnlyOurMarkup(out: string): void {
  const tags = out.replace(/"[^"]*"/g, '""').match(/<[^>]*>/g) ?? [];
  for (const tag of tags) {
    expect(tag).not.toMatch(/^<(script|img|svg|iframe|object|embed)\b/i);
    expect(tag).not.toMatch(/\s(on[a-z]+|style)=/i);
  }
  for (const [, href] of out.matchAll(/\shref="([^"]*)"/g)) expect(href).toMatch(/^(https?:\/\/|\/|mailto:)/);
}

const options = { stylesheet: '/trust/assets/page-x.css', today: d('2026-12-02') };

describe('html template', () => {
  it('escapes interpolations and keeps nested templates and raw constants as markup', () => {
    expect(html`<p>${'<b>'}</p>`.value).toBe('<p>&lt;b&gt;</p>');
    expect(html`<p>${html`<b>${'&'}</b>`}${raw('<br>')}</p>`.value).toBe('<p><b>&amp;</b><br></p>');
    expect(html`<a title="${'" onmouseover="x'}">`.value).toBe('<a title="&quot; onmouseover=&quot;x">');
    expect(html`${[1, null, false, undefined, 'x']}`.value).toBe('1x');
  });

  it('neutralises bidirectional overrides and isolates', () => {
    expect(escapeHtml('abc\u202Edef\u2066g')).toBe('abc\uFFFDdef\uFFFDg');
  });

  it('links only http(s) URLs', () => {
    expect(safeHref('https://acme.example/x')).toBe('https://acme.example/x');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>', 'vbscript:x', '//evil.example', 'not a url', '', null]) {
      expect(safeHref(bad)).toBeNull();
    }
  });
});

describe('freshness in words', () => {
  it('writes a Type II report with its bridge letter', () => {
    expect(freshnessSentence(attestation({ freshness: { state: 'CURRENT', expiresOn: d('2027-08-31'), daysUntilStale: 272, coveredThrough: d('2026-11-30') } })))
      .toBe('SOC 2 Type II, period ended 31 Aug 2026, current until 31 Aug 2027; a bridge letter covers through 30 Nov 2026');
  });

  it('writes every state in words', () => {
    expect(freshnessSentence(attestation({ socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: d('2026-03-31'), freshness: { state: 'EXPIRING_SOON', expiresOn: d('2027-03-31'), daysUntilStale: 1, coveredThrough: d('2026-03-31') } })))
      .toBe('SOC 2 Type I, as of 31 Mar 2026, expiring soon: current until 31 Mar 2027 (1 day left)');
    expect(freshnessSentence(attestation({ freshness: { state: 'STALE', expiresOn: d('2025-08-31'), daysUntilStale: -90, coveredThrough: d('2026-08-31') } })))
      .toBe('SOC 2 Type II, period ended 31 Aug 2026, stale: out of date since 31 Aug 2025');
    expect(freshnessSentence(attestation({ framework: 'ISO27001', socType: null, periodEnd: null, periodStart: null, certificateValidUntil: d('2028-02-14'), issueDate: d('2025-02-15'), freshness: { state: 'CURRENT', expiresOn: d('2028-02-14'), daysUntilStale: 400, coveredThrough: null } })))
      .toBe('ISO/IEC 27001, certificate issued 15 Feb 2025, current until 14 Feb 2028');
  });
});

describe('badge', () => {
  it('picks the freshest attestation of the framework and says its state in text and title', () => {
    const p = page({ attestations: { edges: [
      { node: attestation({ id: 'old', freshness: { state: 'STALE', expiresOn: d('2025-01-01'), daysUntilStale: -1, coveredThrough: null } }) },
      { node: attestation({ id: 'new', freshness: { state: 'EXPIRING_SOON', expiresOn: d('2026-12-20'), daysUntilStale: 18, coveredThrough: null } }) },
    ] } });
    const badge = badgeFor(p, 'SOC2');
    expect(badge).toEqual({ label: 'SOC 2 Type II', state: 'EXPIRING_SOON' });
    const svg = badgeSvg(badge);
    expect(svg).toContain('<title>SOC 2 Type II: expiring soon</title>');
    expect(svg).toContain('#8a4b00');
    expect(badgeShieldsJson(badge)).toEqual({ schemaVersion: 1, label: 'SOC 2 Type II', message: 'expiring soon', color: 'orange' });
    expect(badgeFor(p, 'ISO27001')).toEqual({ label: 'ISO/IEC 27001', state: 'NONE' });
  });

  it('escapes a hostile label', () => {
    const svg = badgeSvg({ label: '<script>x</script>', state: 'CURRENT' });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
  });
});

describe('trust page', () => {
  it('shows state by colour class and by words, public downloads, restricted requests and the NDA', () => {
    const out = renderTrustPage(page(), options);
    expect(out).toContain('class="attestation state-current"');
    expect(out).toContain('<span class="pill">current</span>');
    expect(out).toContain('Period ended 31 Aug 2026, current until 31 Aug 2027.');
    expect(out).toContain('href="/trust/acme/documents/doc1/download"');
    expect(out).toContain('href="/trust/acme/request-access?document=doc2"');
    expect(out).toContain('Mutual NDA (version 3)');
    expectOnlyOurMarkup(out);
  });

  it('lists attestations in progress under the reports, grey and without a freshness pill; completed and cancelled ones not', () => {
    const inProgress = (over: Partial<TrustPageData['attestationsInProgress'][number]>): TrustPageData['attestationsInProgress'][number] => ({
      id: 'p1', framework: 'SOC2', socType: 'TYPE_II', observationStart: d('2026-03-01'), expectedReportDate: d('2027-05-15'), auditor: 'Audit LLP', status: 'IN_PROGRESS', ...over,
    });
    const out = renderTrustPage(page({
      attestationsInProgress: [
        inProgress({}),
        inProgress({ id: 'p2', framework: 'ISO27001', socType: null, observationStart: null, expectedReportDate: d('2026-12-01'), auditor: null }),
        inProgress({ id: 'p3', framework: 'HIPAA', socType: null, observationStart: null, status: 'CANCELLED' }),
      ],
    }), options);
    expect(out).toContain('<h3 id="in-progress">In progress</h3>');
    expect(out).toContain('<strong>SOC 2 Type II</strong>: observation period under way since 1 Mar 2026; report expected May 2027 (auditor engaged: Audit LLP).');
    expect(out).toContain('<strong>ISO/IEC 27001</strong>: under way; report expected December 2026.');
    expect(out).not.toContain('HIPAA');
    const section = out.slice(out.indexOf('id="in-progress"'), out.indexOf('id="documents"'));
    expect(section).toContain('class="attestation state-none in-progress"');
    expect(section).not.toContain('pill');
    expect(out.indexOf('id="in-progress"')).toBeGreaterThan(out.indexOf('Period ended'));
    expect(renderTrustPage(page(), options)).not.toContain('In progress');
    expectOnlyOurMarkup(out);
  });

  it('renders every vendor-controlled string as text', () => {
    for (const evil of HOSTILE) {
      const out = renderTrustPage(page({
        name: evil, headline: evil, description: evil, websiteUrl: 'javascript:alert(1)', contactEmail: evil,
        subprocessors: [{ name: evil, purpose: evil, location: evil, websiteUrl: 'javascript:alert(1)' }],
        documents: { edges: [{ node: { id: evil, title: evil, description: evil, kind: 'POLICY', visibility: 'PUBLIC', currentVersion: { fileName: evil, sizeBytes: 1 } } }] },
        nda: { title: evil, version: 1 },
        attestations: { edges: [{ node: attestation({ auditor: evil, title: evil, framework: 'OTHER', socType: null }) }] },
        attestationsInProgress: [{ id: evil, framework: 'SOC2', socType: 'TYPE_II', observationStart: d('2026-03-01'), expectedReportDate: d('2027-05-15'), auditor: evil, status: 'IN_PROGRESS' }],
      }), options);
      expectOnlyOurMarkup(out);
      expect(out).not.toContain('\u202E');
    }
  });
});
