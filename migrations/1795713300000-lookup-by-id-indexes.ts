import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: the two lookups by a global id alone, before the tenant is known, had no index and read the whole table:
 * a download's document (`SELECT org_id FROM documents WHERE id = $1` under `app.document_id`: 4.3 ms over the bench's
 * 100,000 documents, the slowest statement of a download) and a partner request's API key (`api_keys WHERE id = $1`).
 *
 * Not unique indexes (ids are unique already, by the (org_id, id) primary key and uuid generation): on Citus a
 * non-unique index is built on every shard and needs no `org_id`, like the existing ones for cross-tenant fan-out
 * (`vendor_watches (vendor_org_id)`); the lookup stays a scatter read, each shard answering from its index
 * (docs/scaling.md).
 */
export class LookupByIdIndexes1795713300000 implements MigrationInterface {
  name = 'LookupByIdIndexes1795713300000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "documents_id_idx" ON "documents" ("id")`);
    await q.query(`CREATE INDEX "api_keys_id_idx" ON "api_keys" ("id")`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "api_keys_id_idx"`);
    await q.query(`DROP INDEX "documents_id_idx"`);
  }
}
