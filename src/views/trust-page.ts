import type { CalendarDate } from '../domain/calendar-date';
import type { Framework, SocType } from '../domain/attestation';
import type { FreshnessState } from '../domain/freshness';
import type { Badge } from './badge';
import { html, safeHref, type SafeHtml } from './html';
import { attestationName, dayInWords, frameworkLabel, freshnessSentence, FRESHNESS_WORDS } from './words';

/**
 * The hosted trust-center page. Its data is the public GraphQL query below, executed in-process with the visitor's
 * own context: the page shows exactly what the API shows that visitor (same resolvers, rules and visibility), and
 * nothing the API would not.
 */
export const TRUST_PAGE_QUERY = /* GraphQL */ `
  query HostedTrustPage($slug: String!) {
    trustCenter(slug: $slug) {
      name slug headline description websiteUrl contactEmail status
      attestations(first: 100) {
        edges { node {
          id framework socType title periodStart periodEnd asOf issueDate certificateValidUntil auditor opinion
          exceptionCount trustServiceCriteria
          freshness { state expiresOn daysUntilStale coveredThrough }
        } }
      }
      attestationsInProgress { id framework socType observationStart expectedReportDate auditor status }
      subprocessors { name purpose location websiteUrl }
      documents(first: 100) {
        edges { node { id title description kind visibility currentVersion { fileName sizeBytes } } }
      }
      nda { title version }
    }
  }
`;

export interface PageAttestation {
  id: string;
  framework: Framework;
  socType: SocType | null;
  title: string | null;
  periodStart: CalendarDate | null;
  periodEnd: CalendarDate | null;
  asOf: CalendarDate | null;
  issueDate: CalendarDate;
  certificateValidUntil: CalendarDate | null;
  auditor: string | null;
  opinion: string | null;
  exceptionCount: number;
  trustServiceCriteria: string[];
  freshness: { state: FreshnessState; expiresOn: CalendarDate | null; daysUntilStale: number | null; coveredThrough: CalendarDate | null };
}

/** An attestation the vendor is working towards: never evidence, so it carries no freshness. */
export interface PageInProgress {
  id: string;
  framework: Framework;
  socType: SocType | null;
  observationStart: CalendarDate | null;
  expectedReportDate: CalendarDate;
  auditor: string | null;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
}

export interface PageDocument {
  id: string;
  title: string;
  description: string | null;
  kind: string;
  visibility: 'PUBLIC' | 'RESTRICTED' | 'PRIVATE';
  currentVersion: { fileName: string; sizeBytes: number } | null;
}

export interface TrustPageData {
  name: string;
  slug: string;
  headline: string | null;
  description: string | null;
  websiteUrl: string | null;
  contactEmail: string | null;
  status: 'DRAFT' | 'PUBLISHED';
  attestations: { edges: { node: PageAttestation }[] };
  attestationsInProgress: PageInProgress[];
  subprocessors: { name: string; purpose: string; location: string; websiteUrl: string | null }[];
  documents: { edges: { node: PageDocument }[] };
  nda: { title: string; version: number } | null;
}

const STATE_ORDER: Record<FreshnessState, number> = { CURRENT: 0, EXPIRING_SOON: 1, STALE: 2, NONE: 3 };

/** The badge for one framework: its freshest published attestation, or NONE when there is none. */
export function badgeFor(page: TrustPageData, framework: Framework): Badge {
  const candidates = page.attestations.edges.map((e) => e.node).filter((a) => a.framework === framework);
  candidates.sort((a, b) => STATE_ORDER[a.freshness.state] - STATE_ORDER[b.freshness.state] || (b.socType === 'TYPE_II' ? 1 : 0) - (a.socType === 'TYPE_II' ? 1 : 0));
  const best = candidates[0];
  return best ? { label: attestationName(best), state: best.freshness.state } : { label: frameworkLabel(framework), state: 'NONE' };
}

function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const OPINION_WORDS: Record<string, string> = {
  UNQUALIFIED: 'Unqualified opinion', QUALIFIED: 'Qualified opinion', ADVERSE: 'Adverse opinion', DISCLAIMER: 'Disclaimer of opinion',
};

/** The card's heading already names the report: its sentence starts at the dates ("Period ended ..."). */
function withoutName(sentence: string, name: string): string {
  const rest = sentence.startsWith(`${name}, `) ? sentence.slice(name.length + 2) : sentence;
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

function attestationItem(a: PageAttestation): SafeHtml {
  const state = a.freshness.state;
  const details = [
    a.auditor ? `Auditor: ${a.auditor}` : null,
    a.opinion ? OPINION_WORDS[a.opinion] ?? a.opinion : null,
    a.socType ? `${a.exceptionCount === 0 ? 'No' : a.exceptionCount} exception${a.exceptionCount === 1 ? '' : 's'} reported` : null,
    a.trustServiceCriteria.length ? `Criteria: ${a.trustServiceCriteria.map((c) => c.charAt(0) + c.slice(1).toLowerCase().replace(/_/g, ' ')).join(', ')}` : null,
  ].filter((d): d is string => d !== null);
  return html`<li class="attestation state-${state.toLowerCase()}">
  <p class="status"><span class="pill">${FRESHNESS_WORDS[state]}</span> <strong>${attestationName(a)}</strong></p>
  <p>${withoutName(freshnessSentence(a), attestationName(a))}.</p>
  ${details.length ? html`<p class="details">${details.join(' · ')}</p>` : ''}
</li>`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "May 2027": an expected date is a plan, so the page does not promise the day. */
function monthInWords(date: CalendarDate): string {
  const [y, m] = date.split('-');
  return `${MONTHS[Number(m) - 1]} ${Number(y)}`;
}

/**
 * "SOC 2 Type II: observation period under way since 1 Mar 2026; report expected May 2027 (auditor engaged: X)".
 * The neutral grey card of a report without freshness, and no pill: in progress is never shown as evidence.
 */
function inProgressItem(p: PageInProgress): SafeHtml {
  const under = p.observationStart ? `observation period under way since ${dayInWords(p.observationStart)}` : 'under way';
  const auditor = p.auditor ? ` (auditor engaged: ${p.auditor})` : '';
  return html`<li class="attestation state-none in-progress"><p><strong>${attestationName(p)}</strong>: ${under}; report expected ${monthInWords(p.expectedReportDate)}${auditor}.</p></li>`;
}

function documentItem(d: PageDocument, slug: string): SafeHtml {
  const file = d.currentVersion;
  const meta = file ? `${file.fileName}, ${humanSize(file.sizeBytes)}` : null;
  let action: SafeHtml;
  if (d.visibility === 'PUBLIC' && file) {
    action = html`<a class="button" href="/trust/${encodeURIComponent(slug)}/documents/${encodeURIComponent(d.id)}/download" download>Download</a>`;
  } else {
    // A link, not a form: the page is cached and shared by every visitor, so it carries no per-visitor CSRF token;
    // the request page it opens does.
    action = html`<a class="button" href="/trust/${encodeURIComponent(slug)}/request-access?document=${encodeURIComponent(d.id)}">Request access</a>`;
  }
  return html`<li class="document">
  <p><strong>${d.title}</strong>${d.visibility === 'RESTRICTED' ? html` <span class="tag">NDA required</span>` : ''}</p>
  ${d.description ? html`<p>${d.description}</p>` : ''}
  ${meta ? html`<p class="details">${meta}</p>` : ''}
  ${action}
</li>`;
}

export interface TrustPageOptions {
  /** The CSS asset's URL (content-hashed, so it can be cached for a year). */
  stylesheet: string;
  /** Shown when a member previews a draft. */
  draftNotice?: boolean;
  /** The day freshness was evaluated on (UTC). */
  today: CalendarDate;
}

export function renderTrustPage(page: TrustPageData, options: TrustPageOptions): string {
  const attestations = page.attestations.edges.map((e) => e.node);
  const documents = page.documents.edges.map((e) => e.node);
  // A member's preview gets completed and cancelled ones too: the page shows what a visitor would.
  const inProgress = page.attestationsInProgress.filter((p) => p.status === 'IN_PROGRESS');
  const website = safeHref(page.websiteUrl);
  const body = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.name} trust center</title>
<meta name="description" content="${page.headline ?? `Security and compliance at ${page.name}`}">
<link rel="stylesheet" href="${options.stylesheet}">
</head>
<body>
<header>
  <h1>${page.name} trust center</h1>
  ${page.headline ? html`<p class="headline">${page.headline}</p>` : ''}
  ${options.draftNotice ? html`<p class="notice" role="status">Draft: only members of ${page.name} can see this page until it is published.</p>` : ''}
</header>
<main>
  ${page.description ? html`<section aria-labelledby="about"><h2 id="about">About</h2><p class="prose">${page.description}</p></section>` : ''}
  <section aria-labelledby="compliance">
    <h2 id="compliance">Compliance reports and certificates</h2>
    ${attestations.length ? html`<ul class="cards">${attestations.map(attestationItem)}</ul>` : html`<p>No reports are published yet.</p>`}
    ${inProgress.length ? html`<h3 id="in-progress">In progress</h3><ul class="cards">${inProgress.map(inProgressItem)}</ul>` : ''}
  </section>
  <section aria-labelledby="documents">
    <h2 id="documents">Documents</h2>
    ${page.nda ? html`<p>Restricted documents are shared after you accept ${page.nda.title} (version ${page.nda.version}).</p>` : ''}
    ${documents.length ? html`<ul class="cards">${documents.map((d) => documentItem(d, page.slug))}</ul>` : html`<p>No documents are published yet.</p>`}
  </section>
  <section aria-labelledby="subprocessors">
    <h2 id="subprocessors">Subprocessors</h2>
    ${page.subprocessors.length
      ? html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Purpose</th><th scope="col">Location</th></tr></thead><tbody>${page.subprocessors.map((s) => {
        const href = safeHref(s.websiteUrl);
        return html`<tr><td>${href ? html`<a href="${href}" rel="noopener noreferrer nofollow">${s.name}</a>` : s.name}</td><td>${s.purpose}</td><td>${s.location}</td></tr>`;
      })}</tbody></table></div>`
      : html`<p>No subprocessors are listed.</p>`}
  </section>
</main>
<footer>
  ${website ? html`<p><a href="${website}" rel="noopener noreferrer nofollow">${page.name} website</a></p>` : ''}
  ${page.contactEmail ? html`<p>Security contact: <a href="mailto:${page.contactEmail}">${page.contactEmail}</a></p>` : ''}
  <p class="details">Freshness is computed on ${dayInWords(options.today)} (UTC) from the reports' own dates.</p>
</footer>
</body>
</html>
`;
  return body.value;
}
