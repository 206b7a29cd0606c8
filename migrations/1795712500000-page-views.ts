import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15: hosted page views and badge loads per vendor and day, for the vendor's analytics. Counts only: nothing
 * about the anonymous visitor is kept (no address, no user agent). Each API process adds its own counts with an
 * upsert every few seconds, so the sum over processes is exact. Tenant table like the others (org_id leads the key,
 * RLS enabled and forced); a visitor reads and writes nothing here: the counter writes as the system.
 */
export class PageViews1795712500000 implements MigrationInterface {
  name = 'PageViews1795712500000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "page_view_counts" (
      "org_id" uuid NOT NULL REFERENCES "organizations" ("id") ON DELETE CASCADE,
      "day" date NOT NULL,
      "kind" text NOT NULL,
      "count" bigint NOT NULL,
      CONSTRAINT "page_view_counts_kind_check" CHECK (kind IN ('PAGE_VIEW', 'BADGE_LOAD')),
      CONSTRAINT "page_view_counts_count_check" CHECK (count >= 0),
      CONSTRAINT "page_view_counts_pkey" PRIMARY KEY ("org_id", "day", "kind"))`);
    await q.query(`ALTER TABLE "page_view_counts" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "page_view_counts" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY page_view_counts_tenant ON "page_view_counts" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY page_view_counts_visitor ON "page_view_counts" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY page_view_counts_visitor_insert ON "page_view_counts" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY page_view_counts_visitor_update ON "page_view_counts" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE (count) ON "page_view_counts" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "page_view_counts"`);
  }
}
