import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenancy: the app role, the per-transaction identity helpers, organizations, users and memberships, each with its
 * row-level security in the same migration as the table.
 *
 * Identity is transaction-local (`set_config(name, value, true)`): after COMMIT the setting reverts to '', hence NULLIF.
 *   app.org_id    the active tenant          app.user_id  the caller
 *   app.subject   the token's sub, before the user row exists (first sight)
 *   app.org_slug  a public trust-center slug being resolved to its tenant (the visitor's tenant comes from the portal)
 */
export class Tenancy1795700000000 implements MigrationInterface {
  name = 'Tenancy1795700000000';

  public async up(q: QueryRunner): Promise<void> {
    // Roles are cluster-wide: several databases (tests, staging) share one, so create it only when missing.
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'trust_portal_app') THEN
        CREATE ROLE trust_portal_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
      END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO trust_portal_app`);

    await q.query(`CREATE FUNCTION app_current_org_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$`);
    await q.query(`CREATE FUNCTION app_current_user_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$`);
    await q.query(`CREATE FUNCTION app_current_subject() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.subject', true), '') $$`);
    await q.query(`CREATE FUNCTION app_current_org_slug() RETURNS text LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.org_slug', true), '') $$`);

    await q.query(`CREATE TABLE "organizations" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "slug" text NOT NULL,
      "name" text NOT NULL,
      "email_domains" text array NOT NULL DEFAULT '{}',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "organizations_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations" ("slug")`);

    await q.query(`CREATE TABLE "users" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "subject" text NOT NULL,
      "email" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "users_pkey" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "users_subject_key" ON "users" ("subject")`);

    await q.query(`CREATE TABLE "memberships" (
      "org_id" uuid NOT NULL,
      "user_id" uuid NOT NULL,
      "role" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "memberships_role_check" CHECK (role IN ('OWNER', 'ADMIN', 'EDITOR', 'ACCESS_MANAGER', 'VIEWER')),
      CONSTRAINT "memberships_pkey" PRIMARY KEY ("org_id", "user_id"))`);
    await q.query(`CREATE INDEX "memberships_user_id_idx" ON "memberships" ("user_id")`);
    await q.query(`ALTER TABLE "memberships" ADD CONSTRAINT "memberships_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    // Row-level security: policy first, then grants (graphile/starter's order).
    for (const table of ['organizations', 'users', 'memberships']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    }
    // A member sees the rows of their current org and their own memberships (to choose the active org).
    await q.query(`CREATE POLICY memberships_select ON "memberships" FOR SELECT
      USING (org_id = app_current_org_id() OR user_id = app_current_user_id())`);
    await q.query(`CREATE POLICY memberships_write ON "memberships" FOR ALL
      USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    // An org is visible as the current tenant, to its members, or while its public slug is being resolved.
    await q.query(`CREATE POLICY organizations_select ON "organizations" FOR SELECT
      USING (id = app_current_org_id() OR slug = app_current_org_slug()
        OR EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = organizations.id AND m.user_id = app_current_user_id()))`);
    await q.query(`CREATE POLICY organizations_insert ON "organizations" FOR INSERT WITH CHECK (id = app_current_org_id())`);
    await q.query(`CREATE POLICY organizations_update ON "organizations" FOR UPDATE
      USING (id = app_current_org_id()) WITH CHECK (id = app_current_org_id())`);
    // A user row is visible to that user (by id, or by token subject on first sight) and to the members of a shared org.
    await q.query(`CREATE POLICY users_select ON "users" FOR SELECT
      USING (id = app_current_user_id() OR subject = app_current_subject()
        OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.org_id = app_current_org_id()))`);
    await q.query(`CREATE POLICY users_insert ON "users" FOR INSERT WITH CHECK (subject = app_current_subject())`);
    await q.query(`CREATE POLICY users_update ON "users" FOR UPDATE
      USING (subject = app_current_subject() OR id = app_current_user_id())
      WITH CHECK (subject = app_current_subject() OR id = app_current_user_id())`);

    await q.query(`GRANT SELECT, INSERT, UPDATE (name, email_domains, updated_at) ON "organizations" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE (email, last_seen_at) ON "users" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE (role), DELETE ON "memberships" TO trust_portal_app`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_current_org_id(), app_current_user_id(), app_current_subject(), app_current_org_slug() TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    // These policies read memberships, so they go before it.
    await q.query(`DROP POLICY organizations_select ON "organizations"`);
    await q.query(`DROP POLICY users_select ON "users"`);
    await q.query(`DROP TABLE "memberships"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TABLE "organizations"`);
    await q.query(`DROP FUNCTION app_current_org_slug()`);
    await q.query(`DROP FUNCTION app_current_subject()`);
    await q.query(`DROP FUNCTION app_current_user_id()`);
    await q.query(`DROP FUNCTION app_current_org_id()`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM trust_portal_app`);
    // The role may still hold grants in other databases of the cluster; it is left in place then.
    await q.query(`DO $$ BEGIN
      DROP ROLE IF EXISTS trust_portal_app;
    EXCEPTION WHEN dependent_objects_still_exist THEN
      RAISE NOTICE 'trust_portal_app is still used by another database; kept';
    END $$`);
  }
}
