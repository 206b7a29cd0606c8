import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from '../tenancy/organization.entity';
import type { DocumentKind, Visibility } from '../../domain/document';

/** A file a vendor publishes: metadata here, bytes in S3 by version. */
@Entity({ name: 'documents' })
@Index('documents_org_id_created_at_idx', ['orgId', 'createdAt'])
// The download's lookup by id before the tenant is known (migration LookupByIdIndexes; docs/scaling.md).
@Index('documents_id_idx', ['id'])
@Check('documents_kind_check', `kind IN ('SOC_REPORT', 'BRIDGE_LETTER', 'PEN_TEST', 'POLICY', 'CERTIFICATE', 'INSURANCE', 'QUESTIONNAIRE', 'OTHER')`)
@Check('documents_visibility_check', `visibility IN ('PUBLIC', 'RESTRICTED', 'PRIVATE')`)
export class DocumentEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'documents_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'documents_pkey' })
  id: string;

  @Column({ name: 'title', type: 'text' })
  title: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'kind', type: 'text' })
  kind: DocumentKind;

  @Column({ name: 'visibility', type: 'text' })
  visibility: Visibility;

  @Column({ name: 'attestation_id', type: 'uuid', nullable: true })
  attestationId: string | null;

  @Column({ name: 'current_version_id', type: 'uuid', nullable: true })
  currentVersionId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'documents_org_id_fkey' })
  organization?: OrganizationEntity;
}

export type VersionStatus = 'PENDING' | 'AVAILABLE' | 'REJECTED';

/** One uploaded file of a document. Becomes AVAILABLE only after the server verified size, type and sha256. */
@Entity({ name: 'document_versions' })
@Index('document_versions_org_id_document_id_version_key', ['orgId', 'documentId', 'version'], { unique: true })
@Check('document_versions_status_check', `status IN ('PENDING', 'AVAILABLE', 'REJECTED')`)
@Check('document_versions_size_check', `size_bytes > 0`)
export class DocumentVersionEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'document_versions_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'document_versions_pkey' })
  id: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId: string;

  @Column({ name: 'version', type: 'integer' })
  version: number;

  @Column({ name: 'storage_key', type: 'text' })
  storageKey: string;

  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  @Column({ name: 'content_type', type: 'text' })
  contentType: string;

  @Column({ name: 'size_bytes', type: 'bigint' })
  sizeBytes: string;

  @Column({ name: 'sha256', type: 'text' })
  sha256: string;

  @Column({ name: 'status', type: 'text', default: 'PENDING' })
  status: VersionStatus;

  @Column({ name: 'uploaded_by', type: 'uuid', nullable: true })
  uploadedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @ManyToOne(() => DocumentEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'document_versions_document_fkey' },
    { name: 'document_id', referencedColumnName: 'id', foreignKeyConstraintName: 'document_versions_document_fkey' },
  ])
  document?: DocumentEntity;
}
