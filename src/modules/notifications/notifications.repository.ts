import type { EntityManager } from 'typeorm';
import { entityFromJson, rowsPart, selectPart, type JsonPart } from '../../db/json-parts';
import type { CalendarDate } from '../../domain/calendar-date';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid } from '../common/errors';
import { NotificationEntity, SubprocessorEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';

/** A feed item, added once per event id. */
export interface NewNotification {
  eventId: string;
  type: string;
  vendorOrgId: string;
  title: string;
  data: Record<string, unknown>;
}

/**
 * SQL for the feed, vendor subscriptions, subprocessors, webhook endpoints and deliveries, fan-out and the daily sweep,
 * every statement scoped by the tenant, over the module's own tables. The cross-tenant read (who subscribes to a
 * vendor) takes no TenantScope: each names the DbScope its transaction needs, as the other
 * repositories' lookups do.
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
    return selectPart(m, notificationsRepository.subprocessorsPart(scope));
  },

  /** `subprocessors` as a JSON part (json-parts.ts), to be read beside other parts in one statement. */
  subprocessorsPart(scope: TenantScope): JsonPart<SubprocessorEntity[]> {
    return rowsPart(
      (p) => `SELECT s.* FROM subprocessors s WHERE s.org_id = ${p.add(scope.orgId)}`,
      'r.name, r.id',
      (row, m) => entityFromJson(m, SubprocessorEntity, row),
    );
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

  // ---- webhook endpoints and deliveries -------------------------------------------------------------------------

  async endpoint(m: EntityManager, scope: TenantScope, id: string): Promise<WebhookEndpointEntity | null> {
    return isUuid(id) ? m.getRepository(WebhookEndpointEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
  },

  /** The enabled endpoints that take `type` (those naming no types take every type). */
  async enabledEndpointsFor(m: EntityManager, scope: TenantScope, type: string): Promise<WebhookEndpointEntity[]> {
    const endpoints = await m.getRepository(WebhookEndpointEntity).find({ where: { orgId: scope.orgId, enabled: true } });
    return endpoints.filter((e) => e.eventTypes.length === 0 || e.eventTypes.includes(type));
  },

  async insertEndpoint(m: EntityManager, scope: TenantScope, values: Pick<WebhookEndpointEntity, 'url' | 'eventTypes' | 'description' | 'secret'>): Promise<WebhookEndpointEntity> {
    const repo = m.getRepository(WebhookEndpointEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId, createdBy: scope.userId }));
  },

  async updateEndpoint(m: EntityManager, scope: TenantScope, id: string, values: Partial<Pick<WebhookEndpointEntity, 'enabled' | 'disabledReason' | 'consecutiveFailures' | 'updatedAt'>>): Promise<void> {
    await m.getRepository(WebhookEndpointEntity).update({ orgId: scope.orgId, id }, values);
  },

  /** Whether an endpoint was there to delete. */
  async deleteEndpoint(m: EntityManager, scope: TenantScope, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const [, count]: [unknown, number] = await m.query(`DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
    return count > 0;
  },

  /** A delivery succeeded: the endpoint's run of failures starts again. */
  async resetFailures(m: EntityManager, scope: TenantScope, endpointId: string): Promise<void> {
    await m.query(`UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE org_id = $1 AND id = $2`, [scope.orgId, endpointId]);
  },

  /** A delivery failed for good: one more failure in a row, and the endpoint is disabled at `disableAfter`. */
  async countFailure(m: EntityManager, scope: TenantScope, endpointId: string, disableAfter: number): Promise<void> {
    await m.query(
      `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
         enabled = CASE WHEN consecutive_failures + 1 >= $3 THEN false ELSE enabled END,
         disabled_reason = CASE WHEN consecutive_failures + 1 >= $3 THEN 'disabled after ' || $3 || ' failed deliveries' ELSE disabled_reason END
       WHERE org_id = $1 AND id = $2`,
      [scope.orgId, endpointId, disableAfter],
    );
  },

  async delivery(m: EntityManager, scope: TenantScope, id: string): Promise<WebhookDeliveryEntity | null> {
    return m.getRepository(WebhookDeliveryEntity).findOne({ where: { orgId: scope.orgId, id } });
  },

  async insertDelivery(m: EntityManager, scope: TenantScope, values: Pick<WebhookDeliveryEntity, 'endpointId' | 'notificationId' | 'eventType' | 'payload'>): Promise<WebhookDeliveryEntity> {
    const repo = m.getRepository(WebhookDeliveryEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId, status: 'PENDING' }));
  },

  async updateDelivery(m: EntityManager, scope: TenantScope, id: string, values: Partial<Pick<WebhookDeliveryEntity, 'status' | 'attempts' | 'lastStatusCode' | 'lastError' | 'lastAttemptAt' | 'deliveredAt'>>): Promise<void> {
    await m.getRepository(WebhookDeliveryEntity).update({ orgId: scope.orgId, id }, values);
  },

  /** Whether the endpoint already has a delivery of this event id (a retried job queues none again). */
  async hasDeliveryOf(m: EntityManager, scope: TenantScope, endpointId: string, eventId: string): Promise<boolean> {
    const seen: unknown[] = await m.query(`SELECT 1 FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2 AND payload->>'id' = $3`, [scope.orgId, endpointId, eventId]);
    return seen.length > 0;
  },

  // ---- the feed's writes ----------------------------------------------------------------------------------------

  /** Adds a vendor event to the feed once per event id; the new item's id, or null when it was there already. */
  async insertNotification(m: EntityManager, scope: TenantScope, n: NewNotification): Promise<string | null> {
    const inserted: { id: string }[] = await m.query(
      `INSERT INTO notifications (org_id, event_id, type, vendor_org_id, title, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
       ON CONFLICT (org_id, event_id) DO NOTHING RETURNING id`,
      [scope.orgId, n.eventId, n.type, n.vendorOrgId, n.title, JSON.stringify(n.data)],
    );
    return inserted[0]?.id ?? null;
  },

  /**
   * Adds an access event to a customer's feed once per event id, dated when it happened, unless the organization is
   * gone; whether it was added.
   */
  async insertAccessNotification(m: EntityManager, scope: TenantScope, n: NewNotification & { occurredAt: string }): Promise<boolean> {
    const inserted: unknown[] = await m.query(
      `INSERT INTO notifications (org_id, event_id, type, vendor_org_id, title, data, created_at) SELECT $1, $2, $3, $4, $5, $6::jsonb, $7
       WHERE EXISTS (SELECT 1 FROM organizations WHERE id = $1)
       ON CONFLICT (org_id, event_id) DO NOTHING RETURNING 1`,
      [scope.orgId, n.eventId, n.type, n.vendorOrgId, n.title, JSON.stringify(n.data), n.occurredAt]);
    return inserted.length === 1;
  },

  // ---- fan-out (cross-tenant reads) -----------------------------------------------------------------------------

  /**
   * The organizations subscribed to the vendor for `type` (to every type, or this one); those watching it come from
   * the tracking module (watchlists.watchersOf). Needs DbScope.fanout(vendorOrgId).
   */
  async subscribers(m: EntityManager, vendorOrgId: string, type: string): Promise<string[]> {
    const rows: { org_id: string }[] = await m.query(
      `SELECT org_id FROM vendor_subscriptions WHERE vendor_org_id = $1 AND (event_types = '{}' OR $2 = ANY(event_types))`,
      [vendorOrgId, type],
    );
    return rows.map((r) => r.org_id);
  },

  // ---- the daily sweep --------------------------------------------------------------------------------------------

  /** Remembers that an attestation entered `state` (once per state); whether this was the first time. */
  async recordTransition(m: EntityManager, scope: TenantScope, attestationId: string, state: string, on: CalendarDate): Promise<boolean> {
    const added: unknown[] = await m.query(
      `INSERT INTO freshness_transitions (org_id, attestation_id, state, occurred_on) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
      [scope.orgId, attestationId, state, on]);
    return added.length > 0;
  },


};
