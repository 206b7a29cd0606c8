import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AccessState } from '../../domain/access';

export type NdaTemplateStatus = 'DRAFT' | 'PUBLISHED';

/** An NDA text a vendor asks customers to accept. Immutable once published (a trigger enforces it). */
@Entity({ name: 'nda_templates' })
@Index('nda_templates_org_id_version_key', ['orgId', 'version'], { unique: true })
@Check('nda_templates_status_check', `status IN ('DRAFT', 'PUBLISHED')`)
export class NdaTemplateEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'nda_templates_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'nda_templates_pkey' })
  id: string;

  @Column({ name: 'version', type: 'integer' })
  version: number;

  @Column({ name: 'title', type: 'text' })
  title: string;

  @Column({ name: 'body', type: 'text' })
  body: string;

  @Column({ name: 'body_sha256', type: 'text' })
  bodySha256: string;

  @Column({ name: 'status', type: 'text', default: 'DRAFT' })
  status: NdaTemplateStatus;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}

export type NdaAcceptanceSource = 'CLICKWRAP' | 'ON_FILE';

/** A signature on an NDA version (or a vendor's record of an NDA signed elsewhere). Never updated or deleted. */
@Entity({ name: 'nda_acceptances' })
@Index('nda_acceptances_org_id_customer_org_id_idx', ['orgId', 'customerOrgId'])
@Check('nda_acceptances_source_check', `source IN ('CLICKWRAP', 'ON_FILE')`)
export class NdaAcceptanceEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'nda_acceptances_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'nda_acceptances_pkey' })
  id: string;

  @Column({ name: 'customer_org_id', type: 'uuid' })
  customerOrgId: string;

  @Column({ name: 'source', type: 'text' })
  source: NdaAcceptanceSource;

  @Column({ name: 'template_id', type: 'uuid', nullable: true })
  templateId: string | null;

  @Column({ name: 'template_version', type: 'integer', nullable: true })
  templateVersion: number | null;

  @Column({ name: 'body_sha256', type: 'text', nullable: true })
  bodySha256: string | null;

  @Column({ name: 'signer_user_id', type: 'uuid', nullable: true })
  signerUserId: string | null;

  @Column({ name: 'signer_name', type: 'text' })
  signerName: string;

  @Column({ name: 'signer_title', type: 'text', nullable: true })
  signerTitle: string | null;

  @Column({ name: 'signer_email', type: 'text', nullable: true })
  signerEmail: string | null;

  @Column({ name: 'customer_org_name', type: 'text' })
  customerOrgName: string;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @Column({ name: 'recorded_by', type: 'uuid', nullable: true })
  recordedBy: string | null;

  @Column({ name: 'note', type: 'text', nullable: true })
  note: string | null;

  @CreateDateColumn({ name: 'accepted_at', type: 'timestamptz' })
  acceptedAt: Date;
}

export type AccessScope = 'DOCUMENTS' | 'ALL_RESTRICTED';

/** A customer's request for restricted documents of a vendor. History in access_request_events. */
@Entity({ name: 'access_requests' })
@Index('access_requests_org_id_state_created_at_idx', ['orgId', 'state', 'createdAt'])
@Index('access_requests_org_id_requester_org_id_idx', ['orgId', 'requesterOrgId'])
@Index('access_requests_one_open_key', ['orgId', 'requesterUserId'], { unique: true, where: `state = 'REQUESTED'` })
@Check('access_requests_state_check', `state IN ('REQUESTED', 'APPROVED', 'DENIED', 'REVOKED', 'EXPIRED')`)
@Check('access_requests_scope_check', `scope IN ('DOCUMENTS', 'ALL_RESTRICTED')`)
export class AccessRequestEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'access_requests_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'access_requests_pkey' })
  id: string;

  @Column({ name: 'requester_org_id', type: 'uuid' })
  requesterOrgId: string;

  @Column({ name: 'requester_org_name', type: 'text' })
  requesterOrgName: string;

  @Column({ name: 'requester_user_id', type: 'uuid' })
  requesterUserId: string;

  @Column({ name: 'requester_email', type: 'text' })
  requesterEmail: string;

  @Column({ name: 'scope', type: 'text' })
  scope: AccessScope;

  @Column({ name: 'document_ids', type: 'uuid', array: true, default: () => "'{}'" })
  documentIds: string[];

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'state', type: 'text' })
  state: AccessState;

  @Column({ name: 'rule', type: 'text', nullable: true })
  rule: string | null;

  @Column({ name: 'decided_by', type: 'uuid', nullable: true })
  decidedBy: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;

  @Column({ name: 'grant_expires_at', type: 'timestamptz', nullable: true })
  grantExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** Every state change of a request: who, when, which rule. */
@Entity({ name: 'access_request_events' })
@Index('access_request_events_org_id_request_id_idx', ['orgId', 'requestId'])
export class AccessRequestEventEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'access_request_events_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'access_request_events_pkey' })
  id: string;

  @Column({ name: 'request_id', type: 'uuid' })
  requestId: string;

  @Column({ name: 'from_state', type: 'text', nullable: true })
  fromState: AccessState | null;

  @Column({ name: 'to_state', type: 'text' })
  toState: AccessState;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId: string | null;

  @Column({ name: 'rule', type: 'text', nullable: true })
  rule: string | null;

  @Column({ name: 'reason', type: 'text', nullable: true })
  reason: string | null;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}

/** What a customer organization may download: one document, or every restricted one (document_id null). */
@Entity({ name: 'access_grants' })
@Index('access_grants_org_id_customer_org_id_idx', ['orgId', 'customerOrgId'])
export class AccessGrantEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'access_grants_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'access_grants_pkey' })
  id: string;

  @Column({ name: 'customer_org_id', type: 'uuid' })
  customerOrgId: string;

  @Column({ name: 'document_id', type: 'uuid', nullable: true })
  documentId: string | null;

  @Column({ name: 'request_id', type: 'uuid' })
  requestId: string;

  @CreateDateColumn({ name: 'granted_at', type: 'timestamptz' })
  grantedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'uuid', nullable: true })
  revokedBy: string | null;
}

/** One presigned download handed out. Append-only. */
@Entity({ name: 'download_events' })
@Index('download_events_org_id_occurred_at_idx', ['orgId', 'occurredAt'])
export class DownloadEventEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'download_events_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'download_events_pkey' })
  id: string;

  @Column({ name: 'document_id', type: 'uuid' })
  documentId: string;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId: string;

  @Column({ name: 'customer_org_id', type: 'uuid', nullable: true })
  customerOrgId: string | null;

  @Column({ name: 'customer_org_name', type: 'text', nullable: true })
  customerOrgName: string | null;

  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ name: 'user_email', type: 'text', nullable: true })
  userEmail: string | null;

  @Column({ name: 'watermarked', type: 'boolean' })
  watermarked: boolean;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'text', nullable: true })
  userAgent: string | null;

  @CreateDateColumn({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;
}
