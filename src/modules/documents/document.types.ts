import { IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { DocumentKind, Visibility } from '../../domain/document';
import { Connection } from '../../graphql/connection';
import { DocumentKindEnum, VisibilityEnum } from '../../graphql/enums';
import type { DocumentEntity, DocumentVersionEntity } from './document.entity';
import type { DocumentErrorCode } from './document.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

@ObjectType({ description: 'One uploaded file of a document (storage details stay on the server).' })
export class DocumentVersion {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => Int, { description: 'Version number, from 1.' })
  version: number;

  @Field({ description: 'File name it downloads as.' })
  fileName: string;

  @Field({ description: 'MIME type.' })
  contentType: string;

  @Field(() => Float, { description: 'Size in bytes.' })
  sizeBytes: number;

  @Field({ description: 'SHA-256 of the file, hex (verified by the server before the version became available).' })
  sha256: string;

  @Field({ description: 'PENDING (declared, not verified), AVAILABLE, or REJECTED.' })
  status: string;

  @Field(() => Date, { description: 'When the upload was declared.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it was verified and became current.' })
  completedAt: Date | null;
}

export const toDocumentVersion = (v: DocumentVersionEntity): DocumentVersion =>
  Object.assign(new DocumentVersion(), {
    id: v.id, version: v.version, fileName: v.fileName, contentType: v.contentType, sizeBytes: Number(v.sizeBytes), sha256: v.sha256,
    status: v.status, createdAt: v.createdAt, completedAt: v.completedAt,
  });

@ObjectType({ description: 'A document of a trust center: SOC report, policy, pen-test summary...' })
export class Document {
  orgId: string;
  currentVersionId: string | null;

  @Field(() => ID, { description: 'Identifier (what requestDocumentDownload takes).' })
  id: string;

  @Field({ description: 'Title (public for PUBLIC and RESTRICTED documents).' })
  title: string;

  @Field(() => String, { nullable: true, description: 'Description.' })
  description: string | null;

  @Field(() => DocumentKindEnum, { description: 'What it is.' })
  kind: DocumentKind;

  @Field(() => VisibilityEnum, { description: 'Who may download it.' })
  visibility: Visibility;

  @Field(() => ID, { nullable: true, description: 'The attestation this is the report or letter of.' })
  attestationId: string | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt: Date;
}

export const toDocument = (d: DocumentEntity): Document =>
  Object.assign(new Document(), {
    orgId: d.orgId, currentVersionId: d.currentVersionId, id: d.id, title: d.title, description: d.description, kind: d.kind,
    visibility: d.visibility, attestationId: d.attestationId, createdAt: d.createdAt, updatedAt: d.updatedAt,
  });

@ObjectType('DocumentConnection', { description: 'A page of documents.' })
export class DocumentConnection extends Connection(Document, 'Document') {}

export const DocumentErrorCodeEnum = ErrorCodes<DocumentErrorCode>('DocumentErrorCode', 'Why a document change or upload was refused.', {
  CONTENT_TYPE_NOT_ALLOWED: 'createDocumentUpload: contentType is not one of the accepted types (PDF, PNG, JPEG, text, CSV, Office documents, ZIP).',
  FILE_TOO_LARGE: "createDocumentUpload: sizeBytes exceeds the server's upload limit (MAX_UPLOAD_BYTES, 50 MiB by default).",
  EMPTY_FILE: 'createDocumentUpload: sizeBytes is not a positive whole number.',
  INVALID_FILE_NAME: 'createDocumentUpload: fileName is empty, longer than 200 characters, or contains a path separator or control character.',
  INVALID_SHA256: 'createDocumentUpload: sha256 is not 64 lowercase hex characters.',
  EXTENSION_MISMATCH: 'createDocumentUpload: the fileName extension does not match contentType (a PDF ends in .pdf, a JPEG in .jpg or .jpeg).',
  SOC_REPORT_NOT_PUBLIC: 'createDocument or updateDocument: a SOC_REPORT cannot be PUBLIC unless it belongs to a SOC 3 attestation (SOC 1 and SOC 2 reports are restricted-use).',
  INVALID_TITLE: 'createDocument or updateDocument: title must be 1-200 characters.',
  ATTESTATION_NOT_FOUND: 'createDocument: attestationId names no attestation of this organization.',
  VERSION_NOT_PENDING: 'completeDocumentUpload: the version was already completed (possibly by a concurrent call).',
  OBJECT_MISSING: 'completeDocumentUpload: nothing was uploaded for this version yet: PUT the file to the upload URL first.',
  SIZE_MISMATCH: "completeDocumentUpload: the uploaded file's size differs from the declared sizeBytes; the version stays PENDING, so upload the declared file and complete again.",
  CONTENT_TYPE_MISMATCH: "completeDocumentUpload: the upload's content type, or its content, is not the declared contentType; the version stays PENDING.",
  CHECKSUM_MISMATCH: "completeDocumentUpload: the uploaded file's SHA-256 differs from the declared sha256; the version stays PENDING.",
});

export const DocumentError = PayloadErrorType('DocumentError', DocumentErrorCodeEnum, { description: 'A refused document change or upload.' });
export type DocumentError = InstanceType<typeof DocumentError>;

@ObjectType({ description: 'Result of a document mutation.' })
export class DocumentPayload {
  @Field(() => Document, { nullable: true, description: 'The document after the change.' })
  document: Document | null;

  @Field(() => DocumentVersion, { nullable: true, description: 'The version concerned (completeDocumentUpload).' })
  version?: DocumentVersion | null;

  @Field(() => [DocumentError], { description: 'Why it was refused (empty on success).' })
  errors: DocumentError[];
}

@ObjectType({ description: 'An HTTP request the client makes itself, directly against object storage.' })
export class PresignedRequest {
  @Field({ description: 'The URL, signed for one object and method; it expires at `expiresAt`.' })
  url: string;

  @Field({ description: 'PUT for uploads, GET for downloads.' })
  method: string;

  @Field(() => [HttpHeader], { description: 'Headers to send exactly as given (they are part of the signature).' })
  headers: HttpHeader[];

  @Field(() => Date, { description: 'When the URL stops working.' })
  expiresAt: Date;
}

@ObjectType({ description: 'An HTTP header.' })
export class HttpHeader {
  @Field({ description: 'Header name.' })
  name: string;

  @Field({ description: 'Header value.' })
  value: string;
}

@ObjectType({ description: 'Result of createDocumentUpload: PUT the file to `upload`, then call completeDocumentUpload(versionId).' })
export class DocumentUploadPayload {
  @Field(() => DocumentVersion, { nullable: true, description: 'The reserved (PENDING) version.' })
  version: DocumentVersion | null;

  @Field(() => PresignedRequest, { nullable: true, description: 'Where and how to upload the file.' })
  upload: PresignedRequest | null;

  @Field(() => [DocumentError], { description: 'Why it was refused (empty on success).' })
  errors: DocumentError[];
}

@InputType({ description: 'A new document (no file yet: upload one with createDocumentUpload).' })
export class CreateDocumentInput {
  @Field({ description: 'Title (1-200 characters).' })
  @MaxLength(500)
  title: string;

  @Field(() => DocumentKindEnum, { description: 'What it is.' })
  kind: DocumentKind;

  @Field(() => VisibilityEnum, { nullable: true, description: 'Default: RESTRICTED for SOC reports, pen tests and bridge letters; PUBLIC otherwise.' })
  @IsOptional()
  visibility?: Visibility | null;

  @Field(() => String, { nullable: true, description: 'Description.' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field(() => ID, { nullable: true, description: 'The attestation it documents (a SOC 3 report may then be PUBLIC).' })
  @IsOptional()
  attestationId?: string | null;
}

@InputType({ description: 'Changes to a document. Omitted fields keep their value.' })
export class UpdateDocumentInput {
  @Field(() => ID, { description: 'The document.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Title.' })
  @IsOptional()
  @MaxLength(500)
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'Description.' })
  @IsOptional()
  @MaxLength(5000)
  description?: string | null;

  @Field(() => VisibilityEnum, { nullable: true, description: 'Visibility (a SOC 1/2 report cannot be PUBLIC).' })
  @IsOptional()
  visibility?: Visibility | null;
}

@InputType({ description: 'The file about to be uploaded; the upload URL is bound to exactly this.' })
export class CreateDocumentUploadInput {
  @Field(() => ID, { description: 'The document it is a new version of.' })
  documentId: string;

  @Field({ description: 'File name (its extension must match the content type).' })
  @MaxLength(300)
  fileName: string;

  @Field({ description: 'MIME type, from the allow-list (PDF, PNG, JPEG, text, CSV, Office, ZIP).' })
  @MaxLength(200)
  contentType: string;

  @Field(() => Float, { description: 'Exact size in bytes.' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  sizeBytes: number;

  @Field({ description: 'SHA-256 of the file, 64 lowercase hex characters.' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex characters' })
  sha256: string;
}

