import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Framework, SocType } from '../../domain/attestation';
import { AttestationEntity } from '../attestations/attestation.entity';
import { OrganizationEntity } from '../tenancy/organization.entity';

export const IN_PROGRESS_STATUSES = ['IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const;
export type InProgressStatus = (typeof IN_PROGRESS_STATUSES)[number];

/**
 * An attestation a vendor is working towards (issue 14, item 3): not evidence, so it has no period end and no
 * freshness. Dates are calendar dates (strings 'YYYY-MM-DD'). COMPLETED names the report it became.
 */
@Entity({ name: 'attestations_in_progress' })
@Index('attestations_in_progress_org_id_status_idx', ['orgId', 'status'])
@Index('attestations_in_progress_org_id_attestation_id_idx', ['orgId', 'attestationId'])
@Check('attestations_in_progress_status_check', `status IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')`)
@Check('attestations_in_progress_soc_type_check', `soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')`)
@Check('attestations_in_progress_observation_check', `observation_start IS NULL OR (soc_type = 'TYPE_II' AND observation_start <= expected_report_date)`)
@Check('attestations_in_progress_completed_check', `status <> 'COMPLETED' OR attestation_id IS NOT NULL`)
export class AttestationInProgressEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'attestations_in_progress_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'attestations_in_progress_pkey' })
  id: string;

  @Column({ name: 'framework', type: 'text' })
  framework: Framework;

  @Column({ name: 'soc_type', type: 'text', nullable: true })
  socType: SocType | null;

  @Column({ name: 'observation_start', type: 'date', nullable: true })
  observationStart: string | null;

  @Column({ name: 'expected_report_date', type: 'date' })
  expectedReportDate: string;

  @Column({ name: 'auditor', type: 'text', nullable: true })
  auditor: string | null;

  @Column({ name: 'status', type: 'text', default: 'IN_PROGRESS' })
  status: InProgressStatus;

  @Column({ name: 'attestation_id', type: 'uuid', nullable: true })
  attestationId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt: Date | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'attestations_in_progress_org_id_fkey' })
  organization?: OrganizationEntity;

  /** The report it became; a report with an in-progress history cannot be deleted under it (NO ACTION). */
  @ManyToOne(() => AttestationEntity, { onDelete: 'NO ACTION' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'attestations_in_progress_attestation_fkey' },
    { name: 'attestation_id', referencedColumnName: 'id', foreignKeyConstraintName: 'attestations_in_progress_attestation_fkey' },
  ])
  attestation?: AttestationEntity;
}
