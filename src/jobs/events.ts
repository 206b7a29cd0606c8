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
