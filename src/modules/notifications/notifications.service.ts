import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { todayUtc } from '../../domain/calendar-date';
import { evaluateFreshness } from '../../domain/freshness';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { OWN_EVENT_TYPES, TEST_EVENT_TYPE, emitOwnEvent, VENDOR_EVENT_TYPES, WEBHOOK_API_VERSION, type OwnEvent, type VendorEvent } from '../../jobs/events';
import { enqueue } from '../../jobs/queue';
import type { Logger } from '../../logger';
import { auditActor, auditLog } from '../audit/audit.service';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { documents } from '../documents/document.service';
import { queueAlerts, type AlertMailSettings } from '../mail/alerts';
import { accessRecords } from '../access/access.service';
import { attestations } from '../attestations/attestation.service';
import { organizations } from '../tenancy/tenancy.service';
import { TrackingService, watchlists } from '../tracking/tracking.service';
import { trustCenters, type PublishedVendor } from '../trust-center/trust-center.service';
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';
import { notificationsRepository as repo } from './notifications.repository';
import { checkWebUrl } from '../../domain/url';
import { dayInWords } from '../../views/words';
import { assertPublicHost, type Lookup } from './ssrf';
import { WebhookClient } from './webhook-client';

export const DELIVERY_MAX_ATTEMPTS = 8;
/** An endpoint whose deliveries keep failing (each after all its retries) is switched off. */
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;
const DELIVERY_TIMEOUT_MS = 10_000;

export type WebhookErrorCode = 'INVALID_URL' | 'INVALID_EVENT_TYPE';

/** createWebhookEndpoint: the endpoint and its secret (shown once), or why it was refused. */
export interface WebhookEndpointResult {
  endpoint: WebhookEndpointEntity | null;
  secret: string | null;
  errors: PayloadError<WebhookErrorCode>[];
}

const refused = (code: WebhookErrorCode, field: string, message: string): WebhookEndpointResult => ({ endpoint: null, secret: null, errors: [refusal(code, field, message)] });

export interface WebhookDeliveryOptions {
  /**
   * Deliver only to public addresses, checked at each connection (the default). Only WEBHOOK_ALLOW_PRIVATE=true turns
   * it off, for development against local receivers. (createEndpoint is told separately, per call.)
   */
  publicTargetsOnly?: boolean;
  /** Host name resolution for the guard (the system resolver unless a test answers). */
  lookup?: Lookup;
  connectTimeoutMs?: number;
}

/** Signature header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint secret>`. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const EVENT_TYPES: readonly string[] = [...VENDOR_EVENT_TYPES, ...OWN_EVENT_TYPES, TEST_EVENT_TYPE];

/**
 * The body of every delivery (docs/webhooks.md): `organizationId` is the receiving organization, `vendorOrganizationId`
 * the trust center the event is about (the same for a vendor's own events), `title` only on events that also reach a feed.
 */
export function webhookPayload(event: { id: string; type: string; occurredAt: string; organizationId: string; vendorOrganizationId: string; title?: string; data: Record<string, unknown> }): Record<string, unknown> {
  const { id, type, occurredAt, organizationId, vendorOrganizationId, title, data } = event;
  return { apiVersion: WEBHOOK_API_VERSION, id, type, occurredAt, organizationId, vendorOrganizationId, ...(title === undefined ? {} : { title }), data };
}

const system = (orgId: string): TenantScope => TenantScope.forSystem(orgId);

/**
 * An endpoint as its audit events describe it: the URL's origin only (a receiver's path or query often is its
 * credential, as in chat webhooks), the event types and the description; never the signing secret.
 */
const endpointDetails = (e: Pick<WebhookEndpointEntity, 'url' | 'eventTypes' | 'description'>): Record<string, unknown> => ({
  origin: new URL(e.url).origin, eventTypes: e.eventTypes, description: e.description,
});

/**
 * What a vendor decided about a customer's access (or that a grant nears its end): told to the customer organization's
 * in-app feed, which otherwise only hears about vendors it follows. Feed `type`s: access.approved, access.denied,
 * access.revoked, access.expiring.
 */
export const ACCESS_EVENT_TYPES = ['access.approved', 'access.denied', 'access.revoked', 'access.expiring'] as const;
export type AccessEventType = (typeof ACCESS_EVENT_TYPES)[number];

/** A grant is announced as expiring this many days before its end (by the daily sweep, once per grant and end date). */
export const ACCESS_EXPIRING_NOTICE_DAYS = 7;

export interface AccessEvent {
  /** Identifies the event across retries: the customer's feed gets it once. */
  eventId: string;
  vendorOrgId: string;
  customerOrgId: string;
  requestId: string;
  type: AccessEventType;
  /** When access ends (approved, expiring), or null. */
  expiresAt: string | null;
  reason: string | null;
  occurredAt: string;
}

/**
 * Queues an access event for the customer's feed, inside the vendor's transaction (the customer's tenant is written
 * by the `notify_access_event` job as the system: the vendor's identity cannot write there).
 */
export async function emitAccessEvent(m: EntityManager, event: Omit<AccessEvent, 'eventId' | 'occurredAt'> & { eventId?: string }, now = new Date()): Promise<void> {
  const eventId = event.eventId ?? randomUUID();
  await enqueue(m, 'notify_access_event', { ...event, eventId, occurredAt: now.toISOString() }, { jobKey: `access-event:${eventId}`, maxAttempts: 10 });
}

/** A UUID derived from a name (the same name, the same id): events the sweep may find again on another day. */
function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function accessTitle(event: AccessEvent, vendorName: string): string {
  const until = event.expiresAt ? dayInWords(new Date(event.expiresAt), 'long') : null;
  switch (event.type) {
    case 'access.approved':
      return `${vendorName} approved your access request${until ? ` (until ${until})` : ''}`;
    case 'access.denied':
      return `${vendorName} denied your access request`;
    case 'access.revoked':
      return `${vendorName} revoked your access`;
    case 'access.expiring':
      return `Your access to ${vendorName}'s documents ends${until ? ` on ${until}` : ' soon'}`;
  }
}

/** Events reaching organizations: the in-app feed, webhook endpoints and their signed, retried deliveries. */
export class NotificationsService {
  private client: WebhookClient | null = null;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly webhooks: WebhookDeliveryOptions = {},
    /** Alert mail to the members of following organizations (src/modules/mail/alerts.ts); null: feed and webhooks only. */
    private readonly alerts: AlertMailSettings | null = null,
  ) {}

  /** Closes the delivery connections (the worker does when it stops). */
  async close(): Promise<void> {
    await this.client?.close();
    this.client = null;
  }

  private webhookClient(): WebhookClient {
    this.client ??= new WebhookClient({ allowPrivate: this.webhooks.publicTargetsOnly === false, lookup: this.webhooks.lookup, connectTimeoutMs: this.webhooks.connectTimeoutMs });
    return this.client;
  }

  // ---- endpoints ----------------------------------------------------------------------------------------------

  /**
   * `allowPrivateTargets` (WEBHOOK_ALLOW_PRIVATE) is all that lets a URL name a local or private host; the scheme plays
   * no part. This check answers early with INVALID_URL; each delivery checks again at connect time (DNS can change).
   */
  async createEndpoint(scope: TenantScope, actor: Actor, input: { url: string; eventTypes?: string[] | null; description?: string | null }, { allowPlainHttp, allowPrivateTargets }: { allowPlainHttp: boolean; allowPrivateTargets: boolean }): Promise<WebhookEndpointResult> {
    // The shared link check first (absolute http(s), no credentials, no invisible characters, nothing the URL parser
    // would repair), then the webhook's own rules: https unless http is allowed, public hosts only.
    const checked = checkWebUrl(input.url);
    if (!checked.ok) return refused('INVALID_URL', 'url', `url ${checked.message}`);
    const url = new URL(checked.href);
    if (url.protocol !== 'https:' && !(allowPlainHttp && url.protocol === 'http:')) {
      return refused('INVALID_URL', 'url', allowPlainHttp ? 'url must be http(s).' : 'url must be https.');
    }
    if (!allowPrivateTargets) {
      try {
        await assertPublicHost(url.hostname, this.webhooks.lookup);
      } catch (e) {
        return refused('INVALID_URL', 'url', e instanceof Error ? e.message : 'url is not a public address.');
      }
    }
    const bad = (input.eventTypes ?? []).find((t) => !EVENT_TYPES.includes(t));
    if (bad) return refused('INVALID_EVENT_TYPE', 'eventTypes', `Unknown event type ${bad}; known: ${EVENT_TYPES.join(', ')}.`);
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const endpoint = await this.db.transaction(scope.identity(), async (m) => {
      const saved = await repo.insertEndpoint(m, scope, { url: url.toString(), eventTypes: [...new Set(input.eventTypes ?? [])], description: input.description ?? null, secret });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'webhook_endpoint.created', targetType: 'webhook_endpoint', targetId: saved.id, details: endpointDetails(saved) });
      return saved;
    });
    return { endpoint, secret, errors: [] };
  }

  async setEndpointEnabled(scope: TenantScope, actor: Actor, id: string, enabled: boolean): Promise<WebhookEndpointEntity> {
    return this.db.transaction(scope.identity(), async (m) => {
      const endpoint = await repo.endpoint(m, scope, id);
      if (!endpoint) throw new NotFoundError('Webhook endpoint');
      await repo.updateEndpoint(m, scope, id, { enabled, disabledReason: enabled ? null : 'disabled by a member', consecutiveFailures: enabled ? 0 : endpoint.consecutiveFailures, updatedAt: new Date() });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: enabled ? 'webhook_endpoint.enabled' : 'webhook_endpoint.disabled', targetType: 'webhook_endpoint', targetId: id,
        details: { ...endpointDetails(endpoint), wasEnabled: endpoint.enabled, previousDisabledReason: endpoint.disabledReason, consecutiveFailures: endpoint.consecutiveFailures },
      });
      return (await repo.endpoint(m, scope, id))!;
    });
  }

  async deleteEndpoint(scope: TenantScope, actor: Actor, id: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const endpoint = await repo.endpoint(m, scope, id);
      if (!endpoint || !(await repo.deleteEndpoint(m, scope, id))) throw new NotFoundError('Webhook endpoint');
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'webhook_endpoint.deleted', targetType: 'webhook_endpoint', targetId: id, details: { ...endpointDetails(endpoint), enabled: endpoint.enabled } });
    });
  }

  /** Queues a `webhook.test` delivery to one endpoint (even a disabled one: it is how one checks a fix). */
  async testEndpoint(scope: TenantScope, id: string): Promise<WebhookDeliveryEntity> {
    return this.db.transaction(scope.identity(), async (m) => {
      const endpoint = await repo.endpoint(m, scope, id);
      if (!endpoint) throw new NotFoundError('Webhook endpoint');
      return this.queueDelivery(m, scope, endpoint, null, TEST_EVENT_TYPE, {
        ...webhookPayload({ id: randomUUID(), type: TEST_EVENT_TYPE, occurredAt: new Date().toISOString(), organizationId: scope.orgId, vendorOrganizationId: scope.orgId, data: {} }),
        message: 'This is a test delivery from trust-portal.',
      });
    });
  }

  private async queueDelivery(m: EntityManager, scope: TenantScope, endpoint: WebhookEndpointEntity, notificationId: string | null, type: string, data: Record<string, unknown>): Promise<WebhookDeliveryEntity> {
    const delivery = await repo.insertDelivery(m, scope, { endpointId: endpoint.id, notificationId, eventType: type, payload: data });
    await enqueue(m, 'deliver_webhook', { orgId: scope.orgId, deliveryId: delivery.id }, { jobKey: `delivery:${delivery.id}`, maxAttempts: DELIVERY_MAX_ATTEMPTS });
    return delivery;
  }

  // ---- jobs ---------------------------------------------------------------------------------------------------

  /**
   * Tells every organization following the vendor (subscribed or watching), once per event id each, and the vendor's own
   * endpoints of its attestation lifecycle. Returns how many organizations' feeds were told.
   */
  async fanOut(event: VendorEvent, now = new Date()): Promise<number> {
    // A vendor that is not (or no longer) public tells nobody else anything.
    const published = await this.db.transaction(DbScope.publicReads(), (m) => trustCenters.publishedVendor(m, event.vendorOrgId));
    // The vendor's own endpoints hear its attestation lifecycle (the sweep's events reach its feed too, below).
    const ownOnly = !event.includeVendor && event.type.startsWith('attestation.');
    if (ownOnly) await this.deliverOwn(event.vendorOrgId, event.type, event.eventId, webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: event.vendorOrgId, vendorOrganizationId: event.vendorOrgId, title: event.title, data: event.data }));
    if (!published) {
      if (event.includeVendor) await this.notifyOrg(event.vendorOrgId, event, null);
      return event.includeVendor ? 1 : 0;
    }
    const recipients = await this.db.transaction(DbScope.fanout(event.vendorOrgId), async (m) => [
      ...(await repo.subscribers(m, event.vendorOrgId, event.type)),
      ...(await watchlists.watchersOf(m, event.vendorOrgId)),
    ]);
    const orgIds = new Set(recipients);
    if (event.includeVendor) orgIds.add(event.vendorOrgId);
    else orgIds.delete(event.vendorOrgId);
    const tracking = new TrackingService(this.db);
    for (const orgId of orgIds) {
      // Alert mail goes to followers only: a vendor hears about its own reports in its feed.
      await this.notifyOrg(orgId, event, orgId === event.vendorOrgId ? null : published);
      if (orgId !== event.vendorOrgId) await tracking.recordStatusChanges(system(orgId), todayUtc(now), now, event.title);
    }
    return orgIds.size;
  }

  private async notifyOrg(orgId: string, event: VendorEvent, alertVendor: PublishedVendor | null): Promise<void> {
    const scope = system(orgId);
    await this.db.transaction(scope.identity(), async (m) => {
      const notificationId = await repo.insertNotification(m, scope, { eventId: event.eventId, type: event.type, vendorOrgId: event.vendorOrgId, title: event.title, data: event.data });
      if (notificationId === null) return; // already notified by an earlier attempt of this fan-out
      const payload = webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: orgId, vendorOrganizationId: event.vendorOrgId, title: event.title, data: event.data });
      for (const endpoint of await repo.enabledEndpointsFor(m, scope, event.type)) {
        await this.queueDelivery(m, scope, endpoint, notificationId, event.type, payload);
      }
      // Keyed on the notification just inserted: one alert (or digest item) per event and member, in this transaction.
      if (this.alerts && alertVendor) {
        const org = await organizations.of(m, scope);
        await queueAlerts(m, scope, this.alerts, { notificationId, event, vendor: alertVendor, orgName: org!.name });
      }
    });
  }

  /** The `notify_access_event` job: the customer organization's feed item for an access decision, once per event id. */
  async notifyAccessEvent(event: AccessEvent): Promise<boolean> {
    const vendorScope = system(event.vendorOrgId);
    const vendor = await this.db.transaction(vendorScope.identity(), (m) => organizations.of(m, vendorScope));
    if (!vendor) return false; // the vendor is gone: nothing left to tell
    const customer = system(event.customerOrgId);
    const told = await this.db.transaction(customer.identity(), (m) => repo.insertAccessNotification(m, customer, {
      eventId: event.eventId, type: event.type, vendorOrgId: event.vendorOrgId, title: accessTitle(event, vendor.name),
      data: { accessRequestId: event.requestId, expiresAt: event.expiresAt, reason: event.reason }, occurredAt: event.occurredAt,
    }));
    // The vendor's own endpoints hear its decisions too (not the expiring notice: that one is the customer's).
    if (event.type !== 'access.expiring') {
      await this.notifyOwnEvent({ eventId: event.eventId, orgId: event.vendorOrgId, type: event.type, occurredAt: event.occurredAt, data: { accessRequestId: event.requestId, expiresAt: event.expiresAt, reason: event.reason } });
    }
    return told;
  }

  /**
   * The `notify_own_event` job: an event of the vendor's own trust center to its own endpoints (never anyone else's),
   * its data completed from the rows it names (the customer of an access request, a document's title).
   */
  async notifyOwnEvent(event: OwnEvent): Promise<number> {
    const scope = system(event.orgId);
    const data = await this.db.transaction(scope.identity(), async (m) => {
      const more = typeof event.data.accessRequestId === 'string' ? await accessRecords.summary(m, scope, event.data.accessRequestId) : null;
      if (event.type === 'document.downloaded' && typeof event.data.documentId === 'string') {
        const doc = await documents.find(m, scope, event.data.documentId);
        return { ...event.data, documentTitle: doc?.title ?? null };
      }
      return { ...event.data, ...more };
    });
    return this.deliverOwn(event.orgId, event.type, event.eventId, webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: event.orgId, vendorOrganizationId: event.orgId, data }));
  }

  /** Queues `payload` (event `eventId`) to the organization's enabled endpoints that take `type`, once per endpoint and event id (a retried job adds none). */
  private async deliverOwn(orgId: string, type: string, eventId: string, payload: Record<string, unknown>): Promise<number> {
    const scope = system(orgId);
    return this.db.transaction(scope.identity(), async (m) => {
      let queued = 0;
      for (const endpoint of await repo.enabledEndpointsFor(m, scope, type)) {
        if (await repo.hasDeliveryOf(m, scope, endpoint.id, eventId)) continue;
        await this.queueDelivery(m, scope, endpoint, null, type, payload);
        queued += 1;
      }
      return queued;
    });
  }

  /**
   * One attempt of one delivery. A failure is recorded and rethrown, so the queue retries it with exponential backoff;
   * after the last attempt the delivery is FAILED, and an endpoint with DISABLE_AFTER_FAILED_DELIVERIES failed
   * deliveries in a row is disabled.
   */
  async deliver(orgId: string, deliveryId: string, attempt: { number: number; max: number }): Promise<void> {
    const scope = system(orgId);
    const loaded = await this.db.transaction(scope.identity(), async (m) => {
      const delivery = await repo.delivery(m, scope, deliveryId);
      const endpoint = delivery ? await repo.endpoint(m, scope, delivery.endpointId) : null;
      return { delivery, endpoint };
    });
    const { delivery, endpoint } = loaded;
    if (!delivery || delivery.status !== 'PENDING') return; // delivered already, or gone: nothing to do
    if (!endpoint || (!endpoint.enabled && delivery.eventType !== TEST_EVENT_TYPE)) {
      await this.db.transaction(scope.identity(), (m) => repo.updateDelivery(m, scope, deliveryId, { status: 'FAILED', lastError: 'endpoint disabled or deleted' }));
      return;
    }
    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const { protocol } = new URL(endpoint.url);
      if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`webhook url scheme ${protocol} is not http(s)`);
      // The client checks the address it connects to, at connect time (unless WEBHOOK_ALLOW_PRIVATE), and never
      // follows redirects.
      const res = await this.webhookClient().post(endpoint.url, {
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'trust-portal-webhooks/1',
          'x-trust-portal-event': delivery.eventType,
          'x-trust-portal-delivery': delivery.id,
          'x-trust-portal-signature': signWebhook(endpoint.secret, timestamp, body),
        },
        body,
      });
      statusCode = res.status;
      if (res.status >= 300 && res.status < 400) error = `HTTP ${res.status}: redirects are not followed`;
      else if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const last = attempt.number >= attempt.max;
    await this.db.transaction(scope.identity(), async (m) => {
      const now = new Date();
      await repo.updateDelivery(m, scope, deliveryId, {
        attempts: attempt.number, lastStatusCode: statusCode, lastError: error, lastAttemptAt: now,
        status: error === null ? 'SUCCEEDED' : last ? 'FAILED' : 'PENDING', deliveredAt: error === null ? now : null,
      });
      if (error === null) await repo.resetFailures(m, scope, endpoint.id);
      else if (last) await repo.countFailure(m, scope, endpoint.id, DISABLE_AFTER_FAILED_DELIVERIES);
    });
    if (error !== null) {
      this.logger.warn('webhook delivery failed', { orgId, deliveryId, attempt: attempt.number, error });
      if (!last) throw new Error(`delivery ${deliveryId} failed: ${error}`);
    }
  }

  /**
   * Approved access ending within ACCESS_EXPIRING_NOTICE_DAYS: an access.expiring event for the customer's feed. Its id
   * is derived from the request and its end, so the days of the window announce it once (a renewed grant, with a new
   * end, is announced again).
   */
  private async announceExpiringGrants(m: EntityManager, scope: TenantScope, now: Date): Promise<void> {
    const vendorOrgId = scope.orgId;
    for (const r of await accessRecords.grantsEndingWithin(m, scope, now, ACCESS_EXPIRING_NOTICE_DAYS)) {
      const expiresAt = r.expiresAt.toISOString();
      await emitAccessEvent(m, {
        eventId: nameUuid(`access.expiring:${vendorOrgId}:${r.requestId}:${expiresAt}`), vendorOrgId, customerOrgId: r.customerOrgId, requestId: r.requestId,
        type: 'access.expiring', expiresAt, reason: null,
      }, now);
    }
    // Grants end by their date (no write marks them EXPIRED): the sweep tells the vendor's endpoints of those that ended
    // since the day before yesterday, under an id derived from the request and its end, so each end is told once.
    for (const r of await accessRecords.grantsEndedWithin(m, scope, now, 2)) {
      const expiresAt = r.expiresAt.toISOString();
      await emitOwnEvent(m, scope, { eventId: nameUuid(`access.expired:${vendorOrgId}:${r.requestId}:${expiresAt}`), orgId: vendorOrgId, type: 'access.expired', data: { accessRequestId: r.requestId, expiresAt, reason: null } }, r.expiresAt);
    }
  }

  /**
   * The daily sweep: each published attestation that entered EXPIRING_SOON or STALE since the last sweep emits its event
   * once (freshness_transitions remembers), to the vendor and its followers; then every customer's status history is
   * brought up to date. `onlyOrgIds` restricts both halves to those organizations (re-running the sweep for one tenant;
   * tests that share a database with others must not touch other files' tenants).
   */
  async sweep(now = new Date(), options: { onlyOrgIds?: readonly string[] } = {}): Promise<{ transitions: number; statusChanges: number }> {
    const today = todayUtc(now);
    const only = options.onlyOrgIds ? [...options.onlyOrgIds] : null;
    const vendors = await this.db.transaction(DbScope.publicReads(), (m) => trustCenters.publishedOrgIds(m, only));
    let transitions = 0;
    for (const orgId of vendors) {
      const scope = system(orgId);
      transitions += await this.db.transaction(scope.identity(), async (m) => {
        const tc = (await trustCenters.find(m, scope))!;
        let count = 0;
        for (const a of await attestations.publishedFacts(m, scope)) {
          const f = evaluateFreshness(a.facts, today, { anchor: tc.ageAnchor, maxAgeMonths: tc.maxAgeMonths, expiringSoonDays: tc.expiringSoonDays });
          if (f.state !== 'EXPIRING_SOON' && f.state !== 'STALE') continue;
          if (!(await repo.recordTransition(m, scope, a.id, f.state, today))) continue;
          count += 1;
          const type = f.state === 'STALE' ? 'attestation.stale' : 'attestation.expiring_soon';
          const name = a.title ?? a.framework;
          await enqueue(m, 'fanout_vendor_event', {
            eventId: randomUUID(), vendorOrgId: orgId, type, includeVendor: true, occurredAt: now.toISOString(),
            title: f.state === 'STALE' ? `${name} went stale after ${f.expiresOn}` : `${name} goes stale after ${f.expiresOn}`,
            data: { attestationId: a.id, framework: a.framework, expiresOn: f.expiresOn, daysUntilStale: f.daysUntilStale },
          });
        }
        await this.announceExpiringGrants(m, scope, now);
        return count;
      });
    }
    const customers = await this.db.transaction(DbScope.sweep(), (m) => watchlists.watchingOrgIds(m, only));
    let statusChanges = 0;
    const tracking = new TrackingService(this.db);
    for (const orgId of customers) statusChanges += await tracking.recordStatusChanges(system(orgId), today, now, 'daily freshness sweep');
    this.logger.info('freshness sweep done', { vendors: vendors.length, transitions, customers: customers.length, statusChanges });
    return { transitions, statusChanges };
  }
}
