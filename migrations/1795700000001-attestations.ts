import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trust centers, attestations and bridge letters. Every row carries org_id, which leads the primary key and every index
 * (the Citus distribution column); foreign keys between tenant tables include it.
 */
export class Attestations1795700000001 implements MigrationInterface {
  name = 'Attestations1795700000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "trust_centers" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "status" text NOT NULL DEFAULT 'DRAFT',
      "headline" text,
      "description" text,
      "contact_email" text,
      "website_url" text,
      "age_anchor" text NOT NULL DEFAULT 'PERIOD_END',
      "max_age_months" integer NOT NULL DEFAULT '12',
      "expiring_soon_days" integer NOT NULL DEFAULT '60',
      "bridge_letter_max_months" integer NOT NULL DEFAULT '3',
      "published_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "trust_centers_bridge_letter_max_months_check" CHECK (bridge_letter_max_months BETWEEN 1 AND 12),
      CONSTRAINT "trust_centers_expiring_soon_days_check" CHECK (expiring_soon_days BETWEEN 0 AND 365),
      CONSTRAINT "trust_centers_max_age_months_check" CHECK (max_age_months BETWEEN 1 AND 60),
      CONSTRAINT "trust_centers_age_anchor_check" CHECK (age_anchor IN ('PERIOD_END', 'ISSUE_DATE')),
      CONSTRAINT "trust_centers_status_check" CHECK (status IN ('DRAFT', 'PUBLISHED')),
      CONSTRAINT "trust_centers_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "trust_centers_org_id_key" ON "trust_centers" ("org_id")`);
    await q.query(`ALTER TABLE "trust_centers" ADD CONSTRAINT "trust_centers_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "attestations" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "framework" text NOT NULL,
      "soc_type" text,
      "title" text,
      "scope" text,
      "period_start" date,
      "period_end" date,
      "as_of" date,
      "issue_date" date NOT NULL,
      "auditor" text,
      "opinion" text,
      "trust_service_criteria" text array NOT NULL DEFAULT '{}',
      "exceptions" jsonb NOT NULL DEFAULT '[]',
      "subservice_organizations" jsonb NOT NULL DEFAULT '[]',
      "complementary_user_entity_controls" jsonb NOT NULL DEFAULT '[]',
      "certificate_number" text,
      "certificate_valid_from" date,
      "certificate_valid_until" date,
      "status" text NOT NULL DEFAULT 'DRAFT',
      "published_at" TIMESTAMP WITH TIME ZONE,
      "superseded_at" TIMESTAMP WITH TIME ZONE,
      "superseded_by_id" uuid,
      "withdrawn_at" TIMESTAMP WITH TIME ZONE,
      "withdrawn_reason" text,
      "created_by" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "attestations_certificate_check" CHECK (certificate_valid_from IS NULL OR certificate_valid_until IS NULL OR certificate_valid_from < certificate_valid_until),
      CONSTRAINT "attestations_period_check" CHECK (period_start IS NULL OR period_end IS NULL OR period_start < period_end),
      CONSTRAINT "attestations_soc_type_check" CHECK (soc_type IS NULL OR soc_type IN ('TYPE_I', 'TYPE_II')),
      CONSTRAINT "attestations_status_check" CHECK (status IN ('DRAFT', 'PUBLISHED', 'SUPERSEDED', 'WITHDRAWN')),
      CONSTRAINT "attestations_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "attestations_org_id_framework_status_idx" ON "attestations" ("org_id", "framework", "status")`);
    await q.query(`ALTER TABLE "attestations" ADD CONSTRAINT "attestations_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "bridge_letters" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "attestation_id" uuid NOT NULL,
      "covers_from" date NOT NULL,
      "covers_through" date NOT NULL,
      "issued_on" date NOT NULL,
      "signed_by_name" text NOT NULL,
      "signed_by_title" text,
      "notes" text,
      "created_by" uuid,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "bridge_letters_covers_check" CHECK (covers_from <= covers_through),
      CONSTRAINT "bridge_letters_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "bridge_letters_org_id_attestation_id_idx" ON "bridge_letters" ("org_id", "attestation_id")`);
    await q.query(`ALTER TABLE "bridge_letters" ADD CONSTRAINT "bridge_letters_attestation_fkey" FOREIGN KEY ("org_id", "attestation_id") REFERENCES "attestations"("org_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    for (const table of ['trust_centers', 'attestations', 'bridge_letters']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}"
        USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    }
    await q.query(`GRANT SELECT, INSERT, UPDATE ON "trust_centers", "attestations", "bridge_letters" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "bridge_letters"`);
    await q.query(`DROP TABLE "attestations"`);
    await q.query(`DROP TABLE "trust_centers"`);
  }
}
