import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MembershipEntity } from '../tenancy/membership.entity';

/** What a buyer's member can be mailed about a vendor they follow (src/modules/mail/preferences.ts maps event types). */
export const ALERT_CATEGORIES = ['FRESHNESS', 'NEW_REPORT', 'SUBPROCESSORS'] as const;
export type AlertCategory = (typeof ALERT_CATEGORIES)[number];

export const DELIVERY_MODES = ['IMMEDIATE', 'DAILY_DIGEST', 'OFF'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];

/** A member's chosen delivery mode for one category (no row: the category's default). */
@Entity({ name: 'mail_preferences' })
@Check('mail_preferences_category_check', `category IN ('FRESHNESS', 'NEW_REPORT', 'SUBPROCESSORS')`)
@Check('mail_preferences_mode_check', `mode IN ('IMMEDIATE', 'DAILY_DIGEST', 'OFF')`)
export class MailPreferenceEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'mail_preferences_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'mail_preferences_pkey' })
  userId: string;

  @PrimaryColumn({ name: 'category', type: 'text', primaryKeyConstraintName: 'mail_preferences_pkey' })
  category: AlertCategory;

  @Column({ name: 'mode', type: 'text' })
  mode: DeliveryMode;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @ManyToOne(() => MembershipEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'mail_preferences_membership_fkey' },
    { name: 'user_id', referencedColumnName: 'userId', foreignKeyConstraintName: 'mail_preferences_membership_fkey' },
  ])
  membership?: MembershipEntity;
}

/** An event waiting for a member's daily digest; dispatched once (mailed, or dropped when the category went OFF). */
@Entity({ name: 'mail_digest_items' })
@Check('mail_digest_items_category_check', `category IN ('FRESHNESS', 'NEW_REPORT', 'SUBPROCESSORS')`)
@Check('mail_digest_items_mail_check', `mail_id IS NULL OR dispatched_at IS NOT NULL`)
@Index('mail_digest_items_org_id_pending_idx', ['orgId', 'userId', 'createdAt'], { where: 'dispatched_at IS NULL' })
export class MailDigestItemEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'mail_digest_items_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'mail_digest_items_pkey' })
  userId: string;

  @PrimaryColumn({ name: 'notification_id', type: 'uuid', primaryKeyConstraintName: 'mail_digest_items_pkey' })
  notificationId: string;

  @Column({ name: 'category', type: 'text' })
  category: AlertCategory;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ name: 'vendor_name', type: 'text' })
  vendorName: string;

  @Column({ name: 'title', type: 'text' })
  title: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'dispatched_at', type: 'timestamptz', nullable: true })
  dispatchedAt: Date | null;

  @Column({ name: 'mail_id', type: 'uuid', nullable: true })
  mailId: string | null;

  @ManyToOne(() => MembershipEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'mail_digest_items_membership_fkey' },
    { name: 'user_id', referencedColumnName: 'userId', foreignKeyConstraintName: 'mail_digest_items_membership_fkey' },
  ])
  membership?: MembershipEntity;
}
