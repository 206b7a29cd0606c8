import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type MailStatus = 'QUEUED' | 'SENT' | 'FAILED';
/** TRANSACTIONAL mail answers something the recipient did or is part of (always sent); NOTIFICATION mail is optional. */
export type MailCategory = 'TRANSACTIONAL' | 'NOTIFICATION';

/** One message in the outbox: written in the transaction that causes it, then delivered by the `deliver_mail` job. */
@Entity({ name: 'mail_outbox' })
@Index('mail_outbox_org_id_event_key_key', ['orgId', 'eventKey'], { unique: true })
@Index('mail_outbox_org_id_message_id_key', ['orgId', 'messageId'], { unique: true })
@Index('mail_outbox_org_id_created_at_idx', ['orgId', 'createdAt', 'id'])
@Index('mail_outbox_org_id_status_created_at_idx', ['orgId', 'status', 'createdAt', 'id'])
@Check('mail_outbox_status_check', `status IN ('QUEUED', 'SENT', 'FAILED')`)
@Check('mail_outbox_category_check', `category IN ('TRANSACTIONAL', 'NOTIFICATION')`)
@Check('mail_outbox_kind_check', `kind ~ '^[a-z][a-z0-9_.-]{0,62}$'`)
@Check('mail_outbox_sent_check', `sent_at IS NULL OR status = 'SENT'`)
export class MailOutboxEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'mail_outbox_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'mail_outbox_pkey' })
  id: string;

  @Column({ name: 'kind', type: 'text' })
  kind: string;

  @Column({ name: 'category', type: 'text' })
  category: MailCategory;

  @Column({ name: 'event_key', type: 'text' })
  eventKey: string;

  @Column({ name: 'recipient', type: 'text' })
  recipient: string;

  @Column({ name: 'sender', type: 'text' })
  sender: string;

  @Column({ name: 'subject', type: 'text' })
  subject: string;

  @Column({ name: 'text_body', type: 'text' })
  textBody: string;

  @Column({ name: 'html_body', type: 'text' })
  htmlBody: string;

  @Column({ name: 'headers', type: 'jsonb', default: () => "'{}'" })
  headers: Record<string, string>;

  @Column({ name: 'message_id', type: 'text' })
  messageId: string;

  @Column({ name: 'redact_after_delivery', type: 'boolean', default: false })
  redactAfterDelivery: boolean;

  @Column({ name: 'status', type: 'text', default: 'QUEUED' })
  status: MailStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'smtp_response', type: 'text', nullable: true })
  smtpResponse: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;
}
