import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, item 1: a report's findings for granted buyers. The vendor's management response and remediation plan per
 * exception (target date, status it keeps up to date), one row per exception of a report; the exception is named by
 * its stable id inside the attestation's `exceptions` jsonb (src/domain/findings.ts). Tenant table like the others
 * (org_id leads the key; the report's foreign key carries org_id; RLS enabled and forced). A visitor (anonymous or a
 * customer) reads no row and writes none: a granted customer's responses are read by the access service, as the
 * vendor's system identity, only for the reports its grant and NDA cover. No subquery in any policy (Citus).
 */
export class ExceptionResponses1795713000000 implements MigrationInterface {
  name = 'ExceptionResponses1795713000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "exception_responses" (
      "org_id" uuid NOT NULL,
      "attestation_id" uuid NOT NULL,
      "exception_id" uuid NOT NULL,
      "management_response" text,
      "remediation_plan" text,
      "target_date" date,
      "status" text NOT NULL DEFAULT 'OPEN',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_by" uuid,
      CONSTRAINT "exception_responses_status_check" CHECK (status IN ('OPEN', 'IN_PROGRESS', 'REMEDIATED', 'RISK_ACCEPTED')),
      CONSTRAINT "exception_responses_text_check" CHECK (char_length(management_response) <= 5000 AND char_length(remediation_plan) <= 5000),
      CONSTRAINT "exception_responses_pkey" PRIMARY KEY ("org_id", "attestation_id", "exception_id"))`);
    await q.query(`ALTER TABLE "exception_responses" ADD CONSTRAINT "exception_responses_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "exception_responses" ADD CONSTRAINT "exception_responses_attestation_fkey" FOREIGN KEY ("org_id", "attestation_id") REFERENCES "attestations"("org_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION`);

    await q.query(`ALTER TABLE "exception_responses" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "exception_responses" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY exception_responses_tenant ON "exception_responses" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY exception_responses_visitor ON "exception_responses" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY exception_responses_visitor_insert ON "exception_responses" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY exception_responses_visitor_update ON "exception_responses" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY exception_responses_visitor_delete ON "exception_responses" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ("management_response", "remediation_plan", "target_date", "status", "updated_at", "updated_by") ON "exception_responses" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "exception_responses"`);
  }
}
