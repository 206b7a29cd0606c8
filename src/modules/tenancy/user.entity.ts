import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A person, identified by the token's `sub`; created on first sight. Not tenant-owned: one user joins many orgs. */
@Entity({ name: 'users' })
@Index('users_subject_key', ['subject'], { unique: true })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'users_pkey' })
  id: string;

  @Column({ name: 'subject', type: 'text' })
  subject: string;

  @Column({ name: 'email', type: 'text' })
  email: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt: Date;
}
