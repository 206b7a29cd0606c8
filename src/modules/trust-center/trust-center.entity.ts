import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from '../tenancy/organization.entity';
import type { AgeAnchor } from '../../domain/freshness';

export type TrustCenterStatus = 'DRAFT' | 'PUBLISHED';

/** A vendor's public face: one per organization for now (the unique index leaves room to relax that later). */
@Entity({ name: 'trust_centers' })
@Index('trust_centers_org_id_key', ['orgId'], { unique: true })
@Check('trust_centers_status_check', `status IN ('DRAFT', 'PUBLISHED')`)
@Check('trust_centers_age_anchor_check', `age_anchor IN ('PERIOD_END', 'ISSUE_DATE')`)
@Check('trust_centers_max_age_months_check', `max_age_months BETWEEN 1 AND 60`)
@Check('trust_centers_expiring_soon_days_check', `expiring_soon_days BETWEEN 0 AND 365`)
@Check('trust_centers_bridge_letter_max_months_check', `bridge_letter_max_months BETWEEN 1 AND 12`)
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'trust_centers_org_id_fkey' })
  organization?: OrganizationEntity;
}
