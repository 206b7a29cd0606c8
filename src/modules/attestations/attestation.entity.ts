import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from '../tenancy/organization.entity';
import type {
  AttestationStatus,
  ComplementaryControl,
  Framework,
  Opinion,
  SocType,
  StoredReportException,
  SubserviceOrganization,
  TrustServiceCriterion,
} from '../../domain/attestation';

/** A report or certificate as structured data. Dates are calendar dates (strings 'YYYY-MM-DD'). */
@Entity({ name: 'attestations' })
@Index('attestations_org_id_framework_status_idx', ['orgId', 'framework', 'status'])
@Check('attestations_status_check', `status IN ('DRAFT', 'PUBLISHED', 'SUPERSEDED', 'WITHDRAWN')`)
@Check('attestations_soc_type_check', `soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')`)
@Check('attestations_period_check', `period_start IS NULL OR period_end IS NULL OR period_start < period_end`)
@Check('attestations_certificate_check', `certificate_valid_from IS NULL OR certificate_valid_until IS NULL OR certificate_valid_from < certificate_valid_until`)
export class AttestationEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'attestations_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'attestations_pkey' })
  id: string;

  @Column({ name: 'framework', type: 'text' })
  framework: Framework;

  @Column({ name: 'soc_type', type: 'text', nullable: true })
  socType: SocType | null;

  @Column({ name: 'title', type: 'text', nullable: true })
  title: string | null;

  @Column({ name: 'scope', type: 'text', nullable: true })
  scope: string | null;

  @Column({ name: 'period_start', type: 'date', nullable: true })
  periodStart: string | null;

  @Column({ name: 'period_end', type: 'date', nullable: true })
  periodEnd: string | null;

  @Column({ name: 'as_of', type: 'date', nullable: true })
  asOf: string | null;

  @Column({ name: 'issue_date', type: 'date' })
  issueDate: string;

  @Column({ name: 'auditor', type: 'text', nullable: true })
  auditor: string | null;

  @Column({ name: 'opinion', type: 'text', nullable: true })
  opinion: Opinion | null;

  @Column({ name: 'trust_service_criteria', type: 'text', array: true, default: () => "'{}'" })
  trustServiceCriteria: TrustServiceCriterion[];

  @Column({ name: 'exceptions', type: 'jsonb', default: () => "'[]'" })
  exceptions: StoredReportException[];

  @Column({ name: 'subservice_organizations', type: 'jsonb', default: () => "'[]'" })
  subserviceOrganizations: SubserviceOrganization[];

  @Column({ name: 'complementary_user_entity_controls', type: 'jsonb', default: () => "'[]'" })
  complementaryUserEntityControls: ComplementaryControl[];

  @Column({ name: 'certificate_number', type: 'text', nullable: true })
  certificateNumber: string | null;

  @Column({ name: 'certificate_valid_from', type: 'date', nullable: true })
  certificateValidFrom: string | null;

  @Column({ name: 'certificate_valid_until', type: 'date', nullable: true })
  certificateValidUntil: string | null;

  @Column({ name: 'status', type: 'text', default: 'DRAFT' })
  status: AttestationStatus;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'superseded_at', type: 'timestamptz', nullable: true })
  supersededAt: Date | null;

  @Column({ name: 'superseded_by_id', type: 'uuid', nullable: true })
  supersededById: string | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'withdrawn_reason', type: 'text', nullable: true })
  withdrawnReason: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'attestations_org_id_fkey' })
  organization?: OrganizationEntity;
}
