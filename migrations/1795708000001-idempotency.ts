import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys (the `Idempotency-Key` header on POSTs): the first response to a key is kept for 24 hours and a
 * retry with the same key and the same request gets it back instead of running again. Tenant-owned, tenant-first.
 */
export class Idempotency1795708000001 implements MigrationInterface {
  name = 'Idempotency1795708000001';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "idempotency_keys" ("org_id" uuid NOT NULL, "key" text NOT NULL, "principal" text NOT NULL,
      "request_hash" character(64) NOT NULL, "state" text NOT NULL DEFAULT 'IN_PROGRESS', "response_status" integer,
      "response_body" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "completed_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("org_id", "key"),
      CONSTRAINT "idempotency_keys_state" CHECK ("state" IN ('IN_PROGRESS', 'DONE')),
      CONSTRAINT "idempotency_keys_org" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE)`);
    await q.query(`CREATE INDEX "idempotency_keys_org_created" ON "idempotency_keys" ("org_id", "created_at")`);
    await q.query(`ALTER TABLE "idempotency_keys" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "idempotency_keys" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY idempotency_keys_tenant ON "idempotency_keys" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "idempotency_keys" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "idempotency_keys"`);
  }
}
