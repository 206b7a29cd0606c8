import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl, S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import type { StorageConfig } from '../../config/config';
import { attachmentDisposition } from '../../domain/document';

/**
 * The only user of the AWS SDK. Object keys are made here and never leave the server; clients only ever see
 * presigned URLs limited to one object, one method and a few minutes.
 */
/** The storage part of the configuration, with the endpoint and credentials resolved (embedded or real). */
export type StorageSettings = Omit<StorageConfig, 'embedded' | 'maxUploadBytes'>;

export class StorageUnavailableError extends Error {
  constructor(readonly operation: string, cause: unknown) {
    super(`object storage unavailable during ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StorageUnavailableError';
  }
}

export interface PresignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /** Headers the client must send exactly (they are part of the signature). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface ObjectInfo {
  sizeBytes: number;
  contentType: string | null;
}

export const objectKeys = {
  /** Where the client uploads (its presigned PUT stays valid for minutes, so this key is never served). */
  upload: (orgId: string, documentId: string, versionId: string): string => `orgs/${orgId}/uploads/${documentId}/${versionId}`,
  /** Where the server writes the bytes it verified; only this key is ever served. */
  version: (orgId: string, documentId: string, versionId: string): string => `orgs/${orgId}/documents/${documentId}/versions/${versionId}`,
  watermarked: (orgId: string, versionId: string, recipientTag: string): string => `orgs/${orgId}/derived/${versionId}/${recipientTag}.pdf`,
};

/** How long a HEAD may take before storage counts as unavailable (the SDK's client sets no limit of its own). */
export const STORAGE_HEAD_TIMEOUT_MS = 10_000;
/** A HEAD's own presigned URL is used at once: a minute of validity covers clock skew, nothing more. */
const HEAD_URL_TTL_SECONDS = 60;

/**
 * Where this bucket's objects live, as the SDK's endpoint rules resolve it (path style or virtual-hosted, custom
 * endpoint or AWS's), and the region and service a request to it is signed for. It depends on the bucket only.
 */
interface ObjectEndpoint {
  protocol: string;
  hostname: string;
  port: number | undefined;
  /** '' (virtual-hosted) or '/<bucket>' (path style), before the key. */
  basePath: string;
  signingRegion: string | undefined;
  signingService: string | undefined;
}

/** A key as the SDK serializes S3's `{Key+}` label: each segment escaped as encodeURIComponent, plus !'()*. */
export function encodeObjectKey(key: string): string {
  return key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');
}

export class Storage {
  private readonly client: S3Client;
  private presigner: S3RequestPresigner | undefined;
  private httpAgent: http.Agent | undefined;
  private httpsAgent: https.Agent | undefined;
  private endpoint: Promise<ObjectEndpoint> | undefined;

  constructor(private readonly settings: StorageSettings) {
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      credentials: settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
      // Checksums in presigned URLs would bind the body before the client has it, and S3-compatible servers differ.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
    });
  }

  /** What a worker thread needs to open its own client on the same bucket (plain data: it crosses threads). */
  get workerSettings(): StorageSettings {
    return { ...this.settings };
  }

  get downloadTtlSeconds(): number {
    return this.settings.downloadUrlTtlSeconds;
  }

  /** A PUT limited to one key, the declared content type and the exact size (both signed). */
  async presignUpload(key: string, contentType: string, sizeBytes: number, now = new Date()): Promise<PresignedRequest> {
    const command = new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, ContentType: contentType, ContentLength: sizeBytes });
    const url = await this.guard('presign upload', () =>
      getSignedUrl(this.client, command, {
        expiresIn: this.settings.uploadUrlTtlSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
        signingDate: now,
      }),
    );
    return {
      url,
      method: 'PUT',
      headers: { 'content-type': contentType, 'content-length': String(sizeBytes) },
      expiresAt: new Date(now.getTime() + this.settings.uploadUrlTtlSeconds * 1000),
    };
  }

  /** A GET for one object that downloads as an attachment under `fileName`. */
  /**
   * A GET of one object for a few minutes, saved as the file's name and type. Signed by the SDK's S3 presigner on a
   * request built here from the endpoint resolved once (objectEndpoint): `getSignedUrl` would clone and sort the
   * client's middleware stack and evaluate S3's endpoint rules on every call (0.75 ms of CPU here, against 0.06 ms).
   */
  async presignDownload(key: string, fileName: string, contentType: string, now = new Date()): Promise<PresignedRequest> {
    const url = await this.guard('presign download', () =>
      this.presignObject('GET', key, { 'response-content-disposition': attachmentDisposition(fileName), 'response-content-type': contentType }, this.settings.downloadUrlTtlSeconds, now),
    );
    return { url, method: 'GET', headers: {}, expiresAt: new Date(now.getTime() + this.settings.downloadUrlTtlSeconds * 1000) };
  }

  /**
   * Whether an object is there, and its size: a presigned HEAD over node:http(s) with kept-alive connections. Every
   * download makes one on its request path, and the SDK's `send` spends about 1 ms of CPU per call in its middleware,
   * serializers and endpoint rules (fetch about 0.8 ms); this costs 0.2 ms, signing included. Retried once on a
   * network error or a 5xx, as the SDK client (maxAttempts 2) did; 404 is "not there", any other answer is storage
   * failing.
   */
  async head(key: string): Promise<ObjectInfo | null> {
    const url = await this.guard('head', () => this.presignObject('HEAD', key, {}, HEAD_URL_TTL_SECONDS, new Date()));
    let failure: unknown;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      let answer: { status: number; headers: IncomingHttpHeaders };
      try {
        answer = await this.sendHead(url);
      } catch (error) {
        failure = error;
        continue;
      }
      if (answer.status === 200) {
        const type = answer.headers['content-type'];
        return { sizeBytes: Number(answer.headers['content-length'] ?? 0), contentType: typeof type === 'string' ? type : null };
      }
      if (answer.status === 404) return null;
      failure = new Error(`HEAD answered ${answer.status}`);
      if (answer.status < 500) break;
    }
    throw new StorageUnavailableError('head', failure);
  }

  private sendHead(url: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const secure = url.startsWith('https:');
    const agent = secure ? (this.httpsAgent ??= new https.Agent({ keepAlive: true })) : (this.httpAgent ??= new http.Agent({ keepAlive: true }));
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method: 'HEAD', agent, timeout: STORAGE_HEAD_TIMEOUT_MS }, (response) => {
        response.resume();
        response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
        response.once('error', reject);
      });
      request.once('timeout', () => request.destroy(new Error(`no answer within ${STORAGE_HEAD_TIMEOUT_MS} ms`)));
      request.once('error', reject);
      request.end();
    });
  }

  private async presignObject(method: 'GET' | 'HEAD', key: string, query: Record<string, string>, expiresIn: number, now: Date): Promise<string> {
    const endpoint = await this.objectEndpoint();
    this.presigner ??= new S3RequestPresigner({ ...this.client.config });
    const request = new HttpRequest({
      method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port,
      path: `${endpoint.basePath}/${encodeObjectKey(key)}`,
      query,
      headers: { host: endpoint.port ? `${endpoint.hostname}:${endpoint.port}` : endpoint.hostname },
    });
    const signed = await this.presigner.presign(request, { expiresIn, signingDate: now, signingRegion: endpoint.signingRegion, signingService: endpoint.signingService });
    const port = signed.port ? `:${signed.port}` : '';
    const search = signed.query ? buildQueryString(signed.query) : '';
    return `${signed.protocol}//${signed.hostname}${port}${signed.path}${search ? `?${search}` : ''}`;
  }

  /** The bucket's endpoint by the SDK's own rules, resolved on first use (a failure is not kept: the next call retries). */
  private objectEndpoint(): Promise<ObjectEndpoint> {
    if (!this.endpoint) {
      const resolving = (async (): Promise<ObjectEndpoint> => {
        // Where a bucket's objects live does not depend on the key; a probe key stands for any.
        const resolved = await getEndpointFromInstructions({ Bucket: this.settings.bucket, Key: 'probe' }, GetObjectCommand, this.client.config);
        const url = resolved.url;
        const auth = (resolved.properties?.authSchemes as { name?: string; signingRegion?: string; signingName?: string }[] | undefined)?.[0];
        if (auth?.name && auth.name !== 'sigv4') throw new Error(`the storage endpoint asks for ${auth.name} signing, which this server does not use`);
        return {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port ? Number(url.port) : undefined,
          basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
          signingRegion: auth?.signingRegion,
          signingService: auth?.signingName,
        };
      })();
      resolving.catch(() => {
        if (this.endpoint === resolving) this.endpoint = undefined;
      });
      this.endpoint = resolving;
    }
    return this.endpoint;
  }

  /** Reads an object whole (bounded): for checksum verification and watermarking. */
  async read(key: string, maxBytes: number): Promise<Buffer | null> {
    let body: Readable;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      body = out.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new StorageUnavailableError('read', error);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          body.destroy();
          throw new Error(`object larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      throw new StorageUnavailableError('read', error);
    }
    return Buffer.concat(chunks);
  }

  async sha256(key: string, maxBytes: number): Promise<string | null> {
    const bytes = await this.read(key, maxBytes);
    return bytes ? createHash('sha256').update(bytes).digest('hex') : null;
  }

  /**
   * Stores bytes. `sha256` (hex), when the caller has it, is sent as the signed payload hash, so the signer does not
   * hash the body again on this thread (10 ms or more for a 10 MB stamped PDF, which would stall the event loop).
   * S3 checks the body against it either way.
   */
  async put(key: string, body: Uint8Array, contentType: string, sha256?: string): Promise<void> {
    const command = new PutObjectCommand({ Bucket: this.settings.bucket, Key: key, Body: body, ContentType: contentType });
    if (sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('put: sha256 must be 64 lowercase hex digits');
      command.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-amz-content-sha256'] = sha256;
          return next(args);
        },
        { step: 'build', name: 'precomputedPayloadHash' },
      );
    }
    await this.guard('put', () => this.client.send(command));
  }

  /** Readiness: the bucket answers an authenticated request (a missing probe object is a fine answer). */
  async ping(): Promise<void> {
    await this.head('.readyz');
  }

  close(): void {
    this.client.destroy();
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StorageUnavailableError(operation, error);
    }
  }
}
