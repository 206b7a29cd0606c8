import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, item 2: a buyer closes a review. One row per review of a watched vendor's report (reviewer, decision,
 * note, date), owned by the customer organization: org_id leads the key and the index, RLS enabled and forced with
 * the tenant policy of its neighbours (vendor_watches, vendor_status_history), and the visitor walls (a visitor in
 * this organization's tenant reads and writes nothing here). Append-only for the app role (SELECT, INSERT): a newer
 * review supersedes an older one for the status, and the older one stays as history. `attestation_id` names a report
 * of another tenant (the vendor's) or a recorded one (tracked_attestations), so it has no foreign key; `watch_id` has
 * none either, so reviews outlive an unwatch like the status history does.
 */
export class VendorReviews1795713100000 implements MigrationInterface {
  name = 'VendorReviews1795713100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "vendor_reviews" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "watch_id" uuid NOT NULL,
      "attestation_id" uuid NOT NULL,
      "decision" text NOT NULL,
      "note" text,
      "reviewer_user_id" uuid,
      "reviewer" text,
      "reviewed_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "vendor_reviews_decision_check" CHECK (decision IN ('ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED')),
      CONSTRAINT "vendor_reviews_note_check" CHECK (note IS NULL OR char_length(note) <= 2000),
      CONSTRAINT "vendor_reviews_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "vendor_reviews_org_id_watch_id_reviewed_at_idx" ON "vendor_reviews" ("org_id", "watch_id", "reviewed_at")`);
    await q.query(`ALTER TABLE "vendor_reviews" ADD CONSTRAINT "vendor_reviews_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`ALTER TABLE "vendor_reviews" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "vendor_reviews" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY vendor_reviews_tenant ON "vendor_reviews" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY vendor_reviews_visitor ON "vendor_reviews" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY vendor_reviews_visitor_insert ON "vendor_reviews" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY vendor_reviews_visitor_update ON "vendor_reviews" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY vendor_reviews_visitor_delete ON "vendor_reviews" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    await q.query(`GRANT SELECT, INSERT ON "vendor_reviews" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "vendor_reviews"`);
  }
}
