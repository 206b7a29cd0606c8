import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import { TrustCenterEntity } from './trust-center.entity';

export const trustCenterRepository = {
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
};
