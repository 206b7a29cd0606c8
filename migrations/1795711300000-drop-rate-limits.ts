import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RateLimits1795707800000 } from './1795707800000-rate-limits';

/**
 * Rate limits are counted by rate-limiter-flexible (Redis with REDIS_URL, else in memory), no longer with an upsert
 * per request in PostgreSQL: the counters table goes. down() recreates it exactly as RateLimits1795707800000 made it
 * (empty: counters only ever held the current minute).
 */
export class DropRateLimits1795711300000 implements MigrationInterface {
  name = 'DropRateLimits1795711300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "rate_limit_windows"`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await new RateLimits1795707800000().up(q);
  }
}
