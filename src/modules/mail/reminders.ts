import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import type { Logger } from '../../logger';
import { TenantScope } from '../auth/tenant-scope';
import { accessRecords } from '../access/access.service';
import { documents } from '../documents/document.service';
import { organizations } from '../tenancy/tenancy.service';
import { queueMail, type MailSettings } from './mail.service';
import { grantExpiringMail } from './transactional';

/** Grant holders hear this many days before their access ends. */
export const GRANT_REMINDER_DAYS = 7;

/**
 * The daily `mail_grant_reminders` job: every grant holder whose access to a published vendor ends within 7 days is
 * mailed once (the message's event key names the request and its end, so running again, or twice the same day in two
 * processes, queues nothing new). Each vendor is one transaction in its own tenant, as the system. `onlyOrgIds`
 * restricts it to those vendors (tests sharing a database leave other files' tenants alone).
 */
export async function remindExpiringGrants(db: Database, logger: Logger, settings: MailSettings, now: Date, options: { onlyOrgIds?: readonly string[] } = {}): Promise<number> {
  const only = options.onlyOrgIds ? [...options.onlyOrgIds] : null;
  const vendors: { org_id: string }[] = await db.transaction(DbScope.publicReads(), (m) => m.query(
    `SELECT org_id FROM trust_centers WHERE status = 'PUBLISHED' AND ($1::uuid[] IS NULL OR org_id = ANY($1::uuid[]))`, [only]));
  let queued = 0;
  for (const { org_id: orgId } of vendors) {
    const scope = TenantScope.forSystem(orgId);
    queued += await db.transaction(scope.identity(), async (m) => {
      const ending = await accessRecords.grantsToRemind(m, scope, now, GRANT_REMINDER_DAYS);
      if (ending.length === 0) return 0;
      const vendor = (await organizations.byIds(m, [orgId]))[0]!;
      let count = 0;
      for (const grant of ending) {
        const ids = grant.documentIds.filter((id): id is string => id !== null);
        const titles = ids.length === 0 || ids.length !== grant.documentIds.length ? null : (await documents.byIds(m, scope, ids)).map((d) => d.title);
        const result = await queueMail(m, scope, settings, grantExpiringMail(settings, {
          requestId: grant.requestId, to: grant.requesterEmail, vendorName: vendor.name, vendorSlug: vendor.slug, documentTitles: titles, expiresAt: grant.expiresAt,
        }));
        if (result.queued) count += 1;
      }
      return count;
    });
  }
  if (queued > 0) logger.info('grant expiry reminders queued', { vendors: vendors.length, queued });
  return queued;
}
