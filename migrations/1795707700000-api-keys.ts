import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Organization API keys. A bearer key names its row by id; `app.api_key_id` lets the authentication step read that
 * one row before the tenant is known (the same narrow lookup as a public slug).
 */
export class ApiKeys1795707700000 implements MigrationInterface {
  name = 'ApiKeys1795707700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "api_keys" ("org_id" uuid NOT NULL, "id" uuid NOT NULL, "name" text NOT NULL, "secret_hash" text NOT NULL,
      "scopes" text array NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "expires_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE,
      "rotated_from_id" uuid, CONSTRAINT "api_keys_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "api_keys" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY api_keys_tenant ON "api_keys" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE FUNCTION app_lookup_api_key_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.api_key_id', true), '')::uuid $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_lookup_api_key_id() TO trust_portal_app`);
    await q.query(`CREATE POLICY api_keys_lookup ON "api_keys" FOR SELECT USING (id = app_lookup_api_key_id())`);
    await q.query(`CREATE POLICY api_keys_touch ON "api_keys" FOR UPDATE USING (id = app_lookup_api_key_id()) WITH CHECK (id = app_lookup_api_key_id())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE (name, last_used_at, revoked_at) ON "api_keys" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "api_keys"`);
    await q.query(`DROP FUNCTION app_lookup_api_key_id()`);
  }
}
