import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Documents and their versions (files in S3, verified before they become visible). Documents can be looked up by id
 * across tenants only while `app.document_id` names that one id (a download names a document, not its vendor).
 */
export class Documents1795704700000 implements MigrationInterface {
  name = 'Documents1795704700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION app_lookup_document_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.document_id', true), '')::uuid $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_lookup_document_id() TO trust_portal_app`);
    await q.query(`CREATE TABLE "documents" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "title" text NOT NULL, "description" text, "kind" text NOT NULL, "visibility" text NOT NULL, "attestation_id" uuid, "current_version_id" uuid, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "documents_visibility_check" CHECK (visibility IN ('PUBLIC', 'RESTRICTED', 'PRIVATE')), CONSTRAINT "documents_kind_check" CHECK (kind IN ('SOC_REPORT', 'BRIDGE_LETTER', 'PEN_TEST', 'POLICY', 'CERTIFICATE', 'INSURANCE', 'QUESTIONNAIRE', 'OTHER')), CONSTRAINT "documents_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "documents_org_id_created_at_idx" ON "documents"  ("org_id", "created_at")`);
    await q.query(`CREATE TABLE "document_versions" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "document_id" uuid NOT NULL, "version" integer NOT NULL, "storage_key" text NOT NULL, "file_name" text NOT NULL, "content_type" text NOT NULL, "size_bytes" bigint NOT NULL, "sha256" text NOT NULL, "status" text NOT NULL DEFAULT 'PENDING', "uploaded_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "completed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "document_versions_size_check" CHECK (size_bytes > 0), CONSTRAINT "document_versions_status_check" CHECK (status IN ('PENDING', 'AVAILABLE', 'REJECTED')), CONSTRAINT "document_versions_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "document_versions_org_id_document_id_version_key" ON "document_versions"  ("org_id", "document_id", "version")`);
    await q.query(`ALTER TABLE "documents" ADD CONSTRAINT "documents_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "document_versions" ADD CONSTRAINT "document_versions_document_fkey" FOREIGN KEY ("org_id", "document_id") REFERENCES "documents"("org_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    for (const table of ['documents', 'document_versions']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    }
    await q.query(`CREATE POLICY documents_select ON "documents" FOR SELECT
      USING (org_id = app_current_org_id() OR id = app_lookup_document_id())`);
    await q.query(`CREATE POLICY documents_write ON "documents" FOR ALL
      USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY document_versions_tenant ON "document_versions"
      USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON "documents", "document_versions" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "document_versions"`);
    await q.query(`DROP TABLE "documents"`);
    await q.query(`DROP FUNCTION app_lookup_document_id()`);
  }
}
