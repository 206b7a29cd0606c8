import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, guest access requests: a buyer without an account proves an address by a single-use link (15 minutes)
 * before anything is filed as them. One row per link, in the tenant of the vendor whose page sent it (org_id leads
 * every key); only the SHA-256 of the token's secret is stored. The token names its organization
 * (tpg_<org>_<secret>), so the lookup runs as that tenant: no narrow lookup setting is needed. Rows are written by the
 * system identity of the vendor's tenant; the visitor walls refuse visitors everything here.
 */
export class GuestVerifications1795712600000 implements MigrationInterface {
  name = 'GuestVerifications1795712600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "guest_verifications" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "purpose" text NOT NULL,
      "email" text NOT NULL,
      "name" text,
      "company" text,
      "reason" text,
      "document_ids" uuid[] NOT NULL DEFAULT '{}',
      "token_hash" text NOT NULL,
      "ip" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "consumed_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "guest_verifications_purpose_check" CHECK (purpose IN ('REQUEST', 'SIGN_IN')),
      CONSTRAINT "guest_verifications_email_lower_check" CHECK (email = lower(email) AND length(email) <= 254),
      CONSTRAINT "guest_verifications_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "guest_verifications_token_hash_key" ON "guest_verifications" ("org_id", "token_hash")`);
    // The per-address throttle counts recent links to one email.
    await q.query(`CREATE INDEX "guest_verifications_email_idx" ON "guest_verifications" ("org_id", "email", "created_at")`);
    await q.query(`ALTER TABLE "guest_verifications" ADD CONSTRAINT "guest_verifications_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`ALTER TABLE "guest_verifications" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "guest_verifications" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY guest_verifications_tenant ON "guest_verifications" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY guest_verifications_visitor ON "guest_verifications" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY guest_verifications_visitor_insert ON "guest_verifications" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY guest_verifications_visitor_update ON "guest_verifications" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY guest_verifications_visitor_delete ON "guest_verifications" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    // Consuming sets consumed_at only; links a day past their expiry are deleted when the next one is made.
    await q.query(`GRANT SELECT, INSERT, DELETE, UPDATE (consumed_at) ON "guest_verifications" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "guest_verifications"`);
  }
}
