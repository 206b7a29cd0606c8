import type { Database } from '../../db/database';
import { VENDOR_EVENT_TYPES } from '../../jobs/events';
import { auditActor, auditLog } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { TrustCenterService } from '../trust-center/trust-center.service';
import type { NotificationEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';
import { notificationsRepository } from './notifications.repository';

export interface SubscriptionResult {
  subscription: VendorSubscriptionEntity | null;
  errors: PayloadError<'INVALID_EVENT_TYPE'>[];
}

/** The customer's side of notifications: which vendors it follows, its in-app feed; and the webhook log's reads. */
export class FeedService {
  constructor(private readonly db: Database) {}

  /**
   * Follows a published trust center (members may read their own draft, but followers follow what was published).
   * Audited in the following organization's chain, as a change of its settings.
   */
  async subscribe(principal: Principal, scope: TenantScope, actor: Actor, input: { trustCenterSlug: string; eventTypes?: string[] | null }): Promise<SubscriptionResult> {
    const bad = (input.eventTypes ?? []).find((t) => !(VENDOR_EVENT_TYPES as readonly string[]).includes(t));
    if (bad) return { subscription: null, errors: [refusal('INVALID_EVENT_TYPE', 'eventTypes', `Unknown event type ${bad}; known: ${VENDOR_EVENT_TYPES.join(', ')}.`)] };
    const { trustCenter, organizationName } = await new TrustCenterService(this.db).bySlug(principal, input.trustCenterSlug);
    if (trustCenter.status !== 'PUBLISHED') throw new NotFoundError('Trust center');
    const subscription = await this.db.transaction(scope.identity(), async (m) => {
      const before = (await notificationsRepository.subscriptions(m, scope)).find((s) => s.vendorOrgId === trustCenter.orgId) ?? null;
      const saved = await notificationsRepository.upsertSubscription(m, scope, trustCenter.orgId, [...new Set(input.eventTypes ?? [])]);
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'vendor_subscription.set', targetType: 'vendor_subscription', targetId: saved.id,
        details: { vendorOrgId: trustCenter.orgId, vendor: organizationName, eventTypes: saved.eventTypes, previousEventTypes: before?.eventTypes ?? null },
      });
      return saved;
    });
    return { subscription, errors: [] };
  }

  async unsubscribe(scope: TenantScope, actor: Actor, id: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const found = (await notificationsRepository.subscriptions(m, scope)).find((s) => s.id === id);
      if (!found || !(await notificationsRepository.deleteSubscription(m, scope, id))) throw new NotFoundError('Subscription');
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'vendor_subscription.removed', targetType: 'vendor_subscription', targetId: id,
        details: { vendorOrgId: found.vendorOrgId, eventTypes: found.eventTypes },
      });
    });
  }

  async subscriptions(scope: TenantScope): Promise<VendorSubscriptionEntity[]> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.subscriptions(m, scope));
  }

  /** Marks the given notifications read (all when none are given); returns how many stay unread. */
  async markRead(scope: TenantScope, ids: readonly string[] | null | undefined): Promise<number> {
    return this.db.transaction(scope.identity(), async (m) => {
      await notificationsRepository.markRead(m, scope, ids && ids.length > 0 ? ids : null);
      return notificationsRepository.unreadCount(m, scope);
    });
  }

  async unreadCount(scope: TenantScope): Promise<number> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.unreadCount(m, scope));
  }

  async page(scope: TenantScope, limit: number, after: { createdAt: string; id: string } | null, unreadOnly: boolean): Promise<NotificationEntity[]> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.page(m, scope, limit, after, unreadOnly));
  }

  async endpoints(scope: TenantScope): Promise<WebhookEndpointEntity[]> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.endpoints(m, scope));
  }

  async deliveries(scope: TenantScope, endpointId: string): Promise<WebhookDeliveryEntity[]> {
    return this.db.transaction(scope.identity(), (m) => notificationsRepository.deliveries(m, scope, endpointId));
  }
}
