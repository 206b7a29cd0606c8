import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from '../tenancy/organization.entity';
import type { AgeAnchor } from '../../domain/freshness';

export type TrustCenterStatus = 'DRAFT' | 'PUBLISHED';
/** Whether one acceptance covers the signer only or the signer's whole organization. */
export type NdaAcceptanceScope = 'USER' | 'ORGANIZATION';
/** Whether an approval grants the documents asked for, or every restricted document of the trust center. */
export type GrantScope = 'DOCUMENT' | 'TRUST_CENTER';

/** A vendor's public face: one per organization for now (the unique index leaves room to relax that later). */
@Entity({ name: 'trust_centers' })
@Index('trust_centers_org_id_key', ['orgId'], { unique: true })
@Check('trust_centers_status_check', `status IN ('DRAFT', 'PUBLISHED')`)
@Check('trust_centers_age_anchor_check', `age_anchor IN ('PERIOD_END', 'ISSUE_DATE')`)
@Check('trust_centers_max_age_months_check', `max_age_months BETWEEN 1 AND 60`)
@Check('trust_centers_expiring_soon_days_check', `expiring_soon_days BETWEEN 0 AND 365`)
@Check('trust_centers_bridge_letter_max_months_check', `bridge_letter_max_months BETWEEN 1 AND 12`)
@Check('trust_centers_nda_acceptance_scope_check', `nda_acceptance_scope IN ('USER', 'ORGANIZATION')`)
@Check('trust_centers_grant_scope_check', `grant_scope IN ('DOCUMENT', 'TRUST_CENTER')`)
@Check('trust_centers_default_grant_days_check', `default_grant_days BETWEEN 1 AND 1095`)
export class TrustCenterEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'trust_centers_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'trust_centers_pkey' })
  id: string;

  @Column({ name: 'status', type: 'text', default: 'DRAFT' })
  status: TrustCenterStatus;

  @Column({ name: 'headline', type: 'text', nullable: true })
  headline: string | null;

  @Column({ name: 'description', type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'contact_email', type: 'text', nullable: true })
  contactEmail: string | null;

  @Column({ name: 'website_url', type: 'text', nullable: true })
  websiteUrl: string | null;

  @Column({ name: 'age_anchor', type: 'text', default: 'PERIOD_END' })
  ageAnchor: AgeAnchor;

  @Column({ name: 'max_age_months', type: 'integer', default: 12 })
  maxAgeMonths: number;

  @Column({ name: 'expiring_soon_days', type: 'integer', default: 60 })
  expiringSoonDays: number;

  @Column({ name: 'bridge_letter_max_months', type: 'integer', default: 3 })
  bridgeLetterMaxMonths: number;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ name: 'nda_required', type: 'boolean', default: true })
  ndaRequired: boolean;

  @Column({ name: 'current_nda_template_id', type: 'uuid', nullable: true })
  currentNdaTemplateId: string | null;

  @Column({ name: 'nda_acceptance_scope', type: 'text', default: 'ORGANIZATION' })
  ndaAcceptanceScope: NdaAcceptanceScope;

  @Column({ name: 'nda_reaccept_on_new_version', type: 'boolean', default: true })
  ndaReacceptOnNewVersion: boolean;

  @Column({ name: 'auto_approve_domains', type: 'text', array: true, default: () => "'{}'" })
  autoApproveDomains: string[];

  @Column({ name: 'auto_approve_org_ids', type: 'uuid', array: true, default: () => "'{}'" })
  autoApproveOrgIds: string[];

  @Column({ name: 'blocked_domains', type: 'text', array: true, default: () => "'{}'" })
  blockedDomains: string[];

  @Column({ name: 'block_free_mail_domains', type: 'boolean', default: true })
  blockFreeMailDomains: boolean;

  @Column({ name: 'default_grant_days', type: 'integer', default: 365 })
  defaultGrantDays: number;

  @Column({ name: 'grant_scope', type: 'text', default: 'TRUST_CENTER' })
  grantScope: GrantScope;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'trust_centers_org_id_fkey' })
  organization?: OrganizationEntity;
}
