import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { NotificationEntity, SubprocessorEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';

/**
 * SQL for the feed, vendor subscriptions, subprocessors and the webhook log, every statement scoped by the tenant.
 * (Delivery, fan-out and the sweep in notifications.service.ts still run their own: that file is moved over next.)
 */
export const notificationsRepository = {
  /** Follows a vendor, or changes which events of it are followed. */
  async upsertSubscription(m: EntityManager, scope: TenantScope, vendorOrgId: string, eventTypes: string[]): Promise<VendorSubscriptionEntity> {
    await m.query(
      `INSERT INTO vendor_subscriptions (org_id, vendor_org_id, event_types, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id, vendor_org_id) DO UPDATE SET event_types = EXCLUDED.event_types`,
      [scope.orgId, vendorOrgId, eventTypes, scope.userId],
    );
    return m.getRepository(VendorSubscriptionEntity).findOneOrFail({ where: { orgId: scope.orgId, vendorOrgId } });
  },

  /** Whether a subscription was there to delete. */
  async deleteSubscription(m: EntityManager, scope: TenantScope, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const [, count]: [unknown, number] = await m.query(`DELETE FROM vendor_subscriptions WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
    return count > 0;
  },

  async subscriptions(m: EntityManager, scope: TenantScope): Promise<VendorSubscriptionEntity[]> {
    return m.getRepository(VendorSubscriptionEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'ASC' } });
  },

  /** Marks the given notifications read (all of them when `ids` is null). */
  async markRead(m: EntityManager, scope: TenantScope, ids: readonly string[] | null): Promise<void> {
    if (ids) await m.query(`UPDATE notifications SET read_at = now() WHERE org_id = $1 AND id = ANY($2) AND read_at IS NULL`, [scope.orgId, ids.filter(isUuid)]);
    else await m.query(`UPDATE notifications SET read_at = now() WHERE org_id = $1 AND read_at IS NULL`, [scope.orgId]);
  },

  async unreadCount(m: EntityManager, scope: TenantScope): Promise<number> {
    const [row]: { n: number }[] = await m.query(`SELECT count(*)::int AS n FROM notifications WHERE org_id = $1 AND read_at IS NULL`, [scope.orgId]);
    return row!.n;
  },

  /** A page of the feed, newest first: `limit + 1` rows after the (createdAt, id) key. */
  async page(m: EntityManager, scope: TenantScope, limit: number, after: { createdAt: string; id: string } | null, unreadOnly: boolean): Promise<NotificationEntity[]> {
    const qb = m.getRepository(NotificationEntity).createQueryBuilder('n').where('n.org_id = :orgId', { orgId: scope.orgId });
    if (unreadOnly) qb.andWhere('n.read_at IS NULL');
    if (after) qb.andWhere('(n.created_at, n.id) < (:at::timestamptz, :id::uuid)', { at: after.createdAt, id: after.id });
    return qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').limit(limit + 1).getMany();
  },

  async subprocessor(m: EntityManager, scope: TenantScope, id: string): Promise<SubprocessorEntity | null> {
    return isUuid(id) ? m.getRepository(SubprocessorEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
  },

  async subprocessors(m: EntityManager, scope: TenantScope): Promise<SubprocessorEntity[]> {
    return m.getRepository(SubprocessorEntity).find({ where: { orgId: scope.orgId }, order: { name: 'ASC' } });
  },

  async insertSubprocessor(m: EntityManager, scope: TenantScope, values: Pick<SubprocessorEntity, 'name' | 'purpose' | 'location' | 'dataCategories' | 'websiteUrl'>): Promise<SubprocessorEntity> {
    const repo = m.getRepository(SubprocessorEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  async deleteSubprocessor(m: EntityManager, scope: TenantScope, id: string): Promise<void> {
    await m.query(`DELETE FROM subprocessors WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
  },

  async endpoints(m: EntityManager, scope: TenantScope): Promise<WebhookEndpointEntity[]> {
    return m.getRepository(WebhookEndpointEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'ASC' } });
  },

  /** An endpoint's delivery log, newest first (at most 100). */
  async deliveries(m: EntityManager, scope: TenantScope, endpointId: string): Promise<WebhookDeliveryEntity[]> {
    return m.getRepository(WebhookDeliveryEntity).find({ where: { orgId: scope.orgId, endpointId }, order: { createdAt: 'DESC' }, take: 100 });
  },
};
