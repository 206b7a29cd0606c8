import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { ReviewDecision } from '../../domain/compliance';
import { OrganizationEntity } from '../tenancy/organization.entity';

/**
 * A buyer's review of one report of a watched vendor (issue 14, item 2): who read it, what they decided, why, when.
 * Owned by the customer organization (org_id). Append-only: a new review of the same report supersedes the older ones
 * for the status, which stay as history; like the status history, reviews outlive an unwatch.
 * `attestation_id` names a vendor's published report (another tenant) or one the customer recorded
 * (tracked_attestations), so it carries no foreign key.
 */
@Entity({ name: 'vendor_reviews' })
@Index('vendor_reviews_org_id_watch_id_reviewed_at_idx', ['orgId', 'watchId', 'reviewedAt'])
@Check('vendor_reviews_decision_check', `decision IN ('ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED')`)
@Check('vendor_reviews_note_check', `note IS NULL OR char_length(note) <= 2000`)
export class VendorReviewEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'vendor_reviews_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'vendor_reviews_pkey' })
  id: string;

  @Column({ name: 'watch_id', type: 'uuid' })
  watchId: string;

  @Column({ name: 'attestation_id', type: 'uuid' })
  attestationId: string;

  @Column({ name: 'decision', type: 'text' })
  decision: ReviewDecision;

  @Column({ name: 'note', type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'reviewer_user_id', type: 'uuid', nullable: true })
  reviewerUserId: string | null;

  /** Who reviewed, as the audit log names them: the member's email, or the API key. */
  @Column({ name: 'reviewer', type: 'text', nullable: true })
  reviewer: string | null;

  /** When the review was made, by the application's clock: it applies from that day (UTC). */
  @Column({ name: 'reviewed_at', type: 'timestamptz' })
  reviewedAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'vendor_reviews_org_id_fkey' })
  organization?: OrganizationEntity;
}
