import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the anonymous trust-center page shows lives in these tables. A change to any row NOTIFYs `tp_public_change`
 * with the organization's id, and every server process drops its cached public responses for that organization
 * (src/http/public-cache.ts). PostgreSQL delivers a notification only once its transaction commits, and folds
 * identical ones within a transaction into one, so a bulk write costs one message per organization.
 */
export const PUBLIC_TABLES = ['organizations', 'trust_centers', 'attestations', 'bridge_letters', 'documents', 'document_versions', 'nda_templates', 'subprocessors'] as const;

export class PublicCache1795708000000 implements MigrationInterface {
  name = 'PublicCache1795708000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION tp_notify_public_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        row_org text;
      BEGIN
        -- Separate branches: PL/pgSQL resolves NEW.org_id even in an untaken CASE arm, and organizations has none.
        IF TG_TABLE_NAME = 'organizations' THEN
          IF TG_OP = 'DELETE' THEN row_org := OLD.id::text; ELSE row_org := NEW.id::text; END IF;
        ELSIF TG_OP = 'DELETE' THEN
          row_org := OLD.org_id::text;
        ELSE
          row_org := NEW.org_id::text;
        END IF;
        PERFORM pg_notify('tp_public_change', row_org);
        RETURN NULL;
      END $$`);
    for (const table of PUBLIC_TABLES) {
      await q.query(`CREATE TRIGGER "${table}_public_change" AFTER INSERT OR UPDATE OR DELETE ON "${table}"
        FOR EACH ROW EXECUTE FUNCTION tp_notify_public_change()`);
    }

    // Automatic persisted queries, shared by every process: content-addressed (sha256 of the text), so never stale.
    await q.query(`CREATE TABLE "persisted_queries" ("sha256" character(64) NOT NULL, "query" text NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "persisted_queries_pkey" PRIMARY KEY ("sha256"),
      CONSTRAINT "persisted_queries_hash_format" CHECK ("sha256" ~ '^[0-9a-f]{64}$'))`);
    await q.query(`ALTER TABLE "persisted_queries" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "persisted_queries" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY persisted_queries_all ON "persisted_queries" USING (true) WITH CHECK (true)`);
    await q.query(`GRANT SELECT, INSERT ON "persisted_queries" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "persisted_queries"`);
    for (const table of PUBLIC_TABLES) await q.query(`DROP TRIGGER "${table}_public_change" ON "${table}"`);
    await q.query(`DROP FUNCTION tp_notify_public_change()`);
  }
}
