import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * NDA templates and acceptances, access requests with their history, grants, download events, and the trust center's
 * access policy. Requests, grants and acceptances belong to the vendor (org_id) and are shared with the customer
 * organization they name: a transaction with `app.customer_org_id` set reads the customer's own rows across vendors.
 * Acceptances and download events are append-only (no UPDATE or DELETE grant, and a trigger to be sure); a published
 * NDA template is immutable.
 */
export class Access1795704700001 implements MigrationInterface {
  name = 'Access1795704700001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION app_current_customer_org_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.customer_org_id', true), '')::uuid $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_current_customer_org_id() TO trust_portal_app`);
    await q.query(`CREATE FUNCTION app_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE FUNCTION app_freeze_published_nda() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status = 'PUBLISHED' THEN
          RAISE EXCEPTION 'NDA template % version % is published and immutable', OLD.id, OLD.version USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(`CREATE TABLE "nda_templates" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "version" integer NOT NULL, "title" text NOT NULL, "body" text NOT NULL, "body_sha256" text NOT NULL, "status" text NOT NULL DEFAULT 'DRAFT', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "nda_templates_status_check" CHECK (status IN ('DRAFT', 'PUBLISHED')), CONSTRAINT "nda_templates_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "nda_templates_org_id_version_key" ON "nda_templates"  ("org_id", "version")`);
    await q.query(`CREATE TABLE "nda_acceptances" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_org_id" uuid NOT NULL, "source" text NOT NULL, "template_id" uuid, "template_version" integer, "body_sha256" text, "signer_user_id" uuid, "signer_name" text NOT NULL, "signer_title" text, "signer_email" text, "customer_org_name" text NOT NULL, "ip" text, "user_agent" text, "recorded_by" uuid, "note" text, "accepted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "nda_acceptances_source_check" CHECK (source IN ('CLICKWRAP', 'ON_FILE')), CONSTRAINT "nda_acceptances_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "nda_acceptances_org_id_customer_org_id_idx" ON "nda_acceptances"  ("org_id", "customer_org_id")`);
    await q.query(`CREATE TABLE "access_requests" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "requester_org_id" uuid NOT NULL, "requester_org_name" text NOT NULL, "requester_user_id" uuid NOT NULL, "requester_email" text NOT NULL, "scope" text NOT NULL, "document_ids" uuid array NOT NULL DEFAULT '{}', "reason" text, "state" text NOT NULL, "rule" text, "decided_by" uuid, "decided_at" TIMESTAMP WITH TIME ZONE, "decision_reason" text, "grant_expires_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "access_requests_scope_check" CHECK (scope IN ('DOCUMENTS', 'ALL_RESTRICTED')), CONSTRAINT "access_requests_state_check" CHECK (state IN ('REQUESTED', 'APPROVED', 'DENIED', 'REVOKED', 'EXPIRED')), CONSTRAINT "access_requests_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "access_requests_one_open_key" ON "access_requests"  ("org_id", "requester_user_id") WHERE state = 'REQUESTED'`);
    await q.query(`CREATE INDEX "access_requests_org_id_requester_org_id_idx" ON "access_requests"  ("org_id", "requester_org_id")`);
    await q.query(`CREATE INDEX "access_requests_org_id_state_created_at_idx" ON "access_requests"  ("org_id", "state", "created_at")`);
    await q.query(`CREATE TABLE "access_request_events" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "request_id" uuid NOT NULL, "from_state" text, "to_state" text NOT NULL, "actor_user_id" uuid, "rule" text, "reason" text, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "access_request_events_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "access_request_events_org_id_request_id_idx" ON "access_request_events"  ("org_id", "request_id")`);
    await q.query(`CREATE TABLE "access_grants" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "customer_org_id" uuid NOT NULL, "document_id" uuid, "request_id" uuid NOT NULL, "granted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" uuid, CONSTRAINT "access_grants_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "access_grants_org_id_customer_org_id_idx" ON "access_grants"  ("org_id", "customer_org_id")`);
    await q.query(`CREATE TABLE "download_events" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "document_id" uuid NOT NULL, "version_id" uuid NOT NULL, "customer_org_id" uuid, "customer_org_name" text, "user_id" uuid, "user_email" text, "watermarked" boolean NOT NULL, "ip" text, "user_agent" text, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "download_events_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "download_events_org_id_occurred_at_idx" ON "download_events"  ("org_id", "occurred_at")`);
    await q.query(`ALTER TABLE "trust_centers" ADD "nda_required" boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE "trust_centers" ADD "current_nda_template_id" uuid`);
    await q.query(`ALTER TABLE "trust_centers" ADD "nda_acceptance_scope" text NOT NULL DEFAULT 'ORGANIZATION'`);
    await q.query(`ALTER TABLE "trust_centers" ADD "nda_reaccept_on_new_version" boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE "trust_centers" ADD "auto_approve_domains" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "trust_centers" ADD "auto_approve_org_ids" uuid array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "trust_centers" ADD "blocked_domains" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "trust_centers" ADD "block_free_mail_domains" boolean NOT NULL DEFAULT true`);
    await q.query(`ALTER TABLE "trust_centers" ADD "default_grant_days" integer NOT NULL DEFAULT '365'`);
    await q.query(`ALTER TABLE "trust_centers" ADD "grant_scope" text NOT NULL DEFAULT 'TRUST_CENTER'`);
    await q.query(`ALTER TABLE "trust_centers" ADD CONSTRAINT "trust_centers_default_grant_days_check" CHECK (default_grant_days BETWEEN 1 AND 1095)`);
    await q.query(`ALTER TABLE "trust_centers" ADD CONSTRAINT "trust_centers_grant_scope_check" CHECK (grant_scope IN ('DOCUMENT', 'TRUST_CENTER'))`);
    await q.query(`ALTER TABLE "trust_centers" ADD CONSTRAINT "trust_centers_nda_acceptance_scope_check" CHECK (nda_acceptance_scope IN ('USER', 'ORGANIZATION'))`);

    const tables = ['nda_templates', 'nda_acceptances', 'access_requests', 'access_request_events', 'access_grants', 'download_events'];
    for (const table of tables) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    }
    for (const table of ['nda_templates', 'access_request_events', 'download_events']) {
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}"
        USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    }
    for (const [table, column] of [['nda_acceptances', 'customer_org_id'], ['access_requests', 'requester_org_id'], ['access_grants', 'customer_org_id']]) {
      await q.query(`CREATE POLICY ${table}_select ON "${table}" FOR SELECT
        USING (org_id = app_current_org_id() OR ${column} = app_current_customer_org_id())`);
      await q.query(`CREATE POLICY ${table}_insert ON "${table}" FOR INSERT WITH CHECK (org_id = app_current_org_id())`);
      await q.query(`CREATE POLICY ${table}_update ON "${table}" FOR UPDATE
        USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    }
    await q.query(`CREATE TRIGGER nda_templates_frozen BEFORE UPDATE OR DELETE ON "nda_templates"
      FOR EACH ROW EXECUTE FUNCTION app_freeze_published_nda()`);
    for (const table of ['nda_acceptances', 'download_events']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION app_forbid_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON "${table}"
        FOR EACH STATEMENT EXECUTE FUNCTION app_forbid_change()`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON "nda_templates", "access_requests", "access_grants" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT ON "nda_acceptances", "access_request_events", "download_events" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['download_events', 'access_grants', 'access_request_events', 'access_requests', 'nda_acceptances', 'nda_templates']) {
      await q.query(`DROP TABLE "${table}"`);
    }
    await q.query(`ALTER TABLE "trust_centers" DROP CONSTRAINT "trust_centers_nda_acceptance_scope_check"`);
    await q.query(`ALTER TABLE "trust_centers" DROP CONSTRAINT "trust_centers_grant_scope_check"`);
    await q.query(`ALTER TABLE "trust_centers" DROP CONSTRAINT "trust_centers_default_grant_days_check"`);
    for (const column of ['grant_scope', 'default_grant_days', 'block_free_mail_domains', 'blocked_domains', 'auto_approve_org_ids',
      'auto_approve_domains', 'nda_reaccept_on_new_version', 'nda_acceptance_scope', 'current_nda_template_id', 'nda_required']) {
      await q.query(`ALTER TABLE "trust_centers" DROP COLUMN "${column}"`);
    }
    await q.query(`DROP FUNCTION app_freeze_published_nda()`);
    await q.query(`DROP FUNCTION app_current_customer_org_id()`);
    // app_forbid_change() is dropped by the audit migration's down when it is the last user; here only if unused.
    await q.query(`DROP FUNCTION IF EXISTS app_forbid_change()`);
  }
}
