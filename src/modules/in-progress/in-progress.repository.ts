import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { AttestationInProgressEntity, type InProgressStatus } from './in-progress.entity';

/** At most this many rows per trust center in one list (a vendor works towards a handful at a time). */
export const IN_PROGRESS_LIST_LIMIT = 100;

/** The only TypeORM user for attestations_in_progress; every query is scoped by the tenant (RLS repeats it). */
export const inProgressRepository = {
  async findById(m: EntityManager, scope: TenantScope, id: string, lock = false): Promise<AttestationInProgressEntity | null> {
    if (!isUuid(id)) return null;
    const qb = m
      .getRepository(AttestationInProgressEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :orgId AND p.id = :id', { orgId: scope.orgId, id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  },

  /** Soonest expected report first. */
  async list(m: EntityManager, scope: TenantScope, statuses: readonly InProgressStatus[]): Promise<AttestationInProgressEntity[]> {
    return m
      .getRepository(AttestationInProgressEntity)
      .createQueryBuilder('p')
      .where('p.org_id = :orgId AND p.status = ANY(:statuses)', { orgId: scope.orgId, statuses })
      .orderBy('p.expected_report_date', 'ASC')
      .addOrderBy('p.id', 'ASC')
      .limit(IN_PROGRESS_LIST_LIMIT)
      .getMany();
  },

  /** IN_PROGRESS rows of one framework and type, other than `excludeId`: a second one for the same kind is refused. */
  async openOfKind(m: EntityManager, scope: TenantScope, framework: string, socType: string | null, excludeId: string | null): Promise<AttestationInProgressEntity[]> {
    const qb = m
      .getRepository(AttestationInProgressEntity)
      .createQueryBuilder('p')
      .where(`p.org_id = :orgId AND p.framework = :framework AND p.status = 'IN_PROGRESS' AND p.soc_type IS NOT DISTINCT FROM :socType`, { orgId: scope.orgId, framework, socType });
    if (excludeId) qb.andWhere('p.id <> :excludeId', { excludeId });
    return qb.getMany();
  },

  /**
   * The IN_PROGRESS rows of several vendors at once, across tenants: only in a transaction with public reads on (a
   * buyer's portfolio), where RLS admits exactly these rows (attestations_in_progress_public). The caller names only
   * vendors whose trust center is published: the policy cannot check that without a subquery.
   */
  async openOfOrgs(m: EntityManager, orgIds: readonly string[]): Promise<Pick<AttestationInProgressEntity, 'orgId' | 'id' | 'framework' | 'socType' | 'expectedReportDate' | 'createdAt'>[]> {
    if (orgIds.length === 0) return [];
    return m.query(
      `SELECT org_id AS "orgId", id, framework, soc_type AS "socType", expected_report_date AS "expectedReportDate", created_at AS "createdAt"
       FROM attestations_in_progress WHERE org_id = ANY($1) AND status = 'IN_PROGRESS'`,
      [orgIds],
    );
  },

  async insert(m: EntityManager, scope: TenantScope, values: Partial<AttestationInProgressEntity>): Promise<AttestationInProgressEntity> {
    const entity = m.getRepository(AttestationInProgressEntity).create({ ...values, orgId: scope.orgId });
    return m.getRepository(AttestationInProgressEntity).save(entity);
  },

  async update(m: EntityManager, scope: TenantScope, id: string, values: Partial<AttestationInProgressEntity>): Promise<void> {
    await m.getRepository(AttestationInProgressEntity).update({ orgId: scope.orgId, id }, { ...values, updatedAt: new Date() });
  },
};
