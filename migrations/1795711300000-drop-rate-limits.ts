import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RateLimits1795707800000 } from './1795707800000-rate-limits';

/**
 * Rate limits are counted by rate-limiter-flexible (Redis with REDIS_URL, else in memory), no longer with an upsert
 * per request in PostgreSQL: the counters table goes. down() recreates it as RateLimits1795707800000 and
 * VisitorWrites1795708000004 left it (empty: counters only ever held the current minute).
 */
export class DropRateLimits1795711300000 implements MigrationInterface {
  name = 'DropRateLimits1795711300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "rate_limit_windows"`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await new RateLimits1795707800000().up(q);
    // The visitor wall VisitorWrites1795708000004 put on every table (rate_limit_windows has no visitor insert rule).
    await q.query(`CREATE POLICY rate_limit_windows_visitor_insert ON "rate_limit_windows" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY rate_limit_windows_visitor_update ON "rate_limit_windows" AS RESTRICTIVE FOR UPDATE
      USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY rate_limit_windows_visitor_delete ON "rate_limit_windows" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
  }
}
