import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import contentDisposition from 'content-disposition';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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

test("a key with spaces, plus signs, brackets and non-ASCII letters is the same object for the SDK's PUT, HEAD and GET", async () => {
  const key = "a/Ünïcode name+plus (1)!'*.pdf";
  expect((await upload(key)).status).toBe(200);
  expect(await storage.head(key)).toEqual({ sizeBytes: body.length, contentType: 'application/pdf' });
  const get = await storage.presignDownload(key, 'r.pdf', 'application/pdf');
  const res = await fetch(get.url);
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer())).toEqual(body);
});

describe('presigned URLs built from the endpoint resolved once match what getSignedUrl signs', () => {
  const signedByTheSdk = async (store: Storage, bucket: string, key: string, now: Date): Promise<URL> => {
    const client = (store as unknown as { client: S3Client }).client;
    return new URL(await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: 'attachment; filename="r.pdf"', ResponseContentType: 'application/pdf' }), { expiresIn: 60, signingDate: now }));
  };
  // Everything but the signature, and the x-id parameter the SDK adds (which the signature then covers).
  const shape = (url: URL) => ({
    origin: url.origin,
    path: url.pathname,
    query: [...url.searchParams].filter(([name]) => name !== 'X-Amz-Signature' && name !== 'x-id').sort(([a], [b]) => a.localeCompare(b)),
  });
  const cases: { name: string; settings: () => ConstructorParameters<typeof Storage>[0] }[] = [
    { name: 'path style on a custom endpoint', settings: () => settings(s3.endpoint) },
    {
      name: 'virtual-hosted on AWS (no endpoint)',
      settings: () => ({ endpoint: undefined, bucket: 'tp-docs', region: 'eu-west-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', forcePathStyle: false, uploadUrlTtlSeconds: 60, downloadUrlTtlSeconds: 60 }),
    },
    {
      name: 'path style on AWS',
      settings: () => ({ endpoint: undefined, bucket: 'tp-docs', region: 'us-east-1', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', forcePathStyle: true, uploadUrlTtlSeconds: 60, downloadUrlTtlSeconds: 60 }),
    },
  ];
  test.each(cases)('$name', async ({ settings: make }) => {
    const config = make();
    const store = new Storage(config);
    const now = new Date('2026-12-03T10:00:00Z');
    for (const key of ['orgs/o/documents/d/versions/v', "a/Ünïcode name+plus (1)!'*.pdf"]) {
      const ours = new URL((await store.presignDownload(key, 'r.pdf', 'application/pdf', now)).url);
      const sdk = await signedByTheSdk(store, config.bucket, key, now);
      expect(shape(ours)).toEqual(shape(sdk));
      expect(ours.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
    store.close();
  });
});

describe('HEAD against a storage endpoint that fails', () => {
  let server: http.Server;
  let answers: number[];
  let seen: number;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen += 1;
      const status = answers.shift() ?? 200;
      if (status === 0) {
        req.socket.destroy(); // the connection drops without an answer
        return;
      }
      res.writeHead(status, status === 200 ? { 'content-length': '42', 'content-type': 'application/pdf' } : {});
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => { await new Promise((resolve) => server.close(resolve)); });
  const storeOnFakeEndpoint = () => new Storage(settings(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));

  test.each([
    { answers: [200], result: { sizeBytes: 42, contentType: 'application/pdf' }, requests: 1 },
    { answers: [404], result: null, requests: 1 },
    { answers: [503, 200], result: { sizeBytes: 42, contentType: 'application/pdf' }, requests: 2 },
    { answers: [0, 404], result: null, requests: 2 },
  ])('answers $answers: $result after $requests request(s)', async ({ answers: given, result, requests }) => {
    answers = [...given];
    seen = 0;
    const store = storeOnFakeEndpoint();
    expect(await store.head('x')).toEqual(result);
    expect(seen).toBe(requests);
    store.close();
  });

  test.each([
    { answers: [503, 500], requests: 2, reason: /HEAD answered 500/ },
    { answers: [403], requests: 1, reason: /HEAD answered 403/ },
    { answers: [0, 0], requests: 2, reason: /socket hang up|ECONNRESET/ },
  ])('answers $answers: StorageUnavailableError after $requests request(s)', async ({ answers: given, requests, reason }) => {
    answers = [...given];
    seen = 0;
    const store = storeOnFakeEndpoint();
    const error = await store.head('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(String((error as Error).message)).toMatch(reason);
    expect(seen).toBe(requests);
    store.close();
  });
});
