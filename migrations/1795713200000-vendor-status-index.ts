import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, item 4: watchlists that grow. `vendorStatuses` pages a customer's watchlist in SQL from a stored evaluation
 * per watched vendor instead of evaluating the whole list per request; only the page (and any vendor whose stored
 * evaluation cannot be trusted) is evaluated exactly.
 *
 * vendor_status_current (customer-owned, one row per watch, made by a trigger when the watch is, gone with it): the
 * status and the report expiry (the urgency order) evaluated on `valid_from`, and `valid_through`, the last day they
 * stay exact while nothing the evaluation weighs changes (statusStableThrough in src/domain/compliance.ts). A row is
 * used only when today lies in [valid_from, valid_through] and, for a vendor on the platform, `vendor_version` is the
 * vendor's current evidence version. Every change that can move an evaluation makes the row unusable in the
 * transaction that makes the change, by trigger (so no code path can forget it):
 * - the customer's own inputs (its default policy: every row; a vendor's policy override, recorded reports, reviews,
 *   the watch itself: that vendor's row) set `valid_through` to NULL and bump `inputs_version`; a refresher writes a
 *   row only if `inputs_version` is still what it read before evaluating (so it never overwrites a newer change with
 *   an older evaluation);
 * - a vendor's published evidence (attestations that are or were PUBLISHED/SUPERSEDED, bridge letters, its trust
 *   center's status, its attestations in progress) bumps the vendor's row in vendor_evidence_versions (vendor-owned:
 *   the vendor's transaction cannot write its customers' rows, RLS), which the customer's read compares.
 *
 * vendor_evidence_versions is readable across tenants with `app.public_reads` (a portfolio), like the published
 * attestations it counts; its policies have no subquery (Citus, docs/scaling.md).
 */
export class VendorStatusIndex1795713200000 implements MigrationInterface {
  name = 'VendorStatusIndex1795713200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "vendor_evidence_versions" (
      "org_id" uuid NOT NULL,
      "version" bigint NOT NULL DEFAULT 1,
      "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "vendor_evidence_versions_pkey" PRIMARY KEY ("org_id"))`);
    await q.query(`ALTER TABLE "vendor_evidence_versions" ADD CONSTRAINT "vendor_evidence_versions_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "vendor_status_current" (
      "org_id" uuid NOT NULL,
      "watch_id" uuid NOT NULL,
      "vendor_org_id" uuid,
      "name_key" text COLLATE "C" NOT NULL,
      "status" text,
      "expires_on" date,
      "reviewed" boolean NOT NULL DEFAULT false,
      "needs_review" boolean NOT NULL DEFAULT false,
      "valid_from" date,
      "valid_through" date,
      "vendor_version" bigint,
      "inputs_version" bigint NOT NULL DEFAULT 0,
      "evaluated_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "vendor_status_current_status_check" CHECK (status IS NULL OR status IN ('COMPLIANT', 'EXPIRING_SOON', 'NEEDS_REVIEW', 'NON_COMPLIANT', 'UNKNOWN')),
      CONSTRAINT "vendor_status_current_pkey" PRIMARY KEY ("org_id", "watch_id"))`);
    await q.query(`ALTER TABLE "vendor_status_current" ADD CONSTRAINT "vendor_status_current_watch_fkey" FOREIGN KEY ("org_id", "watch_id") REFERENCES "vendor_watches"("org_id", "id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    // What exists already: every trust center gets a version, every watch an unusable row (the next refresh fills it).
    await q.query(`INSERT INTO "vendor_evidence_versions" (org_id) SELECT org_id FROM trust_centers`);
    await q.query(`INSERT INTO "vendor_status_current" (org_id, watch_id, vendor_org_id, name_key) SELECT org_id, id, vendor_org_id, lower(name) FROM vendor_watches`);

    for (const table of ['vendor_evidence_versions', 'vendor_status_current']) {
      await q.query(`ALTER TABLE "${table}" ENABLE ROW LEVEL SECURITY`);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
      await q.query(`CREATE POLICY ${table}_tenant ON "${table}" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
      await q.query(`CREATE POLICY ${table}_visitor_insert ON "${table}" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
      await q.query(`CREATE POLICY ${table}_visitor_update ON "${table}" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
      await q.query(`CREATE POLICY ${table}_visitor_delete ON "${table}" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    }
    await q.query(`CREATE POLICY vendor_status_current_visitor ON "vendor_status_current" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY vendor_evidence_versions_public ON "vendor_evidence_versions" FOR SELECT USING (app_public_reads())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ("version", "changed_at") ON "vendor_evidence_versions" TO trust_portal_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ("name_key", "status", "expires_on", "reviewed", "needs_review", "valid_from", "valid_through", "vendor_version", "vendor_org_id", "inputs_version", "evaluated_at") ON "vendor_status_current" TO trust_portal_app`);

    // ---- vendor side: a change to what customers' evaluations read bumps the vendor's evidence version ----------------
    await q.query(`CREATE FUNCTION tp_vendor_evidence_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        vendor uuid;
      BEGIN
        IF TG_OP = 'DELETE' THEN vendor := OLD.org_id; ELSE vendor := NEW.org_id; END IF;
        INSERT INTO vendor_evidence_versions AS v (org_id, version, changed_at) VALUES (vendor, 1, now())
          ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1, changed_at = now();
        RETURN NULL;
      END $$`);
    // Attestations count only while PUBLISHED or SUPERSEDED (draft edits move nothing); letters and engagements always.
    await q.query(`CREATE TRIGGER "attestations_evidence_insert" AFTER INSERT ON "attestations" FOR EACH ROW
      WHEN (NEW.status IN ('PUBLISHED', 'SUPERSEDED')) EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`CREATE TRIGGER "attestations_evidence_update" AFTER UPDATE ON "attestations" FOR EACH ROW
      WHEN (OLD.status IN ('PUBLISHED', 'SUPERSEDED') OR NEW.status IN ('PUBLISHED', 'SUPERSEDED')) EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`CREATE TRIGGER "attestations_evidence_delete" AFTER DELETE ON "attestations" FOR EACH ROW
      WHEN (OLD.status IN ('PUBLISHED', 'SUPERSEDED')) EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`CREATE TRIGGER "bridge_letters_evidence" AFTER INSERT OR UPDATE OR DELETE ON "bridge_letters" FOR EACH ROW EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`CREATE TRIGGER "attestations_in_progress_evidence" AFTER INSERT OR UPDATE OR DELETE ON "attestations_in_progress" FOR EACH ROW EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    // Publishing or unpublishing the trust center shows or hides everything (UNKNOWN); other settings move nothing.
    await q.query(`CREATE TRIGGER "trust_centers_evidence" AFTER INSERT OR DELETE ON "trust_centers" FOR EACH ROW EXECUTE FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`CREATE TRIGGER "trust_centers_evidence_status" AFTER UPDATE ON "trust_centers" FOR EACH ROW
      WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION tp_vendor_evidence_changed()`);

    // ---- customer side: the watch's row is made with the watch; a change to its inputs makes it unusable ---------------
    await q.query(`CREATE FUNCTION tp_watch_status_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO vendor_status_current (org_id, watch_id, vendor_org_id, name_key) VALUES (NEW.org_id, NEW.id, NEW.vendor_org_id, lower(NEW.name));
        ELSE
          UPDATE vendor_status_current SET vendor_org_id = NEW.vendor_org_id, valid_through = NULL, inputs_version = inputs_version + 1
            WHERE org_id = NEW.org_id AND watch_id = NEW.id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER "vendor_watches_status_row" AFTER INSERT OR UPDATE ON "vendor_watches" FOR EACH ROW EXECUTE FUNCTION tp_watch_status_row()`);
    await q.query(`CREATE FUNCTION tp_status_inputs_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        r record;
      BEGIN
        IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
        IF r.watch_id IS NULL THEN
          -- The default requirement policy: every vendor of the organization. Under the refreshers' lock
          -- (TrackingService.recordStatusChanges): two multi-row updates of the same rows could otherwise deadlock.
          PERFORM pg_advisory_xact_lock(hashtextextended('status:' || r.org_id::text, 0));
          UPDATE vendor_status_current SET valid_through = NULL, inputs_version = inputs_version + 1 WHERE org_id = r.org_id;
        ELSE
          UPDATE vendor_status_current SET valid_through = NULL, inputs_version = inputs_version + 1 WHERE org_id = r.org_id AND watch_id = r.watch_id;
        END IF;
        IF TG_OP = 'UPDATE' THEN
          -- Nested: OLD exists only for an update. A row moved to another vendor unsettles its old one too.
          IF OLD.watch_id IS DISTINCT FROM NEW.watch_id THEN
            UPDATE vendor_status_current SET valid_through = NULL, inputs_version = inputs_version + 1
              WHERE org_id = OLD.org_id AND (OLD.watch_id IS NULL OR watch_id = OLD.watch_id);
          END IF;
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['requirement_policies', 'tracked_attestations', 'vendor_reviews']) {
      await q.query(`CREATE TRIGGER "${table}_status_inputs" AFTER INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION tp_status_inputs_changed()`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['requirement_policies', 'tracked_attestations', 'vendor_reviews']) await q.query(`DROP TRIGGER "${table}_status_inputs" ON "${table}"`);
    await q.query(`DROP TRIGGER "vendor_watches_status_row" ON "vendor_watches"`);
    await q.query(`DROP FUNCTION tp_status_inputs_changed()`);
    await q.query(`DROP FUNCTION tp_watch_status_row()`);
    await q.query(`DROP TRIGGER "trust_centers_evidence_status" ON "trust_centers"`);
    await q.query(`DROP TRIGGER "trust_centers_evidence" ON "trust_centers"`);
    await q.query(`DROP TRIGGER "attestations_in_progress_evidence" ON "attestations_in_progress"`);
    await q.query(`DROP TRIGGER "bridge_letters_evidence" ON "bridge_letters"`);
    for (const op of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER "attestations_evidence_${op}" ON "attestations"`);
    await q.query(`DROP FUNCTION tp_vendor_evidence_changed()`);
    await q.query(`DROP TABLE "vendor_status_current"`);
    await q.query(`DROP TABLE "vendor_evidence_versions"`);
  }
}
