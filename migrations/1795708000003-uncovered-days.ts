import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DESIGN.md: bridge letters never move a report's age; buyers limit uncovered days instead. New requirement policies
 * no longer let bridge letters move the age (existing rows keep what they hold: a buyer may have chosen it), and a
 * policy can now limit the days past the newest report's coverage.
 */
export class UncoveredDays1795708000003 implements MigrationInterface {
  name = 'UncoveredDays1795708000003';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "requirement_policies" ADD "max_uncovered_days" integer`);
    await q.query(`ALTER TABLE "requirement_policies" ADD CONSTRAINT "requirement_policies_max_uncovered_days_check" CHECK (max_uncovered_days IS NULL OR max_uncovered_days BETWEEN 0 AND 3650)`);
    await q.query(`ALTER TABLE "requirement_policies" ALTER COLUMN "bridge_letters_count" SET DEFAULT false`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "requirement_policies" ALTER COLUMN "bridge_letters_count" SET DEFAULT true`);
    await q.query(`ALTER TABLE "requirement_policies" DROP CONSTRAINT "requirement_policies_max_uncovered_days_check"`);
    await q.query(`ALTER TABLE "requirement_policies" DROP COLUMN "max_uncovered_days"`);
  }
}
