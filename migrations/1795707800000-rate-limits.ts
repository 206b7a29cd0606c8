import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Shared rate-limit counters. Not tenant data; RLS is on (every table has it) with an all-rows policy for the app. */
export class RateLimits1795707800000 implements MigrationInterface {
  name = 'RateLimits1795707800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "rate_limit_windows" ("key" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL,
      "count" integer NOT NULL DEFAULT '0', CONSTRAINT "rate_limit_windows_pkey" PRIMARY KEY ("key", "window_start"))`);
    await q.query(`ALTER TABLE "rate_limit_windows" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "rate_limit_windows" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY rate_limit_windows_all ON "rate_limit_windows" USING (true) WITH CHECK (true)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "rate_limit_windows" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "rate_limit_windows"`);
  }
}
