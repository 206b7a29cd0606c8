import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.$metadata.httpStatusCode === 404 || error.name === 'NotFound' || error.name === 'NoSuchKey');
}

export class Storage {
  private readonly client: S3Client;

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
  async presignDownload(key: string, fileName: string, contentType: string, now = new Date()): Promise<PresignedRequest> {
    const command = new GetObjectCommand({
      Bucket: this.settings.bucket,
      Key: key,
      ResponseContentDisposition: attachmentDisposition(fileName),
      ResponseContentType: contentType,
    });
    const url = await this.guard('presign download', () =>
      getSignedUrl(this.client, command, { expiresIn: this.settings.downloadUrlTtlSeconds, signingDate: now }),
    );
    return { url, method: 'GET', headers: {}, expiresAt: new Date(now.getTime() + this.settings.downloadUrlTtlSeconds * 1000) };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      return { sizeBytes: Number(out.ContentLength ?? 0), contentType: out.ContentType ?? null };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw new StorageUnavailableError('head', error);
    }
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
  }

  private async guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new StorageUnavailableError(operation, error);
    }
  }
}
