import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11, item 5: website links were stored unchecked (a subprocessor's websiteUrl took `javascript:`). The API now
 * refuses such input and serves no stored link that fails src/domain/url.ts; this clears the ones already stored, so
 * nothing else reading the tables (exports, support tools, a future page) finds them either.
 *
 * The SQL test is the coarse part of the check (absolute http(s), a host, no credentials, no whitespace, control
 * characters or backslash, at most 2048 characters); the output check stays the exact one. Its own `down()` cannot
 * bring the values back (nor should it).
 */
const KEEP = String.raw`^https?://[^/?#@\s\\[:cntrl:]]+([/?#][^\s\\[:cntrl:]]*)?$`;
const TABLES = ['trust_centers', 'subprocessors'] as const;

export class WebUrls1795709000000 implements MigrationInterface {
  name = 'WebUrls1795709000000';

  public async up(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      // Row-level security is forced on the owner too: lift it for this one statement (same transaction), so a
      // migration role that is the owner but not a superuser sees every tenant's rows.
      await q.query(`ALTER TABLE "${table}" NO FORCE ROW LEVEL SECURITY`);
      await q.query(`UPDATE "${table}" SET "website_url" = NULL WHERE "website_url" IS NOT NULL AND ("website_url" !~* $1 OR length("website_url") > 2048)`, [KEEP]);
      await q.query(`ALTER TABLE "${table}" FORCE ROW LEVEL SECURITY`);
    }
  }

  public async down(): Promise<void> {
    // Nothing to undo: the cleared values were links that must not be served.
  }
}
