import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { Storage } from '../../src/modules/storage/storage';
import { MAX_CLOCK_SKEW_MS, verifySigV4, type SigV4Request, type SigV4Verdict } from '../../src/modules/storage/sigv4-verifier';

/** The signature check of the embedded S3 endpoint, on requests the AWS SDK signs, with the clock under the test's control. */
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'unit-test-secret' };
const HOST = '127.0.0.1:9';
const signedAt = new Date('2026-06-01T12:00:00Z');
const later = (ms: number): Date => new Date(signedAt.getTime() + ms);
const emptySha = createHash('sha256').update('').digest('hex');

let storage: Storage;
beforeAll(() => {
  storage = new Storage({
    endpoint: `http://${HOST}`, bucket: 'b', region: 'us-east-1', ...credentials,
    forcePathStyle: true, uploadUrlTtlSeconds: 900, downloadUrlTtlSeconds: 300,
  });
});
afterAll(() => storage.close());

function asRequest(method: string, presignedUrl: string, headers: Record<string, string> = {}): SigV4Request {
  const u = new URL(presignedUrl);
  return { method, url: `${u.pathname}${u.search}`, headers: { host: u.host, ...headers } };
}

async function headerSigned(method: string, path: string, headers: Record<string, string> = {}, secret = credentials.secretAccessKey): Promise<SigV4Request> {
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, uriEscapePath: false, credentials: { ...credentials, secretAccessKey: secret } });
  const [p, q = ''] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(q));
  const signed = await signer.sign(new HttpRequest({ method, protocol: 'http:', hostname: '127.0.0.1', port: 9, path: p, query, headers: { host: HOST, 'x-amz-content-sha256': emptySha, ...headers } }), { signingDate: signedAt });
  return { method, url: path, headers: signed.headers };
}

const refusal = (v: SigV4Verdict) => (v.ok ? null : { status: v.refusal.status, code: v.refusal.code });

describe('presigned URLs (query authentication)', () => {
  test("a download URL whose Content-Disposition has filename*=UTF-8''... (', *, (, ), !) verifies: s3rver's own check rejected it", async () => {
    const link = await storage.presignDownload('orgs/o/documents/d/versions/v', "Rapport d'audit – été 2026 (v2) *final*!.pdf", 'application/pdf', signedAt);
    expect(new URL(link.url).searchParams.get('response-content-disposition')).toContain("filename*=UTF-8''");
    expect(await verifySigV4(asRequest('GET', link.url), credentials, later(1000))).toEqual({ ok: true, payloadSha256: null });
  });

  test('valid until signing time + X-Amz-Expires, refused one second later', async () => {
    const link = await storage.presignDownload('k', 'r.pdf', 'application/pdf', signedAt);
    expect((await verifySigV4(asRequest('GET', link.url), credentials, later(300_000))).ok).toBe(true);
    const expired = await verifySigV4(asRequest('GET', link.url), credentials, later(301_000));
    expect(expired).toEqual({ ok: false, refusal: { status: 403, code: 'AccessDenied', message: 'Request has expired' } });
  });

  test('an upload URL verifies with the signed content type and length, and not with others', async () => {
    const put = await storage.presignUpload('k', 'application/pdf', 10, signedAt);
    expect((await verifySigV4(asRequest('PUT', put.url, put.headers), credentials, signedAt)).ok).toBe(true);
    expect(refusal(await verifySigV4(asRequest('PUT', put.url, { ...put.headers, 'content-type': 'text/html' }), credentials, signedAt))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(refusal(await verifySigV4(asRequest('PUT', put.url, { 'content-type': 'application/pdf' }), credentials, signedAt))).toEqual({ status: 403, code: 'AccessDenied' });
  });

  test('a wrong secret, another key, method or parameter is a mismatch', async () => {
    const link = await storage.presignDownload('k', 'r.pdf', 'application/pdf', signedAt);
    const mismatch = { status: 403, code: 'SignatureDoesNotMatch' };
    expect(refusal(await verifySigV4(asRequest('GET', link.url), { ...credentials, secretAccessKey: 'other' }, signedAt))).toEqual(mismatch);
    expect(refusal(await verifySigV4(asRequest('GET', link.url.replace('/b/k?', '/b/k2?')), credentials, signedAt))).toEqual(mismatch);
    expect(refusal(await verifySigV4(asRequest('DELETE', link.url), credentials, signedAt))).toEqual(mismatch);
    expect(refusal(await verifySigV4(asRequest('GET', `${link.url}&response-content-type=text%2Fhtml`), credentials, signedAt))).toEqual(mismatch);
    expect(refusal(await verifySigV4(asRequest('GET', link.url, { host: 'evil.example' }), credentials, signedAt))).toEqual(mismatch);
  });

  test.each([
    ['X-Amz-Expires beyond 7 days', (u: URL) => u.searchParams.set('X-Amz-Expires', '604801'), 400],
    ['X-Amz-Expires not a number', (u: URL) => u.searchParams.set('X-Amz-Expires', 'NaN'), 400],
    ['a second X-Amz-Signature', (u: URL) => u.searchParams.append('X-Amz-Signature', '0'.repeat(64)), 400],
    ['X-Amz-Date of another day than the credential', (u: URL) => u.searchParams.set('X-Amz-Date', '20260602T120000Z'), 400],
    ['an impossible X-Amz-Date', (u: URL) => u.searchParams.set('X-Amz-Date', '20260601T126000Z'), 400],
    ['the credential of another service', (u: URL) => u.searchParams.set('X-Amz-Credential', 'S3RVER/20260601/us-east-1/iam/aws4_request'), 400],
    ['an unknown access key', (u: URL) => u.searchParams.set('X-Amz-Credential', 'AKIAOTHER/20260601/us-east-1/s3/aws4_request'), 403],
    ['another algorithm', (u: URL) => u.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA1'), 400],
    ['host not among the signed headers', (u: URL) => u.searchParams.set('X-Amz-SignedHeaders', 'content-type'), 403],
  ])('refused: %s', async (_name, edit, status) => {
    const u = new URL((await storage.presignDownload('k', 'r.pdf', 'application/pdf', signedAt)).url);
    edit(u);
    expect((await verifySigV4(asRequest('GET', u.toString()), credentials, signedAt)) as SigV4Verdict).toMatchObject({ ok: false, refusal: { status } });
  });

  test('a malformed query, a __proto__ parameter, or both mechanisms at once are refused', async () => {
    const link = await storage.presignDownload('k', 'r.pdf', 'application/pdf', signedAt);
    expect(refusal(await verifySigV4(asRequest('GET', `${link.url}&x=%E0%A4%A`), credentials, signedAt))?.status).toBe(400);
    expect(refusal(await verifySigV4(asRequest('GET', `${link.url}&__proto__=x`), credentials, signedAt))?.status).toBe(400);
    expect(refusal(await verifySigV4(asRequest('GET', link.url, { authorization: 'AWS4-HMAC-SHA256 x' }), credentials, signedAt))?.status).toBe(400);
  });
});

describe('signed headers (Authorization)', () => {
  test('verifies, and names the SHA-256 the body must have', async () => {
    const req = await headerSigned('GET', '/b/orgs/o/k?list-type=2&prefix=orgs%2Fo%2F');
    expect(await verifySigV4(req, credentials, signedAt)).toEqual({ ok: true, payloadSha256: emptySha });
  });

  test('UNSIGNED-PAYLOAD and the SDK streaming trailer leave the body unsigned', async () => {
    for (const payload of ['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']) {
      const req = await headerSigned('PUT', '/b/k', { 'x-amz-content-sha256': payload });
      expect(await verifySigV4(req, credentials, signedAt)).toEqual({ ok: true, payloadSha256: null });
    }
  });

  test('15 minutes of clock skew either way are accepted, not more', async () => {
    const req = await headerSigned('GET', '/b/k');
    expect((await verifySigV4(req, credentials, later(MAX_CLOCK_SKEW_MS))).ok).toBe(true);
    expect((await verifySigV4(req, credentials, later(-MAX_CLOCK_SKEW_MS))).ok).toBe(true);
    expect(refusal(await verifySigV4(req, credentials, later(MAX_CLOCK_SKEW_MS + 1000)))).toEqual({ status: 403, code: 'RequestTimeTooSkewed' });
  });

  test('a changed signed header, an added x-amz header or a wrong secret is refused', async () => {
    const req = await headerSigned('PUT', '/b/k', { 'content-type': 'application/pdf' });
    expect(refusal(await verifySigV4({ ...req, headers: { ...req.headers, 'content-type': 'text/html' } }, credentials, signedAt))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(refusal(await verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-copy-source': '/b/other' } }, credentials, signedAt))).toEqual({ status: 403, code: 'AccessDenied' });
    expect(refusal(await verifySigV4(await headerSigned('PUT', '/b/k', {}, 'other'), credentials, signedAt))).toEqual({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  test('chunk-signed streaming bodies are refused as not implemented; anything else is not a payload hash', async () => {
    expect(refusal(await verifySigV4(await headerSigned('PUT', '/b/k', { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }), credentials, signedAt))).toEqual({ status: 501, code: 'NotImplemented' });
    expect(refusal(await verifySigV4(await headerSigned('PUT', '/b/k', { 'x-amz-content-sha256': 'whatever' }), credentials, signedAt))).toEqual({ status: 400, code: 'InvalidArgument' });
  });

  test('no signature at all, or a target that is not a path, is refused', async () => {
    expect(refusal(await verifySigV4({ method: 'GET', url: '/b/k', headers: { host: HOST } }, credentials, signedAt))).toEqual({ status: 403, code: 'AccessDenied' });
    const req = await headerSigned('GET', '/b/k');
    expect(refusal(await verifySigV4({ ...req, url: `http://${HOST}/b/k` }, credentials, signedAt))?.status).toBe(400);
  });
});
