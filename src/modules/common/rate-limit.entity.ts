import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Fixed-window request counters, shared by every API process through PostgreSQL (no in-process state). Not tenant
 * data: keys are principals and IP addresses.
 */
@Entity({ name: 'rate_limit_windows' })
export class RateLimitWindowEntity {
  @PrimaryColumn({ name: 'key', type: 'text', primaryKeyConstraintName: 'rate_limit_windows_pkey' })
  key: string;

  @PrimaryColumn({ name: 'window_start', type: 'timestamptz', primaryKeyConstraintName: 'rate_limit_windows_pkey' })
  windowStart: Date;

  @Column({ name: 'count', type: 'integer', default: 0 })
  count: number;
}
