import { todayUtc } from '../../domain/calendar-date';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { enqueue } from '../../jobs/queue';
import type { Logger } from '../../logger';
import { TenantScope } from '../auth/tenant-scope';
import { ALERT_CATEGORIES, type AlertCategory, type DeliveryMode } from './alerts.entity';
import type { AlertMailSettings } from './alerts';
import { queueMail } from './mail.service';
import { dayInWords } from '../../views/words';
import { render, type Block } from './mail.templates';
import { preferencesRepository } from './preferences';
import { describeCategories, unsubscribeHeaders, unsubscribeUrl } from './unsubscribe';

/** One member's digest for one day: what the `send_mail_digest` job is given. */
export interface DigestJob {
  orgId: string;
  userId: string;
  /** The UTC day the digest is for (YYYY-MM-DD): one digest per member and day. */
  day: string;
  /** Items recorded up to this moment go in; later ones wait for the next day. */
  cutoff: string;
}

const SECTION_TITLES: Record<AlertCategory, string> = {
  FRESHNESS: 'Reports due or stale',
  NEW_REPORT: 'New reports',
  SUBPROCESSORS: 'Subprocessor changes',
};

/** The most items one digest lists (the rest stay pending for the next one): a mail stays readable. */
export const DIGEST_MAX_ITEMS = 200;

/**
 * The daily digest. `schedule` (the `mail_digests` cron task) finds the members with pending items and adds one
 * `send_mail_digest` job per member and day (job key `digest:<org>:<user>:<day>`, so a repeated run replaces rather
 * than duplicates); `send` mails that member one digest of everything pending up to the cutoff, then marks the items
 * dispatched, in one transaction. Nothing pending: no mail.
 */
export class MailDigests {
  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly settings: AlertMailSettings,
  ) {}

  async schedule(now = new Date(), options: { onlyOrgIds?: readonly string[] } = {}): Promise<number> {
    const day = todayUtc(now);
    const only = options.onlyOrgIds ? [...options.onlyOrgIds] : null;
    return this.db.transaction(DbScope.sweep(), async (m) => {
      const pending: { org_id: string; user_id: string }[] = await m.query(
        `SELECT DISTINCT org_id, user_id FROM mail_digest_items WHERE dispatched_at IS NULL AND created_at <= $1 AND ($2::uuid[] IS NULL OR org_id = ANY($2::uuid[]))`,
        [now, only]);
      for (const p of pending) {
        const job: DigestJob = { orgId: p.org_id, userId: p.user_id, day, cutoff: now.toISOString() };
        await enqueue(m, 'send_mail_digest', { ...job }, { jobKey: `digest:${p.org_id}:${p.user_id}:${day}`, maxAttempts: 10 });
      }
      this.logger.info('mail digests scheduled', { day, members: pending.length });
      return pending.length;
    });
  }

  /** Returns the queued mail's id, or null when there was nothing to say (or today's digest is already out). */
  async send(job: DigestJob): Promise<string | null> {
    const scope = TenantScope.forSystem(job.orgId);
    return this.db.transaction(scope.identity(), async (m) => {
      const items: { notification_id: string; category: AlertCategory; vendor_name: string; title: string; created_at: Date }[] = await m.query(
        `SELECT notification_id, category, vendor_name, title, created_at FROM mail_digest_items
         WHERE org_id = $1 AND user_id = $2 AND dispatched_at IS NULL AND created_at <= $3
         ORDER BY created_at, notification_id LIMIT $4 FOR UPDATE`,
        [job.orgId, job.userId, job.cutoff, DIGEST_MAX_ITEMS]);
      if (items.length === 0) return null;
      const member: { email: string; org_name: string }[] = await m.query(
        `SELECT u.email, o.name AS org_name FROM memberships ms JOIN users u ON u.id = ms.user_id JOIN organizations o ON o.id = ms.org_id
         WHERE ms.org_id = $1 AND ms.user_id = $2`, [job.orgId, job.userId]);
      if (!member[0]) return null; // left the organization: its items went with the membership
      // Today's choice decides: a category switched OFF since drops its items; one switched to IMMEDIATE still gets
      // what was waiting (it was never sent).
      const modes = new Map<AlertCategory, DeliveryMode>((await preferencesRepository.forUser(m, scope, job.userId)).map((p) => [p.category, p.mode]));
      const wanted = items.filter((i) => modes.get(i.category) !== 'OFF');
      const dropped = items.filter((i) => modes.get(i.category) === 'OFF');
      const now = new Date();
      if (dropped.length > 0) {
        await m.query(`UPDATE mail_digest_items SET dispatched_at = $3 WHERE org_id = $1 AND user_id = $2 AND notification_id = ANY($4::uuid[])`,
          [job.orgId, job.userId, now, dropped.map((i) => i.notification_id)]);
      }
      if (wanted.length === 0) return null;
      const categories = ALERT_CATEGORIES.filter((c) => wanted.some((i) => i.category === c));
      const url = unsubscribeUrl(this.settings.publicBaseUrl, this.settings.tokenSecret, { orgId: job.orgId, userId: job.userId, categories });
      const blocks: Block[] = [`${wanted.length} ${wanted.length === 1 ? 'update' : 'updates'} from the vendors ${member[0].org_name} follows.`];
      for (const category of categories) {
        blocks.push(SECTION_TITLES[category]);
        blocks.push(wanted.filter((i) => i.category === category).map((i) => [i.vendor_name, i.title] as const));
      }
      blocks.push(`Stop these digests (${describeCategories(categories)}): ${url}`);
      const queued = await queueMail(m, scope, this.settings, {
        kind: 'alert.digest', category: 'NOTIFICATION', eventKey: `digest:${job.userId}:${job.day}`, to: member[0].email,
        content: render({
          title: `Your daily vendor digest for ${dayInWords(new Date(`${job.day}T00:00:00Z`), 'long')}`, blocks,
          footer: `You get this digest because ${member[0].org_name} follows these vendors and your mail preferences ask for a daily digest. Unsubscribe with the link above or in your mail app, or change your preferences after signing in.`,
        }),
        headers: unsubscribeHeaders(url),
      });
      // Today's digest already went out (a second run the same day): what came since waits for tomorrow's.
      if (!queued.queued) return null;
      await m.query(`UPDATE mail_digest_items SET dispatched_at = $3, mail_id = $4 WHERE org_id = $1 AND user_id = $2 AND notification_id = ANY($5::uuid[])`,
        [job.orgId, job.userId, now, queued.id, wanted.map((i) => i.notification_id)]);
      return queued.id;
    });
  }
}
