import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Framework, Opinion, SocType, TrustServiceCriterion } from '../../domain/attestation';
import type { AcceptedEvidence, StatusReason, VendorStatus } from '../../domain/compliance';
import type { AgeAnchor } from '../../domain/freshness';

/** A vendor a customer organization tracks: on the platform (vendor_org_id) or off it (name and domain only). */
@Entity({ name: 'vendor_watches' })
@Index('vendor_watches_org_id_vendor_org_id_key', ['orgId', 'vendorOrgId'], { unique: true, where: 'vendor_org_id IS NOT NULL' })
@Index('vendor_watches_org_id_created_at_idx', ['orgId', 'createdAt'])
// Fan-out of a vendor's events finds its watchers by vendor (a cross-shard read under Citus).
@Index('vendor_watches_vendor_org_id_idx', ['vendorOrgId'])
export class VendorWatchEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'vendor_watches_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'vendor_watches_pkey' })
  id: string;

  @Column({ name: 'vendor_org_id', type: 'uuid', nullable: true })
  vendorOrgId: string | null;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'domain', type: 'text', nullable: true })
  domain: string | null;

  @Column({ name: 'notes', type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export interface TrackedBridgeLetter {
  coversFrom: string;
  coversThrough: string;
  issuedOn: string;
}

/** An attestation the customer recorded itself for an off-platform vendor: private to that customer. */
@Entity({ name: 'tracked_attestations' })
@Index('tracked_attestations_org_id_watch_id_idx', ['orgId', 'watchId'])
@Check('tracked_attestations_soc_type_check', `soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')`)
@Check('tracked_attestations_period_check', `period_start IS NULL OR period_end IS NULL OR period_start < period_end`)
export class TrackedAttestationEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'tracked_attestations_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'tracked_attestations_pkey' })
  id: string;

  @Column({ name: 'watch_id', type: 'uuid' })
  watchId: string;

  @Column({ name: 'framework', type: 'text' })
  framework: Framework;

  @Column({ name: 'soc_type', type: 'text', nullable: true })
  socType: SocType | null;

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

  @Column({ name: 'exception_count', type: 'integer', default: 0 })
  exceptionCount: number;

  @Column({ name: 'certificate_valid_from', type: 'date', nullable: true })
  certificateValidFrom: string | null;

  @Column({ name: 'certificate_valid_until', type: 'date', nullable: true })
  certificateValidUntil: string | null;

  @Column({ name: 'bridge_letters', type: 'jsonb', default: () => "'[]'" })
  bridgeLetters: TrackedBridgeLetter[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A customer's requirement policy: the default (watch_id null) or an override for one watched vendor. */
@Entity({ name: 'requirement_policies' })
@Index('requirement_policies_default_key', ['orgId'], { unique: true, where: 'watch_id IS NULL' })
@Index('requirement_policies_override_key', ['orgId', 'watchId'], { unique: true, where: 'watch_id IS NOT NULL' })
@Check('requirement_policies_age_anchor_check', `age_anchor IN ('PERIOD_END', 'ISSUE_DATE')`)
@Check('requirement_policies_max_age_months_check', `max_age_months BETWEEN 1 AND 60`)
@Check('requirement_policies_expiring_soon_days_check', `expiring_soon_days BETWEEN 0 AND 365`)
@Check('requirement_policies_max_uncovered_days_check', `max_uncovered_days IS NULL OR max_uncovered_days BETWEEN 0 AND 3650`)
@Check('requirement_policies_accept_type_i_in_progress_days_check', `accept_type_i_in_progress_days IS NULL OR accept_type_i_in_progress_days BETWEEN 0 AND 365`)
export class RequirementPolicyEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'requirement_policies_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'requirement_policies_pkey' })
  id: string;

  @Column({ name: 'watch_id', type: 'uuid', nullable: true })
  watchId: string | null;

  @Column({ name: 'accepted', type: 'jsonb' })
  accepted: AcceptedEvidence[];

  @Column({ name: 'max_age_months', type: 'integer', default: 12 })
  maxAgeMonths: number;

  @Column({ name: 'expiring_soon_days', type: 'integer', default: 60 })
  expiringSoonDays: number;

  @Column({ name: 'age_anchor', type: 'text', default: 'PERIOD_END' })
  ageAnchor: AgeAnchor;

  @Column({ name: 'bridge_letters_count', type: 'boolean', default: false })
  bridgeLettersCount: boolean;

  @Column({ name: 'max_uncovered_days', type: 'integer', nullable: true })
  maxUncoveredDays: number | null;

  @Column({ name: 'qualified_opinion_needs_review', type: 'boolean', default: true })
  qualifiedOpinionNeedsReview: boolean;

  @Column({ name: 'exceptions_need_review', type: 'boolean', default: false })
  exceptionsNeedReview: boolean;

  /** Days past a SOC 2 Type II in progress's expected date during which a fresh Type I stands in; null: off. */
  @Column({ name: 'accept_type_i_in_progress_days', type: 'integer', nullable: true })
  acceptTypeIInProgressDays: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** Each change of a watched vendor's status for a customer, recorded once with its cause. */
@Entity({ name: 'vendor_status_history' })
@Index('vendor_status_history_org_id_watch_id_recorded_at_idx', ['orgId', 'watchId', 'recordedAt'])
export class VendorStatusHistoryEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'vendor_status_history_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'vendor_status_history_pkey' })
  id: string;

  @Column({ name: 'watch_id', type: 'uuid' })
  watchId: string;

  @Column({ name: 'status', type: 'text' })
  status: VendorStatus;

  @Column({ name: 'previous_status', type: 'text', nullable: true })
  previousStatus: VendorStatus | null;

  @Column({ name: 'reasons', type: 'jsonb', default: () => "'[]'" })
  reasons: StatusReason[];

  @Column({ name: 'cause', type: 'text' })
  cause: string;

  @Column({ name: 'based_on_attestation_id', type: 'uuid', nullable: true })
  basedOnAttestationId: string | null;

  @Column({ name: 'effective_on', type: 'date' })
  effectiveOn: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
