import type { EntityManager } from 'typeorm';
import { entityFromJson, rowPart, type JsonPart, type SqlParams } from '../../db/json-parts';
import type { TenantScope } from '../auth/tenant-scope';
import { TrustCenterEntity } from './trust-center.entity';

/** A vendor whose trust center is published, as alert mail names it. */
export interface PublishedVendor {
  name: string;
  slug: string;
}

export const trustCenterRepository = {
  /** The settings as a JSON part (json-parts.ts): a public page reads them beside its other parts in one statement. */
  part(scope: TenantScope): JsonPart<TrustCenterEntity | null> {
    return rowPart((p) => `SELECT t.* FROM trust_centers t WHERE t.org_id = ${p.add(scope.orgId)}`, (row, m) => entityFromJson(m, TrustCenterEntity, row));
  },

  /** SQL for the id of the NDA the trust center currently asks customers to accept (NULL when none). */
  currentNdaTemplateIdSql(scope: TenantScope): (p: SqlParams) => string {
    return (p) => `(SELECT t.current_nda_template_id FROM trust_centers t WHERE t.org_id = ${p.add(scope.orgId)})`;
  },

  async forScope(m: EntityManager, scope: TenantScope, lock = false): Promise<TrustCenterEntity | null> {
    const qb = m.getRepository(TrustCenterEntity).createQueryBuilder('t').where('t.org_id = :orgId', { orgId: scope.orgId });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  async insert(m: EntityManager, scope: TenantScope): Promise<TrustCenterEntity> {
    const repo = m.getRepository(TrustCenterEntity);
    return repo.save(repo.create({ orgId: scope.orgId }));
  },

  async update(m: EntityManager, scope: TenantScope, values: Partial<TrustCenterEntity>): Promise<void> {
    await m.getRepository(TrustCenterEntity).update({ orgId: scope.orgId }, { ...values, updatedAt: new Date() });
  },

  /** The vendor's name and slug while its trust center is published, else null. Needs DbScope.publicReads(). */
  async publishedVendor(m: EntityManager, vendorOrgId: string): Promise<PublishedVendor | null> {
    const rows: PublishedVendor[] = await m.query(
      `SELECT o.name, o.slug FROM trust_centers t JOIN organizations o ON o.id = t.org_id WHERE t.org_id = $1 AND t.status = 'PUBLISHED'`, [vendorOrgId]);
    return rows[0] ?? null;
  },

  /** Vendors whose trust center is published (only those in `onlyOrgIds` when given). Needs DbScope.publicReads(). */
  async publishedOrgIds(m: EntityManager, onlyOrgIds: string[] | null): Promise<string[]> {
    const rows: { org_id: string }[] = await m.query(
      `SELECT org_id FROM trust_centers WHERE status = 'PUBLISHED' AND ($1::uuid[] IS NULL OR org_id = ANY($1::uuid[]))`, [onlyOrgIds]);
    return rows.map((r) => r.org_id);
  },
};
