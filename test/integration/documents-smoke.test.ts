import { startTestApp, type TestApp } from '../support/harness';
import { createOrg } from '../support/factories';
import { createDocumentWithFile, download, grantedCustomer } from '../support/documents';

let app: TestApp;
beforeAll(async () => { app = await startTestApp(); });
afterAll(async () => { await app.close(); });

test('a granted customer with the NDA accepted downloads a watermarked copy; the original never leaves', async () => {
  const vendor = await createOrg(app, { publish: true });
  const customer = await createOrg(app);
  const doc = await createDocumentWithFile(app, vendor, { title: 'SOC 2 Type II' });
  await grantedCustomer(app, vendor, customer, doc.id);
  const r = await download(app, doc.id, { token: customer.owner.token, org: customer.slug });
  expect(r.errors).toBeUndefined();
  const link = r.data!.requestDocumentDownload.download;
  expect(link).toMatchObject({ watermarked: true, fileName: 'report.pdf', contentType: 'application/pdf' });
  const file = Buffer.from(await (await fetch(link.url)).arrayBuffer());
  expect(file.subarray(0, 5).toString()).toBe('%PDF-');
  expect(file.equals(doc.bytes)).toBe(false);
  const events = await app.owner.query(`SELECT watermarked, customer_org_id FROM download_events WHERE org_id = $1`, [vendor.id]);
  expect(events.rows).toEqual([{ watermarked: true, customer_org_id: customer.id }]);
});

test('a restricted PDF that cannot be stamped is not handed out, and no download is recorded', async () => {
  const vendor = await createOrg(app, { publish: true });
  const customer = await createOrg(app);
  const broken = Buffer.from('%PDF-1.4\nthis is not really a PDF body\n%%EOF\n');
  const doc = await createDocumentWithFile(app, vendor, { title: 'Broken report' }, broken);
  await grantedCustomer(app, vendor, customer, doc.id);
  const r = await download(app, doc.id, { token: customer.owner.token, org: customer.slug });
  expect(r.data!.requestDocumentDownload).toMatchObject({ download: null, errors: [{ code: 'CANNOT_WATERMARK' }] });
  const events = await app.owner.query(`SELECT count(*)::int AS n FROM download_events WHERE org_id = $1`, [vendor.id]);
  expect(events.rows[0].n).toBe(0);
  // A member still gets the original: the vendor's own file is theirs.
  const own = await download(app, doc.id, { token: vendor.owner.token, org: vendor.slug });
  expect(own.data!.requestDocumentDownload.download).toMatchObject({ watermarked: false });
});
