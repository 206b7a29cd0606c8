import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { checkUpload, checkVisibility, defaultVisibility, type DocumentKind, type UploadRequest, type UploadRuleCode, type Visibility } from '../../domain/document';
import type { Database } from '../../db/database';
import type { JsonPart } from '../../db/json-parts';
import { attestations } from '../attestations/attestation.service';
import { emitVendorEvent } from '../../jobs/events';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { objectKeys, type PresignedRequest, type Storage } from '../storage/storage';
import type { DocumentEntity, DocumentVersionEntity } from './document.entity';
import { documentRepository } from './document.repository';

export type DocumentErrorCode =
  | UploadRuleCode
  | 'SOC_REPORT_NOT_PUBLIC'
  | 'INVALID_TITLE'
  | 'ATTESTATION_NOT_FOUND'
  | 'VERSION_NOT_PENDING'
  | 'OBJECT_MISSING'
  | 'SIZE_MISMATCH'
  | 'CONTENT_TYPE_MISMATCH'
  | 'CHECKSUM_MISMATCH';

export interface DocumentResult {
  document: DocumentEntity | null;
  errors: PayloadError<DocumentErrorCode>[];
}

/** completeDocumentUpload: the version as it now is (still PENDING when refused). */
export type CompletedUpload = DocumentResult & { version: DocumentVersionEntity | null };

export interface UploadResult {
  version: DocumentVersionEntity | null;
  upload: PresignedRequest | null;
  errors: PayloadError<DocumentErrorCode>[];
}

/** Magic numbers of the types whose content we can check cheaply: a file must be what it says it is. */
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'application/zip': (b) => b.subarray(0, 2).toString('latin1') === 'PK',
};
for (const office of ['wordprocessingml.document', 'spreadsheetml.sheet', 'presentationml.presentation']) {
  SIGNATURES[`application/vnd.openxmlformats-officedocument.${office}`] = SIGNATURES['application/zip']!;
}

/** A document inside another module's transaction (a download event names the document by id). */
export const documents = {
  /** A document and its current version as JSON parts (a download reads them beside its checks). */
  withCurrentVersionParts: (scope: TenantScope, id: string): { document: JsonPart<DocumentEntity | null>; version: JsonPart<DocumentVersionEntity | null> } => documentRepository.withCurrentVersionParts(scope, id),
  /** A page of documents as a JSON part (a public page reads it beside the trust center). */
  pagePart: (...args: Parameters<typeof documentRepository.pagePart>): JsonPart<DocumentEntity[]> => documentRepository.pagePart(...args),
  find: (m: EntityManager, scope: TenantScope, id: string): Promise<DocumentEntity | null> => documentRepository.findById(m, scope, id),
  /** A document's tenant, under the document-id lookup (DbScope.documentLookup), before acting as that tenant. */
  orgIdOf: (m: EntityManager, id: string): Promise<string | null> => documentRepository.orgIdOf(m, id),
  byIds: (m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<DocumentEntity[]> => documentRepository.byIds(m, scope, ids),
  /** `byIds` as a JSON part (an access request reads it beside its other checks). */
  byIdsPart: (scope: TenantScope, ids: readonly string[]): JsonPart<DocumentEntity[]> => documentRepository.byIdsPart(scope, ids),
  versionsByIds: (m: EntityManager, scope: TenantScope, ids: readonly string[]): Promise<DocumentVersionEntity[]> => documentRepository.versionsByIds(m, scope, ids),
  /** Ids of the org's RESTRICTED documents (what an access request for "everything restricted" covers). */
  restrictedIds: (m: EntityManager, scope: TenantScope): Promise<string[]> => documentRepository.restrictedIds(m, scope),
  restrictedIdsPart: (scope: TenantScope): JsonPart<string[]> => documentRepository.restrictedIdsPart(scope),
  /** The RESTRICTED report documents of these attestations. */
  restrictedReportDocuments: (m: EntityManager, scope: TenantScope, attestationIds: readonly string[]): Promise<{ id: string; attestationId: string }[]> =>
    documentRepository.restrictedReportDocuments(m, scope, attestationIds),
};

export class DocumentService {
  constructor(
    private readonly db: Database,
    private readonly storage: Storage,
    private readonly maxUploadBytes: number,
  ) {}

  async create(scope: TenantScope, actor: Actor, input: { title: string; kind: DocumentKind; visibility?: Visibility | null; description?: string | null; attestationId?: string | null }): Promise<DocumentResult> {
    const title = input.title.trim();
    if (title.length === 0 || title.length > 200) return { document: null, errors: [refusal('INVALID_TITLE', 'title', 'title is 1-200 characters.')] };
    const visibility = input.visibility ?? defaultVisibility(input.kind);
    return this.db.transaction(scope.identity(), async (m) => {
      let framework = null;
      if (input.attestationId !== undefined && input.attestationId !== null) {
        const attestation = await attestations.find(m, scope, input.attestationId);
        if (!attestation) return { document: null, errors: [refusal('ATTESTATION_NOT_FOUND', 'attestationId', 'No such attestation in this organization.')] };
        framework = attestation.framework;
      }
      const rule = checkVisibility(input.kind, visibility, framework);
      if (rule) return { document: null, errors: [refusal(rule, 'visibility', 'A SOC 1 or SOC 2 report is restricted-use and cannot be PUBLIC (a SOC 3 can).')] };
      const document = await documentRepository.insert(m, scope, {
        title, kind: input.kind, visibility, description: input.description ?? null, attestationId: input.attestationId ?? null, createdBy: scope.userId,
      });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'document.created', targetType: 'document', targetId: document.id, details: { title, kind: input.kind, visibility } });
      return { document, errors: [] };
    });
  }

  async update(scope: TenantScope, actor: Actor, id: string, input: { title?: string | null; description?: string | null; visibility?: Visibility | null }): Promise<DocumentResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const current = await documentRepository.findById(m, scope, id, true);
      if (!current) throw new NotFoundError('Document');
      const title = input.title?.trim();
      if (title !== undefined && (title.length === 0 || title.length > 200)) return { document: current, errors: [refusal('INVALID_TITLE', 'title', 'title is 1-200 characters.')] };
      const visibility = input.visibility ?? current.visibility;
      const framework = current.attestationId ? (await attestations.find(m, scope, current.attestationId))?.framework ?? null : null;
      const rule = checkVisibility(current.kind, visibility, framework);
      if (rule) return { document: current, errors: [refusal(rule, 'visibility', 'A SOC 1 or SOC 2 report is restricted-use and cannot be PUBLIC (a SOC 3 can).')] };
      const changes: Partial<DocumentEntity> = { visibility };
      if (title !== undefined) changes.title = title;
      if (input.description !== undefined) changes.description = input.description;
      await documentRepository.update(m, scope, id, changes);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'document.updated', targetType: 'document', targetId: id, details: { from: current.visibility, to: visibility } });
      return { document: await documentRepository.findById(m, scope, id), errors: [] };
    });
  }

  /** Reserves the next version and hands out a PUT URL for exactly that file. */
  async createUpload(scope: TenantScope, actor: Actor, documentId: string, upload: UploadRequest): Promise<UploadResult> {
    const errors = checkUpload(upload, this.maxUploadBytes);
    return this.db.transaction(scope.identity(), async (m) => {
      const document = await documentRepository.findById(m, scope, documentId, true);
      if (!document) throw new NotFoundError('Document');
      if (errors.length > 0) return { version: null, upload: null, errors };
      const version = await documentRepository.insertVersion(m, scope, {
        documentId, version: await documentRepository.nextVersionNumber(m, scope, documentId), storageKey: 'pending', fileName: upload.fileName,
        contentType: upload.contentType, sizeBytes: String(upload.sizeBytes), sha256: upload.sha256, status: 'PENDING', uploadedBy: scope.userId,
      });
      const key = objectKeys.upload(scope.orgId, documentId, version.id);
      await documentRepository.updateVersion(m, scope, version.id, { storageKey: key });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'document.upload_started', targetType: 'document', targetId: documentId,
        details: { versionId: version.id, version: version.version, fileName: upload.fileName, contentType: upload.contentType, sizeBytes: upload.sizeBytes, sha256: upload.sha256 },
      });
      const presigned = await this.storage.presignUpload(key, upload.contentType, upload.sizeBytes);
      return { version: { ...version, storageKey: key }, upload: presigned, errors: [] };
    });
  }

  /**
   * Checks the uploaded object against what was declared (size, type, content signature, sha256) before the version
   * becomes the document's current file. A mismatch leaves it PENDING: upload again and complete again.
   */
  async completeUpload(scope: TenantScope, actor: Actor, versionId: string): Promise<CompletedUpload> {
    const version = await this.db.transaction(scope.identity(), (m) => documentRepository.findVersion(m, scope, versionId));
    if (!version) throw new NotFoundError('Document version');
    const fail = (code: DocumentErrorCode, message: string): CompletedUpload => ({ document: null, version, errors: [refusal(code, 'versionId', message)] });
    if (version.status !== 'PENDING') return fail('VERSION_NOT_PENDING', `This version is already ${version.status}.`);
    const head = await this.storage.head(version.storageKey);
    if (!head) return fail('OBJECT_MISSING', 'Nothing was uploaded for this version yet (PUT the file to the upload URL first).');
    if (head.sizeBytes !== Number(version.sizeBytes)) return fail('SIZE_MISMATCH', `Uploaded ${head.sizeBytes} bytes, declared ${version.sizeBytes}.`);
    if (head.contentType !== version.contentType) return fail('CONTENT_TYPE_MISMATCH', `Uploaded as ${head.contentType}, declared ${version.contentType}.`);
    const bytes = await this.storage.read(version.storageKey, this.maxUploadBytes);
    if (!bytes) return fail('OBJECT_MISSING', 'The uploaded object disappeared.');
    const signature = SIGNATURES[version.contentType];
    if (signature && !signature(bytes)) return fail('CONTENT_TYPE_MISMATCH', `The file's content is not ${version.contentType}.`);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== version.sha256) return fail('CHECKSUM_MISMATCH', `The file's sha256 is ${digest}, declared ${version.sha256}.`);

    // The upload URL stays valid for minutes: serve the bytes verified here from a key that URL cannot write, so a
    // replayed PUT can neither swap the file after verification nor between the check and publication.
    const verifiedKey = objectKeys.version(scope.orgId, version.documentId, version.id);
    await this.storage.put(verifiedKey, bytes, version.contentType);
    const result = await this.db.transaction(scope.identity(), async (m) => {
      const locked = await documentRepository.findVersion(m, scope, versionId, true);
      if (!locked || locked.status !== 'PENDING') return fail('VERSION_NOT_PENDING', 'This version was completed meanwhile.');
      await documentRepository.updateVersion(m, scope, versionId, { status: 'AVAILABLE', completedAt: new Date(), storageKey: verifiedKey });
      // Versions may complete out of order: only a newer one than the current becomes current.
      const current = await documentRepository.findById(m, scope, locked.documentId, true);
      const currentVersion = current?.currentVersionId ? await documentRepository.findVersion(m, scope, current.currentVersionId) : null;
      if (currentVersion && currentVersion.version > locked.version) {
        await auditLog.append(m, scope, {
          ...auditActor(actor), action: 'document.version_available', targetType: 'document', targetId: locked.documentId,
          details: { version: locked.version, sha256: locked.sha256, sizeBytes: Number(locked.sizeBytes), current: false, currentVersion: currentVersion.version },
        });
        return { document: current, version: { ...locked, status: 'AVAILABLE' as const }, errors: [] };
      }
      await documentRepository.update(m, scope, locked.documentId, { currentVersionId: versionId });
      const doc = await documentRepository.findById(m, scope, locked.documentId);
      if (doc && doc.visibility !== 'PRIVATE') {
        await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'document.updated', title: `${doc.title}: version ${locked.version} available`, data: { documentId: doc.id, version: locked.version, visibility: doc.visibility } });
      }
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'document.version_available', targetType: 'document', targetId: locked.documentId,
        details: { version: locked.version, sha256: locked.sha256, sizeBytes: Number(locked.sizeBytes) },
      });
      return { document: await documentRepository.findById(m, scope, locked.documentId), version: { ...locked, status: 'AVAILABLE' as const }, errors: [] };
    });
    // The upload copy stays (a concurrent completion may still be reading it); a bucket lifecycle rule on the uploads/
    // prefix can expire it.
    return result;
  }
}
