import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14, item 3: compliance in progress. A vendor between reports ("SOC 2 Type I done, Type II observation period
 * under way, report expected in May") records the attestation it is working towards: framework, SOC type,
 * observation start (Type II), expected report date, auditor. It is never evidence: no period end, no freshness.
 * COMPLETED links the report it became (same org: the FK carries org_id). Tenant table like the others (org_id leads
 * the key, RLS enabled and forced); a visitor reads only IN_PROGRESS rows and writes nothing. Like attestations, the
 * policy has no subquery (Citus, docs/scaling.md): a draft trust center is hidden by the trustCenter query itself.
 */
export class AttestationsInProgress1795712700000 implements MigrationInterface {
  name = 'AttestationsInProgress1795712700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "attestations_in_progress" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "framework" text NOT NULL,
      "soc_type" text,
      "observation_start" date,
      "expected_report_date" date NOT NULL,
      "auditor" text,
      "status" text NOT NULL DEFAULT 'IN_PROGRESS',
      "attestation_id" uuid,
      "created_by" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "completed_at" TIMESTAMP WITH TIME ZONE,
      "cancelled_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "attestations_in_progress_status_check" CHECK (status IN ('IN_PROGRESS', 'COMPLETED', 'CANCELLED')),
      CONSTRAINT "attestations_in_progress_soc_type_check" CHECK (soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')),
      CONSTRAINT "attestations_in_progress_observation_check" CHECK (observation_start IS NULL OR (soc_type = 'TYPE_II' AND observation_start <= expected_report_date)),
      CONSTRAINT "attestations_in_progress_completed_check" CHECK (status <> 'COMPLETED' OR attestation_id IS NOT NULL),
      CONSTRAINT "attestations_in_progress_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "attestations_in_progress_org_id_status_idx" ON "attestations_in_progress" ("org_id", "status")`);
    await q.query(`CREATE INDEX "attestations_in_progress_org_id_attestation_id_idx" ON "attestations_in_progress" ("org_id", "attestation_id")`);
    await q.query(`ALTER TABLE "attestations_in_progress" ADD CONSTRAINT "attestations_in_progress_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "attestations_in_progress" ADD CONSTRAINT "attestations_in_progress_attestation_fkey" FOREIGN KEY ("org_id", "attestation_id") REFERENCES "attestations"("org_id","id") ON DELETE NO ACTION ON UPDATE NO ACTION`);

    await q.query(`ALTER TABLE "attestations_in_progress" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "attestations_in_progress" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY attestations_in_progress_tenant ON "attestations_in_progress" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE POLICY attestations_in_progress_visitor ON "attestations_in_progress" AS RESTRICTIVE FOR SELECT
      USING (NOT app_is_visitor() OR status = 'IN_PROGRESS')`);
    await q.query(`CREATE POLICY attestations_in_progress_visitor_insert ON "attestations_in_progress" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY attestations_in_progress_visitor_update ON "attestations_in_progress" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY attestations_in_progress_visitor_delete ON "attestations_in_progress" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    // The hosted page shows IN_PROGRESS rows: a change drops the cached public responses, like the PUBLIC_TABLES.
    await q.query(`CREATE TRIGGER "attestations_in_progress_public_change" AFTER INSERT OR UPDATE OR DELETE ON "attestations_in_progress"
      FOR EACH ROW EXECUTE FUNCTION tp_notify_public_change()`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ("framework", "soc_type", "observation_start", "expected_report_date", "auditor", "status", "attestation_id", "updated_at", "completed_at", "cancelled_at") ON "attestations_in_progress" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "attestations_in_progress"`);
  }
}
