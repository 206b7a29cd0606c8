import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { todayUtc } from '../../domain/calendar-date';
import { evaluateFreshness } from '../../domain/freshness';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { OWN_EVENT_TYPES, TEST_EVENT_TYPE, emitOwnEvent, VENDOR_EVENT_TYPES, WEBHOOK_API_VERSION, type OwnEvent, type VendorEvent } from '../../jobs/events';
import { enqueue } from '../../jobs/queue';
import type { Logger } from '../../logger';
import { TenantScope } from '../auth/tenant-scope';
import { NotFoundError, isUuid, type PayloadError } from '../common/errors';
import { queueAlerts, type AlertMailSettings, type AlertVendor } from '../mail/alerts';
import { formatDate } from '../mail/mail.templates';
import { TrackingService } from '../tracking/tracking.service';
import { WebhookDeliveryEntity, WebhookEndpointEntity } from './notifications.entity';
import { checkWebUrl } from '../../domain/url';
import { assertPublicHost, type Lookup } from './ssrf';
import { WebhookClient } from './webhook-client';

export const DELIVERY_MAX_ATTEMPTS = 8;
/** An endpoint whose deliveries keep failing (each after all its retries) is switched off. */
export const DISABLE_AFTER_FAILED_DELIVERIES = 5;
const DELIVERY_TIMEOUT_MS = 10_000;

export type WebhookErrorCode = 'INVALID_URL' | 'INVALID_EVENT_TYPE';

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

/** An access request as every access.* payload describes it (no token, key or hash: what the vendor's inbox shows). */
async function accessRequestData(m: EntityManager, orgId: string, requestId: string): Promise<Record<string, unknown> | null> {
  const [r]: { requester_org_id: string; requester_org_name: string; requester_email: string; scope: string; document_ids: string[] }[] = await m.query(
    `SELECT requester_org_id, requester_org_name, requester_email, scope, document_ids FROM access_requests WHERE org_id = $1 AND id = $2`, [orgId, requestId]);
  if (!r) return null;
  return { customerOrganizationId: r.requester_org_id, customerOrganizationName: r.requester_org_name, requesterEmail: r.requester_email, documentIds: r.scope === 'DOCUMENTS' ? r.document_ids : null };
}
const system = (orgId: string): TenantScope => TenantScope.forSystem(orgId);

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
  const eventId = event.eventId ?? (await m.query(`SELECT gen_random_uuid() AS id`))[0].id;
  await enqueue(m, 'notify_access_event', { ...event, eventId, occurredAt: now.toISOString() }, { jobKey: `access-event:${eventId}`, maxAttempts: 10 });
}

/** A UUID derived from a name (the same name, the same id): events the sweep may find again on another day. */
function nameUuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

function accessTitle(event: AccessEvent, vendorName: string): string {
  const until = event.expiresAt ? formatDate(new Date(event.expiresAt)) : null;
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
  async createEndpoint(scope: TenantScope, input: { url: string; eventTypes?: string[] | null; description?: string | null }, { allowPlainHttp, allowPrivateTargets }: { allowPlainHttp: boolean; allowPrivateTargets: boolean }) {
    const none = { endpoint: null as WebhookEndpointEntity | null, secret: null as string | null };
    // The shared link check first (absolute http(s), no credentials, no invisible characters, nothing the URL parser
    // would repair), then the webhook's own rules: https unless http is allowed, public hosts only.
    const checked = checkWebUrl(input.url);
    if (!checked.ok) return { ...none, errors: [{ code: 'INVALID_URL' as WebhookErrorCode, field: 'url', message: `url ${checked.message}` }] };
    const url = new URL(checked.href);
    if (url.protocol !== 'https:' && !(allowPlainHttp && url.protocol === 'http:')) {
      return { ...none, errors: [{ code: 'INVALID_URL' as WebhookErrorCode, field: 'url', message: allowPlainHttp ? 'url must be http(s).' : 'url must be https.' }] };
    }
    if (!allowPrivateTargets) {
      try {
        await assertPublicHost(url.hostname, this.webhooks.lookup);
      } catch (e) {
        return { ...none, errors: [{ code: 'INVALID_URL' as WebhookErrorCode, field: 'url', message: e instanceof Error ? e.message : 'url is not a public address.' }] };
      }
    }
    const bad = (input.eventTypes ?? []).find((t) => !EVENT_TYPES.includes(t));
    if (bad) return { ...none, errors: [{ code: 'INVALID_EVENT_TYPE' as WebhookErrorCode, field: 'eventTypes', message: `Unknown event type ${bad}; known: ${EVENT_TYPES.join(', ')}.` }] };
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const endpoint = await this.db.transaction(scope.identity(), (m) => {
      const repo = m.getRepository(WebhookEndpointEntity);
      return repo.save(repo.create({ orgId: scope.orgId, url: url.toString(), eventTypes: [...new Set(input.eventTypes ?? [])], description: input.description ?? null, secret, createdBy: scope.userId }));
    });
    return { endpoint: endpoint as WebhookEndpointEntity | null, secret: secret as string | null, errors: [] as PayloadError<WebhookErrorCode>[] };
  }

  async setEndpointEnabled(scope: TenantScope, id: string, enabled: boolean): Promise<WebhookEndpointEntity> {
    return this.db.transaction(scope.identity(), async (m) => {
      const endpoint = isUuid(id) ? await m.getRepository(WebhookEndpointEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
      if (!endpoint) throw new NotFoundError('Webhook endpoint');
      await m.getRepository(WebhookEndpointEntity).update({ orgId: scope.orgId, id }, { enabled, disabledReason: enabled ? null : 'disabled by a member', consecutiveFailures: enabled ? 0 : endpoint.consecutiveFailures, updatedAt: new Date() });
      return (await m.getRepository(WebhookEndpointEntity).findOne({ where: { orgId: scope.orgId, id } }))!;
    });
  }

  async deleteEndpoint(scope: TenantScope, id: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const result = isUuid(id) ? await m.query(`DELETE FROM webhook_endpoints WHERE org_id = $1 AND id = $2`, [scope.orgId, id]) : [[], 0];
      if ((result as [unknown, number])[1] === 0) throw new NotFoundError('Webhook endpoint');
    });
  }

  /** Queues a `webhook.test` delivery to one endpoint (even a disabled one: it is how one checks a fix). */
  async testEndpoint(scope: TenantScope, id: string): Promise<WebhookDeliveryEntity> {
    return this.db.transaction(scope.identity(), async (m) => {
      const endpoint = isUuid(id) ? await m.getRepository(WebhookEndpointEntity).findOne({ where: { orgId: scope.orgId, id } }) : null;
      if (!endpoint) throw new NotFoundError('Webhook endpoint');
      const [{ id: eventId }] = await m.query(`SELECT gen_random_uuid() AS id`);
      return this.queueDelivery(m, scope.orgId, endpoint, null, TEST_EVENT_TYPE, {
        ...webhookPayload({ id: eventId, type: TEST_EVENT_TYPE, occurredAt: new Date().toISOString(), organizationId: scope.orgId, vendorOrganizationId: scope.orgId, data: {} }),
        message: 'This is a test delivery from trust-portal.',
      });
    });
  }

  private async queueDelivery(m: EntityManager, orgId: string, endpoint: WebhookEndpointEntity, notificationId: string | null, type: string, data: Record<string, unknown>): Promise<WebhookDeliveryEntity> {
    const repo = m.getRepository(WebhookDeliveryEntity);
    const delivery = await repo.save(repo.create({ orgId, endpointId: endpoint.id, notificationId, eventType: type, payload: data, status: 'PENDING' }));
    await enqueue(m, 'deliver_webhook', { orgId, deliveryId: delivery.id }, { jobKey: `delivery:${delivery.id}`, maxAttempts: DELIVERY_MAX_ATTEMPTS });
    return delivery;
  }

  // ---- jobs ---------------------------------------------------------------------------------------------------

  /**
   * Tells every organization following the vendor (subscribed or watching), once per event id each, and the vendor's own
   * endpoints of its attestation lifecycle. Returns how many organizations' feeds were told.
   */
  async fanOut(event: VendorEvent, now = new Date()): Promise<number> {
    // A vendor that is not (or no longer) public tells nobody else anything.
    const published: AlertVendor[] = await this.db.transaction(DbScope.publicReads(), (m) => m.query(
      `SELECT o.name, o.slug FROM trust_centers t JOIN organizations o ON o.id = t.org_id WHERE t.org_id = $1 AND t.status = 'PUBLISHED'`, [event.vendorOrgId]));
    // The vendor's own endpoints hear its attestation lifecycle (the sweep's events reach its feed too, below).
    const ownOnly = !event.includeVendor && event.type.startsWith('attestation.');
    if (ownOnly) await this.deliverOwn(event.vendorOrgId, event.type, webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: event.vendorOrgId, vendorOrganizationId: event.vendorOrgId, title: event.title, data: event.data }));
    if (published.length === 0) {
      if (event.includeVendor) await this.notifyOrg(event.vendorOrgId, event, null);
      return event.includeVendor ? 1 : 0;
    }
    const recipients: { org_id: string }[] = await this.db.transaction(DbScope.fanout(event.vendorOrgId), (m) =>
      m.query(
        `SELECT org_id FROM vendor_subscriptions WHERE vendor_org_id = $1 AND (event_types = '{}' OR $2 = ANY(event_types))
         UNION SELECT org_id FROM vendor_watches WHERE vendor_org_id = $1`,
        [event.vendorOrgId, event.type],
      ),
    );
    const orgIds = new Set(recipients.map((r) => r.org_id));
    if (event.includeVendor) orgIds.add(event.vendorOrgId);
    else orgIds.delete(event.vendorOrgId);
    const tracking = new TrackingService(this.db);
    for (const orgId of orgIds) {
      // Alert mail goes to followers only: a vendor hears about its own reports in its feed.
      await this.notifyOrg(orgId, event, orgId === event.vendorOrgId ? null : published[0]!);
      if (orgId !== event.vendorOrgId) await tracking.recordStatusChanges(system(orgId), todayUtc(now), now, event.title);
    }
    return orgIds.size;
  }

  private async notifyOrg(orgId: string, event: VendorEvent, alertVendor: AlertVendor | null): Promise<void> {
    await this.db.transaction(DbScope.system(orgId), async (m) => {
      const inserted: { id: string }[] = await m.query(
        `INSERT INTO notifications (org_id, event_id, type, vendor_org_id, title, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
         ON CONFLICT (org_id, event_id) DO NOTHING RETURNING id`,
        [orgId, event.eventId, event.type, event.vendorOrgId, event.title, JSON.stringify(event.data)],
      );
      if (inserted.length === 0) return; // already notified by an earlier attempt of this fan-out
      const endpoints = await m.getRepository(WebhookEndpointEntity).find({ where: { orgId, enabled: true } });
      const payload = webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: orgId, vendorOrganizationId: event.vendorOrgId, title: event.title, data: event.data });
      for (const endpoint of endpoints.filter((e) => e.eventTypes.length === 0 || e.eventTypes.includes(event.type))) {
        await this.queueDelivery(m, orgId, endpoint, inserted[0]!.id, event.type, payload);
      }
      // Keyed on the notification just inserted: one alert (or digest item) per event and member, in this transaction.
      if (this.alerts && alertVendor) {
        const [org] = (await m.query(`SELECT name FROM organizations WHERE id = $1`, [orgId])) as { name: string }[];
        await queueAlerts(m, system(orgId), this.alerts, { notificationId: inserted[0]!.id, event, vendor: alertVendor, orgName: org!.name });
      }
    });
  }

  /** The `notify_access_event` job: the customer organization's feed item for an access decision, once per event id. */
  async notifyAccessEvent(event: AccessEvent): Promise<boolean> {
    const [vendor] = (await this.db.transaction(DbScope.system(event.vendorOrgId), (m) => m.query(`SELECT name FROM organizations WHERE id = $1`, [event.vendorOrgId]))) as { name: string }[];
    if (!vendor) return false; // the vendor is gone: nothing left to tell
    const told = await this.db.transaction(DbScope.system(event.customerOrgId), async (m) => {
      const inserted: unknown[] = await m.query(
        `INSERT INTO notifications (org_id, event_id, type, vendor_org_id, title, data, created_at) SELECT $1, $2, $3, $4, $5, $6::jsonb, $7
         WHERE EXISTS (SELECT 1 FROM organizations WHERE id = $1)
         ON CONFLICT (org_id, event_id) DO NOTHING RETURNING 1`,
        [event.customerOrgId, event.eventId, event.type, event.vendorOrgId, accessTitle(event, vendor.name),
          JSON.stringify({ accessRequestId: event.requestId, expiresAt: event.expiresAt, reason: event.reason }), event.occurredAt]);
      return inserted.length === 1;
    });
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
    const data = await this.db.transaction(DbScope.system(event.orgId), async (m) => {
      const more = typeof event.data.accessRequestId === 'string' ? await accessRequestData(m, event.orgId, event.data.accessRequestId) : null;
      if (event.type === 'document.downloaded' && typeof event.data.documentId === 'string') {
        const [doc]: { title: string }[] = await m.query(`SELECT title FROM documents WHERE org_id = $1 AND id = $2`, [event.orgId, event.data.documentId]);
        return { ...event.data, documentTitle: doc?.title ?? null };
      }
      return { ...event.data, ...more };
    });
    return this.deliverOwn(event.orgId, event.type, webhookPayload({ id: event.eventId, type: event.type, occurredAt: event.occurredAt, organizationId: event.orgId, vendorOrganizationId: event.orgId, data }));
  }

  /** Queues `payload` to the organization's enabled endpoints that take `type`, once per endpoint and event id (a retried job adds none). */
  private async deliverOwn(orgId: string, type: string, payload: Record<string, unknown>): Promise<number> {
    return this.db.transaction(DbScope.system(orgId), async (m) => {
      const endpoints = await m.getRepository(WebhookEndpointEntity).find({ where: { orgId, enabled: true } });
      let queued = 0;
      for (const endpoint of endpoints.filter((e) => e.eventTypes.length === 0 || e.eventTypes.includes(type))) {
        const seen: unknown[] = await m.query(`SELECT 1 FROM webhook_deliveries WHERE org_id = $1 AND endpoint_id = $2 AND payload->>'id' = $3`, [orgId, endpoint.id, payload.id]);
        if (seen.length > 0) continue;
        await this.queueDelivery(m, orgId, endpoint, null, type, payload);
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
    const loaded = await this.db.transaction(DbScope.system(orgId), async (m) => {
      const delivery = await m.getRepository(WebhookDeliveryEntity).findOne({ where: { orgId, id: deliveryId } });
      const endpoint = delivery ? await m.getRepository(WebhookEndpointEntity).findOne({ where: { orgId, id: delivery.endpointId } }) : null;
      return { delivery, endpoint };
    });
    const { delivery, endpoint } = loaded;
    if (!delivery || delivery.status !== 'PENDING') return; // delivered already, or gone: nothing to do
    if (!endpoint || (!endpoint.enabled && delivery.eventType !== TEST_EVENT_TYPE)) {
      await this.db.transaction(DbScope.system(orgId), (m) => m.getRepository(WebhookDeliveryEntity).update({ orgId, id: deliveryId }, { status: 'FAILED', lastError: 'endpoint disabled or deleted' }));
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
    await this.db.transaction(DbScope.system(orgId), async (m) => {
      const now = new Date();
      await m.getRepository(WebhookDeliveryEntity).update({ orgId, id: deliveryId }, {
        attempts: attempt.number, lastStatusCode: statusCode, lastError: error, lastAttemptAt: now,
        status: error === null ? 'SUCCEEDED' : last ? 'FAILED' : 'PENDING', deliveredAt: error === null ? now : null,
      });
      if (error === null) {
        await m.query(`UPDATE webhook_endpoints SET consecutive_failures = 0 WHERE org_id = $1 AND id = $2`, [orgId, endpoint.id]);
      } else if (last) {
        await m.query(
          `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1,
             enabled = CASE WHEN consecutive_failures + 1 >= $3 THEN false ELSE enabled END,
             disabled_reason = CASE WHEN consecutive_failures + 1 >= $3 THEN 'disabled after ' || $3 || ' failed deliveries' ELSE disabled_reason END
           WHERE org_id = $1 AND id = $2`,
          [orgId, endpoint.id, DISABLE_AFTER_FAILED_DELIVERIES],
        );
      }
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
  private async announceExpiringGrants(m: EntityManager, vendorOrgId: string, now: Date): Promise<void> {
    const ending: { id: string; requester_org_id: string; grant_expires_at: Date }[] = await m.query(
      `SELECT id, requester_org_id, grant_expires_at FROM access_requests
       WHERE org_id = $1 AND state = 'APPROVED' AND grant_expires_at > $2 AND grant_expires_at <= $2::timestamptz + make_interval(days => $3)`,
      [vendorOrgId, now, ACCESS_EXPIRING_NOTICE_DAYS]);
    for (const r of ending) {
      const expiresAt = r.grant_expires_at.toISOString();
      await emitAccessEvent(m, {
        eventId: nameUuid(`access.expiring:${vendorOrgId}:${r.id}:${expiresAt}`), vendorOrgId, customerOrgId: r.requester_org_id, requestId: r.id,
        type: 'access.expiring', expiresAt, reason: null,
      }, now);
    }
    // Grants end by their date (no write marks them EXPIRED): the sweep tells the vendor's endpoints of those that ended
    // since the day before yesterday, under an id derived from the request and its end, so each end is told once.
    const ended: { id: string; grant_expires_at: Date }[] = await m.query(
      `SELECT id, grant_expires_at FROM access_requests
       WHERE org_id = $1 AND state = 'APPROVED' AND grant_expires_at <= $2 AND grant_expires_at > $2::timestamptz - make_interval(days => 2)`,
      [vendorOrgId, now]);
    for (const r of ended) {
      const expiresAt = r.grant_expires_at.toISOString();
      await emitOwnEvent(m, { eventId: nameUuid(`access.expired:${vendorOrgId}:${r.id}:${expiresAt}`), orgId: vendorOrgId, type: 'access.expired', data: { accessRequestId: r.id, expiresAt, reason: null } }, r.grant_expires_at);
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
    const vendors: { org_id: string }[] = await this.db.transaction(DbScope.publicReads(), (m) => m.query(
      `SELECT org_id FROM trust_centers WHERE status = 'PUBLISHED' AND ($1::uuid[] IS NULL OR org_id = ANY($1::uuid[]))`, [only]));
    let transitions = 0;
    for (const { org_id: orgId } of vendors) {
      transitions += await this.db.transaction(DbScope.system(orgId), async (m) => {
        const tc: { age_anchor: 'PERIOD_END' | 'ISSUE_DATE'; max_age_months: number; expiring_soon_days: number }[] = await m.query(
          `SELECT age_anchor, max_age_months, expiring_soon_days FROM trust_centers WHERE org_id = $1`, [orgId]);
        const rows: { id: string; title: string | null; framework: string; period_end: string | null; as_of: string | null; issue_date: string; certificate_valid_from: string | null; certificate_valid_until: string | null }[] = await m.query(
          `SELECT id, title, framework, period_end, as_of, issue_date, certificate_valid_from, certificate_valid_until FROM attestations WHERE org_id = $1 AND status = 'PUBLISHED'`, [orgId]);
        const letters: { attestation_id: string; covers_from: string; covers_through: string; issued_on: string }[] = await m.query(
          `SELECT attestation_id, covers_from, covers_through, issued_on FROM bridge_letters WHERE org_id = $1`, [orgId]);
        let count = 0;
        for (const a of rows) {
          const f = evaluateFreshness({
            periodEnd: a.period_end as never, asOf: a.as_of as never, issueDate: a.issue_date as never,
            certificateValidFrom: a.certificate_valid_from as never, certificateValidUntil: a.certificate_valid_until as never,
            bridgeLetters: letters.filter((l) => l.attestation_id === a.id).map((l) => ({ coversFrom: l.covers_from as never, coversThrough: l.covers_through as never, issuedOn: l.issued_on as never })),
          }, today, { anchor: tc[0]!.age_anchor, maxAgeMonths: tc[0]!.max_age_months, expiringSoonDays: tc[0]!.expiring_soon_days });
          if (f.state !== 'EXPIRING_SOON' && f.state !== 'STALE') continue;
          const added: unknown[] = await m.query(
            `INSERT INTO freshness_transitions (org_id, attestation_id, state, occurred_on) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
            [orgId, a.id, f.state, today]);
          if (added.length === 0) continue;
          count += 1;
          const type = f.state === 'STALE' ? 'attestation.stale' : 'attestation.expiring_soon';
          const name = a.title ?? a.framework;
          await enqueue(m, 'fanout_vendor_event', {
            eventId: (await m.query(`SELECT gen_random_uuid() AS id`))[0].id, vendorOrgId: orgId, type, includeVendor: true, occurredAt: now.toISOString(),
            title: f.state === 'STALE' ? `${name} went stale after ${f.expiresOn}` : `${name} goes stale after ${f.expiresOn}`,
            data: { attestationId: a.id, framework: a.framework, expiresOn: f.expiresOn, daysUntilStale: f.daysUntilStale },
          });
        }
        await this.announceExpiringGrants(m, orgId, now);
        return count;
      });
    }
    const customers: { org_id: string }[] = await this.db.transaction(DbScope.sweep(), (m) => m.query(
      `SELECT DISTINCT org_id FROM vendor_watches WHERE $1::uuid[] IS NULL OR org_id = ANY($1::uuid[])`, [only]));
    let statusChanges = 0;
    const tracking = new TrackingService(this.db);
    for (const { org_id: orgId } of customers) statusChanges += await tracking.recordStatusChanges(system(orgId), today, now, 'daily freshness sweep');
    this.logger.info('freshness sweep done', { vendors: vendors.length, transitions, customers: customers.length, statusChanges });
    return { transitions, statusChanges };
  }
}
