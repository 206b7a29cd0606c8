import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Server-side check of AWS Signature V4 for the embedded S3 endpoint, which must behave like a private bucket: a request
 * passes only with a valid signature in the Authorization header or in the query (presigned URL). The signature is not
 * computed here: the request is rebuilt and signed again by the AWS SDK's own signer (@smithy/signature-v4, the one
 * @aws-sdk/client-s3 and the presigner use, with S3's settings), then compared in constant time. Rules S3 applies around
 * the signature are applied too: the credential scope, a 15-minute clock skew for signed headers, X-Amz-Expires for
 * presigned URLs, `host` signed, every `x-amz-*` header signed.
 */

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4Request {
  method: string;
  /** The request target exactly as received (`/bucket/key?query`), before any decoding. */
  url: string;
  headers: IncomingHttpHeaders;
}

/** How S3 refuses: an HTTP status and an error code (`<Error><Code>` of its XML). */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
}

export type SigV4Verdict =
  /** `payloadSha256`: the body's SHA-256 the signature covers (the caller must check it), or null for an unsigned payload. */
  | { ok: true; payloadSha256: string | null }
  | { ok: false; refusal: S3Refusal };

/** S3 accepts header-signed requests up to 15 minutes from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** The longest presigned URL S3 accepts: 7 days. */
export const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** aws-chunked bodies whose chunks are not signed (the SDK's default for streaming uploads with a trailing checksum). */
const UNSIGNED_STREAMING = new Set(['STREAMING-UNSIGNED-PAYLOAD-TRAILER']);
/** aws-chunked bodies with a signature per chunk: not verified here, so refused rather than stored unchecked. */
const SIGNED_STREAMING = new Set([
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
]);
const QUERY_AUTH_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const SIGNED_HEADERS = /^[a-z0-9-]+(?:;[a-z0-9-]+)*$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const HEX_SHA256 = /^[0-9a-f]{64}$/;

const refuse = (status: number, code: string, message: string): SigV4Verdict => ({ ok: false, refusal: { status, code, message } });
const accessDenied = (message = 'Access Denied'): S3Refusal => ({ status: 403, code: 'AccessDenied', message });

class Refused extends Error {
  constructor(readonly refusal: S3Refusal) {
    super(refusal.message);
  }
}
function fail(status: number, code: string, message: string): never {
  throw new Refused({ status, code, message });
}

export async function verifySigV4(request: SigV4Request, credentials: SigV4Credentials, now: Date = new Date()): Promise<SigV4Verdict> {
  try {
    return await verify(request, credentials, now);
  } catch (error) {
    if (error instanceof Refused) return { ok: false, refusal: error.refusal };
    // Anything the checks did not foresee (a header the signer cannot read, say) fails closed.
    return { ok: false, refusal: accessDenied() };
  }
}

async function verify(request: SigV4Request, credentials: SigV4Credentials, now: Date): Promise<SigV4Verdict> {
  const { url, headers } = request;
  if (!url.startsWith('/')) return refuse(400, 'InvalidRequest', 'The request target must be a path.');
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = parseQuery(queryStart === -1 ? '' : url.slice(queryStart + 1));

  const byHeader = headers.authorization !== undefined;
  const byQuery = query.has('X-Amz-Algorithm');
  if (byHeader && byQuery) {
    return refuse(400, 'InvalidArgument', 'Only one auth mechanism allowed: the X-Amz-Algorithm query parameter or the Authorization header.');
  }
  // No signature at all (or only a SigV2 one, which a private bucket here does not take): S3's answer to anonymous access.
  if (!byHeader && !byQuery) return { ok: false, refusal: accessDenied() };
  return byHeader ? verifyHeaderAuth(request, path, query, credentials, now) : verifyQueryAuth(request, path, query, credentials, now);
}

async function verifyHeaderAuth(request: SigV4Request, path: string, query: Query, credentials: SigV4Credentials, now: Date): Promise<SigV4Verdict> {
  const match = AUTHORIZATION.exec(headerValue(request.headers, 'authorization') ?? '');
  if (!match) {
    const malformed = (headerValue(request.headers, 'authorization') ?? '').startsWith(`${ALGORITHM} `);
    return malformed
      ? refuse(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; it requires Credential, SignedHeaders and Signature.')
      : refuse(400, 'InvalidArgument', 'Unsupported Authorization Type: only AWS Signature Version 4 is accepted.');
  }
  const [, credential, signedHeaderList, signature] = match;
  const scope = parseCredential(credential!, credentials, 'AuthorizationHeaderMalformed');
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!amzDate) return refuse(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header.');
  const signingDate = parseLongDate(amzDate, scope.date, 'AuthorizationHeaderMalformed');
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return refuse(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
  }
  const signedHeaders = parseSignedHeaders(signedHeaderList!, request.headers, 'AuthorizationHeaderMalformed');

  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (payloadHash === undefined) return refuse(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256.');
  const payloadSha256 = checkPayloadHash(payloadHash);

  const signer = signerFor(credentials, scope.region);
  const signed = await signer.sign(
    new HttpRequest({ method: request.method, protocol: 'http:', hostname: 'localhost', path, query: query.signable(), headers: pick(request.headers, signedHeaders) }),
    { signingDate, signableHeaders: new Set(signedHeaders), signingRegion: scope.region, signingService: 's3' },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1];
  if (!expected || !sameSignature(signature!, expected)) return signatureMismatch();
  return { ok: true, payloadSha256 };
}

async function verifyQueryAuth(request: SigV4Request, path: string, query: Query, credentials: SigV4Credentials, now: Date): Promise<SigV4Verdict> {
  const params: Partial<Record<(typeof QUERY_AUTH_PARAMS)[number], string>> = {};
  for (const name of QUERY_AUTH_PARAMS) {
    const values = query.all(name);
    if (values.length !== 1) {
      return refuse(400, 'AuthorizationQueryParametersError', `Query-string authentication version 4 requires exactly one of each of ${QUERY_AUTH_PARAMS.join(', ')}.`);
    }
    params[name] = values[0];
  }
  if (params['X-Amz-Algorithm'] !== ALGORITHM) return refuse(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
  if (!SIGNATURE.test(params['X-Amz-Signature']!)) return signatureMismatch();
  const scope = parseCredential(params['X-Amz-Credential']!, credentials, 'AuthorizationQueryParametersError');
  const signingDate = parseLongDate(params['X-Amz-Date']!, scope.date, 'AuthorizationQueryParametersError');
  const expiresText = params['X-Amz-Expires']!;
  const expiresIn = /^\d{1,6}$/.test(expiresText) ? Number(expiresText) : NaN;
  if (!(expiresIn >= 0 && expiresIn <= MAX_PRESIGNED_SECONDS)) {
    return refuse(400, 'AuthorizationQueryParametersError', `X-Amz-Expires must be a whole number of seconds from 0 to ${MAX_PRESIGNED_SECONDS}.`);
  }
  if (now.getTime() > signingDate.getTime() + expiresIn * 1000) return { ok: false, refusal: accessDenied('Request has expired') };
  if (signingDate.getTime() - now.getTime() > MAX_CLOCK_SKEW_MS) return { ok: false, refusal: accessDenied('Request is not valid yet') };
  const signedHeaders = parseSignedHeaders(params['X-Amz-SignedHeaders']!, request.headers, 'AuthorizationQueryParametersError');

  // The payload hash of a presigned request: the X-Amz-Content-Sha256 the SDK hoists into the query, else S3's default.
  const payloadHeaderSigned = signedHeaders.includes('x-amz-content-sha256');
  const hoisted = query.all('X-Amz-Content-Sha256');
  if (hoisted.length > 1) return signatureMismatch();
  const payloadHash = payloadHeaderSigned ? headerValue(request.headers, 'x-amz-content-sha256')! : (hoisted[0] ?? UNSIGNED_PAYLOAD);
  const payloadSha256 = checkPayloadHash(payloadHash);

  const headers = pick(request.headers, signedHeaders);
  if (!payloadHeaderSigned) headers['x-amz-content-sha256'] = payloadHash; // read by the signer as the payload hash, never signed
  const signer = signerFor(credentials, scope.region);
  const presigned = await signer.presign(
    new HttpRequest({ method: request.method, protocol: 'http:', hostname: 'localhost', path, query: query.signable(QUERY_AUTH_PARAMS), headers }),
    {
      signingDate,
      expiresIn,
      signableHeaders: new Set(signedHeaders),
      unsignableHeaders: payloadHeaderSigned ? undefined : new Set(['x-amz-content-sha256']),
      // Headers stay headers: what the client signed as a header arrived as one.
      unhoistableHeaders: new Set(Object.keys(headers)),
      signingRegion: scope.region,
      signingService: 's3',
    },
  );
  const expected = presigned.query?.['X-Amz-Signature'];
  if (typeof expected !== 'string' || !sameSignature(params['X-Amz-Signature']!, expected)) return signatureMismatch();
  return { ok: true, payloadSha256 };
}

/** S3's path-style client settings: the path is signed as sent (already escaped), the payload hash comes from the request. */
function signerFor(credentials: SigV4Credentials, region: string): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

function signatureMismatch(): SigV4Verdict {
  return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
}

function sameSignature(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseCredential(credential: string, credentials: SigV4Credentials, malformedCode: string): { date: string; region: string } {
  const parts = credential.split('/');
  if (parts.length !== 5) fail(400, malformedCode, 'The credential must be <access key>/<date>/<region>/s3/aws4_request.');
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date) || !/^[a-z0-9-]+$/.test(region) || service !== 's3' || terminator !== 'aws4_request') {
    fail(400, malformedCode, 'The credential must be <access key>/<date>/<region>/s3/aws4_request.');
  }
  // Not secret, but compared like the rest so that only the signature check says whether the secret was right.
  if (!sameSignature(accessKeyId, credentials.accessKeyId)) fail(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  return { date, region };
}

function parseLongDate(value: string, credentialDate: string, malformedCode: string): Date {
  const m = LONG_DATE.exec(value);
  if (!m) fail(400, malformedCode, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const date = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s));
  // A date that does not round-trip (month 13, second 61) is not a date.
  if (Number.isNaN(date.getTime()) || date.toISOString().replace(/[-:]|\.\d{3}/g, '') !== value) {
    fail(400, malformedCode, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
  }
  if (value.slice(0, 8) !== credentialDate) fail(400, malformedCode, 'The credential date is not the date of X-Amz-Date.');
  return date;
}

/**
 * The signed header names, checked as S3 does: `host` among them, each one present, and no `x-amz-*` header left
 * unsigned (else a holder of a presigned PUT could add, say, x-amz-copy-source or x-amz-meta-* to it).
 */
function parseSignedHeaders(list: string, headers: IncomingHttpHeaders, malformedCode: string): string[] {
  if (!SIGNED_HEADERS.test(list)) fail(400, malformedCode, 'SignedHeaders must be lower-case header names separated by ";".');
  const names = list.split(';');
  if (!names.includes('host')) fail(403, 'AccessDenied', 'The host header must be signed.');
  for (const name of names) {
    if (headerValue(headers, name) === undefined) fail(403, 'AccessDenied', `The signed header ${name} is missing from the request.`);
  }
  const unsigned = Object.keys(headers).filter((name) => name.toLowerCase().startsWith('x-amz-') && !names.includes(name.toLowerCase()));
  if (unsigned.length > 0) fail(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ')}.`);
  return names;
}

/** The payload hash value decides what the caller still has to check about the body. */
function checkPayloadHash(value: string): string | null {
  if (HEX_SHA256.test(value)) return value;
  if (value === UNSIGNED_PAYLOAD || UNSIGNED_STREAMING.has(value)) return null;
  if (SIGNED_STREAMING.has(value)) {
    return fail(501, 'NotImplemented', `x-amz-content-sha256 ${value}: chunk-signed uploads are not supported by this endpoint.`);
  }
  return fail(400, 'InvalidArgument', 'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a streaming payload type or the hex SHA-256 of the body.');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function pick(headers: IncomingHttpHeaders, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) out[name] = headerValue(headers, name)!;
  return out;
}

interface Query {
  has(name: string): boolean;
  all(name: string): string[];
  /** The parameters as the signer takes them, without the listed ones (the query-auth parameters it adds back). */
  signable(without?: readonly string[]): Record<string, string | string[]>;
}

/**
 * The query as S3 reads it for signing: `&`-separated, percent-decoded, `+` kept as `+` (the SDK escapes a space as %20),
 * a name without `=` having the empty value. A malformed escape refuses the request.
 */
function parseQuery(raw: string): Query {
  const entries: [string, string][] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let entry: [string, string];
    try {
      entry = [decodeURIComponent(eq === -1 ? part : part.slice(0, eq)), eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1))];
    } catch {
      fail(400, 'InvalidArgument', 'The query string is not validly percent-encoded.');
    }
    // The signer copies the query into plain objects, where this one name would vanish from what it signs.
    if (entry[0] === '__proto__') fail(400, 'InvalidArgument', 'Invalid query parameter name.');
    entries.push(entry);
  }
  return {
    has: (name) => entries.some(([key]) => key === name),
    all: (name) => entries.filter(([key]) => key === name).map(([, value]) => value),
    signable(without = []) {
      const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
      for (const [key, value] of entries) {
        if (without.includes(key)) continue;
        const existing = out[key];
        out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      return out;
    },
  };
}
