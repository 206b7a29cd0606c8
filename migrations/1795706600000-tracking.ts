import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Procurement tracking: watched vendors, off-platform attestations a customer records itself, requirement policies
 * (a default and per-vendor overrides) and the history of each vendor's status. All customer-owned (org_id = the
 * customer).
 *
 * Public reads: what a published trust center shows anonymously (its organization's name and slug, its PUBLISHED or
 * SUPERSEDED attestations and their bridge letters) is readable across tenants, but only in a transaction that sets
 * `app.public_reads` = 'on' (a buyer's portfolio reads hundreds of vendors in one statement). Without the setting, an
 * unfiltered SELECT still sees only the current tenant's rows.
 */
export class Tracking1795706600000 implements MigrationInterface {
  name = 'Tracking1795706600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "vendor_watches" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "vendor_org_id" uuid, "name" text NOT NULL, "domain" text, "notes" text, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "vendor_watches_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "vendor_watches_org_id_created_at_idx" ON "vendor_watches"  ("org_id", "created_at")`);
    await q.query(`CREATE INDEX "vendor_watches_vendor_org_id_idx" ON "vendor_watches" ("vendor_org_id")`);
    await q.query(`CREATE UNIQUE INDEX "vendor_watches_org_id_vendor_org_id_key" ON "vendor_watches"  ("org_id", "vendor_org_id") WHERE vendor_org_id IS NOT NULL`);
    await q.query(`CREATE TABLE "tracked_attestations" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "watch_id" uuid NOT NULL, "framework" text NOT NULL, "soc_type" text, "period_start" date, "period_end" date, "as_of" date, "issue_date" date NOT NULL, "auditor" text, "opinion" text, "trust_service_criteria" text array NOT NULL DEFAULT '{}', "exception_count" integer NOT NULL DEFAULT '0', "certificate_valid_from" date, "certificate_valid_until" date, "bridge_letters" jsonb NOT NULL DEFAULT '[]', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "tracked_attestations_period_check" CHECK (period_start IS NULL OR period_end IS NULL OR period_start < period_end), CONSTRAINT "tracked_attestations_soc_type_check" CHECK (soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')), CONSTRAINT "tracked_attestations_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "tracked_attestations_org_id_watch_id_idx" ON "tracked_attestations"  ("org_id", "watch_id")`);
    await q.query(`CREATE TABLE "requirement_policies" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "watch_id" uuid, "accepted" jsonb NOT NULL, "max_age_months" integer NOT NULL DEFAULT '12', "expiring_soon_days" integer NOT NULL DEFAULT '60', "age_anchor" text NOT NULL DEFAULT 'PERIOD_END', "bridge_letters_count" boolean NOT NULL DEFAULT true, "qualified_opinion_needs_review" boolean NOT NULL DEFAULT true, "exceptions_need_review" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "requirement_policies_expiring_soon_days_check" CHECK (expiring_soon_days BETWEEN 0 AND 365), CONSTRAINT "requirement_policies_max_age_months_check" CHECK (max_age_months BETWEEN 1 AND 60), CONSTRAINT "requirement_policies_age_anchor_check" CHECK (age_anchor IN ('PERIOD_END', 'ISSUE_DATE')), CONSTRAINT "requirement_policies_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "requirement_policies_override_key" ON "requirement_policies"  ("org_id", "watch_id") WHERE watch_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX "requirement_policies_default_key" ON "requirement_policies"  ("org_id") WHERE watch_id IS NULL`);
    await q.query(`CREATE TABLE "vendor_status_history" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "watch_id" uuid NOT NULL, "status" text NOT NULL, "previous_status" text, "reasons" jsonb NOT NULL DEFAULT '[]', "cause" text NOT NULL, "based_on_attestation_id" uuid, "effective_on" date NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "vendor_status_history_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "vendor_status_history_org_id_watch_id_recorded_at_idx" ON "vendor_status_history"  ("org_id", "watch_id", "recorded_at")`);

    for (const table of ['vendor_watches', 'tracked_attestations', 'requirement_policies', 'vendor_status_history']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}"
        USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "vendor_watches", "tracked_attestations", "requirement_policies" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT ON "vendor_status_history" TO trust_portal_app`);

    await q.query(`CREATE FUNCTION app_public_reads() RETURNS boolean LANGUAGE sql STABLE
      AS $$ SELECT coalesce(current_setting('app.public_reads', true), '') = 'on' $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_public_reads() TO trust_portal_app`);
    await q.query(`CREATE POLICY trust_centers_public ON "trust_centers" FOR SELECT
      USING (app_public_reads() AND status = 'PUBLISHED')`);
    await q.query(`CREATE POLICY organizations_public ON "organizations" FOR SELECT
      USING (app_public_reads() AND EXISTS (SELECT 1 FROM trust_centers t WHERE t.org_id = organizations.id AND t.status = 'PUBLISHED'))`);
    await q.query(`CREATE POLICY attestations_public ON "attestations" FOR SELECT
      USING (app_public_reads() AND status IN ('PUBLISHED', 'SUPERSEDED')
        AND EXISTS (SELECT 1 FROM trust_centers t WHERE t.org_id = attestations.org_id AND t.status = 'PUBLISHED'))`);
    await q.query(`CREATE POLICY bridge_letters_public ON "bridge_letters" FOR SELECT
      USING (app_public_reads() AND EXISTS (SELECT 1 FROM attestations a WHERE a.org_id = bridge_letters.org_id AND a.id = bridge_letters.attestation_id))`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY bridge_letters_public ON "bridge_letters"`);
    await q.query(`DROP POLICY attestations_public ON "attestations"`);
    await q.query(`DROP POLICY organizations_public ON "organizations"`);
    await q.query(`DROP POLICY trust_centers_public ON "trust_centers"`);
    await q.query(`DROP FUNCTION app_public_reads()`);
    for (const table of ['vendor_status_history', 'requirement_policies', 'tracked_attestations', 'vendor_watches']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
