import { ValidationError } from 'class-validator';
import { Arg, ArgumentValidationError, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { checkWebUrl, safeWebUrl } from '../../domain/url';
import { VENDOR_EVENT_TYPES, emitVendorEvent } from '../../jobs/events';
import type { RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { authorize } from '../auth/authorize';
import { NotFoundError, isUuid, type PayloadError } from '../common/errors';
import { Organization } from '../tenancy/tenancy.types';
import { TrustCenter } from '../trust-center/trust-center.types';
import { TrustCenterService } from '../trust-center/trust-center.service';
import { NotificationEntity, SubprocessorEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';
import { NotificationsService } from './notifications.service';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  NotificationConnection,
  Subprocessor,
  SubprocessorInput,
  SubprocessorPayload,
  type SubprocessorErrorCode,
  SubscribeToVendorInput,
  SubscriptionPayload,
  VendorSubscription,
  WebhookDelivery,
  WebhookEndpoint,
} from './notifications.types';

const toEndpoint = (e: WebhookEndpointEntity): WebhookEndpoint =>
  Object.assign(new WebhookEndpoint(), { orgId: e.orgId, id: e.id, url: e.url, description: e.description, eventTypes: e.eventTypes, enabled: e.enabled, disabledReason: e.disabledReason, consecutiveFailures: e.consecutiveFailures, createdAt: e.createdAt });
const toSubscription = (s: VendorSubscriptionEntity): VendorSubscription => ({ id: s.id, vendorOrganizationId: s.vendorOrgId, eventTypes: s.eventTypes, createdAt: s.createdAt });
// websiteUrl is served only if it passes today's check: a row stored before it (or written around the API) links nowhere.
const toSubprocessor = (s: SubprocessorEntity): Subprocessor => ({ id: s.id, name: s.name, purpose: s.purpose, location: s.location, dataCategories: s.dataCategories, websiteUrl: safeWebUrl(s.websiteUrl), updatedAt: s.updatedAt });
const service = (ctx: RequestContext): NotificationsService => new NotificationsService(ctx.db, ctx.logger);

@Resolver()
export class NotificationsMutationResolver {
  @Authorized('webhooks.manage')
  @Mutation(() => CreateWebhookEndpointPayload, { description: 'Add a webhook endpoint (OWNER, ADMIN); the signing secret is returned once.' })
  async createWebhookEndpoint(@Arg('input', { description: 'The endpoint.' }) input: CreateWebhookEndpointInput, @Ctx() ctx: RequestContext): Promise<CreateWebhookEndpointPayload> {
    const r = await service(ctx).createEndpoint(authorize(ctx.principal, 'webhooks.manage'), input, { allowPlainHttp: ctx.config.jobs.allowHttpWebhooks, allowPrivateTargets: ctx.config.jobs.allowPrivateWebhooks });
    return { endpoint: r.endpoint ? toEndpoint(r.endpoint) : null, secret: r.secret, errors: r.errors };
  }

  @Authorized('webhooks.manage')
  @Mutation(() => WebhookEndpoint, { description: 'Enable or disable an endpoint (enabling resets its failure count).' })
  async setWebhookEndpointEnabled(
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('enabled', { description: 'Deliver to it or not.' }) enabled: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return toEndpoint(await service(ctx).setEndpointEnabled(authorize(ctx.principal, 'webhooks.manage'), id, enabled));
  }

  @Authorized('webhooks.manage')
  @Mutation(() => ID, { description: 'Delete an endpoint; pending deliveries to it fail. Returns its id.' })
  async deleteWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    await service(ctx).deleteEndpoint(authorize(ctx.principal, 'webhooks.manage'), id);
    return id;
  }

  @Authorized('webhooks.manage')
  @Mutation(() => WebhookDelivery, { description: 'Queue a signed `webhook.test` delivery to an endpoint; follow it in `deliveries`.' })
  async testWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: RequestContext): Promise<WebhookDelivery> {
    return toDelivery(await service(ctx).testEndpoint(authorize(ctx.principal, 'webhooks.manage'), id));
  }

  @Authorized('tracking.write')
  @Mutation(() => SubscriptionPayload, { description: "Follow a vendor's updates (new, superseded or withdrawn attestations, bridge letters, documents, subprocessors, freshness)." })
  async subscribeToVendor(@Arg('input', { description: 'The vendor and event types.' }) input: SubscribeToVendorInput, @Ctx() ctx: RequestContext): Promise<SubscriptionPayload> {
    const scope = authorize(ctx.principal, 'tracking.write');
    const bad = (input.eventTypes ?? []).find((t) => !(VENDOR_EVENT_TYPES as readonly string[]).includes(t));
    if (bad) return { subscription: null, errors: [{ code: 'INVALID_EVENT_TYPE', field: 'eventTypes', message: `Unknown event type ${bad}; known: ${VENDOR_EVENT_TYPES.join(', ')}.` }] };
    const { trustCenter } = await new TrustCenterService(ctx.db).bySlug(ctx.principal, input.trustCenterSlug);
    // Members may read their own draft, but followers follow what a vendor published.
    if (trustCenter.status !== 'PUBLISHED') throw new NotFoundError('Trust center');
    const subscription = await ctx.db.transaction(scope.identity(), async (m) => {
      await m.query(
        `INSERT INTO vendor_subscriptions (org_id, vendor_org_id, event_types, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, vendor_org_id) DO UPDATE SET event_types = EXCLUDED.event_types`,
        [scope.orgId, trustCenter.orgId, [...new Set(input.eventTypes ?? [])], scope.userId],
      );
      return m.getRepository(VendorSubscriptionEntity).findOneOrFail({ where: { orgId: scope.orgId, vendorOrgId: trustCenter.orgId } });
    });
    return { subscription: toSubscription(subscription), errors: [] };
  }

  @Authorized('tracking.write')
  @Mutation(() => ID, { description: 'Stop following a vendor. Returns the subscription id.' })
  async unsubscribeFromVendor(@Arg('id', () => ID, { description: 'The subscription.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    const scope = authorize(ctx.principal, 'tracking.write');
    const [, count] = await ctx.db.transaction(scope.identity(), (m) => (isUuid(id) ? m.query(`DELETE FROM vendor_subscriptions WHERE org_id = $1 AND id = $2`, [scope.orgId, id]) : Promise.resolve([[], 0])));
    if (count === 0) throw new NotFoundError('Subscription');
    return id;
  }

  @Authorized('notifications.read')
  @Mutation(() => Int, { description: 'Mark notifications read (the given ids, or all when none are given); returns the unread count left.' })
  async markNotificationsRead(@Ctx() ctx: RequestContext, @Arg('ids', () => [ID], { nullable: true, description: 'Which (omit: all).' }) ids?: string[] | null): Promise<number> {
    const scope = authorize(ctx.principal, 'notifications.read');
    return ctx.db.transaction(scope.identity(), async (m) => {
      if (ids && ids.length > 0) {
        await m.query(`UPDATE notifications SET read_at = now() WHERE org_id = $1 AND id = ANY($2) AND read_at IS NULL`, [scope.orgId, ids.filter(isUuid)]);
      } else {
        await m.query(`UPDATE notifications SET read_at = now() WHERE org_id = $1 AND read_at IS NULL`, [scope.orgId]);
      }
      const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM notifications WHERE org_id = $1 AND read_at IS NULL`, [scope.orgId]);
      return n as number;
    });
  }

  @Authorized('trustCenter.update')
  @Mutation(() => SubprocessorPayload, { description: 'Add a subprocessor to the trust center (EDITOR and above); followers are told. Refusals (an invalid websiteUrl) come back in `errors`.' })
  async createSubprocessor(@Arg('input', { description: 'The subprocessor.' }) input: SubprocessorInput, @Ctx() ctx: RequestContext): Promise<SubprocessorPayload> {
    const r = await insertSubprocessor(ctx, input);
    return { subprocessor: r.subprocessor ? toSubprocessor(r.subprocessor) : null, errors: r.errors };
  }

  @Authorized('trustCenter.update')
  @Mutation(() => Subprocessor, {
    description: 'Add a subprocessor to the trust center (EDITOR and above); followers are told. A refusal (an invalid websiteUrl) is a top-level BAD_USER_INPUT whose `extensions.validationErrors` names the field and the code (INVALID_URL).',
    deprecationReason: 'Use createSubprocessor: it answers refusals as payload errors.',
  })
  async addSubprocessor(@Arg('input', { description: 'The subprocessor.' }) input: SubprocessorInput, @Ctx() ctx: RequestContext): Promise<Subprocessor> {
    const r = await insertSubprocessor(ctx, input);
    // Its return type has no room for payload errors (changing it would break clients): the refusal goes top-level.
    if (!r.subprocessor) throw new ArgumentValidationError(r.errors.map((e) => Object.assign(new ValidationError(), { property: e.field ?? 'input', constraints: { [e.code]: e.message }, children: [] })));
    return toSubprocessor(r.subprocessor);
  }

  @Authorized('trustCenter.update')
  @Mutation(() => ID, { description: 'Remove a subprocessor (EDITOR and above); followers are told. Returns its id.' })
  async removeSubprocessor(@Arg('id', () => ID, { description: 'The subprocessor.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    const scope = authorize(ctx.principal, 'trustCenter.update');
    await ctx.db.transaction(scope.identity(), async (m) => {
      const found = isUuid(id) ? await m.getRepository(SubprocessorEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
      if (!found) throw new NotFoundError('Subprocessor');
      await m.query(`DELETE FROM subprocessors WHERE org_id = $1 AND id = $2`, [scope.orgId, id]);
      await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'subprocessors.changed', title: `Subprocessor removed: ${found.name}`, data: { change: 'removed', subprocessorId: id, name: found.name } });
    });
    return id;
  }
}

/** Adds a subprocessor unless its input is refused (checked before anything is written). */
async function insertSubprocessor(ctx: RequestContext, input: SubprocessorInput): Promise<{ subprocessor: SubprocessorEntity | null; errors: PayloadError<SubprocessorErrorCode>[] }> {
  const scope = authorize(ctx.principal, 'trustCenter.update');
  let websiteUrl: string | null = null;
  if (input.websiteUrl !== undefined && input.websiteUrl !== null && input.websiteUrl !== '') {
    const url = checkWebUrl(input.websiteUrl);
    if (!url.ok) return { subprocessor: null, errors: [{ code: 'INVALID_URL', field: 'websiteUrl', message: `websiteUrl ${url.message}.` }] };
    websiteUrl = url.href;
  }
  const subprocessor = await ctx.db.transaction(scope.identity(), async (m) => {
    const repo = m.getRepository(SubprocessorEntity);
    const saved = await repo.save(repo.create({ orgId: scope.orgId, name: input.name.trim(), purpose: input.purpose.trim(), location: input.location.trim(), dataCategories: input.dataCategories ?? [], websiteUrl }));
    await emitVendorEvent(m, { vendorOrgId: scope.orgId, type: 'subprocessors.changed', title: `Subprocessor added: ${saved.name}`, data: { change: 'added', subprocessorId: saved.id, name: saved.name, location: saved.location } });
    return saved;
  });
  return { subprocessor, errors: [] };
}

const toDelivery = (d: WebhookDeliveryEntity): WebhookDelivery => ({
  id: d.id, eventType: d.eventType, status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError: d.lastError,
  lastAttemptAt: d.lastAttemptAt, deliveredAt: d.deliveredAt, createdAt: d.createdAt,
});

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @FieldResolver(() => [WebhookDelivery], { description: 'The delivery log, newest first (at most 100).' })
  async deliveries(@Root() e: WebhookEndpoint, @Ctx() ctx: RequestContext): Promise<WebhookDelivery[]> {
    const scope = authorize(ctx.principal, 'webhooks.manage', { orgId: e.orgId });
    const rows = await ctx.db.transaction(scope.identity(), (m) => m.getRepository(WebhookDeliveryEntity).find({ where: { orgId: scope.orgId, endpointId: e.id }, order: { createdAt: 'DESC' }, take: 100 }));
    return rows.map(toDelivery);
  }
}

@Resolver(() => Organization)
export class OrganizationNotificationsResolver {
  @FieldResolver(() => NotificationConnection, { description: 'Members: the in-app feed, newest first.' })
  async notifications(
    @Root() org: Organization,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Arg('unreadOnly', { nullable: true, description: 'Only unread ones.' }) unreadOnly?: boolean,
  ): Promise<NotificationConnection> {
    const scope = authorize(ctx.principal, 'notifications.read', { orgId: org.id });
    const limit = page.first ?? DEFAULT_PAGE_SIZE;
    const after = page.after ? decodeCursor(page.after, ['timestamp', 'uuid']) : null;
    const rows = await ctx.db.transaction(scope.identity(), (m) => {
      const qb = m.getRepository(NotificationEntity).createQueryBuilder('n').where('n.org_id = :orgId', { orgId: scope.orgId });
      if (unreadOnly) qb.andWhere('n.read_at IS NULL');
      if (after) qb.andWhere('(n.created_at, n.id) < (:at::timestamptz, :id::uuid)', { at: String(after[0]), id: String(after[1]) });
      return qb.orderBy('n.created_at', 'DESC').addOrderBy('n.id', 'DESC').limit(limit + 1).getMany();
    });
    return toPage(rows, limit, Boolean(after), (n) => encodeCursor([n.createdAt.toISOString(), n.id]), (n) => ({
      id: n.id, eventId: n.eventId, type: n.type, title: n.title, vendorOrganizationId: n.vendorOrgId, data: n.data, createdAt: n.createdAt, readAt: n.readAt,
    }));
  }

  @FieldResolver(() => Int, { description: 'Members: how many notifications are unread.' })
  async unreadNotificationCount(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<number> {
    const scope = authorize(ctx.principal, 'notifications.read', { orgId: org.id });
    const [{ n }] = await ctx.db.transaction(scope.identity(), (m) => m.query(`SELECT count(*)::int AS n FROM notifications WHERE org_id = $1 AND read_at IS NULL`, [scope.orgId]));
    return n;
  }

  @FieldResolver(() => [WebhookEndpoint], { description: 'OWNER, ADMIN: webhook endpoints.' })
  async webhookEndpoints(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint[]> {
    const scope = authorize(ctx.principal, 'webhooks.manage', { orgId: org.id });
    return (await ctx.db.transaction(scope.identity(), (m) => m.getRepository(WebhookEndpointEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'ASC' } }))).map(toEndpoint);
  }

  @FieldResolver(() => [VendorSubscription], { description: 'Members: vendors this organization follows.' })
  async vendorSubscriptions(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<VendorSubscription[]> {
    const scope = authorize(ctx.principal, 'tracking.read', { orgId: org.id });
    return (await ctx.db.transaction(scope.identity(), (m) => m.getRepository(VendorSubscriptionEntity).find({ where: { orgId: scope.orgId }, order: { createdAt: 'ASC' } }))).map(toSubscription);
  }
}

@Resolver(() => TrustCenter)
export class TrustCenterSubprocessorsResolver {
  @FieldResolver(() => [Subprocessor], { description: 'The vendor\'s subprocessors (public on a published trust center).' })
  async subprocessors(@Root() tc: TrustCenter, @Ctx() ctx: RequestContext): Promise<Subprocessor[]> {
    const scope = authorize(ctx.principal, 'visit', { orgId: tc.orgId });
    return (await ctx.db.transaction(scope.identity(), (m) => m.getRepository(SubprocessorEntity).find({ where: { orgId: tc.orgId }, order: { name: 'ASC' } }))).map(toSubprocessor);
  }
}
