import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { eventHash, GENESIS_HASH, type ChainedEventContent } from '../../src/domain/audit-chain';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { demoPdf } from '../../src/seed/demo-pdf';
import { objectKeys, type Storage } from '../../src/modules/storage/storage';
import { log, ProgressBar } from './progress';

/**
 * The scale data set, written as the owner with set-based SQL (INSERT ... SELECT over generate_series, and batched
 * INSERT ... SELECT FROM unnest for the audit events whose hash chain is computed here). Every row is one the app
 * could have written: org_id on every tenant row, published trust centers with an NDA, SOC 2 Type II chains with
 * consecutive periods (current, superseded, superseded), certificates, bridge letters, documents with AVAILABLE
 * versions whose files exist in S3, subprocessors, a valid SHA-256 audit chain per vendor.
 */
export interface DatasetSpec {
  name: 'small' | 'large';
  vendors: number;
  auditEventsPerVendor: number;
  /** Vendors the customer watches (on the platform, spread over the data set; off-platform ones fill up to this). */
  watches: number;
  /**
   * The second customer's watchlist, the same at every size (scenario b-mix): this many on the platform, the rest of
   * `watches` recorded off it. With 100, the large set's b-mix does the small set's b work over 100 times the data.
   */
  mixOnPlatform: number;
  /**
   * A third customer's watchlist (scenario b-5k): this many vendors, on the platform as far as the data set has them
   * (every other vendor of the large set), the rest recorded off it. Beside (b)'s 500, it shows how the watchlist's
   * size moves `vendorStatuses(first: 100)`.
   */
  bigWatches: number;
  /** Vendors whose restricted documents the customer may download (grant + accepted NDA): scenario (c). */
  grantVendors: number;
  /** Distinct (requester, vendor) pairs available to scenario (d); requester organizations are made to cover them. */
  accessRequestPairs: number;
  /** Extra users of the customer organization, each downloading once: scenario (c-wm). */
  watermarkUsers: number;
  /** Users of the customer organization who download the large PDF once each, in the background of (a-wm). */
  backgroundWatermarkUsers: number;
  /** The size of the large restricted PDF (a-wm watermarks it four at a time), in MiB. */
  largePdfMb: number;
}

export const ATTESTATIONS_PER_VENDOR = 5;
export const DOCUMENTS_PER_VENDOR = 10;
export const SUBPROCESSORS_PER_VENDOR = 5;
export const AUTO_APPROVE_DOMAIN = 'bench-buyers.test';
const SHARED_KEY = 'bench/shared/report.pdf';
/** Which of DOCUMENTS is vendor 1's large PDF (the penetration test summary: RESTRICTED, no attestation). */
const LARGE_DOCUMENT_INDEX = 5;

export interface BenchUser {
  subject: string;
  email: string;
}

export interface BenchDataset {
  spec: DatasetSpec;
  hotSlug: string;
  vendorSlugs: string[];
  customer: { orgId: string; slug: string; buyer: BenchUser };
  /** A second customer whose watchlist has the same shape at every size (scenario b-mix). */
  mixCustomer: { orgId: string; slug: string; buyer: BenchUser };
  /** A third customer with a large watchlist (scenario b-5k). */
  bigCustomer: { orgId: string; slug: string; buyer: BenchUser };
  downloadDocuments: { documentId: string; vendorSlug: string }[];
  watermarkUsers: BenchUser[];
  /** The large restricted PDF of vendor 1 (its penetration test summary), granted to the customer. */
  largeDocument: { documentId: string; sizeBytes: number; pages: number };
  backgroundWatermarkUsers: BenchUser[];
  requesters: (BenchUser & { orgSlug: string })[];
  /** Owner of vendor-00001 (its audit chain is verified through the API after the app appended to it). */
  firstVendorOwner: BenchUser & { orgSlug: string };
  watches: { total: number; onPlatform: number; offPlatform: number };
  mixWatches: { total: number; onPlatform: number; offPlatform: number };
  bigWatches: { total: number; onPlatform: number; offPlatform: number };
  rows: Record<string, number>;
  buildSeconds: number;
}

const pad = (n: number): string => String(n).padStart(5, '0');
export const vendorSlug = (n: number): string => `vendor-${pad(n)}`;

/** The hot vendor of scenario (a): it has a bridge letter (n % 3 = 0) and a reported exception (n % 5 = 0). */
export const HOT_VENDOR = 15;

const NDA_BODY = `MUTUAL NON-DISCLOSURE AGREEMENT (benchmark)

1. Confidential Information. The vendor will share security reports, audit reports, penetration test summaries and
related documents with the accepting organization.
2. Use. The recipient uses them only to evaluate the vendor's security, and shares them only with its employees and
advisers who need them for that purpose and are bound by similar terms.
3. Term. These obligations last three years from acceptance.`;

const DOCUMENTS: { title: string; kind: string; visibility: string; attestation: number | null }[] = [
  { title: 'SOC 2 Type II report (current period)', kind: 'SOC_REPORT', visibility: 'RESTRICTED', attestation: 0 },
  { title: 'SOC 2 Type II report (previous period)', kind: 'SOC_REPORT', visibility: 'RESTRICTED', attestation: 1 },
  { title: 'SOC 2 Type II report (two periods ago)', kind: 'SOC_REPORT', visibility: 'RESTRICTED', attestation: 2 },
  { title: 'ISO/IEC 27001 certificate', kind: 'CERTIFICATE', visibility: 'PUBLIC', attestation: 3 },
  { title: 'PCI DSS Attestation of Compliance', kind: 'CERTIFICATE', visibility: 'PUBLIC', attestation: 4 },
  { title: 'Penetration test summary', kind: 'PEN_TEST', visibility: 'RESTRICTED', attestation: null },
  { title: 'Information Security Policy', kind: 'POLICY', visibility: 'PUBLIC', attestation: null },
  { title: 'Business Continuity Plan summary', kind: 'POLICY', visibility: 'PUBLIC', attestation: null },
  { title: 'Certificate of insurance', kind: 'INSURANCE', visibility: 'RESTRICTED', attestation: null },
  { title: 'Internal risk register', kind: 'OTHER', visibility: 'PRIVATE', attestation: null },
];

const SUBPROCESSORS: { name: string; purpose: string; location: string; categories: string[]; url: string }[] = [
  { name: 'Amazon Web Services', purpose: 'Infrastructure hosting', location: 'United States', categories: ['customer data', 'logs'], url: 'https://aws.amazon.com' },
  { name: 'Google Workspace', purpose: 'Email and documents', location: 'United States', categories: ['employee data'], url: 'https://workspace.google.com' },
  { name: 'Stripe', purpose: 'Payments', location: 'United States', categories: ['billing data'], url: 'https://stripe.com' },
  { name: 'Datadog', purpose: 'Monitoring', location: 'European Union', categories: ['logs', 'metrics'], url: 'https://www.datadoghq.com' },
  { name: 'Zendesk', purpose: 'Customer support', location: 'European Union', categories: ['contact data'], url: 'https://www.zendesk.com' },
];

async function pdf(): Promise<Buffer> {
  return Buffer.from(await demoPdf('Benchmark SOC 2 Type II report', [
    'Independent Service Auditor\'s Report on Controls Relevant to Security, Availability and Confidentiality.',
    'Opinion: in our opinion, in all material respects, the controls were suitably designed and operated effectively throughout the period.',
    'This file is shared by every document of the benchmark data set.',
  ]));
}

/**
 * A text-heavy report of at least `mb` MiB (a few hundred pages, under the 2,000-page watermark limit): watermarking
 * it loads, stamps and saves every page, which is the CPU work (a-wm) runs beside the cached page. Made once per run.
 */
let largePdfMemo: { mb: number; bytes: Buffer; pages: number } | null = null;
async function largePdf(mb: number): Promise<{ bytes: Buffer; pages: number }> {
  if (largePdfMemo?.mb === mb) return largePdfMemo;
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Courier);
  // Varied text (a fixed sequence of pseudo-random words), so the compressed page streams stay large: ~25 KB a page.
  let seed = 42;
  const word = (): string => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed >>> 8).toString(36);
  };
  let pages = 0;
  let bytes = Buffer.alloc(0);
  // Save and check the size every 50 pages.
  while (bytes.length < mb * 1024 * 1024) {
    for (let i = 0; i < 50; i++) {
      const page = doc.addPage([612, 792]);
      for (let y = 0; y < 110; y++) page.drawText(Array.from({ length: 40 }, word).join(' '), { x: 20, y: 780 - y * 7, size: 5, font });
      pages += 1;
    }
    bytes = Buffer.from(await doc.save({ useObjectStreams: false }));
  }
  largePdfMemo = { mb, bytes, pages };
  return largePdfMemo;
}

interface VendorRow {
  n: number;
  org_id: string;
  owner_id: string;
  slug: string;
}

/** Counts of what will be written, for the plan line and the progress bar. */
export function plannedRows(spec: DatasetSpec): Record<string, number> {
  return {
    vendors: spec.vendors,
    attestations: spec.vendors * ATTESTATIONS_PER_VENDOR,
    documents: spec.vendors * DOCUMENTS_PER_VENDOR,
    auditEvents: spec.vendors * spec.auditEventsPerVendor,
    watches: spec.watches + spec.watches + spec.bigWatches,
  };
}

export async function buildDataset(ownerUrl: string, spec: DatasetSpec, storage: Storage): Promise<BenchDataset> {
  const started = Date.now();
  const client = new pg.Client({ connectionString: ownerUrl, application_name: 'trust-portal-bench-load' });
  client.on('error', () => undefined); // a dropped connection fails the pending query; never an uncaught event
  await client.connect();
  try {
    return await load(client, spec, storage, started);
  } finally {
    await client.end();
  }
}

async function load(client: pg.Client, spec: DatasetSpec, storage: Storage, started: number): Promise<BenchDataset> {
  const V = spec.vendors;
  const q = (text: string, values: unknown[] = []): Promise<pg.QueryResult> => client.query(text, values);
  const bytes = await pdf();
  const sha = createHash('sha256').update(bytes).digest('hex');
  const ndaSha = createHash('sha256').update(NDA_BODY).digest('hex');
  const grantVendors = Math.min(spec.grantVendors, V);
  const watchedOn = Math.min(spec.watches, V);
  const watchedOff = spec.watches - watchedOn;
  const requesterOrgs = Math.max(1, Math.ceil(spec.accessRequestPairs / V));
  const customerId = randomUUID();
  const buyerId = randomUUID();
  const buyer: BenchUser = { subject: 'bench|buyer@bench-customer.test', email: 'buyer@bench-customer.test' };
  const mixOn = Math.min(spec.mixOnPlatform, V, spec.watches);
  const mixId = randomUUID();
  const mixBuyerId = randomUUID();
  const mixBuyer: BenchUser = { subject: 'bench|buyer@bench-customer-mix.test', email: 'buyer@bench-customer-mix.test' };
  const bigOn = Math.min(spec.bigWatches, V);
  const bigId = randomUUID();
  const bigBuyerId = randomUUID();
  const bigBuyer: BenchUser = { subject: 'bench|buyer@bench-customer-5k.test', email: 'buyer@bench-customer-5k.test' };
  // A customer's watchlist: `on` vendors on the platform (spread over the data set), then `off` recorded off it.
  const watchlist = async (orgId: string, userId: string, on: number, off: number): Promise<void> => {
    await q(`INSERT INTO requirement_policies (org_id, watch_id, accepted) VALUES ($1, NULL, '[{"framework":"SOC2","socType":"TYPE_II"},{"framework":"ISO27001","socType":null}]'::jsonb)`, [orgId]);
    await q(`INSERT INTO vendor_watches (org_id, vendor_org_id, name, domain, created_by, created_at, updated_at)
             SELECT $1, org_id, name, slug || '.test', $2, now() - make_interval(mins => n), now() - make_interval(mins => n)
             FROM bv WHERE (n - 1) % GREATEST(1, $3::int / $4::int) = 0 ORDER BY n LIMIT $4::int`, [orgId, userId, V, on]);
    if (off === 0) return;
    await q(`CREATE TEMP TABLE bo AS SELECT i, gen_random_uuid() AS id FROM generate_series(1, $1::int) AS i`, [off]);
    await q(`INSERT INTO vendor_watches (org_id, id, name, domain, notes, created_by, created_at, updated_at)
             SELECT $1, id, 'Offline Vendor ' || i, 'offline-' || i || '.test', 'Not on the platform; reports recorded by us', $2, now() - make_interval(mins => i), now()
             FROM bo`, [orgId, userId]);
    await q(`INSERT INTO tracked_attestations (org_id, watch_id, framework, soc_type, period_start, period_end, issue_date, auditor, opinion,
               trust_service_criteria, exception_count, created_by)
             SELECT $1, id, 'SOC2', 'TYPE_II', (e - interval '1 year' + interval '1 day')::date, e, LEAST(e + 30, current_date), 'Offline Audit LLP', 'UNQUALIFIED',
               ARRAY['SECURITY'], i % 2, $2
             FROM (SELECT *, (date_trunc('month', current_date) - make_interval(months => 1 + i % 14) - interval '1 day')::date AS e FROM bo) s`, [orgId, userId]);
    await q(`DROP TABLE bo`);
  };

  const steps: [string, () => Promise<unknown>][] = [
    ['vendors', async () => {
      await q(`CREATE TEMP TABLE bv AS SELECT i AS n, gen_random_uuid() AS org_id, gen_random_uuid() AS owner_id,
                 format('vendor-%s', lpad(i::text, 5, '0')) AS slug, format('Vendor %s Cloud', lpad(i::text, 5, '0')) AS name
               FROM generate_series(1, $1::int) AS i`, [V]);
      await q(`ALTER TABLE bv ADD PRIMARY KEY (n)`);
      await q(`INSERT INTO organizations (id, slug, name, email_domains, created_at, updated_at)
               SELECT org_id, slug, name, ARRAY[slug || '.test'], now() - interval '400 days', now() - interval '400 days' FROM bv`);
      await q(`INSERT INTO users (id, subject, email, created_at, last_seen_at)
               SELECT owner_id, 'bench|owner@' || slug || '.test', 'owner@' || slug || '.test', now() - interval '400 days', now() - interval '1 day' FROM bv`);
      await q(`INSERT INTO memberships (org_id, user_id, role, created_at) SELECT org_id, owner_id, 'OWNER', now() - interval '400 days' FROM bv`);
    }],
    ['trust centers and NDAs', async () => {
      await q(`INSERT INTO trust_centers (org_id, status, headline, description, contact_email, website_url, published_at, auto_approve_domains,
                 nda_required, created_at, updated_at)
               SELECT org_id, 'PUBLISHED', 'Security at ' || name,
                 name || ' runs on a hardened, continuously monitored platform. Our SOC 2 Type II reports, ISO 27001 certificate and PCI DSS attestation are below; restricted reports are shared under NDA.',
                 'security@' || slug || '.test', 'https://' || slug || '.test', now() - interval '380 days', ARRAY[$1::text], true,
                 now() - interval '400 days', now() - interval '30 days'
               FROM bv`, [AUTO_APPROVE_DOMAIN]);
      await q(`CREATE TEMP TABLE bn AS SELECT n, org_id, owner_id, gen_random_uuid() AS id FROM bv`);
      await q(`INSERT INTO nda_templates (org_id, id, version, title, body, body_sha256, status, created_by, created_at, published_at)
               SELECT bn.org_id, bn.id, 1, bv.name || ' mutual NDA', $1, $2, 'PUBLISHED', bn.owner_id, now() - interval '390 days', now() - interval '390 days'
               FROM bn JOIN bv USING (n)`, [NDA_BODY, ndaSha]);
      await q(`UPDATE trust_centers t SET current_nda_template_id = bn.id FROM bn WHERE bn.org_id = t.org_id`);
    }],
    ['attestations', async () => {
      // Period ends at the end of a month 2 to 15 months ago (n mod 14): current, expiring soon and stale vendors.
      await q(`CREATE TEMP TABLE ba AS SELECT n, org_id, owner_id,
                 gen_random_uuid() AS a0, gen_random_uuid() AS a1, gen_random_uuid() AS a2, gen_random_uuid() AS a3, gen_random_uuid() AS a4,
                 (date_trunc('month', current_date) - make_interval(months => 1 + n % 14))::date AS next0
               FROM bv`);
      await q(`ALTER TABLE ba ADD PRIMARY KEY (n)`);
      // Three consecutive SOC 2 Type II periods: k = 0 is PUBLISHED, 1 and 2 SUPERSEDED by the next.
      await q(`INSERT INTO attestations (org_id, id, framework, soc_type, title, scope, period_start, period_end, issue_date, auditor, opinion,
                 trust_service_criteria, exceptions, subservice_organizations, complementary_user_entity_controls, status, published_at,
                 superseded_at, superseded_by_id, created_by, created_at, updated_at)
               SELECT org_id, id, 'SOC2', 'TYPE_II', 'SOC 2 Type II ' || extract(year FROM pe)::int,
                 'Production platform: API, web console and data pipeline', ps, pe, issue,
                 CASE n % 3 WHEN 0 THEN 'Prescient & Co. CPAs' WHEN 1 THEN 'Ledger Assurance LLP' ELSE 'Northwind Audit' END,
                 CASE WHEN n % 23 = 0 AND k = 0 THEN 'QUALIFIED' ELSE 'UNQUALIFIED' END,
                 ARRAY['SECURITY', 'AVAILABILITY', 'CONFIDENTIALITY'],
                 CASE WHEN n % 5 = 0 THEN '[{"controlRef":"CC6.2","description":"One of 25 sampled terminations was deprovisioned after 3 business days instead of 1.","managementResponse":"Automated deprovisioning was rolled out the following quarter."}]'::jsonb ELSE '[]'::jsonb END,
                 '[{"name":"Amazon Web Services","method":"CARVE_OUT","services":"Infrastructure hosting"}]'::jsonb,
                 '[{"ref":"CUEC-1","description":"Customers review user access to their accounts quarterly."}]'::jsonb,
                 CASE k WHEN 0 THEN 'PUBLISHED' ELSE 'SUPERSEDED' END,
                 issue::timestamptz + interval '10 hours',
                 CASE k WHEN 0 THEN NULL ELSE next_issue::timestamptz + interval '10 hours' END,
                 superseded_by, owner_id, issue::timestamptz, issue::timestamptz
               FROM (
                 SELECT n, org_id, owner_id, k,
                   CASE k WHEN 0 THEN a0 WHEN 1 THEN a1 ELSE a2 END AS id,
                   CASE k WHEN 0 THEN NULL WHEN 1 THEN a0 ELSE a1 END AS superseded_by,
                   (next0 - make_interval(years => k + 1))::date AS ps,
                   (next0 - make_interval(years => k) - interval '1 day')::date AS pe,
                   LEAST((next0 - make_interval(years => k) + (20 + n % 30) * interval '1 day')::date, current_date) AS issue,
                   LEAST((next0 - make_interval(years => k - 1) + (20 + n % 30) * interval '1 day')::date, current_date) AS next_issue
                 FROM ba CROSS JOIN generate_series(0, 2) AS k
               ) s`);
      await q(`INSERT INTO attestations (org_id, id, framework, title, scope, issue_date, auditor, certificate_number, certificate_valid_from,
                 certificate_valid_until, status, published_at, created_by, created_at, updated_at)
               SELECT org_id, a3, 'ISO27001', 'ISO/IEC 27001:2022 certificate', 'Information security management system for the production platform',
                 d, 'Certification Body Ltd.', 'IS ' || (100000 + n), d, (d + interval '3 years' - interval '1 day')::date, 'PUBLISHED',
                 d::timestamptz + interval '10 hours', owner_id, d::timestamptz, d::timestamptz
               FROM (SELECT *, (current_date - (30 + n % 900))::date AS d FROM ba) s`);
      await q(`INSERT INTO attestations (org_id, id, framework, title, scope, issue_date, auditor, certificate_number, certificate_valid_from,
                 certificate_valid_until, status, published_at, created_by, created_at, updated_at)
               SELECT org_id, a4, 'PCI_DSS', 'PCI DSS v4.0 Attestation of Compliance', 'Cardholder data environment', d, 'QSA Partners',
                 'AOC-' || (200000 + n), d, (d + interval '1 year' - interval '1 day')::date, 'PUBLISHED',
                 d::timestamptz + interval '10 hours', owner_id, d::timestamptz, d::timestamptz
               FROM (SELECT *, (current_date - (n % 400))::date AS d FROM ba) s`);
      // A bridge letter on the current report of every third vendor, covering three months from the period end.
      await q(`INSERT INTO bridge_letters (org_id, attestation_id, covers_from, covers_through, issued_on, signed_by_name, signed_by_title, created_by, created_at)
               SELECT org_id, a0, next0, (next0 + interval '3 months' - interval '1 day')::date, LEAST(next0 + 25, current_date),
                 'Dana Reyes', 'Chief Information Security Officer', owner_id, now() - interval '20 days'
               FROM ba WHERE n % 3 = 0`);
    }],
    ['documents and versions', async () => {
      await q(`CREATE TEMP TABLE bd AS SELECT ba.n, ba.org_id, ba.owner_id, k, gen_random_uuid() AS doc_id, gen_random_uuid() AS ver_id,
                 CASE k WHEN 0 THEN a0 WHEN 1 THEN a1 WHEN 2 THEN a2 WHEN 3 THEN a3 WHEN 4 THEN a4 END AS attestation_id
               FROM ba CROSS JOIN generate_series(0, ${DOCUMENTS.length - 1}) AS k`);
      await q(`INSERT INTO documents (org_id, id, title, description, kind, visibility, attestation_id, current_version_id, created_by, created_at, updated_at)
               SELECT bd.org_id, bd.doc_id, def.title, NULL, def.kind, def.visibility,
                 CASE WHEN def.linked THEN bd.attestation_id END, bd.ver_id, bd.owner_id,
                 now() - make_interval(days => 300 - bd.k), now() - make_interval(days => 30 - bd.k)
               FROM bd JOIN unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::boolean[]) AS def(k, title, kind, visibility, linked) ON def.k = bd.k`,
        [DOCUMENTS.map((_, k) => k), DOCUMENTS.map((d) => d.title), DOCUMENTS.map((d) => d.kind), DOCUMENTS.map((d) => d.visibility), DOCUMENTS.map((d) => d.attestation !== null)]);
      // Scenario (c) documents get their file under the key the storage layer makes; the others share one object.
      await q(`INSERT INTO document_versions (org_id, id, document_id, version, storage_key, file_name, content_type, size_bytes, sha256, status,
                 uploaded_by, created_at, completed_at)
               SELECT org_id, ver_id, doc_id, 1,
                 CASE WHEN n <= $1 AND k = 0 THEN 'orgs/' || org_id::text || '/documents/' || doc_id::text || '/versions/' || ver_id::text ELSE $2 END,
                 'vendor-' || lpad(n::text, 5, '0') || '-document-' || k || '.pdf', 'application/pdf', $3, $4, 'AVAILABLE', owner_id,
                 now() - make_interval(days => 30 - k), now() - make_interval(days => 30 - k)
               FROM bd`, [grantVendors, SHARED_KEY, bytes.length, sha]);
    }],
    ['files in S3', async () => {
      await storage.put(SHARED_KEY, bytes, 'application/pdf');
      const { rows } = await q(`SELECT org_id, doc_id, ver_id FROM bd WHERE n <= $1 AND k = 0 ORDER BY n`, [grantVendors]);
      for (const r of rows as { org_id: string; doc_id: string; ver_id: string }[]) {
        await storage.put(objectKeys.version(r.org_id, r.doc_id, r.ver_id), bytes, 'application/pdf');
      }
      // (a-wm): vendor 1's penetration test summary (RESTRICTED, under the customer's whole-trust-center grant) is large.
      const large = await largePdf(spec.largePdfMb);
      const [l] = (await q(`SELECT org_id, doc_id, ver_id FROM bd WHERE n = 1 AND k = $1`, [LARGE_DOCUMENT_INDEX])).rows as { org_id: string; doc_id: string; ver_id: string }[];
      const key = objectKeys.version(l!.org_id, l!.doc_id, l!.ver_id);
      await storage.put(key, large.bytes, 'application/pdf');
      await q(`UPDATE document_versions SET storage_key = $1, size_bytes = $2, sha256 = $3 WHERE org_id = $4 AND id = $5`,
        [key, large.bytes.length, createHash('sha256').update(large.bytes).digest('hex'), l!.org_id, l!.ver_id]);
    }],
    ['subprocessors', async () => {
      await q(`INSERT INTO subprocessors (org_id, name, purpose, location, data_categories, website_url, created_at, updated_at)
               SELECT bv.org_id, s.name, s.purpose, s.location, string_to_array(s.categories, ','), s.url, now() - interval '200 days', now() - interval '200 days'
               FROM bv CROSS JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS s(name, purpose, location, categories, url)`,
        [SUBPROCESSORS.map((s) => s.name), SUBPROCESSORS.map((s) => s.purpose), SUBPROCESSORS.map((s) => s.location), SUBPROCESSORS.map((s) => s.categories.join(',')), SUBPROCESSORS.map((s) => s.url)]);
    }],
    ['customer, watchlist, grants', async () => {
      await q(`INSERT INTO organizations (id, slug, name, email_domains) VALUES ($1, 'bench-customer', 'Bench Customer Corp', ARRAY['bench-customer.test'])`, [customerId]);
      await q(`INSERT INTO users (id, subject, email) VALUES ($1, $2, $3)`, [buyerId, buyer.subject, buyer.email]);
      await q(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'OWNER')`, [customerId, buyerId]);
      await q(`INSERT INTO users (subject, email) SELECT 'bench|wm-' || lpad(i::text, 5, '0') || '@bench-customer.test', 'wm-' || lpad(i::text, 5, '0') || '@bench-customer.test'
               FROM generate_series(1, $1::int) AS i`, [spec.watermarkUsers]);
      await q(`INSERT INTO users (subject, email) SELECT 'bench|wmbg-' || lpad(i::text, 5, '0') || '@bench-customer.test', 'wmbg-' || lpad(i::text, 5, '0') || '@bench-customer.test'
               FROM generate_series(1, $1::int) AS i`, [spec.backgroundWatermarkUsers]);
      await q(`INSERT INTO memberships (org_id, user_id, role) SELECT $1, id, 'VIEWER' FROM users WHERE subject LIKE 'bench|wm-%' OR subject LIKE 'bench|wmbg-%'`, [customerId]);
      await watchlist(customerId, buyerId, watchedOn, watchedOff);
      await q(`INSERT INTO organizations (id, slug, name, email_domains) VALUES ($1, 'bench-customer-mix', 'Bench Mixed Portfolio Inc', ARRAY['bench-customer-mix.test'])`, [mixId]);
      await q(`INSERT INTO users (id, subject, email) VALUES ($1, $2, $3)`, [mixBuyerId, mixBuyer.subject, mixBuyer.email]);
      await q(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'OWNER')`, [mixId, mixBuyerId]);
      await watchlist(mixId, mixBuyerId, mixOn, spec.watches - mixOn);
      await q(`INSERT INTO organizations (id, slug, name, email_domains) VALUES ($1, 'bench-customer-5k', 'Bench Large Portfolio LLC', ARRAY['bench-customer-5k.test'])`, [bigId]);
      await q(`INSERT INTO users (id, subject, email) VALUES ($1, $2, $3)`, [bigBuyerId, bigBuyer.subject, bigBuyer.email]);
      await q(`INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, 'OWNER')`, [bigId, bigBuyerId]);
      await watchlist(bigId, bigBuyerId, bigOn, spec.bigWatches - bigOn);
      // Scenario (c): an approved whole-trust-center grant and an accepted NDA at the first grantVendors vendors.
      await q(`CREATE TEMP TABLE bg AS SELECT n, org_id, gen_random_uuid() AS request_id FROM bv WHERE n <= $1`, [grantVendors]);
      await q(`INSERT INTO access_requests (org_id, id, requester_org_id, requester_org_name, requester_user_id, requester_email, scope, reason, state,
                 rule, decided_at, grant_expires_at, created_at, updated_at)
               SELECT org_id, request_id, $1, 'Bench Customer Corp', $2, $3, 'ALL_RESTRICTED', 'Annual vendor review', 'APPROVED',
                 'listed customer organization', now() - interval '10 days', now() + interval '355 days', now() - interval '10 days', now() - interval '10 days'
               FROM bg`, [customerId, buyerId, buyer.email]);
      await q(`INSERT INTO access_request_events (org_id, request_id, from_state, to_state, actor_user_id, rule, occurred_at)
               SELECT org_id, request_id, NULL::text, 'REQUESTED', $1::uuid, NULL::text, now() - interval '10 days' FROM bg
               UNION ALL
               SELECT org_id, request_id, 'REQUESTED', 'APPROVED', NULL::uuid, 'listed customer organization', now() - interval '10 days' FROM bg`, [buyerId]);
      await q(`INSERT INTO access_grants (org_id, customer_org_id, document_id, request_id, granted_at, expires_at)
               SELECT org_id, $1, NULL, request_id, now() - interval '10 days', now() + interval '355 days' FROM bg`, [customerId]);
      await q(`INSERT INTO nda_acceptances (org_id, customer_org_id, source, template_id, template_version, body_sha256, signer_user_id, signer_name,
                 signer_title, signer_email, customer_org_name, ip, user_agent, accepted_at)
               SELECT bg.org_id, $1, 'CLICKWRAP', bn.id, 1, $2, $3, 'Bea Buyer', 'Procurement lead', $4, 'Bench Customer Corp', '198.51.100.7',
                 'Mozilla/5.0 (bench)', now() - interval '10 days'
               FROM bg JOIN bn USING (n)`, [customerId, ndaSha, buyerId, buyer.email]);
    }],
    ['access requesters', async () => {
      await q(`CREATE TEMP TABLE br AS SELECT i, gen_random_uuid() AS org_id, gen_random_uuid() AS user_id FROM generate_series(1, $1::int) AS i`, [requesterOrgs]);
      await q(`INSERT INTO organizations (id, slug, name, email_domains) SELECT org_id, 'bench-req-' || lpad(i::text, 5, '0'), 'Requester ' || i, ARRAY[$1::text] FROM br`, [AUTO_APPROVE_DOMAIN]);
      await q(`INSERT INTO users (id, subject, email) SELECT user_id, 'bench|req-' || lpad(i::text, 5, '0') || '@' || $1, 'req-' || lpad(i::text, 5, '0') || '@' || $1 FROM br`, [AUTO_APPROVE_DOMAIN]);
      await q(`INSERT INTO memberships (org_id, user_id, role) SELECT org_id, user_id, 'OWNER' FROM br`);
    }],
  ];

  const bar = new ProgressBar(`${spec.name}: tables`, steps.length);
  for (const [, run] of steps) {
    await run();
    bar.tick();
  }
  bar.finish();

  const vendors = (await q(`SELECT n, org_id, owner_id, slug FROM bv ORDER BY n`)).rows as VendorRow[];
  await loadAuditEvents(client, spec, vendors);

  const analyze = new ProgressBar(`${spec.name}: VACUUM ANALYZE`, 1);
  // VACUUM as well as ANALYZE: hint bits and the visibility map are set, as they would be on a database in service.
  await q(`VACUUM (ANALYZE)`);
  analyze.finish();

  const rows: Record<string, number> = {};
  for (const table of ['organizations', 'users', 'trust_centers', 'attestations', 'bridge_letters', 'documents', 'document_versions', 'subprocessors',
    'audit_events', 'vendor_watches', 'tracked_attestations', 'access_requests', 'access_grants', 'nda_acceptances']) {
    rows[table] = Number((await q(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }
  const downloads = (await q(`SELECT bd.doc_id, bv.slug FROM bd JOIN bv USING (n) WHERE bd.n <= $1 AND bd.k = 0 ORDER BY bd.n`, [grantVendors])).rows as { doc_id: string; slug: string }[];
  const largeDoc = (await q(`SELECT doc_id FROM bd WHERE n = 1 AND k = $1`, [LARGE_DOCUMENT_INDEX])).rows[0] as { doc_id: string };
  const large = await largePdf(spec.largePdfMb);
  return {
    spec,
    hotSlug: vendorSlug(Math.min(HOT_VENDOR, V)),
    vendorSlugs: vendors.map((v) => v.slug),
    customer: { orgId: customerId, slug: 'bench-customer', buyer },
    mixCustomer: { orgId: mixId, slug: 'bench-customer-mix', buyer: mixBuyer },
    bigCustomer: { orgId: bigId, slug: 'bench-customer-5k', buyer: bigBuyer },
    downloadDocuments: downloads.map((d) => ({ documentId: d.doc_id, vendorSlug: d.slug })),
    watermarkUsers: Array.from({ length: spec.watermarkUsers }, (_, i) => ({ subject: `bench|wm-${pad(i + 1)}@bench-customer.test`, email: `wm-${pad(i + 1)}@bench-customer.test` })),
    largeDocument: { documentId: largeDoc.doc_id, sizeBytes: large.bytes.length, pages: large.pages },
    backgroundWatermarkUsers: Array.from({ length: spec.backgroundWatermarkUsers }, (_, i) => ({ subject: `bench|wmbg-${pad(i + 1)}@bench-customer.test`, email: `wmbg-${pad(i + 1)}@bench-customer.test` })),
    requesters: Array.from({ length: requesterOrgs }, (_, i) => ({
      subject: `bench|req-${pad(i + 1)}@${AUTO_APPROVE_DOMAIN}`, email: `req-${pad(i + 1)}@${AUTO_APPROVE_DOMAIN}`, orgSlug: `bench-req-${pad(i + 1)}`,
    })),
    firstVendorOwner: { subject: `bench|owner@${vendorSlug(1)}.test`, email: `owner@${vendorSlug(1)}.test`, orgSlug: vendorSlug(1) },
    watches: { total: spec.watches, onPlatform: watchedOn, offPlatform: watchedOff },
    mixWatches: { total: spec.watches, onPlatform: mixOn, offPlatform: spec.watches - mixOn },
    bigWatches: { total: spec.bigWatches, onPlatform: bigOn, offPlatform: spec.bigWatches - bigOn },
    rows,
    buildSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

const AUDIT_BATCH = 5000;
const CUSTOMER_ORGS = Array.from({ length: 50 }, () => randomUUID());

/** One vendor's j-th event: a year of history, vendor-side changes first, then customers asking and downloading. */
function auditContent(v: VendorRow, j: number, perVendor: number, now: number): ChainedEventContent {
  const yearMs = 365 * 24 * 3600 * 1000;
  const occurredAt = new Date(now - yearMs + Math.floor((j * yearMs) / perVendor) + ((v.n * 7919 + j * 104729) % 60_000)).toISOString();
  const owner = { actorUserId: v.owner_id, actorEmail: `owner@${v.slug}.test`, actorOrgId: v.org_id };
  const c = j % 50;
  const customer = { actorUserId: null, actorEmail: `buyer${c}@customer-${c}.test`, actorOrgId: CUSTOMER_ORGS[c]! };
  const base = { orgId: v.org_id, seq: j + 1, occurredAt, ip: `203.0.113.${(v.n + j) % 250}` };
  if (j === 0) return { ...base, ...owner, action: 'trust_center.published', targetType: 'trust_center', targetId: v.org_id, details: {} };
  if (j <= 5) return { ...base, ...owner, action: 'attestation.published', targetType: 'attestation', targetId: randomUUID(), details: { framework: j <= 3 ? 'SOC2' : j === 4 ? 'ISO27001' : 'PCI_DSS' } };
  if (j === 6) return { ...base, ...owner, action: 'nda.published', targetType: 'nda_template', targetId: randomUUID(), details: { version: 1 } };
  switch (j % 6) {
    case 0: return { ...base, ...owner, action: 'document.version_available', targetType: 'document', targetId: randomUUID(), details: { version: 1, sha256: '0'.repeat(64) } };
    case 1: return { ...base, ...customer, action: 'access.requested', targetType: 'access_request', targetId: randomUUID(), details: { customer: `Customer ${c}`, documents: 'all restricted' } };
    case 2: return { ...base, ...owner, action: 'access.approved', targetType: 'access_request', targetId: randomUUID(), details: { customer: `Customer ${c}`, rule: null, documents: 'all restricted' } };
    case 3: return { ...base, ...customer, action: 'nda.accepted', targetType: 'nda_template', targetId: randomUUID(), details: { version: 1, customer: `Customer ${c}`, signer: `Buyer ${c}` } };
    default: return { ...base, ...customer, action: 'document.downloaded', targetType: 'document', targetId: randomUUID(), details: { version: 1, customer: `Customer ${c}`, watermarked: true, visibility: 'RESTRICTED' } };
  }
}

async function loadAuditEvents(client: pg.Client, spec: DatasetSpec, vendors: VendorRow[]): Promise<void> {
  const perVendor = spec.auditEventsPerVendor;
  const total = vendors.length * perVendor;
  const bar = new ProgressBar(`${spec.name}: audit events`, total);
  const now = Date.now() - 60_000;
  const columns = () => ({ org: [] as string[], seq: [] as number[], at: [] as string[], action: [] as string[], user: [] as (string | null)[], email: [] as (string | null)[],
    actorOrg: [] as (string | null)[], targetType: [] as (string | null)[], targetId: [] as (string | null)[], ip: [] as (string | null)[], details: [] as string[], prev: [] as string[], hash: [] as string[] });
  let batch = columns();
  let pending: Promise<unknown> | null = null;
  const flush = async (): Promise<void> => {
    const b = batch;
    batch = columns();
    if (pending) await pending;
    pending = client.query(
      `INSERT INTO audit_events (org_id, seq, occurred_at, action, actor_user_id, actor_email, actor_org_id, target_type, target_id, ip, details, prev_hash, hash)
       SELECT o, s, a, ac, u, e, ao, tt, ti, ip, d::jsonb, p, h
       FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::uuid[], $6::text[], $7::uuid[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
         AS t(o, s, a, ac, u, e, ao, tt, ti, ip, d, p, h)`,
      [b.org, b.seq, b.at, b.action, b.user, b.email, b.actorOrg, b.targetType, b.targetId, b.ip, b.details, b.prev, b.hash],
    ).then(() => bar.tick(b.org.length));
  };
  for (const v of vendors) {
    let prev = GENESIS_HASH;
    for (let j = 0; j < perVendor; j++) {
      const content = auditContent(v, j, perVendor, now);
      // Exactly what audit.service hashes: the content as jsonb will give it back.
      const hash = eventHash(prev, content);
      batch.org.push(content.orgId); batch.seq.push(content.seq); batch.at.push(content.occurredAt); batch.action.push(content.action);
      batch.user.push(content.actorUserId); batch.email.push(content.actorEmail); batch.actorOrg.push(content.actorOrgId);
      batch.targetType.push(content.targetType); batch.targetId.push(content.targetId); batch.ip.push(content.ip);
      batch.details.push(JSON.stringify(content.details)); batch.prev.push(prev); batch.hash.push(hash);
      prev = hash;
      if (batch.org.length >= AUDIT_BATCH) await flush();
    }
  }
  if (batch.org.length > 0) await flush();
  if (pending) await pending;
  bar.finish();
  log(`${spec.name}: ${total} audit events in ${vendors.length} hash chains`);
}
