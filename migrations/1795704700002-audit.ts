import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: append-only (the app role may only INSERT and SELECT, and a trigger refuses UPDATE, DELETE and
 * TRUNCATE for everyone), one SHA-256 hash chain per organization, seq numbered from 1 per organization.
 */
export class Audit1795704700002 implements MigrationInterface {
  name = 'Audit1795704700002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "audit_events" ("org_id" uuid NOT NULL, "seq" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "action" text NOT NULL, "actor_user_id" uuid, "actor_email" text, "actor_org_id" uuid, "target_type" text, "target_id" text, "ip" text, "details" jsonb NOT NULL DEFAULT '{}', "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "audit_events_pkey" PRIMARY KEY ("org_id", "seq"))`);
    await q.query(`ALTER TABLE "audit_events" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "audit_events" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY audit_events_tenant ON "audit_events"
      USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON "audit_events"
      FOR EACH ROW EXECUTE FUNCTION app_forbid_change()`);
    await q.query(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON "audit_events"
      FOR EACH STATEMENT EXECUTE FUNCTION app_forbid_change()`);
    await q.query(`GRANT SELECT, INSERT ON "audit_events" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_events"`);
  }
}
