import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, members: invitations to join an organization. The token is single-use and only its SHA-256 is stored.
 * Accepting finds the invitation before its tenant is known (the invitee is not a member yet): `app.invitation_token_hash`
 * reveals exactly the row whose hash matches, the same narrow lookup as `app.api_key_id` for keys, never a bypass.
 * The visitor wall of 1795708000004 applies here too: a visitor writes nothing in this table.
 */
export class Invitations1795710000000 implements MigrationInterface {
  name = 'Invitations1795710000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "invitations" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "email" text NOT NULL,
      "role" text NOT NULL,
      "token_hash" text NOT NULL,
      "invited_by" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "accepted_at" TIMESTAMP WITH TIME ZONE,
      "accepted_by" uuid,
      "revoked_at" TIMESTAMP WITH TIME ZONE,
      "resend_count" integer NOT NULL DEFAULT 0,
      CONSTRAINT "invitations_role_check" CHECK (role IN ('OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER')),
      CONSTRAINT "invitations_email_lower_check" CHECK (email = lower(email)),
      CONSTRAINT "invitations_pkey" PRIMARY KEY ("org_id", "id"))`);
    // The token names its organization (tpi_<org>_<secret>), so the lookup by hash uses this index, org_id first.
    await q.query(`CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations" ("org_id", "token_hash")`);
    await q.query(`CREATE INDEX "invitations_email_idx" ON "invitations" ("org_id", "email")`);
    await q.query(`ALTER TABLE "invitations" ADD CONSTRAINT "invitations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`ALTER TABLE "invitations" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY invitations_tenant ON "invitations" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE FUNCTION app_lookup_invitation_token_hash() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.invitation_token_hash', true), '') $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_lookup_invitation_token_hash() TO trust_portal_app`);
    await q.query(`CREATE POLICY invitations_lookup ON "invitations" FOR SELECT USING (token_hash = app_lookup_invitation_token_hash())`);
    // The visitor walls (1795708000002, 1795708000004): a visitor (not a member) reads and writes no invitation.
    await q.query(`CREATE POLICY invitations_visitor ON "invitations" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY invitations_visitor_insert ON "invitations" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY invitations_visitor_update ON "invitations" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY invitations_visitor_delete ON "invitations" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    // No DELETE grant: an invitation is revoked or accepted, never erased (the audit log names it).
    await q.query(`GRANT SELECT, INSERT, UPDATE (token_hash, expires_at, accepted_at, accepted_by, revoked_at, resend_count) ON "invitations" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "invitations"`);
    await q.query(`DROP FUNCTION app_lookup_invitation_token_hash()`);
  }
}
