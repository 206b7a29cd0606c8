import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import contentDisposition from 'content-disposition';
import { startEmbeddedS3, type EmbeddedS3 } from '../../src/modules/storage/embedded-s3';
import { Storage, StorageUnavailableError } from '../../src/modules/storage/storage';

/**
 * The storage module against the embedded S3 endpoint, which checks SigV4 signatures and expiry like S3 does and refuses
 * unsigned requests (test/integration/embedded-s3.test.ts proves that part).
 */
let s3: EmbeddedS3;
let storage: Storage;
const settings = (endpoint: string) => ({
  endpoint, bucket: 'test-bucket', region: 'us-east-1', accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey,
  forcePathStyle: true, uploadUrlTtlSeconds: 60, downloadUrlTtlSeconds: 60,
});

beforeAll(async () => {
  s3 = await startEmbeddedS3({ directory: mkdtempSync(path.join(os.tmpdir(), 'tp-s3-')), bucket: 'test-bucket' });
  storage = new Storage(settings(s3.endpoint));
});
afterAll(async () => {
  storage.close();
  await s3.stop();
});

const body = Buffer.from('%PDF-1.4 not really a pdf but bytes');
const sha = createHash('sha256').update(body).digest('hex');

async function upload(key: string, headers?: Record<string, string>, data: Buffer = body) {
  const put = await storage.presignUpload(key, 'application/pdf', body.length);
  return fetch(put.url, { method: 'PUT', headers: headers ?? put.headers, body: data });
}

test('a presigned PUT uploads exactly the declared object; HEAD and sha256 see it', async () => {
  const res = await upload('a/1');
  expect(res.status).toBe(200);
  expect(await storage.head('a/1')).toEqual({ sizeBytes: body.length, contentType: 'application/pdf' });
  expect(await storage.sha256('a/1', 1024)).toBe(sha);
  expect(await storage.head('a/missing')).toBeNull();
});

test('the upload signature binds the content type', async () => {
  const res = await upload('a/2', { 'content-type': 'text/html', 'content-length': String(body.length) });
  expect(res.status).toBe(403);
  expect(await storage.head('a/2')).toBeNull();
});

test('a presigned GET downloads as an attachment; a tampered or expired URL is refused', async () => {
  await upload('a/3');
  const get = await storage.presignDownload('a/3', 'SOC 2 – Report.pdf', 'application/pdf');
  const ok = await fetch(get.url);
  expect(ok.status).toBe(200);
  // The Unicode name travels as filename* (RFC 5987) inside a signed response-content-disposition.
  expect(contentDisposition.parse(ok.headers.get('content-disposition')!)).toEqual({ type: 'attachment', parameters: { filename: 'SOC 2 – Report.pdf' } });
  expect(Buffer.from(await ok.arrayBuffer())).toEqual(body);

  const tampered = new URL(get.url);
  const sig = tampered.searchParams.get('X-Amz-Signature')!;
  tampered.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
  expect((await fetch(tampered)).status).toBe(403);
  const otherKey = new URL(get.url.replace('/a/3', '/a/1'));
  expect((await fetch(otherKey)).status).toBe(403);

  const old = await storage.presignDownload('a/3', 'r.pdf', 'application/pdf', new Date(Date.now() - 120_000));
  expect((await fetch(old.url)).status).toBe(403);
});

test('an unreachable endpoint is a StorageUnavailableError', async () => {
  const down = new Storage(settings('http://127.0.0.1:9'));
  await expect(down.head('x')).rejects.toBeInstanceOf(StorageUnavailableError);
  await expect(down.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
  down.close();
});
