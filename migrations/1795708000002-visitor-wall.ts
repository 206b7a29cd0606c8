import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second wall on the public side. A visitor (anonymous, or a customer: anyone not a member) reads a vendor's
 * tenant with `app.visitor = on`. These RESTRICTIVE policies are ANDed with the tenant policies, so even a query that
 * forgot its filter cannot return a draft trust center, a draft or withdrawn report, a bridge letter of one, a PRIVATE
 * document or its files, an unfinished upload, or an unpublished NDA to a visitor. Superseded reports stay readable:
 * the public page computes gaps between consecutive Type II periods from them.
 */
const POLICIES: [table: string, visible: string][] = [
  ['trust_centers', `status = 'PUBLISHED'`],
  ['attestations', `status IN ('PUBLISHED', 'SUPERSEDED')`],
  ['bridge_letters', `EXISTS (SELECT 1 FROM attestations a WHERE a.org_id = bridge_letters.org_id AND a.id = bridge_letters.attestation_id)`],
  ['documents', `visibility IN ('PUBLIC', 'RESTRICTED')`],
  ['document_versions', `status = 'AVAILABLE' AND EXISTS (SELECT 1 FROM documents d WHERE d.org_id = document_versions.org_id AND d.id = document_versions.document_id)`],
  ['nda_templates', `status = 'PUBLISHED'`],
];

export class VisitorWall1795708000002 implements MigrationInterface {
  name = 'VisitorWall1795708000002';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION app_is_visitor() RETURNS boolean LANGUAGE sql STABLE
      AS $$ SELECT coalesce(current_setting('app.visitor', true), '') = 'on' $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION app_is_visitor() TO trust_portal_app`);
    // The EXISTS subqueries run under the same policies: a letter of a hidden report, or a version of a hidden
    // document, is hidden with it.
    for (const [table, visible] of POLICIES) {
      await q.query(`CREATE POLICY ${table}_visitor ON "${table}" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor() OR (${visible}))`);
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [table] of POLICIES) await q.query(`DROP POLICY ${table}_visitor ON "${table}"`);
    await q.query(`DROP FUNCTION app_is_visitor()`);
  }
}
