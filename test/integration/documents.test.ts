import { randomBytes, randomUUID } from 'node:crypto';
import { STORAGE_IO_ON_WORKER_BYTES } from '../../src/modules/documents/watermark-pool';
import { PDFDocument } from 'pdf-lib';
import { startTestApp, type GqlResponse, type TestApp } from '../support/harness';
import { addMember, createAttestation, createOrg, expectNoErrors, soc2TypeII, type TestOrg, type TestUser } from '../support/factories';
import {
  completeUpload,
  createDocument,
  download,
  grantedCustomer,
  pdfBytes,
  putToTicket,
  sha256Hex,
  startUpload,
  uploadNewVersion,
  type UploadTicket,
} from '../support/documents';

/**
 * The document suite: the upload path end to end (GraphQL, then a real presigned PUT to the embedded S3, then
 * verification), every refusal as a typed payload error, the visibility rules for SOC reports, and downloads (original
 * for the public and for members, a per-recipient watermarked copy for granted customers) through presigned GETs.
 * The app runs on the real clock: presigned URLs are checked by the storage against the time they were signed.
 */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

const MiB = 1024 * 1024;
/** The harness's MAX_UPLOAD_BYTES (the config default). */
const MAX_UPLOAD_BYTES = 50 * MiB;
/** The harness's DOWNLOAD_URL_TTL_SECONDS (the config default). */
const DOWNLOAD_TTL_SECONDS = 300;
/** The harness's UPLOAD_URL_TTL_SECONDS (the config default). */
const UPLOAD_TTL_SECONDS = 900;

const codes = (r: GqlResponse): (string | undefined)[] => (r.errors ?? []).map((e) => e.extensions?.code);
const dataOf = (r: GqlResponse): Record<string, any> => expectNoErrors(r);

const CREATE_UPLOAD = `mutation($input: CreateDocumentUploadInput!) {
  createDocumentUpload(input: $input) {
    version { id version status sha256 sizeBytes contentType fileName completedAt }
    upload { url method expiresAt headers { name value } }
    errors { code field message }
  } }`;
const COMPLETE = `mutation($v: ID!) {
  completeDocumentUpload(versionId: $v) {
    document { id currentVersion { id version sha256 sizeBytes contentType fileName status completedAt } }
    version { id version status }
    errors { code field }
  } }`;
const CREATE_DOCUMENT = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { document { id kind visibility attestationId } errors { code field } } }`;
const UPDATE_DOCUMENT = `mutation($input: UpdateDocumentInput!) { updateDocument(input: $input) { document { id visibility title } errors { code field } } }`;

interface Declared { fileName?: string; contentType?: string; sizeBytes?: number; sha256?: string }

/** createDocumentUpload as the org's owner, for `bytes` unless the declaration says otherwise. */
async function declareUpload(org: TestOrg, documentId: string, bytes: Buffer, declared: Declared = {}): Promise<GqlResponse> {
  return app.gql(CREATE_UPLOAD, {
    token: org.owner.token,
    org: org.slug,
    variables: {
      input: {
        documentId,
        fileName: declared.fileName ?? 'report.pdf',
        contentType: declared.contentType ?? 'application/pdf',
        sizeBytes: declared.sizeBytes ?? bytes.length,
        sha256: declared.sha256 ?? sha256Hex(bytes),
      },
    },
  });
}

async function complete(org: TestOrg, versionId: string, as: TestUser = org.owner): Promise<Record<string, any>> {
  return dataOf(await app.gql(COMPLETE, { token: as.token, org: org.slug, variables: { v: versionId } })).completeDocumentUpload;
}

/** A document of the org as its members see it (organization { documents }). */
async function documentAsMember(org: TestOrg, id: string): Promise<Record<string, any>> {
  const r = await app.gql(`{ organization { documents(first: 100) { edges { node { id title visibility kind currentVersion { id version sha256 status fileName } } } } } }`, {
    token: org.owner.token, org: org.slug,
  });
  const node = dataOf(r).organization.documents.edges.map((e: { node: Record<string, any> }) => e.node).find((n: { id: string }) => n.id === id);
  if (!node) throw new Error(`document ${id} not listed`);
  return node;
}

async function versionRows(documentId: string): Promise<{ version: number; status: string; sha256: string }[]> {
  const { rows } = await app.owner.query(`SELECT version, status, sha256 FROM document_versions WHERE document_id = $1 ORDER BY version`, [documentId]);
  return rows;
}

async function documentRow(id: string): Promise<Record<string, unknown> | null> {
  const { rows } = await app.owner.query(`SELECT * FROM documents WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

async function countDocuments(orgId: string): Promise<number> {
  const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM documents WHERE org_id = $1`, [orgId]);
  return rows[0].n;
}

/** The object key a presigned URL names (path-style: /<bucket>/<key>). */
function keyOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname).split('/').slice(2).join('/');
}

/** A ticket from a successful createDocumentUpload payload. */
function ticketOf(payload: Record<string, any>): UploadTicket {
  return {
    versionId: payload.version.id,
    url: payload.upload.url,
    headers: Object.fromEntries(payload.upload.headers.map((h: { name: string; value: string }) => [h.name, h.value])),
  };
}

// ---- The upload path ------------------------------------------------------------------------------------------

describe('uploading a file', () => {
  test('version 1, then version 2, each declared, PUT to its presigned URL, verified and made current', async () => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { title: 'Information security policy', kind: 'POLICY' });
    const v1Bytes = await pdfBytes('Policy v1', ['First edition.']);

    const declaredFrom = Date.now();
    const declared = dataOf(await declareUpload(org, id, v1Bytes, { fileName: 'policy-v1.pdf' })).createDocumentUpload;
    const declaredBy = Date.now();
    expect(declared.errors).toEqual([]);
    expect(declared.version).toEqual({
      id: expect.any(String), version: 1, status: 'PENDING', sha256: sha256Hex(v1Bytes), sizeBytes: v1Bytes.length,
      contentType: 'application/pdf', fileName: 'policy-v1.pdf', completedAt: null,
    });
    expect(declared.upload.method).toBe('PUT');
    // The headers the client must send are the ones the URL is bound to: the declared type and exact size.
    expect(declared.upload.headers).toEqual(expect.arrayContaining([
      { name: 'content-type', value: 'application/pdf' },
      { name: 'content-length', value: String(v1Bytes.length) },
    ]));
    // The upload URL lives for the configured 900 s (UPLOAD_URL_TTL_SECONDS default).
    expect(new URL(declared.upload.url).searchParams.get('X-Amz-Expires')).toBe(String(UPLOAD_TTL_SECONDS));
    // Signed while the request ran: its expiry lies between the request's start and end, plus the TTL (whole seconds).
    const uploadExpires = new Date(declared.upload.expiresAt).getTime();
    expect(uploadExpires).toBeGreaterThanOrEqual(declaredFrom - 1000 + UPLOAD_TTL_SECONDS * 1000);
    expect(uploadExpires).toBeLessThanOrEqual(declaredBy + 1000 + UPLOAD_TTL_SECONDS * 1000);
    expect(await documentAsMember(org, id)).toMatchObject({ currentVersion: null });

    const put1 = await putToTicket(ticketOf(declared), v1Bytes);
    expect(put1.status).toBe(200);
    const done1 = await complete(org, declared.version.id);
    expect(done1.errors).toEqual([]);
    expect(done1.version).toEqual({ id: declared.version.id, version: 1, status: 'AVAILABLE' });
    expect(done1.document.currentVersion).toEqual({
      id: declared.version.id, version: 1, sha256: sha256Hex(v1Bytes), sizeBytes: v1Bytes.length, contentType: 'application/pdf',
      fileName: 'policy-v1.pdf', status: 'AVAILABLE', completedAt: expect.any(String),
    });

    const v2Bytes = await pdfBytes('Policy v2', ['Second edition, with more words in it.']);
    const v2 = await uploadNewVersion(app, org, id, v2Bytes, { fileName: 'policy-v2.pdf' });
    expect(v2.completed.document.currentVersion).toEqual({ id: v2.versionId, version: 2, sha256: sha256Hex(v2Bytes), status: 'AVAILABLE' });

    expect(await documentAsMember(org, id)).toMatchObject({
      currentVersion: { id: v2.versionId, version: 2, sha256: sha256Hex(v2Bytes), status: 'AVAILABLE', fileName: 'policy-v2.pdf' },
    });
    expect(await versionRows(id)).toEqual([
      { version: 1, status: 'AVAILABLE', sha256: sha256Hex(v1Bytes) },
      { version: 2, status: 'AVAILABLE', sha256: sha256Hex(v2Bytes) },
    ]);
    // What downloads now is version 2, byte for byte.
    const link = dataOf(await download(app, id, { token: org.owner.token, org: org.slug })).requestDocumentDownload.download;
    expect(link).toMatchObject({ fileName: 'policy-v2.pdf', sizeBytes: v2Bytes.length, watermarked: false });
    expect(Buffer.from(await (await fetch(link.url)).arrayBuffer()).equals(v2Bytes)).toBe(true);
  });

  test('an upper-case sha256 is accepted and kept in lower case', async () => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const bytes = await pdfBytes('Upper');
    const declared = dataOf(await declareUpload(org, id, bytes, { sha256: sha256Hex(bytes).toUpperCase() })).createDocumentUpload;
    expect(declared.errors).toEqual([]);
    expect(declared.version.sha256).toBe(sha256Hex(bytes));
    expect((await putToTicket(ticketOf(declared), bytes)).status).toBe(200);
    expect((await complete(org, declared.version.id)).errors).toEqual([]);
  });

  test('an EDITOR uploads and completes a version (document.write)', async () => {
    const org = await createOrg(app);
    const editor = await addMember(app, org, 'EDITOR');
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const bytes = await pdfBytes('By the editor');
    const r = await app.gql(CREATE_UPLOAD, {
      token: editor.token, org: org.slug,
      variables: { input: { documentId: id, fileName: 'p.pdf', contentType: 'application/pdf', sizeBytes: bytes.length, sha256: sha256Hex(bytes) } },
    });
    const declared = dataOf(r).createDocumentUpload;
    expect((await putToTicket(ticketOf(declared), bytes)).status).toBe(200);
    expect((await complete(org, declared.version.id, editor)).document.currentVersion).toMatchObject({ version: 1, status: 'AVAILABLE' });
  });
});

// ---- createDocumentUpload refusals ------------------------------------------------------------------------------

describe('createDocumentUpload refuses what may not be uploaded (typed payload errors, no version reserved)', () => {
  const CASES: [string, Declared, { code: string; field: string }][] = [
    ['HTML (text/html)', { fileName: 'page.html', contentType: 'text/html' }, { code: 'CONTENT_TYPE_NOT_ALLOWED', field: 'contentType' }],
    ['an executable (application/x-msdownload)', { fileName: 'setup.exe', contentType: 'application/x-msdownload' }, { code: 'CONTENT_TYPE_NOT_ALLOWED', field: 'contentType' }],
    ['60 MB (over the 50 MB cap)', { sizeBytes: 60 * MiB }, { code: 'FILE_TOO_LARGE', field: 'sizeBytes' }],
    ['one byte over the cap', { sizeBytes: MAX_UPLOAD_BYTES + 1 }, { code: 'FILE_TOO_LARGE', field: 'sizeBytes' }],
    ['0 bytes', { sizeBytes: 0, sha256: sha256Hex(Buffer.alloc(0)) }, { code: 'EMPTY_FILE', field: 'sizeBytes' }],
    ['a fractional size', { sizeBytes: 10.5 }, { code: 'EMPTY_FILE', field: 'sizeBytes' }],
    ['report.exe declared as application/pdf', { fileName: 'report.exe' }, { code: 'EXTENSION_MISMATCH', field: 'fileName' }],
    ['a PDF without an extension', { fileName: 'report' }, { code: 'EXTENSION_MISMATCH', field: 'fileName' }],
    ['a path (../x.pdf)', { fileName: '../x.pdf' }, { code: 'INVALID_FILE_NAME', field: 'fileName' }],
    ['a Windows path (..\\x.pdf)', { fileName: '..\\x.pdf' }, { code: 'INVALID_FILE_NAME', field: 'fileName' }],
    ['a control character in the name', { fileName: 'x\n.pdf' }, { code: 'INVALID_FILE_NAME', field: 'fileName' }],
    ['an empty file name', { fileName: '' }, { code: 'INVALID_FILE_NAME', field: 'fileName' }],
  ];

  test.each(CASES)('%s: %j is refused', async (_label, declared, expected) => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const r = await declareUpload(org, id, await pdfBytes('Refused'), declared);
    const payload = dataOf(r).createDocumentUpload;
    expect(payload).toMatchObject({ version: null, upload: null });
    expect(payload.errors.map((e: { code: string; field: string }) => ({ code: e.code, field: e.field }))).toEqual([expected]);
    expect(payload.errors[0].message).toEqual(expect.any(String));
    expect(await versionRows(id)).toEqual([]);
  });

  test('exactly the cap (50 MB) is accepted: a version is reserved', async () => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const payload = dataOf(await declareUpload(org, id, Buffer.alloc(0), { sizeBytes: MAX_UPLOAD_BYTES, sha256: 'c'.repeat(64) })).createDocumentUpload;
    expect(payload.errors).toEqual([]);
    expect(payload.version).toMatchObject({ version: 1, status: 'PENDING', sizeBytes: MAX_UPLOAD_BYTES });
  });

  test.each([
    ['not hex', 'z'.repeat(64)],
    ['63 characters', 'a'.repeat(63)],
    ['65 characters', 'a'.repeat(65)],
    ['empty', ''],
  ])('a sha256 that is %s answers BAD_USER_INPUT at the top level and reserves nothing', async (_label, sha256) => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const r = await declareUpload(org, id, await pdfBytes('Bad sha'), { sha256 });
    expect(r.data).toBeNull();
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(await versionRows(id)).toEqual([]);
  });

  test('a negative size answers BAD_USER_INPUT at the top level', async () => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const r = await declareUpload(org, id, await pdfBytes('Negative'), { sizeBytes: -1 });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(await versionRows(id)).toEqual([]);
  });
});

// ---- completeDocumentUpload refusals ----------------------------------------------------------------------------

describe('completeDocumentUpload verifies the object against the declaration', () => {
  /** An org, a document, and an upload declared for `declaredBytes` (what is PUT is up to the test). */
  async function declared(declaredBytes: Buffer, d: Declared = {}): Promise<{ org: TestOrg; id: string; ticket: UploadTicket }> {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const payload = dataOf(await declareUpload(org, id, declaredBytes, d)).createDocumentUpload;
    expect(payload.errors).toEqual([]);
    return { org, id, ticket: ticketOf(payload) };
  }

  async function expectNothingAvailable(org: TestOrg, id: string): Promise<void> {
    expect(await documentAsMember(org, id)).toMatchObject({ currentVersion: null });
    expect((await versionRows(id)).map((v) => v.status)).toEqual(['PENDING']);
    expect((await documentRow(id))!.current_version_id).toBeNull();
  }

  test('OBJECT_MISSING when nothing was PUT yet; after the PUT the same version completes', async () => {
    const bytes = await pdfBytes('Late');
    const { org, id, ticket } = await declared(bytes);
    const r = await complete(org, ticket.versionId);
    expect(r).toMatchObject({ document: null, errors: [{ code: 'OBJECT_MISSING', field: 'versionId' }] });
    await expectNothingAvailable(org, id);

    expect((await putToTicket(ticket, bytes)).status).toBe(200);
    expect((await complete(org, ticket.versionId)).document.currentVersion).toMatchObject({ id: ticket.versionId, status: 'AVAILABLE' });
  });

  test('CHECKSUM_MISMATCH when the declared sha256 is that of other bytes of the same length', async () => {
    const bytes = await pdfBytes('Checksum');
    const other = Buffer.from(bytes);
    other[other.length - 2] ^= 0xff;
    expect(other.length).toBe(bytes.length);
    const { org, id, ticket } = await declared(bytes, { sha256: sha256Hex(other) });
    expect((await putToTicket(ticket, bytes)).status).toBe(200);

    const r = await complete(org, ticket.versionId);
    expect(r).toMatchObject({ document: null, errors: [{ code: 'CHECKSUM_MISMATCH', field: 'versionId' }] });
    await expectNothingAvailable(org, id);
  });

  test('CONTENT_TYPE_MISMATCH when a "PDF" is not a PDF (right size, right sha256 for those bytes)', async () => {
    const notPdf = Buffer.from('MZ this is an executable pretending to be a PDF document, padded to some length.'.repeat(20));
    const { org, id, ticket } = await declared(notPdf, { fileName: 'report.pdf', contentType: 'application/pdf' });
    expect((await putToTicket(ticket, notPdf)).status).toBe(200);

    const r = await complete(org, ticket.versionId);
    expect(r).toMatchObject({ document: null, errors: [{ code: 'CONTENT_TYPE_MISMATCH', field: 'versionId' }] });
    await expectNothingAvailable(org, id);
  });

  test.each([
    ['image/png', 'logo.png'],
    ['image/jpeg', 'photo.jpg'],
    ['application/zip', 'evidence.zip'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'policy.docx'],
  ])('CONTENT_TYPE_MISMATCH when a PDF is declared as %s', async (contentType, fileName) => {
    const pdf = await pdfBytes('Disguised');
    const { org, id, ticket } = await declared(pdf, { contentType, fileName });
    expect((await putToTicket(ticket, pdf)).status).toBe(200);
    expect(await complete(org, ticket.versionId)).toMatchObject({ errors: [{ code: 'CONTENT_TYPE_MISMATCH', field: 'versionId' }] });
    await expectNothingAvailable(org, id);
  });

  test('VERSION_NOT_PENDING when completing twice; the current version stays as it was', async () => {
    const bytes = await pdfBytes('Twice');
    const { org, id, ticket } = await declared(bytes);
    expect((await putToTicket(ticket, bytes)).status).toBe(200);
    const first = await complete(org, ticket.versionId);
    expect(first.errors).toEqual([]);
    const rowBefore = await documentRow(id);

    const second = await complete(org, ticket.versionId);
    expect(second).toMatchObject({ document: null, errors: [{ code: 'VERSION_NOT_PENDING', field: 'versionId' }] });
    expect(await documentRow(id)).toEqual(rowBefore);
    expect(await versionRows(id)).toEqual([{ version: 1, status: 'AVAILABLE', sha256: sha256Hex(bytes) }]);
  });

  test('concurrent completions of one version: exactly one succeeds, one audit event', async () => {
    const bytes = await pdfBytes('Race');
    const { org, id, ticket } = await declared(bytes);
    expect((await putToTicket(ticket, bytes)).status).toBe(200);
    const results = await Promise.all([1, 2, 3].map(() => complete(org, ticket.versionId)));
    expect(results.filter((r) => r.errors.length === 0)).toHaveLength(1);
    expect(results.filter((r) => r.errors.length > 0).map((r) => r.errors[0].code)).toEqual(['VERSION_NOT_PENDING', 'VERSION_NOT_PENDING']);
    const { rows } = await app.owner.query(`SELECT count(*)::int AS n FROM audit_events WHERE org_id = $1 AND action = 'document.version_available' AND target_id = $2`, [org.id, id]);
    expect(rows[0].n).toBe(1);
  });
});

// ---- The storage enforces the presigned PUT ---------------------------------------------------------------------

describe('a presigned PUT is bound to one key, the declared content type and the exact size', () => {
  async function declared(): Promise<{ org: TestOrg; id: string; bytes: Buffer; ticket: UploadTicket }> {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'POLICY', title: 'Policy' });
    const bytes = await pdfBytes('Bound', ['Some content for the bound upload.']);
    const payload = dataOf(await declareUpload(org, id, bytes)).createDocumentUpload;
    return { org, id, bytes, ticket: ticketOf(payload) };
  }

  async function expectStillMissing(org: TestOrg, id: string, ticket: UploadTicket): Promise<void> {
    expect(await app.storage.head(keyOf(ticket.url))).toBeNull();
    expect(await complete(org, ticket.versionId)).toMatchObject({ errors: [{ code: 'OBJECT_MISSING', field: 'versionId' }] });
    expect(await documentAsMember(org, id)).toMatchObject({ currentVersion: null });
  }

  test('a different content-type header is refused by the storage, and nothing becomes available', async () => {
    const { org, id, bytes, ticket } = await declared();
    const put = await fetch(ticket.url, { method: 'PUT', headers: { ...ticket.headers, 'content-type': 'text/html' }, body: bytes });
    expect([400, 403]).toContain(put.status);
    await expectStillMissing(org, id, ticket);
  });

  test('a body of a different length is refused by the storage, and nothing becomes available', async () => {
    const { org, id, bytes, ticket } = await declared();
    const longer = Buffer.concat([bytes, Buffer.from('\n% appended payload')]);
    const put = await fetch(ticket.url, { method: 'PUT', headers: { 'content-type': ticket.headers['content-type']!, 'content-length': String(longer.length) }, body: longer });
    expect([400, 403]).toContain(put.status);
    const shorter = bytes.subarray(0, bytes.length - 10);
    const put2 = await fetch(ticket.url, { method: 'PUT', headers: { 'content-type': ticket.headers['content-type']!, 'content-length': String(shorter.length) }, body: shorter });
    expect([400, 403]).toContain(put2.status);
    await expectStillMissing(org, id, ticket);
  });

  test('the URL is for its one key: a PUT to a modified key path is refused and writes nothing there', async () => {
    const { org, id, bytes, ticket } = await declared();
    const url = new URL(ticket.url);
    const otherKeyPath = url.pathname.replace(ticket.versionId, randomUUID());
    expect(otherKeyPath).not.toBe(url.pathname);
    for (const pathname of [otherKeyPath, `${url.pathname}-other`, url.pathname.replace(ticket.versionId, 'x/../evil')]) {
      const tampered = new URL(ticket.url);
      tampered.pathname = pathname;
      const put = await fetch(tampered, { method: 'PUT', headers: ticket.headers, body: bytes });
      expect([400, 403]).toContain(put.status);
      expect(await app.storage.head(keyOf(tampered.toString()))).toBeNull();
    }
    await expectStillMissing(org, id, ticket);
  });

  test('the PUT URL cannot be replayed to overwrite a version after it was verified', async () => {
    const { org, id, bytes, ticket } = await declared();
    expect((await putToTicket(ticket, bytes)).status).toBe(200);
    expect((await complete(org, ticket.versionId)).errors).toEqual([]);
    // Same length, other content: if the storage accepted it, the verified file would silently change under its sha256.
    const evil = Buffer.from(bytes);
    evil[evil.length - 2] ^= 0xff;
    await putToTicket(ticket, evil);
    const link = dataOf(await download(app, id, { token: org.owner.token, org: org.slug })).requestDocumentDownload.download;
    const served = Buffer.from(await (await fetch(link.url)).arrayBuffer());
    expect(sha256Hex(served)).toBe(sha256Hex(bytes));
  });
});

// ---- Visibility rules -------------------------------------------------------------------------------------------

describe('document visibility rules', () => {
  async function create(org: TestOrg, input: Record<string, unknown>): Promise<Record<string, any>> {
    return dataOf(await app.gql(CREATE_DOCUMENT, { token: org.owner.token, org: org.slug, variables: { input: { title: 'Doc', ...input } } })).createDocument;
  }
  async function update(org: TestOrg, input: Record<string, unknown>): Promise<Record<string, any>> {
    return dataOf(await app.gql(UPDATE_DOCUMENT, { token: org.owner.token, org: org.slug, variables: { input } })).updateDocument;
  }
  const soc3 = (org: TestOrg) => createAttestation(app, org, soc2TypeII(2025, { framework: 'SOC3', title: 'SOC 3 2025' }), true);

  test.each([
    ['SOC_REPORT', 'RESTRICTED'],
    ['PEN_TEST', 'RESTRICTED'],
    ['BRIDGE_LETTER', 'RESTRICTED'],
    ['POLICY', 'PUBLIC'],
    ['CERTIFICATE', 'PUBLIC'],
    ['OTHER', 'PUBLIC'],
  ])('a %s defaults to %s', async (kind, visibility) => {
    const org = await createOrg(app);
    expect(await create(org, { kind })).toMatchObject({ errors: [], document: { kind, visibility } });
  });

  test('a SOC_REPORT created PUBLIC is refused (SOC_REPORT_NOT_PUBLIC on visibility) and nothing is created', async () => {
    const org = await createOrg(app);
    expect(await create(org, { kind: 'SOC_REPORT', visibility: 'PUBLIC' })).toEqual({ document: null, errors: [{ code: 'SOC_REPORT_NOT_PUBLIC', field: 'visibility' }] });
    expect(await countDocuments(org.id)).toBe(0);
  });

  test('a SOC_REPORT linked to a SOC 2 attestation still cannot be PUBLIC', async () => {
    const org = await createOrg(app);
    const soc2 = await createAttestation(app, org, soc2TypeII(2025), true);
    expect(await create(org, { kind: 'SOC_REPORT', visibility: 'PUBLIC', attestationId: soc2 })).toEqual({ document: null, errors: [{ code: 'SOC_REPORT_NOT_PUBLIC', field: 'visibility' }] });
    expect(await countDocuments(org.id)).toBe(0);
  });

  test('a SOC_REPORT linked to a SOC 3 attestation may be created PUBLIC', async () => {
    const org = await createOrg(app);
    const attestationId = await soc3(org);
    expect(await create(org, { kind: 'SOC_REPORT', visibility: 'PUBLIC', attestationId })).toEqual({
      errors: [], document: { id: expect.any(String), kind: 'SOC_REPORT', visibility: 'PUBLIC', attestationId },
    });
  });

  test('updating a SOC_REPORT to PUBLIC is refused unless it is linked to a SOC 3 attestation; the row is unchanged', async () => {
    const org = await createOrg(app);
    const plain = await createDocument(app, org, { kind: 'SOC_REPORT', title: 'SOC 2' });
    const before = await documentRow(plain);
    expect(await update(org, { id: plain, visibility: 'PUBLIC', title: 'Renamed too' })).toMatchObject({ errors: [{ code: 'SOC_REPORT_NOT_PUBLIC', field: 'visibility' }] });
    expect(await documentRow(plain)).toEqual(before);

    const linkedToSoc3 = await createDocument(app, org, { kind: 'SOC_REPORT', title: 'SOC 3', attestationId: await soc3(org) });
    expect(await update(org, { id: linkedToSoc3, visibility: 'PUBLIC' })).toEqual({ errors: [], document: { id: linkedToSoc3, visibility: 'PUBLIC', title: 'SOC 3' } });
  });

  test('updating another field of a SOC_REPORT keeps it RESTRICTED', async () => {
    const org = await createOrg(app);
    const id = await createDocument(app, org, { kind: 'SOC_REPORT', title: 'SOC 2' });
    expect(await update(org, { id, title: 'SOC 2 Type II 2025' })).toEqual({ errors: [], document: { id, visibility: 'RESTRICTED', title: 'SOC 2 Type II 2025' } });
  });

  test("an attestationId of another org answers ATTESTATION_NOT_FOUND on attestationId, and nothing is created", async () => {
    const org = await createOrg(app);
    const other = await createOrg(app);
    const theirs = await soc3(other);
    for (const attestationId of [theirs, randomUUID(), 'not-a-uuid']) {
      expect(await create(org, { kind: 'SOC_REPORT', visibility: 'PUBLIC', attestationId })).toEqual({ document: null, errors: [{ code: 'ATTESTATION_NOT_FOUND', field: 'attestationId' }] });
      expect(await create(org, { kind: 'SOC_REPORT', attestationId })).toEqual({ document: null, errors: [{ code: 'ATTESTATION_NOT_FOUND', field: 'attestationId' }] });
    }
    expect(await countDocuments(org.id)).toBe(0);
  });
});

// ---- Downloads --------------------------------------------------------------------------------------------------

describe('downloads', () => {
  /** A published vendor with a document whose file was uploaded under `fileName`. */
  async function vendorDocument(input: Record<string, unknown>, fileName: string): Promise<{ vendor: TestOrg; id: string; bytes: Buffer }> {
    const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
    const id = await createDocument(app, vendor, input);
    const bytes = await pdfBytes(String(input.title ?? 'Document'), ['Confidential content of the report.']);
    await uploadNewVersion(app, vendor, id, bytes, { fileName });
    return { vendor, id, bytes };
  }

  async function linkFor(id: string, as?: { token: string; org?: string }): Promise<Record<string, any>> {
    const payload = dataOf(await download(app, id, as)).requestDocumentDownload;
    expect(payload.errors).toEqual([]);
    return payload.download;
  }

  async function fetchBytes(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
    const res = await fetch(url);
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  test('an anonymous visitor downloads a PUBLIC document: the original bytes, not watermarked, named as uploaded', async () => {
    const { id, bytes } = await vendorDocument({ title: 'Security whitepaper', kind: 'POLICY' }, 'security-whitepaper.pdf');
    const link = await linkFor(id);
    expect(link).toMatchObject({ watermarked: false, fileName: 'security-whitepaper.pdf', contentType: 'application/pdf', sizeBytes: bytes.length });
    const got = await fetchBytes(link.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.headers.get('content-disposition')).toBe('attachment; filename="security-whitepaper.pdf"');
    expect(got.headers.get('content-type')).toBe('application/pdf');
  });

  test.each(['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'])('a member (%s) downloads the original of a RESTRICTED document (not watermarked)', async (role) => {
    const { vendor, id, bytes } = await vendorDocument({ title: 'SOC 2 Type II', kind: 'SOC_REPORT' }, 'soc2.pdf');
    const member = role === 'OWNER' ? vendor.owner : await addMember(app, vendor, role);
    const link = await linkFor(id, { token: member.token, org: vendor.slug });
    expect(link).toMatchObject({ watermarked: false, fileName: 'soc2.pdf', sizeBytes: bytes.length });
    const got = await fetchBytes(link.url);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  test('a granted customer gets a watermarked copy naming the recipient; the original never leaves', async () => {
    const { vendor, id, bytes } = await vendorDocument({ title: 'SOC 2 Type II 2025', kind: 'SOC_REPORT' }, 'acme-soc2-type2-2025.pdf');
    const customer = await createOrg(app, { prefix: 'globex' });
    await grantedCustomer(app, vendor, customer, id);

    const link = await linkFor(id, { token: customer.owner.token, org: customer.slug });
    expect(link).toMatchObject({ watermarked: true, fileName: 'acme-soc2-type2-2025.pdf', contentType: 'application/pdf' });
    const got = await fetchBytes(link.url);
    expect(got.status).toBe(200);
    expect(got.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(got.bytes.equals(bytes)).toBe(false);
    expect(link.sizeBytes).toBe(got.bytes.length);
    expect(got.headers.get('content-disposition')).toBe('attachment; filename="acme-soc2-type2-2025.pdf"');

    const pdf = await PDFDocument.load(got.bytes);
    expect(pdf.getSubject()).toContain(customer.owner.email);
    expect(pdf.getSubject()).toContain(`Org ${customer.slug}`);
    expect(pdf.getKeywords()).toContain(`recipient=${customer.owner.email};`);
    expect(pdf.getPageCount()).toBe((await PDFDocument.load(bytes)).getPageCount());
    // The link names a derived object, not the original's key.
    const owners = await linkFor(id, { token: vendor.owner.token, org: vendor.slug });
    expect(keyOf(link.url)).not.toBe(keyOf(owners.url));
  });

  test(`a large PDF (from ${STORAGE_IO_ON_WORKER_BYTES} bytes: read, stamped and stored on the worker thread) gets the same watermarked copy`, async () => {
    const vendor = await createOrg(app, { publish: true, prefix: 'vendor' });
    const id = await createDocument(app, vendor, { title: 'SOC 2 with appendix', kind: 'SOC_REPORT' });
    const doc = await PDFDocument.load(await pdfBytes('SOC 2 with appendix', ['Confidential content of the report.']));
    // Random bytes do not compress: the file stays past the threshold.
    await doc.attach(randomBytes(STORAGE_IO_ON_WORKER_BYTES + 4096), 'appendix.bin', { mimeType: 'application/octet-stream' });
    const bytes = Buffer.from(await doc.save());
    expect(bytes.length).toBeGreaterThanOrEqual(STORAGE_IO_ON_WORKER_BYTES);
    await uploadNewVersion(app, vendor, id, bytes, { fileName: 'soc2-appendix.pdf' });
    const customer = await createOrg(app, { prefix: 'big-buyer' });
    await grantedCustomer(app, vendor, customer, id);

    const link = await linkFor(id, { token: customer.owner.token, org: customer.slug });
    expect(link).toMatchObject({ watermarked: true, fileName: 'soc2-appendix.pdf' });
    const got = await fetchBytes(link.url);
    expect(got.status).toBe(200);
    expect(link.sizeBytes).toBe(got.bytes.length);
    const pdf = await PDFDocument.load(got.bytes);
    expect(pdf.getKeywords()).toContain(`recipient=${customer.owner.email};`);
    expect(pdf.getPageCount()).toBe(doc.getPageCount());
    // The second download reuses the stored copy.
    expect(keyOf((await linkFor(id, { token: customer.owner.token, org: customer.slug })).url)).toBe(keyOf(link.url));
  });

  test("two customers' copies differ and each names its own recipient", async () => {
    const { vendor, id } = await vendorDocument({ title: 'Pen test 2025', kind: 'PEN_TEST' }, 'pentest.pdf');
    const first = await createOrg(app, { prefix: 'first' });
    const second = await createOrg(app, { prefix: 'second' });
    await grantedCustomer(app, vendor, first, id);
    // The vendor's NDA exists now; the second customer requests, is approved and accepts it.
    const nda = dataOf(await app.gql(`query($s: String!) { trustCenter(slug: $s) { nda { version } } }`, { variables: { s: vendor.slug } })).trustCenter.nda;
    const req = dataOf(await app.gql(`mutation($i: RequestAccessInput!) { requestAccess(input: $i) { accessRequest { id state } errors { code } } }`, {
      token: second.owner.token, org: second.slug, variables: { i: { trustCenterSlug: vendor.slug, documentIds: [id] } },
    })).requestAccess;
    expect(req.errors).toEqual([]);
    expect(dataOf(await app.gql(`mutation($i: DecideAccessRequestInput!) { decideAccessRequest(input: $i) { errors { code } } }`, {
      token: vendor.owner.token, org: vendor.slug, variables: { i: { id: req.accessRequest.id, approve: true } },
    })).decideAccessRequest.errors).toEqual([]);
    expect(dataOf(await app.gql(`mutation($i: AcceptNdaInput!) { acceptNda(input: $i) { errors { code } } }`, {
      token: second.owner.token, org: second.slug, variables: { i: { trustCenterSlug: vendor.slug, version: nda.version, signerName: 'Second Buyer' } },
    })).acceptNda.errors).toEqual([]);

    const a = await fetchBytes((await linkFor(id, { token: first.owner.token, org: first.slug })).url);
    const b = await fetchBytes((await linkFor(id, { token: second.owner.token, org: second.slug })).url);
    expect(a.bytes.equals(b.bytes)).toBe(false);
    expect((await PDFDocument.load(a.bytes)).getSubject()).toContain(first.owner.email);
    expect((await PDFDocument.load(a.bytes)).getSubject()).not.toContain(second.owner.email);
    expect((await PDFDocument.load(b.bytes)).getSubject()).toContain(second.owner.email);
  });

  test(`the link expires: X-Amz-Expires is the configured ${DOWNLOAD_TTL_SECONDS} s and expiresAt matches`, async () => {
    const { id } = await vendorDocument({ title: 'Policy', kind: 'POLICY' }, 'policy.pdf');
    const before = Date.now();
    const link = await linkFor(id);
    const after = Date.now();
    const url = new URL(link.url);
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(DOWNLOAD_TTL_SECONDS));
    const expiresAt = new Date(link.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + DOWNLOAD_TTL_SECONDS * 1000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(after + DOWNLOAD_TTL_SECONDS * 1000 + 1000);
  });

  test('a link signed longer ago than its lifetime is refused by the storage', async () => {
    const { id } = await vendorDocument({ title: 'Policy', kind: 'POLICY' }, 'policy.pdf');
    // The same stack with a clock ten minutes behind: its links were signed ten minutes ago and expired five minutes ago.
    const late = await startTestApp({ now: () => new Date(Date.now() - 10 * 60 * 1000) });
    try {
      const payload = dataOf(await late.gql(`mutation($d: ID!) { requestDocumentDownload(documentId: $d) { download { url expiresAt } errors { code } } }`, { variables: { d: id } })).requestDocumentDownload;
      expect(new Date(payload.download.expiresAt).getTime()).toBeLessThan(Date.now());
      expect((await fetch(payload.download.url)).status).toBe(403);
    } finally {
      await late.close();
    }
  });

  test('a tampered signature answers 403', async () => {
    const { id } = await vendorDocument({ title: 'Policy', kind: 'POLICY' }, 'policy.pdf');
    const link = await linkFor(id);
    const url = new URL(link.url);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    expect((await fetch(url)).status).toBe(403);
  });

  test("a customer's watermarked link cannot be edited to fetch the original (the signature covers the key)", async () => {
    const { vendor, id } = await vendorDocument({ title: 'SOC 2 Type II', kind: 'SOC_REPORT' }, 'soc2.pdf');
    const customer = await createOrg(app, { prefix: 'cust' });
    await grantedCustomer(app, vendor, customer, id);
    const link = await linkFor(id, { token: customer.owner.token, org: customer.slug });
    const original = keyOf((await linkFor(id, { token: vendor.owner.token, org: vendor.slug })).url);
    const tampered = new URL(link.url);
    tampered.pathname = `/${decodeURIComponent(tampered.pathname).split('/')[1]}/${original}`;
    expect((await fetch(tampered)).status).toBe(403);
  });

  test('every download is recorded (member and customer) with whether it was watermarked', async () => {
    const { vendor, id } = await vendorDocument({ title: 'SOC 2 Type II', kind: 'SOC_REPORT' }, 'soc2.pdf');
    const customer = await createOrg(app, { prefix: 'cust' });
    await grantedCustomer(app, vendor, customer, id);
    await linkFor(id, { token: vendor.owner.token, org: vendor.slug });
    await linkFor(id, { token: customer.owner.token, org: customer.slug });
    const { rows } = await app.owner.query(`SELECT customer_org_id, user_email, watermarked FROM download_events WHERE org_id = $1 ORDER BY occurred_at`, [vendor.id]);
    expect(rows).toEqual([
      { customer_org_id: null, user_email: vendor.owner.email, watermarked: false },
      { customer_org_id: customer.id, user_email: customer.owner.email, watermarked: true },
    ]);
  });

  test('a document whose only version is still PENDING is NOT_FOUND for download, even for members', async () => {
    const vendor = await createOrg(app, { publish: true });
    const id = await createDocument(app, vendor, { kind: 'POLICY', title: 'Policy' });
    const bytes = await pdfBytes('Pending');
    const ticket = await startUpload(app, vendor, id, { bytes });
    expect((await putToTicket(ticket, bytes)).status).toBe(200);
    expect(codes(await download(app, id))).toEqual(['NOT_FOUND']);
    expect(codes(await download(app, id, { token: vendor.owner.token, org: vendor.slug }))).toEqual(['NOT_FOUND']);
    // A later failed upload of version 2 does not replace the verified version 1 either.
    expect((await completeUpload(app, vendor, ticket.versionId)).errors).toEqual([]);
    const v2 = await startUpload(app, vendor, id, { bytes: await pdfBytes('v2'), sha256: 'd'.repeat(64) });
    expect((await putToTicket(v2, await pdfBytes('v2'))).status).toBe(200);
    expect((await completeUpload(app, vendor, v2.versionId)).errors.map((e: { code: string }) => e.code)).toEqual(['CHECKSUM_MISMATCH']);
    const link = await linkFor(id);
    expect((await fetchBytes(link.url)).bytes.equals(bytes)).toBe(true);
  });
});
