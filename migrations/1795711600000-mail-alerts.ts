import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, buyer alerts: each member's delivery mode per alert category (no row: the category's default, see
 * src/modules/mail/preferences.ts), and the items waiting for a member's daily digest. Both belong to a membership
 * (org_id, user_id): a member who leaves takes their preferences and pending items with them (ON DELETE CASCADE).
 * Tenant tables like the others: org_id leads every key, RLS enabled and forced, and a visitor (a customer acting in
 * a vendor's tenant) reads and writes nothing here.
 * One narrow cross-tenant read: the daily digest job lists which members have pending items, under `app.system_sweep`
 * (the same setting the freshness sweep uses to list watches; request code never sets it).
 */
export class MailAlerts1795711600000 implements MigrationInterface {
  name = 'MailAlerts1795711600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "mail_preferences" (
      "org_id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "category" text NOT NULL,
      "mode" text NOT NULL,
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "mail_preferences_category_check" CHECK (category IN ('FRESHNESS', 'NEW_REPORT', 'SUBPROCESSORS')),
      CONSTRAINT "mail_preferences_mode_check" CHECK (mode IN ('IMMEDIATE', 'DAILY_DIGEST', 'OFF')),
      CONSTRAINT "mail_preferences_pkey" PRIMARY KEY ("org_id", "user_id", "category"))`);
    await q.query(`ALTER TABLE "mail_preferences" ADD CONSTRAINT "mail_preferences_membership_fkey" FOREIGN KEY ("org_id", "user_id") REFERENCES "memberships"("org_id", "user_id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "mail_digest_items" (
      "org_id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "notification_id" uuid NOT NULL,
      "category" text NOT NULL,
      "event_type" text NOT NULL,
      "vendor_name" text NOT NULL,
      "title" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "dispatched_at" TIMESTAMP WITH TIME ZONE,
      "mail_id" uuid,
      CONSTRAINT "mail_digest_items_category_check" CHECK (category IN ('FRESHNESS', 'NEW_REPORT', 'SUBPROCESSORS')),
      CONSTRAINT "mail_digest_items_mail_check" CHECK (mail_id IS NULL OR dispatched_at IS NOT NULL),
      CONSTRAINT "mail_digest_items_pkey" PRIMARY KEY ("org_id", "user_id", "notification_id"))`);
    await q.query(`CREATE INDEX "mail_digest_items_org_id_pending_idx" ON "mail_digest_items" ("org_id", "user_id", "created_at") WHERE dispatched_at IS NULL`);
    await q.query(`ALTER TABLE "mail_digest_items" ADD CONSTRAINT "mail_digest_items_membership_fkey" FOREIGN KEY ("org_id", "user_id") REFERENCES "memberships"("org_id", "user_id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    for (const table of ['mail_preferences', 'mail_digest_items']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
      // The visitor walls (1795708000002, 1795708000004): a visitor reads and writes none of a member's mail settings.
      await q.query(`CREATE POLICY ${table}_visitor ON "${table}" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
      await q.query(`CREATE POLICY ${table}_visitor_insert ON "${table}" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
      await q.query(`CREATE POLICY ${table}_visitor_update ON "${table}" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    }
    await q.query(`CREATE POLICY mail_digest_items_sweep ON "mail_digest_items" FOR SELECT USING (app_system_sweep() AND dispatched_at IS NULL)`);

    // No DELETE: a preference is changed, never erased (leaving the organization removes it); a digest item is
    // dispatched (mailed, or dropped when its category was switched OFF), and stays as the record of it.
    await q.query(`GRANT SELECT, INSERT, UPDATE (mode, updated_at) ON "mail_preferences" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE (dispatched_at, mail_id) ON "mail_digest_items" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mail_digest_items"`);
    await q.query(`DROP TABLE "mail_preferences"`);
  }
}
