import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { AttestationEntity } from './attestation.entity';

/** Management's letter extending a SOC report's coverage past its period end. */
@Entity({ name: 'bridge_letters' })
@Index('bridge_letters_org_id_attestation_id_idx', ['orgId', 'attestationId'])
@Check('bridge_letters_covers_check', `covers_from <= covers_through`)
export class BridgeLetterEntity {
  @PrimaryColumn({ name: 'org_id', type: 'uuid', primaryKeyConstraintName: 'bridge_letters_pkey' })
  orgId: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'bridge_letters_pkey' })
  id: string;

  @Column({ name: 'attestation_id', type: 'uuid' })
  attestationId: string;

  @Column({ name: 'covers_from', type: 'date' })
  coversFrom: string;

  @Column({ name: 'covers_through', type: 'date' })
  coversThrough: string;

  @Column({ name: 'issued_on', type: 'date' })
  issuedOn: string;

  @Column({ name: 'signed_by_name', type: 'text' })
  signedByName: string;

  @Column({ name: 'signed_by_title', type: 'text', nullable: true })
  signedByTitle: string | null;

  @Column({ name: 'notes', type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => AttestationEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'bridge_letters_attestation_fkey' },
    { name: 'attestation_id', referencedColumnName: 'id', foreignKeyConstraintName: 'bridge_letters_attestation_fkey' },
  ])
  attestation?: AttestationEntity;
}
