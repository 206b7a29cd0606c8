import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A customer following a vendor's updates (all event types when the list is empty). */
@Entity({ name: 'vendor_subscriptions' })
@Index('vendor_subscriptions_org_id_vendor_org_id_key', ['orgId', 'vendorOrgId'], { unique: true })
// Fan-out looks subscribers up by vendor; in a Citus deployment this lookup is the one cross-shard read.
@Index('vendor_subscriptions_vendor_org_id_idx', ['vendorOrgId'])
export class VendorSubscriptionEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'vendor_subscriptions_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'vendor_subscriptions_pkey' })
  id: string;

  @Column({ name: 'vendor_org_id', type: 'uuid' })
  vendorOrgId: string;

  @Column({ name: 'event_types', type: 'text', array: true, default: () => "'{}'" })
  eventTypes: string[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** An event as one organization receives it: the in-app feed, and what webhooks deliver. */
@Entity({ name: 'notifications' })
@Index('notifications_org_id_created_at_idx', ['orgId', 'createdAt'])
// A retried fan-out must not notify twice: one row per organization and event.
@Index('notifications_org_id_event_id_key', ['orgId', 'eventId'], { unique: true })
export class NotificationEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'notifications_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'notifications_pkey' })
  id: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'type', type: 'text' })
  type: string;

  @Column({ name: 'vendor_org_id', type: 'uuid', nullable: true })
  vendorOrgId: string | null;

  @Column({ name: 'title', type: 'text' })
  title: string;

  @Column({ name: 'data', type: 'jsonb', default: () => "'{}'" })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;
}

/** Where an organization wants its events POSTed, signed with its secret. */
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'webhook_endpoints_pkey' })
  id: string;

  @Column({ name: 'url', type: 'text' })
  url: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description: string | null;

  @Column({ name: 'event_types', type: 'text', array: true, default: () => "'{}'" })
  eventTypes: string[];

  /** The signing secret: needed in clear to sign, shown to the client once at creation. */
  @Column({ name: 'secret', type: 'text' })
  secret: string;

  @Column({ name: 'enabled', type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export type DeliveryStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** One event to one endpoint, with its attempts: the delivery log. */
@Entity({ name: 'webhook_deliveries' })
@Index('webhook_deliveries_org_id_endpoint_id_created_at_idx', ['orgId', 'endpointId', 'createdAt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'webhook_deliveries_pkey' })
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ name: 'notification_id', type: 'uuid', nullable: true })
  notificationId: string | null;

  @Column({ name: 'event_type', type: 'text' })
  eventType: string;

  @Column({ name: 'payload', type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'status', type: 'text', default: 'PENDING' })
  status: DeliveryStatus;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A vendor's subprocessor, public on its trust center. */
@Entity({ name: 'subprocessors' })
export class SubprocessorEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'subprocessors_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'subprocessors_pkey' })
  id: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'purpose', type: 'text' })
  purpose: string;

  @Column({ name: 'location', type: 'text' })
  location: string;

  @Column({ name: 'data_categories', type: 'text', array: true, default: () => "'{}'" })
  dataCategories: string[];

  @Column({ name: 'website_url', type: 'text', nullable: true })
  websiteUrl: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** Freshness states an attestation has entered, once each: the daily sweep emits an event only for new rows. */
@Entity({ name: 'freshness_transitions' })
export class FreshnessTransitionEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'freshness_transitions_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'attestation_id', type: 'uuid', primaryKeyConstraintName: 'freshness_transitions_pkey' })
  attestationId: string;

  @PrimaryColumn({ name: 'state', type: 'text', primaryKeyConstraintName: 'freshness_transitions_pkey' })
  state: string;

  @Column({ name: 'occurred_on', type: 'date' })
  occurredOn: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
