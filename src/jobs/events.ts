import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../modules/auth/tenant-scope';
import { enqueue, enqueueWhere } from './queue';

/** What a vendor's followers can be told about. */
export const VENDOR_EVENT_TYPES = [
  'attestation.published',
  'attestation.superseded',
  'attestation.withdrawn',
  'attestation.expiring_soon',
  'attestation.stale',
  'bridge_letter.added',
  'document.updated',
  'subprocessors.changed',
] as const;
export type VendorEventType = (typeof VENDOR_EVENT_TYPES)[number];
export const TEST_EVENT_TYPE = 'webhook.test';

/** The version of every webhook payload's shape (docs/webhooks.md): additive changes keep it, breaking ones get a new one. */
export const WEBHOOK_API_VERSION = '2026-12-01';

/**
 * What only the vendor's own endpoints hear about its trust center (never a follower: a customer learns of its own
 * access through its feed). With the attestation lifecycle above, these are a vendor endpoint's events.
 */
export const OWN_EVENT_TYPES = [
  'access.requested',
  'access.approved',
  'access.denied',
  'access.revoked',
  'access.expired',
  'nda.accepted',
  'document.downloaded',
] as const;
export type OwnEventType = (typeof OWN_EVENT_TYPES)[number];

export interface OwnEvent {
  /** Stable per event: receivers de-duplicate on it, and a retried job queues each endpoint's delivery once. */
  eventId: string;
  /** The vendor organization: the event's subject and its only recipient. */
  orgId: string;
  type: OwnEventType;
  occurredAt: string;
  /** The documented `data` (docs/webhooks.md); the job completes access and download events from their rows. */
  data: Record<string, unknown>;
}

/**
 * Queues an event for the vendor's own webhook endpoints, inside the transaction of the change that causes it, and
 * only if one of the vendor's enabled endpoints takes its type, decided in the same statement (the filter of
 * notifications.repository's enabledEndpointsFor). Most vendors have no endpoint: the job would have found none,
 * after a get_job, two transactions and a complete_job (a fifth of a download's database work). An endpoint added
 * later hears the events from then on.
 *
 * `system` is the vendor's system scope (TenantScope.forSystem), and the transaction must be acting as it: the
 * endpoints are hidden from a visitor, who would see none and so queue nothing.
 */
export async function emitOwnEvent(m: EntityManager, system: TenantScope, event: Omit<OwnEvent, 'eventId' | 'occurredAt'> & { eventId?: string }, now = new Date()): Promise<boolean> {
  if (system.orgId !== event.orgId || system.role !== null || system.userId !== null || system.visitor) {
    throw new Error(`emitOwnEvent: ${event.type} must be emitted as the system of organization ${event.orgId}`);
  }
  const eventId = event.eventId ?? randomUUID();
  return enqueueWhere(m, 'notify_own_event', { ...event, eventId, occurredAt: now.toISOString() }, { jobKey: `own-event:${eventId}`, maxAttempts: 10 }, {
    sql: `EXISTS (SELECT 1 FROM webhook_endpoints WHERE org_id = $6 AND enabled AND (cardinality(event_types) = 0 OR $7 = ANY(event_types)))`,
    params: [event.orgId, event.type],
  });
}

export interface VendorEvent {
  /** Identifies the event across retries: each recipient is notified once per event id. */
  eventId: string;
  vendorOrgId: string;
  type: VendorEventType;
  /** A short sentence for the in-app feed. */
  title: string;
  data: Record<string, unknown>;
  /** Sweep events also go to the vendor's own feed and webhooks. */
  includeVendor?: boolean;
  occurredAt: string;
}

/** Records a vendor event for fan-out, inside the vendor's transaction. */
export async function emitVendorEvent(m: EntityManager, event: Omit<VendorEvent, 'occurredAt' | 'eventId'>): Promise<void> {
  await enqueue(m, 'fanout_vendor_event', { ...event, eventId: randomUUID(), occurredAt: new Date().toISOString() }, { maxAttempts: 10 });
}
