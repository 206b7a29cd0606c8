import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

export const ROLES = ['OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'memberships' })
@Check('memberships_role_check', `role IN ('OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER')`)
// The one cross-tenant lookup: "which orgs does this user belong to" (to pick the active org per request).
@Index('memberships_user_id_idx', ['userId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'memberships_pkey' })
  orgId: string;

  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'memberships_pkey' })
  userId: string;

  @Column({ name: 'role', type: 'text' })
  role: Role;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => OrganizationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'org_id', foreignKeyConstraintName: 'memberships_org_id_fkey' })
  organization?: OrganizationEntity;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'memberships_user_id_fkey' })
  user?: UserEntity;
}
