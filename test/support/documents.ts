import { createHash } from 'node:crypto';
import { demoPdf } from '../../src/seed/demo-pdf';
import type { TestApp } from './harness';
import { expectNoErrors, type TestOrg, type TestUser } from './factories';

/** Document and access factories for the documents/access suites. Every call makes its own rows. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export async function pdfBytes(title = 'Test report', lines: string[] = ['Some content.']): Promise<Buffer> {
  return Buffer.from(await demoPdf(title, lines));
}

export async function createDocument(app: TestApp, org: TestOrg, input: Record<string, unknown> = {}): Promise<string> {
  const r = await app.gql(
    `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { document { id } errors { code message } } }`,
    { token: org.owner.token, org: org.slug, variables: { input: { title: 'SOC 2 report', kind: 'SOC_REPORT', ...input } } },
  );
  const payload = expectNoErrors(r).createDocument;
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  return payload.document.id;
}

export interface UploadTicket {
  versionId: string;
  url: string;
  headers: Record<string, string>;
}

export async function startUpload(app: TestApp, org: TestOrg, documentId: string, file: { bytes: Buffer; fileName?: string; contentType?: string; sha256?: string; sizeBytes?: number }): Promise<UploadTicket> {
  const r = await app.gql(
    `mutation($input: CreateDocumentUploadInput!) { createDocumentUpload(input: $input) { version { id } upload { url method headers { name value } } errors { code message } } }`,
    {
      token: org.owner.token, org: org.slug,
      variables: { input: { documentId, fileName: file.fileName ?? 'report.pdf', contentType: file.contentType ?? 'application/pdf', sizeBytes: file.sizeBytes ?? file.bytes.length, sha256: file.sha256 ?? sha256Hex(file.bytes) } },
    },
  );
  const payload = expectNoErrors(r).createDocumentUpload;
  if (payload.errors.length) throw new Error(JSON.stringify(payload.errors));
  return {
    versionId: payload.version.id,
    url: payload.upload.url,
    headers: Object.fromEntries(payload.upload.headers.map((h: { name: string; value: string }) => [h.name, h.value])),
  };
}

export async function completeUpload(app: TestApp, org: TestOrg, versionId: string) {
  const r = await app.gql(
    `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { document { id currentVersion { id version sha256 status } } version { status } errors { code field message } } }`,
    { token: org.owner.token, org: org.slug, variables: { v: versionId } },
  );
  return expectNoErrors(r).completeDocumentUpload;
}

/** A document with a verified file: create, presigned PUT, complete. */
export async function createDocumentWithFile(app: TestApp, org: TestOrg, input: Record<string, unknown> = {}, bytes?: Buffer): Promise<{ id: string; bytes: Buffer }> {
  const id = await createDocument(app, org, input);
  const body = bytes ?? (await pdfBytes(String(input.title ?? 'SOC 2 report')));
  const ticket = await startUpload(app, org, id, { bytes: body });
  const put = await fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body });
  if (!put.ok) throw new Error(`upload failed: HTTP ${put.status}`);
  const done = await completeUpload(app, org, ticket.versionId);
  if (done.errors.length) throw new Error(JSON.stringify(done.errors));
  return { id, bytes: body };
}

export async function publishNda(app: TestApp, org: TestOrg, body = 'These are the terms of the demo NDA, long enough to count.'): Promise<{ id: string; version: number }> {
  const createdResponse = await app.gql(
    `mutation($i: CreateNdaTemplateInput!) { createNdaTemplate(input: $i) { ndaTemplate { id version } errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { i: { title: 'NDA', body } } },
  );
  const created = expectNoErrors(createdResponse).createNdaTemplate;
  const publishedResponse = await app.gql(
    `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { id version status } errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { id: created.ndaTemplate.id } },
  );
  const published = expectNoErrors(publishedResponse).publishNdaTemplate;
  if (published.errors.length) throw new Error(JSON.stringify(published.errors));
  return { id: published.ndaTemplate.id, version: published.ndaTemplate.version };
}

export async function requestAccess(app: TestApp, customer: TestOrg, user: TestUser, vendorSlug: string, input: Record<string, unknown> = {}) {
  const r = await app.gql(
    `mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state rule scope } errors { code field message } } }`,
    { token: user.token, org: customer.slug, variables: { i: { trustCenterSlug: vendorSlug, ...input } } },
  );
  return expectNoErrors(r).requestAccess;
}

export async function decide(app: TestApp, vendor: TestOrg, id: string, approve = true, extra: Record<string, unknown> = {}) {
  const r = await app.gql(
    `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { id state grantExpiresAt } errors { code message } } }`,
    { token: vendor.owner.token, org: vendor.slug, variables: { i: { id, approve, ...extra } } },
  );
  return expectNoErrors(r).decideAccessRequest;
}

export async function acceptNda(app: TestApp, customer: TestOrg, user: TestUser, vendorSlug: string, version: number) {
  const r = await app.gql(
    `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id templateVersion signerEmail } errors { code message } } }`,
    { token: user.token, org: customer.slug, variables: { i: { trustCenterSlug: vendorSlug, version, signerName: 'Pat Buyer', signerTitle: 'Procurement' } } },
  );
  return expectNoErrors(r).acceptNda;
}

export async function download(app: TestApp, documentId: string, as?: { token: string; org?: string }) {
  return app.gql(
    `mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { url expiresAt fileName contentType sizeBytes watermarked } errors { code message ndaVersion } } }`,
    { token: as?.token, org: as?.org, variables: { d: documentId } },
  );
}

/**
 * A published vendor with an NDA and a restricted SOC 2 PDF, and a customer org whose owner has been granted access
 * and accepted the NDA: the state a download test starts from.
 */
export async function grantedCustomer(app: TestApp, vendor: TestOrg, customer: TestOrg, documentId: string): Promise<void> {
  const nda = await publishNda(app, vendor);
  const req = await requestAccess(app, customer, customer.owner, vendor.slug, { documentIds: [documentId] });
  if (req.errors.length) throw new Error(JSON.stringify(req.errors));
  if (req.accessRequest.state === 'REQUESTED') {
    const d = await decide(app, vendor, req.accessRequest.id);
    if (d.errors.length) throw new Error(JSON.stringify(d.errors));
  }
  const acc = await acceptNda(app, customer, customer.owner, vendor.slug, nda.version);
  if (acc.errors.length) throw new Error(JSON.stringify(acc.errors));
}

// ---- Appended for the roles / tenants / documents suites ------------------------------------------------------

/**
 * Every row an org owns or is named in, across the tenancy, trust-center, document, NDA, access and audit tables (read
 * as the owner, bypassing RLS). Customer-side rows (requests, grants, acceptances, downloads it made at other vendors)
 * count too, so a refused customer mutation shows up as "nothing changed" and an allowed one as a change.
 */
export async function tenantRowsSnapshot(app: TestApp, orgId: string): Promise<Record<string, unknown[]>> {
  // Every table that holds tenant rows, from the catalog, so a new table is covered without touching this list.
  const { rows: columns } = await app.owner.query(
    `SELECT table_name, array_agg(column_name::text) AS cols FROM information_schema.columns
     WHERE table_schema = 'public' AND column_name IN ('org_id', 'customer_org_id', 'requester_org_id')
     GROUP BY table_name ORDER BY table_name`,
  );
  const tables: [string, string][] = [['organizations', 'id = $1']];
  for (const c of columns as { table_name: string; cols: string[] }[]) {
    tables.push([c.table_name, c.cols.map((col) => `${col} = $1`).join(' OR ')]);
  }
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, where] of tables) {
    const { rows } = await app.owner.query(`SELECT to_jsonb(t) AS row FROM ${table} t WHERE ${where} ORDER BY to_jsonb(t)::text`, [orgId]);
    snapshot[table] = rows.map((r) => r.row);
  }
  return snapshot;
}

/** A DRAFT NDA template of the org (not published), by its owner. */
export async function draftNdaTemplate(app: TestApp, org: TestOrg, body = 'These are the terms of the draft NDA, long enough to count.'): Promise<string> {
  const r = await app.gql(
    `mutation($i: CreateNdaTemplateInput!) { createNdaTemplate(input: $i) { ndaTemplate { id } errors { code } } }`,
    { token: org.owner.token, org: org.slug, variables: { i: { title: 'NDA', body } } },
  );
  const created = expectNoErrors(r).createNdaTemplate;
  if (created.errors.length) throw new Error(JSON.stringify(created.errors));
  return created.ndaTemplate.id;
}

/** How many download events a vendor org holds (read as the owner, bypassing RLS). */
export async function countDownloadEvents(app: TestApp, vendorOrgId: string): Promise<number> {
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM download_events WHERE org_id = $1`, [vendorOrgId]);
  return rows[0].n;
}

/** PUTs bytes to a presigned upload URL with exactly the headers the server handed out. */
export async function putToTicket(ticket: UploadTicket, body: Buffer): Promise<Response> {
  return fetch(ticket.url, { method: 'PUT', headers: ticket.headers, body });
}

/** A new version of an existing document: createDocumentUpload, presigned PUT, completeDocumentUpload (all as the owner). */
export async function uploadNewVersion(app: TestApp, org: TestOrg, documentId: string, bytes: Buffer, file: { fileName?: string; contentType?: string } = {}) {
  const ticket = await startUpload(app, org, documentId, { bytes, ...file });
  const put = await putToTicket(ticket, bytes);
  if (!put.ok) throw new Error(`upload failed: HTTP ${put.status}`);
  const done = await completeUpload(app, org, ticket.versionId);
  if (done.errors.length) throw new Error(JSON.stringify(done.errors));
  return { versionId: ticket.versionId, completed: done };
}

/** A customer's access request, approved by the vendor's owner when the policy did not decide it at once; returns its id. */
export async function approvedRequest(app: TestApp, vendor: TestOrg, customer: TestOrg, user: TestUser = customer.owner, input: Record<string, unknown> = {}): Promise<string> {
  const req = await requestAccess(app, customer, user, vendor.slug, input);
  if (req.errors.length) throw new Error(JSON.stringify(req.errors));
  if (req.accessRequest.state === 'REQUESTED') {
    const d = await decide(app, vendor, req.accessRequest.id);
    if (d.errors.length) throw new Error(JSON.stringify(d.errors));
  }
  return req.accessRequest.id;
}

// ---- Appended for the access / audit suites ---------------------------------------------------------------------

import type { AddressInfo } from 'node:net';
import Pg from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { Database } from '../../src/db/database';
import { createAppServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { signDevToken } from '../../src/modules/auth/jwt';
import { Storage } from '../../src/modules/storage/storage';
import { TEST_BUCKET } from './global-setup';
import { testConfig, uniqueSuffix, type GqlResponse } from './harness';
import { addMembership, createOrg } from './factories';

/** A user whose token carries exactly this email (for domain rules: free mail, blocked and auto-approved domains). */
export function userWithEmail(app: TestApp, email: string): TestUser {
  return { email, token: app.tokenFor(email) };
}

/** A customer org with an extra VIEWER whose verified email is `local-<random>@<domain>`: the requester for domain rules. */
export async function customerWithDomain(app: TestApp, domain: string): Promise<{ customer: TestOrg; user: TestUser }> {
  const customer = await createOrg(app, { prefix: 'cust' });
  const user = userWithEmail(app, `buyer-${uniqueSuffix()}@${domain}`);
  await addMembership(app, customer, user, 'VIEWER');
  return { customer, user };
}

/** A published vendor with one RESTRICTED SOC 2 PDF (a verified file). */
export async function vendorWithRestrictedDocument(app: TestApp, title = 'SOC 2 Type II'): Promise<{ vendor: TestOrg; documentId: string }> {
  const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
  const doc = await createDocumentWithFile(app, vendor, { title });
  return { vendor, documentId: doc.id };
}

/** updateAccessPolicy as the vendor's owner: the payload (policy and errors). */
export async function setAccessPolicy(app: TestApp, vendor: TestOrg, input: Record<string, unknown>) {
  const r = await app.gql(
    `mutation($i: UpdateAccessPolicyInput!) { updateAccessPolicy(input: $i) {
       accessPolicy { ndaRequired ndaAcceptanceScope ndaReacceptOnNewVersion autoApproveDomains autoApproveOrganizationIds blockedDomains blockFreeMailDomains defaultGrantDays grantScope }
       errors { code field message } } }`,
    { token: vendor.owner.token, org: vendor.slug, variables: { i: input } },
  );
  return expectNoErrors(r).updateAccessPolicy;
}

/** Runs `work` as the app role inside BEGIN ... ROLLBACK with `app.org_id` set (RLS and grant checks). */
export async function asAppRole<T>(app: TestApp, orgId: string, work: (c: Pg.PoolClient) => Promise<T>): Promise<T> {
  return asAppWith(app, { 'app.org_id': orgId }, work);
}

/** Runs `work` as the app role inside BEGIN ... ROLLBACK with only these transaction-local settings (e.g. `app.public_reads`). */
export async function asAppWith<T>(app: TestApp, settings: Record<string, string>, work: (c: Pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await app.appPool.connect();
  try {
    await client.query('BEGIN');
    for (const [key, value] of Object.entries(settings)) await client.query(`SELECT set_config($1, $2, true)`, [key, value]);
    return await work(client);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** The error a SQL statement raises (message and SQLSTATE), or null when it succeeds. */
export async function sqlError(run: () => Promise<unknown>): Promise<{ message: string; code: string } | null> {
  try {
    await run();
    return null;
  } catch (error) {
    const e = error as { message: string; code: string };
    return { message: e.message, code: e.code };
  }
}

export interface AuditVerificationResult {
  valid: boolean;
  checkedEvents: number;
  firstBrokenSeq: number | null;
  reason: string | null;
}

/** verifyAuditLog as the org's owner. */
export async function verifyAudit(app: TestApp, org: TestOrg): Promise<AuditVerificationResult> {
  const r = await app.gql(`{ verifyAuditLog { valid checkedEvents firstBrokenSeq reason } }`, { token: org.owner.token, org: org.slug });
  return expectNoErrors(r).verifyAuditLog;
}

export interface AuditEventView {
  seq: number;
  action: string;
  actorEmail: string | null;
  actorOrganizationId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
  occurredAt: string;
}

/** The org's whole audit log through GraphQL (every page), oldest first. */
export async function auditTrail(app: TestApp, org: TestOrg): Promise<AuditEventView[]> {
  const events: AuditEventView[] = [];
  let after: string | null = null;
  for (;;) {
    const r: GqlResponse = await app.gql(
      `query($after: String) { organization { auditEvents(first: 100, after: $after) {
         edges { node { seq action actorEmail actorOrganizationId targetType targetId ip details prevHash hash occurredAt } }
         pageInfo { hasNextPage endCursor } } } }`,
      { token: org.owner.token, org: org.slug, variables: { after } },
    );
    const page: { edges: { node: AuditEventView }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = expectNoErrors(r).organization.auditEvents;
    events.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return events.reverse();
}

/**
 * A second app on the test database whose object storage is unreachable (nothing listens on port 9): for proving that
 * a storage failure leaves no trace. Mirrors harness.startTestApp; tokens from either app work in both.
 */
export async function startAppWithBrokenStorage(): Promise<TestApp> {
  const ownerUrl = process.env.TP_TEST_OWNER_URL;
  const appUrl = process.env.TP_TEST_APP_URL;
  if (!ownerUrl || !appUrl) throw new Error('global setup did not run (TP_TEST_OWNER_URL missing)');
  const config = testConfig();
  const dataSource = createDataSource({ url: appUrl, poolMax: 3 });
  await dataSource.initialize();
  const db = new Database(dataSource);
  const storage = new Storage({
    endpoint: 'http://127.0.0.1:9', bucket: TEST_BUCKET, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
    forcePathStyle: true, uploadUrlTtlSeconds: config.storage.uploadUrlTtlSeconds, downloadUrlTtlSeconds: config.storage.downloadUrlTtlSeconds,
  });
  const server = await createAppServer({ config, db, storage, logger: createLogger('silent') });
  await new Promise<void>((resolve) => server.httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = server.httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  const owner = new Pg.Pool({ connectionString: ownerUrl, max: 1 });
  const appPool = new Pg.Pool({ connectionString: appUrl, max: 1 });
  return {
    url, db, storage, server, owner, appPool,
    async gql(query, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.org) headers['x-org'] = opts.org;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
      const body = JSON.parse(await res.text()) as { data?: any; errors?: any[] };
      return { status: res.status, headers: res.headers, data: body.data ?? null, errors: body.errors, statements: Number(res.headers.get('x-sql-statements') ?? NaN) };
    },
    tokenFor(email, subject) {
      return signDevToken(config.jwt, { subject: subject ?? `test|${email}`, email }, 3600);
    },
    async close() {
      await server.close();
      await db.close();
      storage.close();
      await owner.end();
      await appPool.end();
    },
  };
}
