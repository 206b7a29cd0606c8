import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11, item 8: the visitor wall for writes. A visitor (anonymous, or a customer: anyone not a member) runs in the
 * vendor's tenant with `app.visitor = on`, so the tenant policies alone would accept any write a buggy customer path
 * sent there (a membership, an edit of an attestation). These RESTRICTIVE policies are ANDed with every permissive
 * one: under `app.visitor`, no table takes an UPDATE or a DELETE, and it takes an INSERT only where a customer flow
 * must write, and only for a row that is the visitor's own (its customer organization and user, from the
 * transaction's settings):
 *   access_requests, access_request_events  requestAccess (the vendor's auto-approval then acts as the system)
 *   nda_acceptances                          acceptNda (click-wrap)
 *   download_events                          a download of a document the visitor can see
 *   audit_events                             the three events those paths append, naming the visitor as the actor
 * A restrictive UPDATE policy also refuses a visitor's SELECT ... FOR UPDATE: a visitor cannot lock vendor rows.
 */
export const VISITOR_INSERTS: Record<string, string> = {
  access_requests: `requester_org_id = app_current_customer_org_id() AND requester_user_id = app_current_user_id()
    AND state = 'REQUESTED' AND decided_at IS NULL AND decided_by IS NULL AND grant_expires_at IS NULL`,
  access_request_events: `actor_user_id = app_current_user_id() AND from_state IS NULL AND to_state = 'REQUESTED'
    AND EXISTS (SELECT 1 FROM access_requests r WHERE r.org_id = access_request_events.org_id AND r.id = access_request_events.request_id
      AND r.requester_org_id = app_current_customer_org_id() AND r.requester_user_id = app_current_user_id())`,
  nda_acceptances: `source = 'CLICKWRAP' AND customer_org_id = app_current_customer_org_id() AND signer_user_id = app_current_user_id()`,
  // The version subquery runs under the visitor wall: only an AVAILABLE file of a document the visitor may see.
  download_events: `customer_org_id IS NOT DISTINCT FROM app_current_customer_org_id() AND user_id IS NOT DISTINCT FROM app_current_user_id()
    AND EXISTS (SELECT 1 FROM document_versions v WHERE v.org_id = download_events.org_id AND v.id = download_events.version_id
      AND v.document_id = download_events.document_id)`,
  audit_events: `action IN ('access.requested', 'nda.accepted', 'document.downloaded')
    AND actor_user_id IS NOT DISTINCT FROM app_current_user_id() AND actor_org_id IS NOT DISTINCT FROM app_current_customer_org_id()`,
};

/** Every table of the schema (the migrations ledger aside): tenant rows, people, and the two shared caches. */
export const VISITOR_WALLED_TABLES = [
  'organizations', 'users', 'memberships', 'trust_centers', 'attestations', 'bridge_letters', 'documents', 'document_versions',
  'nda_templates', 'nda_acceptances', 'access_requests', 'access_request_events', 'access_grants', 'download_events', 'audit_events',
  'vendor_watches', 'tracked_attestations', 'requirement_policies', 'vendor_status_history', 'vendor_subscriptions', 'notifications',
  'webhook_endpoints', 'webhook_deliveries', 'subprocessors', 'freshness_transitions', 'api_keys', 'rate_limit_windows',
  'persisted_queries', 'idempotency_keys',
] as const;

export class VisitorWrites1795708000004 implements MigrationInterface {
  name = 'VisitorWrites1795708000004';

  public async up(q: QueryRunner): Promise<void> {
    for (const table of VISITOR_WALLED_TABLES) {
      const insert = VISITOR_INSERTS[table];
      await q.query(`CREATE POLICY ${table}_visitor_insert ON "${table}" AS RESTRICTIVE FOR INSERT
        WITH CHECK (NOT app_is_visitor()${insert ? ` OR (${insert})` : ''})`);
      await q.query(`CREATE POLICY ${table}_visitor_update ON "${table}" AS RESTRICTIVE FOR UPDATE
        USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
      await q.query(`CREATE POLICY ${table}_visitor_delete ON "${table}" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [...VISITOR_WALLED_TABLES].reverse()) {
      for (const command of ['delete', 'update', 'insert']) await q.query(`DROP POLICY ${table}_visitor_${command} ON "${table}"`);
    }
  }
}
