import type { BenchDataset } from './dataset';

/** What each scenario sends. A scenario is a sequence of requests: request(i) is the i-th one the bench sends. */
export type ScenarioId = 'a' | 'a-wm' | 'a-post' | 'a-many' | 'b' | 'b-mix' | 'b-5k' | 'c' | 'c-wm' | 'd';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** What the ratio is taken against: the bare Node server, or the SQL replay of a scenario's statements. */
  baseline: { kind: 'bare-http' } | { kind: 'sql-replay'; of: ScenarioId };
  /** Whether the ratio has a target (>= 0.5, or `ratioMin`); informational rows report it without one. */
  ratioTarget: boolean;
  /** The ratio's target when it is not 0.5 (issue 16 item 4: the watchlist reads, 0.7). */
  ratioMin?: number;
  /** Writes: replayed inside BEGIN ... ROLLBACK, unless `replayCommits`. */
  writes: boolean;
  /**
   * The replay commits like the server does (a rollback skips the WAL flush and flatters the baseline). Only where
   * replaying the same statements again cannot collide: download events are new rows, and the audit append is
   * relinked to the tail under the org's advisory lock.
   */
  replayCommits?: boolean;
  /** How many distinct requests exist (each request(i) may be sent once); Infinity when any may repeat. */
  capacity: number;
  /**
   * Requests captured for the statement count (and replayed by the baseline, one set per replay connection). Repeatable
   * reads capture two: the first may fill a cache, the second is the steady state the load test sees.
   */
  captures: number;
  request(i: number): HttpRequest;
  /** Beyond "HTTP 200, no errors": what a valid answer of this scenario contains. */
  expect: RegExp;
  /**
   * Other work kept going while the scenario runs (warm-up and measurement): `concurrency` requests in flight at all
   * times, request(i) the i-th of them, each checked against `expect`. Its own latency is reported, not measured.
   */
  background?: { concurrency: number; capacity: number; request(i: number): HttpRequest; expect: RegExp; title: string };
  /** A latency target: p99 under this many ms (reported in the targets table). */
  p99TargetMs?: number;
}

/** Everything a visitor's trust-center page shows: profile, attestations with freshness, bridge letters, documents, subprocessors, NDA. */
export const TRUST_CENTER_PAGE = `query TrustCenterPage($slug: String!) {
  trustCenter(slug: $slug) {
    id slug name headline description contactEmail websiteUrl publishedAt
    freshnessPolicy { ageAnchor maxAgeMonths expiringSoonDays }
    nda { id version title }
    attestations(first: 20) {
      edges { node {
        id framework socType title scope periodStart periodEnd asOf issueDate auditor opinion trustServiceCriteria
        exceptionCount certificateNumber certificateValidUntil gapBeforeDays
        subserviceOrganizations { name method services }
        bridgeLetters { coversFrom coversThrough issuedOn signedByName }
        freshness { state ageDays anchorDate expiresOn daysUntilStale coveredThrough uncoveredDays }
      } }
      pageInfo { hasNextPage endCursor }
    }
    documents(first: 50) {
      edges { node { id title kind visibility attestationId updatedAt } }
      pageInfo { hasNextPage endCursor }
    }
    subprocessors { id name purpose location dataCategories websiteUrl }
  }
}`;

export const VENDOR_STATUSES = `query VendorStatuses {
  vendorStatuses(first: 100) {
    edges { node {
      status daysUntilStale evaluatedOn
      reasons { code message }
      vendor { id name domain onPlatform trustCenterSlug }
      basedOn { framework socType periodEnd issueDate opinion exceptionCount source }
      freshness { state ageDays expiresOn coveredThrough uncoveredDays }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const DOWNLOAD = `mutation Download($documentId: ID!) {
  requestDocumentDownload(documentId: $documentId) {
    download { url expiresAt fileName contentType sizeBytes watermarked }
    errors { code message ndaVersion }
  }
}`;

export const REQUEST_ACCESS = `mutation RequestAccess($input: RequestAccessInput!) {
  requestAccess(input: $input) {
    accessRequest { id state rule scope grantExpiresAt }
    errors { code field message }
  }
}`;

export const VERIFY_AUDIT = `{ verifyAuditLog { valid checkedEvents firstBrokenSeq reason } }`;

const compact = (query: string): string => query.replace(/\s+/g, ' ').trim();

function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}, operationName?: string): HttpRequest {
  return {
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: compact(query), variables, ...(operationName ? { operationName } : {}) }),
  };
}

/**
 * An anonymous GET as a browser or CDN would send it. Apollo's CSRF prevention wants a header no simple form can set
 * on a GET without a JSON content type; `apollo-require-preflight` is the documented one.
 */
function get(query: string, variables: Record<string, unknown>, operationName: string): HttpRequest {
  const search = new URLSearchParams({ query: compact(query), variables: JSON.stringify(variables), operationName });
  return { method: 'GET', path: `/graphql?${search.toString()}`, headers: { 'apollo-require-preflight': 'true' } };
}

const bearer = (token: string, org: string): Record<string, string> => ({ authorization: `Bearer ${token}`, 'x-org': org });

export interface ScenarioTokens {
  buyer: string;
  mixBuyer: string;
  bigBuyer: string;
  watermarkUsers: string[];
  backgroundWatermarkUsers: string[];
  requesters: string[];
}

export function buildScenarios(data: BenchDataset, tokens: ScenarioTokens, connections: number): Scenario[] {
  const hot = get(TRUST_CENTER_PAGE, { slug: data.hotSlug }, 'TrustCenterPage');
  const hotPost = post(TRUST_CENTER_PAGE, { slug: data.hotSlug }, {}, 'TrustCenterPage');
  const slugs = data.vendorSlugs;
  const manyGets = slugs.map((slug) => get(TRUST_CENTER_PAGE, { slug }, 'TrustCenterPage'));
  const statuses = post(VENDOR_STATUSES, {}, bearer(tokens.buyer, data.customer.slug), 'VendorStatuses');
  const mixStatuses = post(VENDOR_STATUSES, {}, bearer(tokens.mixBuyer, data.mixCustomer.slug), 'VendorStatuses');
  const mix = data.mixWatches;
  const bigStatuses = post(VENDOR_STATUSES, {}, bearer(tokens.bigBuyer, data.bigCustomer.slug), 'VendorStatuses');
  const big = data.bigWatches;
  const downloads = data.downloadDocuments.map((d) => post(DOWNLOAD, { documentId: d.documentId }, bearer(tokens.buyer, data.customer.slug), 'Download'));
  const vendorsCount = slugs.length;
  return [
    {
      id: 'a', title: 'trustCenter page, anonymous GET (one hot slug)', baseline: { kind: 'bare-http' }, ratioTarget: true, writes: false,
      capacity: Infinity, captures: 2, request: () => hot, expect: /"trustCenter":\{"id":/,
    },
    {
      // Issue 16: the uncached page against the SQL it sends (one read transaction), not against a bare server.
      id: 'a-post', title: 'trustCenter page, anonymous POST (uncached path)', baseline: { kind: 'sql-replay', of: 'a-post' }, ratioTarget: true, writes: false,
      capacity: Infinity, captures: 2, request: () => hotPost, expect: /"trustCenter":\{"id":/,
    },
    {
      id: 'a-many', title: `trustCenter page, anonymous GET over all ${vendorsCount} slugs`, baseline: { kind: 'bare-http' }, ratioTarget: false, writes: false,
      capacity: Infinity, captures: 1, request: (i) => manyGets[i % manyGets.length]!, expect: /"trustCenter":\{"id":/,
    },
    {
      id: 'b', title: `vendorStatuses(first: 100), customer watching ${data.watches.total} vendors`, baseline: { kind: 'sql-replay', of: 'b' }, ratioTarget: true, ratioMin: 0.7, writes: false,
      capacity: Infinity, captures: 2, request: () => statuses, expect: /"vendorStatuses":\{"edges":\[\{/,
    },
    {
      // The same watchlist shape at every size, so its small-vs-large p50 compares equal work over more data.
      id: 'b-mix', title: `vendorStatuses(first: 100), customer watching ${mix.onPlatform} vendors on the platform + ${mix.offPlatform} recorded (same shape at every size)`,
      baseline: { kind: 'sql-replay', of: 'b-mix' }, ratioTarget: true, ratioMin: 0.7, writes: false,
      capacity: Infinity, captures: 2, request: () => mixStatuses, expect: /"vendorStatuses":\{"edges":\[\{/,
    },
    {
      // Issue 16 item 4: the first page of a ten times longer watchlist; its p50 is compared with (b)'s.
      id: 'b-5k', title: `vendorStatuses(first: 100), customer watching ${big.total} vendors (${big.onPlatform} on the platform, ${big.offPlatform} recorded)`,
      baseline: { kind: 'sql-replay', of: 'b-5k' }, ratioTarget: true, ratioMin: 0.7, writes: false,
      capacity: Infinity, captures: 2, request: () => bigStatuses, expect: /"vendorStatuses":\{"edges":\[\{/,
    },
    {
      id: 'c', title: `requestDocumentDownload, RESTRICTED, granted (${downloads.length} documents, watermark cached)`, baseline: { kind: 'sql-replay', of: 'c' }, ratioTarget: true, writes: true, replayCommits: true,
      capacity: Infinity, captures: Math.min(connections, downloads.length), request: (i) => downloads[i % downloads.length]!, expect: /"url":"http/,
    },
    {
      id: 'c-wm', title: 'requestDocumentDownload, first download per recipient (watermarks every request)', baseline: { kind: 'sql-replay', of: 'c' }, ratioTarget: false, writes: true,
      capacity: tokens.watermarkUsers.length, captures: 1,
      request: (i) => post(DOWNLOAD, { documentId: data.downloadDocuments[i % data.downloadDocuments.length]!.documentId }, bearer(tokens.watermarkUsers[i]!, data.customer.slug), 'Download'),
      expect: /"watermarked":true/,
    },
    {
      id: 'd', title: 'requestAccess, auto-approved by verified email domain (new pair each time)', baseline: { kind: 'sql-replay', of: 'd' }, ratioTarget: true, writes: true,
      // Request i: requester i div V asks vendor i mod V, so consecutive requests hit different vendors (no shared audit chain).
      capacity: tokens.requesters.length * vendorsCount, captures: connections,
      request: (i) => {
        const requester = Math.floor(i / vendorsCount);
        const slug = slugs[i % vendorsCount]!;
        return post(REQUEST_ACCESS, { input: { trustCenterSlug: slug, reason: 'Vendor security review' } }, bearer(tokens.requesters[requester]!, data.requesters[requester]!.orgSlug), 'RequestAccess');
      },
      expect: /"state":"APPROVED"/,
    },
    {
      // Issue 16 item 3: the cached page stays fast while PDFs are stamped (watermarking runs off the event loop).
      // Last: the server keeps the memory stamping 11 MB PDFs took, which would count in every later scenario's peak RSS.
      id: 'a-wm', title: `trustCenter page, anonymous GET (one hot slug) while 4 first downloads of a ${Math.round(data.largeDocument.sizeBytes / 1048576)} MB, ${data.largeDocument.pages}-page PDF are watermarked`,
      baseline: { kind: 'bare-http' }, ratioTarget: false, writes: false, capacity: Infinity, captures: 2, request: () => hot, expect: /"trustCenter":\{"id":/, p99TargetMs: 10,
      background: {
        concurrency: 4, capacity: tokens.backgroundWatermarkUsers.length, title: `requestDocumentDownload of the ${Math.round(data.largeDocument.sizeBytes / 1048576)} MB PDF, a new recipient each time`,
        request: (i) => post(DOWNLOAD, { documentId: data.largeDocument.documentId }, bearer(tokens.backgroundWatermarkUsers[i]!, data.customer.slug), 'Download'),
        expect: /"watermarked":true/,
      },
    },
  ];
}

/** Valid = HTTP 200, a `data` object, no GraphQL error anywhere (top-level or payload), and the scenario's own mark. */
export function validBody(body: string, expect: RegExp): boolean {
  return body.startsWith('{"data":{') && !body.includes('"errors":[{') && expect.test(body);
}
