import { Check, Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RemediationStatus } from '../../domain/findings';
import { OrganizationEntity } from '../tenancy/organization.entity';
import { AttestationEntity } from './attestation.entity';

/**
 * The vendor's management response and remediation plan for one exception of a report (issue 14, item 1). The
 * exception is named by its stable id in the attestation's `exceptions` jsonb; one row per exception, updated in place
 * (every change is an audit event). Visitors read none of it (RLS): see migrations/1795713000000-exception-responses.ts.
 */
@Entity({ name: 'exception_responses' })
@Check('exception_responses_status_check', `status IN ('OPEN', 'IN_PROGRESS', 'REMEDIATED', 'RISK_ACCEPTED')`)
@Check('exception_responses_text_check', `char_length(management_response) <= 5000 AND char_length(remediation_plan) <= 5000`)
export class ExceptionResponseEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'exception_responses_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'attestation_id', type: 'uuid', primaryKeyConstraintName: 'exception_responses_pkey' })
  attestationId: string;

  @PrimaryColumn({ name: 'exception_id', type: 'uuid', primaryKeyConstraintName: 'exception_responses_pkey' })
  exceptionId: string;

  @Column({ name: 'management_response', type: 'text', nullable: true })
  managementResponse: string | null;

  @Column({ name: 'remediation_plan', type: 'text', nullable: true })
  remediationPlan: string | null;

  /** A calendar date ('YYYY-MM-DD'). */
  @Column({ name: 'target_date', type: 'date', nullable: true })
  targetDate: string | null;

  @Column({ name: 'status', type: 'text', default: 'OPEN' })
  status: RemediationStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'exception_responses_org_id_fkey' })
  organization?: OrganizationEntity;

  @ManyToOne(() => AttestationEntity, { onDelete: 'NO ACTION' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'exception_responses_attestation_fkey' },
    { name: 'attestation_id', referencedColumnName: 'id', foreignKeyConstraintName: 'exception_responses_attestation_fkey' },
  ])
  attestation?: AttestationEntity;
}
