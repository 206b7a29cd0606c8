import contentDisposition from 'content-disposition';
import { startTestApp, type TestApp } from '../support/harness';
import { createOrg, expectNoErrors, type TestOrg } from '../support/factories';
import { createDocument, download, grantedCustomer, pdfBytes, sha256Hex, uploadNewVersion } from '../support/documents';

/**
 * End to end: the name a file was uploaded under is the name its presigned download carries, whatever the characters,
 * through GraphQL, the presigned GET and the storage's response-content-disposition (which the embedded endpoint now
 * verifies like S3, so `filename*=UTF-8''...` is signed and served).
 */
let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

async function documentNamed(fileName: string, input: Record<string, unknown>): Promise<{ vendor: TestOrg; id: string; bytes: Buffer }> {
  const vendor = await createOrg(app, { publish: true, prefix: 'names' });
  const id = await createDocument(app, vendor, input);
  const bytes = await pdfBytes('Named document');
  await uploadNewVersion(app, vendor, id, bytes, { fileName });
  return { vendor, id, bytes };
}

async function fetchLink(documentId: string, as?: { token: string; org: string }) {
  const payload = expectNoErrors(await download(app, documentId, as)).requestDocumentDownload;
  expect(payload.errors).toEqual([]);
  const res = await fetch(payload.download.url);
  expect(res.status).toBe(200);
  const header = res.headers.get('content-disposition')!;
  expect(header).toMatch(/^[\x20-\x7e]+$/);
  return { link: payload.download, header, bytes: Buffer.from(await res.arrayBuffer()), served: contentDisposition.parse(header) };
}

test.each([
  "Rapport d'audit – été 2026.pdf",
  `say "hi"; filename*=UTF-8''evil.exe.pdf`,
  '报告 2026 (final).pdf',
  '100%41 done.pdf',
])('a PUBLIC document uploaded as %j downloads under exactly that name', async (fileName) => {
  const { id, bytes } = await documentNamed(fileName, { title: 'Policy', kind: 'POLICY' });
  const { link, served, bytes: got } = await fetchLink(id);
  expect(link.fileName).toBe(fileName);
  expect(served).toEqual({ type: 'attachment', parameters: { filename: fileName } });
  expect(sha256Hex(got)).toBe(sha256Hex(bytes));
});

test("a granted customer's watermarked copy keeps the Unicode name", async () => {
  const fileName = 'Rapport SOC 2 – Type II – été 2026.pdf';
  const { vendor, id } = await documentNamed(fileName, { title: 'SOC 2 Type II', kind: 'SOC_REPORT' });
  const customer = await createOrg(app, { prefix: 'buyer' });
  await grantedCustomer(app, vendor, customer, id);
  const { link, served } = await fetchLink(id, { token: customer.owner.token, org: customer.slug });
  expect(link.watermarked).toBe(true);
  expect(served.parameters.filename).toBe(fileName);
});

test('a right-to-left override in an uploaded name is served as "_", so the extension shows as it is', async () => {
  const { id } = await documentNamed('invoice\u202Efdp.pdf', { title: 'Policy', kind: 'POLICY' });
  const { header, served } = await fetchLink(id);
  expect(header).toBe('attachment; filename="invoice_fdp.pdf"');
  expect(served.parameters.filename).toBe('invoice_fdp.pdf');
});

test('createDocumentUpload refuses a file name with CR/LF: it never reaches a header', async () => {
  const vendor = await createOrg(app, { prefix: 'names' });
  const id = await createDocument(app, vendor, { title: 'Policy', kind: 'POLICY' });
  const bytes = await pdfBytes('x');
  const r = await app.gql(
    `mutation($input: CreateDocumentUploadInput!) { createDocumentUpload(input: $input) { version { id } errors { code field } } }`,
    { token: vendor.owner.token, org: vendor.slug, variables: { input: { documentId: id, fileName: 'a\r\nContent-Type: text/html\r\n.pdf', contentType: 'application/pdf', sizeBytes: bytes.length, sha256: sha256Hex(bytes) } } },
  );
  expect(expectNoErrors(r).createDocumentUpload).toEqual({ version: null, errors: [{ code: 'INVALID_FILE_NAME', field: 'fileName' }] });
});
