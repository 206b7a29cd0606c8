import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, item 3: a buyer's requirement policy may accept "a SOC 2 Type I plus a Type II in progress" for a set
 * number of days past the Type II's expected report date (null: off; 0 to 365, the service refuses anything else and
 * the check repeats it).
 *
 * The buyer's portfolio reads its vendors' attestations in progress across tenants, like their published reports: in
 * a transaction with `app.public_reads` on, the IN_PROGRESS rows (what a visitor of a published trust center sees) are
 * readable, nothing else, and nothing is writable. Like attestations_in_progress_visitor, the policy has no subquery
 * (Citus, docs/scaling.md), so it does not check that the trust center is published: the portfolio asks only for
 * vendors whose trust center its (RLS-checked) read found published.
 */
export class TypeIIInProgressPolicy1795713100001 implements MigrationInterface {
  name = 'TypeIIInProgressPolicy1795713100001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "requirement_policies" ADD "accept_type_i_in_progress_days" integer`);
    await q.query(`ALTER TABLE "requirement_policies" ADD CONSTRAINT "requirement_policies_accept_type_i_in_progress_days_check"
      CHECK (accept_type_i_in_progress_days IS NULL OR accept_type_i_in_progress_days BETWEEN 0 AND 365)`);
    await q.query(`CREATE POLICY attestations_in_progress_public ON "attestations_in_progress" FOR SELECT
      USING (app_public_reads() AND status = 'IN_PROGRESS')`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY attestations_in_progress_public ON "attestations_in_progress"`);
    await q.query(`ALTER TABLE "requirement_policies" DROP CONSTRAINT "requirement_policies_accept_type_i_in_progress_days_check"`);
    await q.query(`ALTER TABLE "requirement_policies" DROP COLUMN "accept_type_i_in_progress_days"`);
  }
}
