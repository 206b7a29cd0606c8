import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { verifySigV4, type S3Refusal, type SigV4Credentials } from './sigv4-verifier';

/**
 * A local S3 endpoint for `npm start` and tests, in-process, from @20minutes/s3rver, that behaves like a private bucket:
 * every request needs a valid SigV4 signature (Authorization header or presigned query) made with this endpoint's
 * secret, which is random per start unless the caller pins one. Anything else is refused as S3 refuses it
 * (403 AccessDenied, SignatureDoesNotMatch...), before s3rver sees the request.
 *
 * s3rver serves anonymous requests and has no option to refuse them, and its own signature check builds the canonical
 * query with encodeURIComponent, which leaves `'` and `*` unescaped where SigV4 escapes them: a presigned URL whose
 * response-content-disposition carries `filename*=UTF-8''...` never matched. So a Koa middleware placed first in s3rver's
 * chain verifies each request with the AWS SDK's own signer (./sigv4-verifier.ts), and s3rver's check is told to accept
 * what gets past it (`allowMismatchedSignatures`; s3rver still parses the request and knows only the S3RVER key id).
 * A body whose SHA-256 is signed is read and checked before s3rver stores it, so a replayed signed PUT cannot carry other
 * bytes. Buckets are made with s3rver's `configureBuckets` option (its CreateBucket rejects current SDK signatures).
 */
export interface EmbeddedS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

export interface EmbeddedS3Options {
  directory: string;
  bucket: string;
  port?: number;
  /** Defaults to a random secret: a fixed, published one would let any local process (or web page) sign requests. */
  secretAccessKey?: string;
  /** Largest body with a signed SHA-256 that is buffered for checking (the SDK's Storage.put sends those). */
  maxSignedBodyBytes?: number;
}

/** The one access key id s3rver knows (its built-in account); the secret is what keeps the endpoint private. */
const ACCESS_KEY_ID = 'S3RVER';
const DEFAULT_MAX_SIGNED_BODY_BYTES = 1024 * 1024 * 1024;

/** The part of s3rver's Koa context the gate uses; s3rver reads request bodies from `ctx.req`. */
interface GateContext {
  req: IncomingMessage | Readable;
  status: number;
  type: string;
  body: unknown;
}
type Middleware = (ctx: GateContext, next: () => Promise<void>) => Promise<void>;

interface S3rverInstance {
  /** Koa's middleware list, composed when the server starts listening. */
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  mkdirSync(options.directory, { recursive: true });
  const credentials: SigV4Credentials = {
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: options.secretAccessKey ?? randomBytes(32).toString('base64url'),
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('@20minutes/s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
    allowMismatchedSignatures: true,
  });
  server.middleware.unshift(requireSignature(credentials, options.maxSignedBodyBytes ?? DEFAULT_MAX_SIGNED_BODY_BYTES));
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    stop: () => server.close(),
  };
}

/** The gate in front of s3rver: a valid signature, and the signed body hash (if any) matching the body. */
function requireSignature(credentials: SigV4Credentials, maxSignedBodyBytes: number): Middleware {
  return async function requireSignature(ctx, next) {
    const req = ctx.req as IncomingMessage;
    const verdict = await verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers: req.headers }, credentials);
    if (!verdict.ok) return answer(ctx, verdict.refusal);
    if (verdict.payloadSha256 !== null) {
      const body = await readBody(req, maxSignedBodyBytes);
      if (body === null) return answer(ctx, { status: 400, code: 'EntityTooLarge', message: `A body with a signed SHA-256 is limited to ${maxSignedBodyBytes} bytes here.` });
      if (createHash('sha256').update(body).digest('hex') !== verdict.payloadSha256) {
        return answer(ctx, { status: 400, code: 'XAmzContentSHA256Mismatch', message: 'The provided x-amz-content-sha256 header does not match what was computed.' });
      }
      // The request stream is spent: s3rver reads the bytes just checked (none for a GET, HEAD or empty PUT).
      ctx.req = Readable.from(body.length > 0 ? [body] : [], { objectMode: false });
    }
    await next();
  };
}

/** The whole body, or null past the limit (the rest is still read, so the refusal reaches the client). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= maxBytes) chunks.push(chunk as Buffer);
  }
  return size <= maxBytes ? Buffer.concat(chunks) : null;
}

/** S3's error document (HEAD answers get the status alone). */
function answer(ctx: GateContext, refusal: S3Refusal): void {
  ctx.status = refusal.status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(refusal.code)}</Code><Message>${escapeXml(refusal.message)}</Message></Error>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
