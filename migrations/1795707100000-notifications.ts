import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriptions, the notification feed, webhook endpoints and their delivery log, subprocessors, and the freshness
 * transitions the daily sweep has emitted.
 *
 * Two narrow lookups for background jobs, each behind a transaction-local setting that request code never sets:
 *   app.fanout_vendor_id  a vendor's event finds who follows it: subscriptions and watches naming that vendor
 *   app.system_sweep      the daily sweep lists which organizations have watches
 */
export class Notifications1795707100000 implements MigrationInterface {
  name = 'Notifications1795707100000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "vendor_subscriptions" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "vendor_org_id" uuid NOT NULL, "event_types" text array NOT NULL DEFAULT '{}', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "vendor_subscriptions_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "vendor_subscriptions_vendor_org_id_idx" ON "vendor_subscriptions"  ("vendor_org_id")`);
    await q.query(`CREATE UNIQUE INDEX "vendor_subscriptions_org_id_vendor_org_id_key" ON "vendor_subscriptions"  ("org_id", "vendor_org_id")`);
    await q.query(`CREATE TABLE "notifications" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "event_id" uuid NOT NULL, "type" text NOT NULL, "vendor_org_id" uuid, "title" text NOT NULL, "data" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "read_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "notifications_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "notifications_org_id_event_id_key" ON "notifications" ("org_id", "event_id")`);
    await q.query(`CREATE INDEX "notifications_org_id_created_at_idx" ON "notifications"  ("org_id", "created_at")`);
    await q.query(`CREATE TABLE "webhook_endpoints" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" text NOT NULL, "description" text, "event_types" text array NOT NULL DEFAULT '{}', "secret" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "disabled_reason" text, "consecutive_failures" integer NOT NULL DEFAULT '0', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE TABLE "webhook_deliveries" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "endpoint_id" uuid NOT NULL, "notification_id" uuid, "event_type" text NOT NULL, "payload" jsonb NOT NULL, "status" text NOT NULL DEFAULT 'PENDING', "attempts" integer NOT NULL DEFAULT '0', "last_status_code" integer, "last_error" text, "last_attempt_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE INDEX "webhook_deliveries_org_id_endpoint_id_created_at_idx" ON "webhook_deliveries"  ("org_id", "endpoint_id", "created_at")`);
    await q.query(`CREATE TABLE "subprocessors" ("org_id" uuid NOT NULL, "id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "purpose" text NOT NULL, "location" text NOT NULL, "data_categories" text array NOT NULL DEFAULT '{}', "website_url" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "subprocessors_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE TABLE "freshness_transitions" ("org_id" uuid NOT NULL, "attestation_id" uuid NOT NULL, "state" text NOT NULL, "occurred_on" date NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "freshness_transitions_pkey" PRIMARY KEY ("org_id", "attestation_id", "state"))`);

    const tables = ['vendor_subscriptions', 'notifications', 'webhook_endpoints', 'webhook_deliveries', 'subprocessors', 'freshness_transitions'];
    for (const table of tables) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}"
        USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    }
    await q.query(`CREATE FUNCTION app_fanout_vendor_id() RETURNS uuid LANGUAGE sql STABLE
      AS $$ SELECT NULLIF(current_setting('app.fanout_vendor_id', true), '')::uuid $$`);
    await q.query(`CREATE FUNCTION app_system_sweep() RETURNS boolean LANGUAGE sql STABLE
      AS $$ SELECT coalesce(current_setting('app.system_sweep', true), '') = 'on' $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_fanout_vendor_id(), app_system_sweep() TO trust_portal_app`);
    await q.query(`CREATE POLICY vendor_subscriptions_fanout ON "vendor_subscriptions" FOR SELECT USING (vendor_org_id = app_fanout_vendor_id())`);
    await q.query(`CREATE POLICY vendor_watches_fanout ON "vendor_watches" FOR SELECT USING (vendor_org_id = app_fanout_vendor_id())`);
    await q.query(`CREATE POLICY vendor_watches_sweep ON "vendor_watches" FOR SELECT USING (app_system_sweep())`);
    // Public on a published trust center, like its attestations.
    await q.query(`CREATE POLICY subprocessors_public ON "subprocessors" FOR SELECT
      USING (app_public_reads() AND EXISTS (SELECT 1 FROM trust_centers t WHERE t.org_id = subprocessors.org_id AND t.status = 'PUBLISHED'))`);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON "vendor_subscriptions", "webhook_endpoints", "subprocessors" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON "notifications", "webhook_deliveries" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT ON "freshness_transitions" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY vendor_watches_sweep ON "vendor_watches"`);
    await q.query(`DROP POLICY vendor_watches_fanout ON "vendor_watches"`);
    for (const table of ['freshness_transitions', 'subprocessors', 'webhook_deliveries', 'webhook_endpoints', 'notifications', 'vendor_subscriptions']) {
      await q.query(`DROP TABLE "${table}"`);
    }
    await q.query(`DROP FUNCTION app_system_sweep()`);
    await q.query(`DROP FUNCTION app_fanout_vendor_id()`);
  }
}
