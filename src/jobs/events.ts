import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { enqueue } from './queue';

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

/** Queues an event for the vendor's own webhook endpoints, inside the transaction of the change that causes it. */
export async function emitOwnEvent(m: EntityManager, event: Omit<OwnEvent, 'eventId' | 'occurredAt'> & { eventId?: string }, now = new Date()): Promise<void> {
  const eventId = event.eventId ?? randomUUID();
  await enqueue(m, 'notify_own_event', { ...event, eventId, occurredAt: now.toISOString() }, { jobKey: `own-event:${eventId}`, maxAttempts: 10 });
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
