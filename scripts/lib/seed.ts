import { createHash, randomUUID } from 'node:crypto';
import { demoPdf } from '../../src/seed/demo-pdf';
import { call, must, suffix, tokenFor } from './client';

/**
 * The fault and soak workload's fixtures, made through the public GraphQL API only: a published vendor with a SOC 2
 * Type II, an NDA, a RESTRICTED PDF and a PUBLIC policy; a customer that watches the vendor, was granted the PDF and
 * accepted the NDA.
 */
export interface Party {
  id: string;
  slug: string;
  email: string;
  token: string;
}

export interface World {
  vendor: Party;
  customer: Party;
  restrictedDocumentId: string;
  publicDocumentId: string;
}

export const QUERIES = {
  page: `query PublicPage($slug: String!) { trustCenter(slug: $slug) { name headline attestations { edges { node { id framework socType periodEnd freshness { state ageDays expiresOn } } } } documents { edges { node { id title visibility } } } } }`,
  vendorStatuses: `query Statuses { vendorStatuses(first: 20) { edges { node { status } } } }`,
  createAttestation: `mutation CreateAttestation($i: CreateAttestationInput!) { createAttestation(input: $i) { attestation { id title } errors { code message } } }`,
  download: `mutation Download($d: ID!) { requestDocumentDownload(documentId: $d) { download { url watermarked } errors { code message } } }`,
  createOrganization: `mutation CreateOrg($s: String!) { createOrganization(input: { slug: $s, name: $s }) { organization { id } errors { code } } }`,
  requestAccess: `mutation RequestAccess($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } errors { code message } } }`,
  attestationById: `query Attestation($id: ID!) { attestation(id: $id) { id title } }`,
};

export function attestationInput(title: string): Record<string, unknown> {
  return {
    framework: 'SOC2', socType: 'TYPE_II', periodStart: '2025-01-01', periodEnd: '2025-12-31', issueDate: '2026-02-15',
    auditor: 'Audit LLP', opinion: 'UNQUALIFIED', trustServiceCriteria: ['SECURITY'], title,
  };
}

export async function createParty(url: string, prefix: string): Promise<Party> {
  const email = `${prefix}-${suffix()}@example.test`;
  const token = tokenFor(email);
  const slug = `${prefix}-${suffix()}`;
  const created = must(await call(url, QUERIES.createOrganization, { token, variables: { s: slug } }), 'createOrganization');
  return { id: created.organization.id, slug, email, token };
}

async function documentWithFile(url: string, vendor: Party, title: string, kind: string, visibility: string): Promise<string> {
  const as = { token: vendor.token, org: vendor.slug };
  const doc = must(await call(url, `mutation($i: CreateDocumentInput!) { createDocument(input: $i) { document { id } errors { code message } } }`, { ...as, variables: { i: { title, kind, visibility } } }), 'createDocument');
  const bytes = Buffer.from(await demoPdf(title, ['Generated for the fault and soak runs.', `Run ${randomUUID()}`]));
  const upload = must(await call(url, `mutation($i: CreateDocumentUploadInput!) { createDocumentUpload(input: $i) { version { id } upload { url headers { name value } } errors { code message } } }`, {
    ...as, variables: { i: { documentId: doc.document.id, fileName: `${kind.toLowerCase()}.pdf`, contentType: 'application/pdf', sizeBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } },
  }), 'createDocumentUpload');
  const headers = Object.fromEntries((upload.upload.headers as { name: string; value: string }[]).map((h) => [h.name, h.value]));
  const put = await fetch(upload.upload.url, { method: 'PUT', headers, body: bytes });
  if (!put.ok) throw new Error(`upload PUT: HTTP ${put.status}`);
  must(await call(url, `mutation($v: ID!) { completeDocumentUpload(versionId: $v) { version { status } errors { code message } } }`, { ...as, variables: { v: upload.version.id } }), 'completeDocumentUpload');
  return doc.document.id;
}

export async function seedWorld(url: string): Promise<World> {
  const vendor = await createParty(url, 'vendor');
  const v = { token: vendor.token, org: vendor.slug };
  must(await call(url, `mutation { publishTrustCenter { errors { code } } }`, v), 'publishTrustCenter');
  const att = must(await call(url, QUERIES.createAttestation, { ...v, variables: { i: attestationInput('SOC 2 Type II 2025') } }), 'createAttestation');
  must(await call(url, `mutation($id: ID!) { publishAttestation(id: $id) { errors { code } } }`, { ...v, variables: { id: att.attestation.id } }), 'publishAttestation');
  const restrictedDocumentId = await documentWithFile(url, vendor, 'SOC 2 report', 'SOC_REPORT', 'RESTRICTED');
  const publicDocumentId = await documentWithFile(url, vendor, 'Security policy', 'POLICY', 'PUBLIC');
  const nda = must(await call(url, `mutation { createNdaTemplate(input: { title: "NDA", body: "These are the terms of the fault-run NDA, long enough." }) { ndaTemplate { id } errors { code } } }`, v), 'createNdaTemplate');
  const published = must(await call(url, `mutation($id: ID!) { publishNdaTemplate(id: $id) { ndaTemplate { version } errors { code } } }`, { ...v, variables: { id: nda.ndaTemplate.id } }), 'publishNdaTemplate');

  const customer = await createParty(url, 'customer');
  const c = { token: customer.token, org: customer.slug };
  must(await call(url, `mutation($s: String!) { watchVendor(input: { trustCenterSlug: $s }) { errors { code } } }`, { ...c, variables: { s: vendor.slug } }), 'watchVendor');
  const request = must(await call(url, QUERIES.requestAccess, { ...c, variables: { i: { trustCenterSlug: vendor.slug, documentIds: [restrictedDocumentId], reason: 'vendor review' } } }), 'requestAccess');
  if (request.accessRequest.state === 'REQUESTED') {
    must(await call(url, `mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { accessRequest { state } errors { code } } }`, { ...v, variables: { i: { id: request.accessRequest.id, approve: true } } }), 'decideAccessRequest');
  }
  must(await call(url, `mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { acceptance { id } errors { code message } } }`, { ...c, variables: { i: { trustCenterSlug: vendor.slug, version: published.ndaTemplate.version, signerName: 'Pat Buyer' } } }), 'acceptNda');
  const first = must(await call(url, QUERIES.download, { ...c, variables: { d: restrictedDocumentId } }), 'requestDocumentDownload');
  if (!first.download?.watermarked) throw new Error('the customer download of the restricted PDF is not watermarked');
  return { vendor, customer, restrictedDocumentId, publicDocumentId };
}
