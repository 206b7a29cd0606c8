import type { EntityManager } from 'typeorm';
import type { VendorEvent } from '../../jobs/events';
import type { TenantScope } from '../auth/tenant-scope';
import type { AlertCategory } from './alerts.entity';
import { queueMail, type MailSettings } from './mail.service';
import { link, render, type Block, type RenderedMail } from './mail.templates';
import { alertCategoryOf, preferencesRepository } from './preferences';
import { describeCategories, unsubscribeHeaders, unsubscribeUrl } from './unsubscribe';

/** What alert and digest mail needs: the outbox settings and the key that signs unsubscribe links. */
export type AlertMailSettings = MailSettings & { tokenSecret: string };

/** The vendor an event is about, as its followers know it. */
export interface AlertVendor {
  name: string;
  slug: string;
}

const HEADINGS: Record<AlertCategory, string> = {
  FRESHNESS: 'A report of a vendor you follow is due or stale',
  NEW_REPORT: 'A vendor you follow published a report',
  SUBPROCESSORS: "A vendor you follow changed its subprocessors",
};

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : typeof value === 'number' ? String(value) : null);

/** The event's details worth a line each (the rest is on the trust center). */
function details(event: VendorEvent, vendor: AlertVendor): [string, string][] {
  const rows: [string, string][] = [['Vendor', vendor.name]];
  const d = event.data;
  const add = (label: string, value: unknown) => {
    const s = str(value);
    if (s) rows.push([label, s]);
  };
  add('Framework', d.framework);
  add('Expires on', d.expiresOn);
  if (event.type === 'attestation.expiring_soon') add('Days until stale', d.daysUntilStale);
  if (event.type === 'subprocessors.changed') {
    add('Change', d.change);
    add('Subprocessor', d.name);
    add('Location', d.location);
  }
  return rows;
}

function footer(orgName: string): string {
  return `You get this because ${orgName} follows this vendor and your mail preferences ask for these alerts. Unsubscribe with the "Stop these emails" link above or in your mail app, or change your preferences after signing in.`;
}

/** One alert: the event, its details, a link to the vendor's trust center and an unsubscribe line. */
export function renderAlert(category: AlertCategory, event: VendorEvent, vendor: AlertVendor, orgName: string, unsubscribe: string, publicBaseUrl: string): RenderedMail {
  const blocks: Block[] = [HEADINGS[category] + '.', details(event, vendor), `Stop these emails (${describeCategories([category])}): ${unsubscribe}`];
  return render({ title: `${vendor.name}: ${event.title}`, blocks, action: { label: `Open ${vendor.name}'s trust center`, url: link(publicBaseUrl, ['trust', vendor.slug]) }, footer: footer(orgName) });
}

/**
 * A vendor event has just reached `scope`'s organization (its notification row `notificationId` was inserted in this
 * transaction, once per event): each member who wants the event's category IMMEDIATE gets a mail keyed on the
 * notification and the member (exactly one per event per member, whatever retries happen), and each who wants
 * DAILY_DIGEST gets a pending digest item. Nothing for OFF, for events no category covers, or for members without an
 * address. Returns how many mails and digest items were queued.
 */
export async function queueAlerts(
  m: EntityManager, scope: TenantScope, settings: AlertMailSettings,
  alert: { notificationId: string; event: VendorEvent; vendor: AlertVendor; orgName: string },
): Promise<{ mails: number; digestItems: number }> {
  const category = alertCategoryOf(alert.event.type);
  if (!category) return { mails: 0, digestItems: 0 };
  let mails = 0;
  let digestItems = 0;
  for (const member of await preferencesRepository.recipients(m, scope, category)) {
    if (member.mode === 'IMMEDIATE') {
      const url = unsubscribeUrl(settings.publicBaseUrl, settings.tokenSecret, { orgId: scope.orgId, userId: member.userId, categories: [category] });
      const queued = await queueMail(m, scope, settings, {
        kind: `alert.${category.toLowerCase()}`, category: 'NOTIFICATION', eventKey: `alert:${alert.notificationId}:${member.userId}`, to: member.email,
        content: renderAlert(category, alert.event, alert.vendor, alert.orgName, url, settings.publicBaseUrl), headers: unsubscribeHeaders(url),
      });
      if (queued.queued) mails += 1;
    } else if (member.mode === 'DAILY_DIGEST') {
      const added: unknown[] = await m.query(
        `INSERT INTO mail_digest_items (org_id, user_id, notification_id, category, event_type, vendor_name, title) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [scope.orgId, member.userId, alert.notificationId, category, alert.event.type, alert.vendor.name, alert.event.title]);
      digestItems += added.length;
    }
  }
  return { mails, digestItems };
}
