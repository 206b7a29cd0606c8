import { ValidationError } from 'class-validator';
import { Arg, ArgumentValidationError, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import { safeWebUrl } from '../../domain/url';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { authorize } from '../auth/authorize';
import type { TenantScope } from '../auth/tenant-scope';
import { Prefetched } from '../../graphql/loaders';
import { Organization } from '../tenancy/tenancy.types';
import { TrustCenter } from '../trust-center/trust-center.types';
import type { SubprocessorEntity, VendorSubscriptionEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';
import { FeedService } from './feed.service';
import { SubprocessorService } from './subprocessors.service';
import { NotificationsService } from './notifications.service';
import {
  CreateWebhookEndpointInput,
  CreateWebhookEndpointPayload,
  NotificationConnection,
  Subprocessor,
  SubprocessorInput,
  SubprocessorPayload,
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
const feed = (ctx: RequestContext): FeedService => new FeedService(ctx.db);
const subprocessors = (ctx: RequestContext): SubprocessorService => new SubprocessorService(ctx.db);

@Resolver()
export class NotificationsMutationResolver {
  @Authorized('webhooks.manage')
  @Mutation(() => CreateWebhookEndpointPayload, { description: 'Add a webhook endpoint (OWNER, ADMIN); the signing secret is returned once.' })
  async createWebhookEndpoint(@Arg('input', { description: 'The endpoint.' }) input: CreateWebhookEndpointInput, @Ctx() ctx: RequestContext): Promise<CreateWebhookEndpointPayload> {
    const r = await service(ctx).createEndpoint(authorize(ctx.principal, 'webhooks.manage'), actorOf(ctx), input, { allowPlainHttp: ctx.config.jobs.allowHttpWebhooks, allowPrivateTargets: ctx.config.jobs.allowPrivateWebhooks });
    return { endpoint: r.endpoint ? toEndpoint(r.endpoint) : null, secret: r.secret, errors: r.errors };
  }

  @Authorized('webhooks.manage')
  @Mutation(() => WebhookEndpoint, { description: 'Enable or disable an endpoint (enabling resets its failure count).' })
  async setWebhookEndpointEnabled(
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('enabled', { description: 'Deliver to it or not.' }) enabled: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<WebhookEndpoint> {
    return toEndpoint(await service(ctx).setEndpointEnabled(authorize(ctx.principal, 'webhooks.manage'), actorOf(ctx), id, enabled));
  }

  @Authorized('webhooks.manage')
  @Mutation(() => ID, { description: 'Delete an endpoint; pending deliveries to it fail. Returns its id.' })
  async deleteWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    await service(ctx).deleteEndpoint(authorize(ctx.principal, 'webhooks.manage'), actorOf(ctx), id);
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
    const r = await feed(ctx).subscribe(ctx.principal, authorize(ctx.principal, 'tracking.write'), actorOf(ctx), input);
    return { subscription: r.subscription ? toSubscription(r.subscription) : null, errors: r.errors };
  }

  @Authorized('tracking.write')
  @Mutation(() => ID, { description: 'Stop following a vendor. Returns the subscription id.' })
  async unsubscribeFromVendor(@Arg('id', () => ID, { description: 'The subscription.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    await feed(ctx).unsubscribe(authorize(ctx.principal, 'tracking.write'), actorOf(ctx), id);
    return id;
  }

  @Authorized('notifications.read')
  @Mutation(() => Int, { description: 'Mark notifications read (the given ids, or all when none are given); returns the unread count left.' })
  async markNotificationsRead(@Ctx() ctx: RequestContext, @Arg('ids', () => [ID], { nullable: true, description: 'Which (omit: all).' }) ids?: string[] | null): Promise<number> {
    return feed(ctx).markRead(authorize(ctx.principal, 'notifications.read'), ids);
  }

  @Authorized('trustCenter.update')
  @Mutation(() => SubprocessorPayload, { description: 'Add a subprocessor to the trust center (EDITOR and above); followers are told. Refusals (an invalid websiteUrl) come back in `errors`.' })
  async createSubprocessor(@Arg('input', { description: 'The subprocessor.' }) input: SubprocessorInput, @Ctx() ctx: RequestContext): Promise<SubprocessorPayload> {
    const r = await subprocessors(ctx).create(authorize(ctx.principal, 'trustCenter.update'), actorOf(ctx), input);
    return { subprocessor: r.subprocessor ? toSubprocessor(r.subprocessor) : null, errors: r.errors };
  }

  @Authorized('trustCenter.update')
  @Mutation(() => Subprocessor, {
    description: 'Add a subprocessor to the trust center (EDITOR and above); followers are told. A refusal (an invalid websiteUrl) is a top-level BAD_USER_INPUT whose `extensions.validationErrors` names the field and the code (INVALID_URL).',
    deprecationReason: 'Use createSubprocessor: it answers refusals as payload errors.',
  })
  async addSubprocessor(@Arg('input', { description: 'The subprocessor.' }) input: SubprocessorInput, @Ctx() ctx: RequestContext): Promise<Subprocessor> {
    const r = await subprocessors(ctx).create(authorize(ctx.principal, 'trustCenter.update'), actorOf(ctx), input);
    // Its return type has no room for payload errors (changing it would break clients): the refusal goes top-level.
    if (!r.subprocessor) throw new ArgumentValidationError(r.errors.map((e) => Object.assign(new ValidationError(), { property: e.field ?? 'input', constraints: { [e.code]: e.message }, children: [] })));
    return toSubprocessor(r.subprocessor);
  }

  @Authorized('trustCenter.update')
  @Mutation(() => ID, { description: 'Remove a subprocessor (EDITOR and above); followers are told. Returns its id.' })
  async removeSubprocessor(@Arg('id', () => ID, { description: 'The subprocessor.' }) id: string, @Ctx() ctx: RequestContext): Promise<string> {
    await subprocessors(ctx).remove(authorize(ctx.principal, 'trustCenter.update'), actorOf(ctx), id);
    return id;
  }
}

const toDelivery = (d: WebhookDeliveryEntity): WebhookDelivery => ({
  id: d.id, eventType: d.eventType, status: d.status, attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError: d.lastError,
  lastAttemptAt: d.lastAttemptAt, deliveredAt: d.deliveredAt, createdAt: d.createdAt,
});

@Resolver(() => WebhookEndpoint)
export class WebhookEndpointResolver {
  @FieldResolver(() => [WebhookDelivery], { description: 'The delivery log, newest first (at most 100).' })
  async deliveries(@Root() e: WebhookEndpoint, @Ctx() ctx: RequestContext): Promise<WebhookDelivery[]> {
    return (await feed(ctx).deliveries(authorize(ctx.principal, 'webhooks.manage', { orgId: e.orgId }), e.id)).map(toDelivery);
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
    const rows = await feed(ctx).page(scope, limit, after ? { createdAt: String(after[0]), id: String(after[1]) } : null, Boolean(unreadOnly));
    return toPage(rows, limit, Boolean(after), (n) => encodeCursor([n.createdAt.toISOString(), n.id]), (n) => ({
      id: n.id, eventId: n.eventId, type: n.type, title: n.title, vendorOrganizationId: n.vendorOrgId, data: n.data, createdAt: n.createdAt, readAt: n.readAt,
    }));
  }

  @FieldResolver(() => Int, { description: 'Members: how many notifications are unread.' })
  async unreadNotificationCount(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<number> {
    return feed(ctx).unreadCount(authorize(ctx.principal, 'notifications.read', { orgId: org.id }));
  }

  @FieldResolver(() => [WebhookEndpoint], { description: 'OWNER, ADMIN: webhook endpoints.' })
  async webhookEndpoints(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<WebhookEndpoint[]> {
    return (await feed(ctx).endpoints(authorize(ctx.principal, 'webhooks.manage', { orgId: org.id }))).map(toEndpoint);
  }

  @FieldResolver(() => [VendorSubscription], { description: 'Members: vendors this organization follows.' })
  async vendorSubscriptions(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<VendorSubscription[]> {
    return (await feed(ctx).subscriptions(authorize(ctx.principal, 'tracking.read', { orgId: org.id }))).map(toSubscription);
  }
}

/** The key under which a prefetch stores a vendor's subprocessors. */
export const subprocessorsKey = (scope: TenantScope): string => Prefetched.key('subprocessors', scope.orgId);

@Resolver(() => TrustCenter)
export class TrustCenterSubprocessorsResolver {
  @FieldResolver(() => [Subprocessor], { description: 'The vendor\'s subprocessors (public on a published trust center).' })
  async subprocessors(@Root() tc: TrustCenter, @Ctx() ctx: RequestContext): Promise<Subprocessor[]> {
    const scope = authorize(ctx.principal, 'visit', { orgId: tc.orgId });
    return (await ctx.loaders.prefetched.or(subprocessorsKey(scope), () => subprocessors(ctx).list(scope))).map(toSubprocessor);
  }
}
