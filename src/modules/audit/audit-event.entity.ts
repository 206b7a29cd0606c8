import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Append-only, hash-chained per organization (see domain/audit-chain.ts). No UPDATE or DELETE, ever. */
@Entity({ name: 'audit_events' })
export class AuditEventEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'audit_events_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'seq', type: 'bigint', primaryKeyConstraintName: 'audit_events_pkey' })
  seq: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'action', type: 'text' })
  action: string;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId: string | null;

  @Column({ name: 'actor_email', type: 'text', nullable: true })
  actorEmail: string | null;

  @Column({ name: 'actor_org_id', type: 'uuid', nullable: true })
  actorOrgId: string | null;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'details', type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ name: 'hash', type: 'text' })
  hash: string;
}
