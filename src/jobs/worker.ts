import pg from 'pg';
import { Logger as WorkerLogger, run, type Runner, type TaskList } from 'graphile-worker';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { AlertMailSettings } from '../modules/mail/alerts';
import { MailDigests, type DigestJob } from '../modules/mail/digest';
import { MailDelivery } from '../modules/mail/mail.delivery';
import type { MailSettings } from '../modules/mail/mail.service';
import { remindExpiringGrants } from '../modules/mail/reminders';
import { NotificationsService, type AccessEvent } from '../modules/notifications/notifications.service';
import type { OwnEvent, VendorEvent } from './events';

export interface WorkerOptions {
  connectionString: string;
  db: Database;
  logger: Logger;
  concurrency?: number;
  /** Daily freshness sweep schedule (graphile-worker crontab syntax); null disables it. */
  sweepCron?: string | null;
  /**
   * Refuse non-public webhook targets at each connection (default true, in every NODE_ENV); main.ts passes false only
   * for WEBHOOK_ALLOW_PRIVATE=true.
   */
  publicTargetsOnly?: boolean;
  /**
   * Mail delivery through this SMTP URL (the relay, or the embedded sink). A worker without it takes no mail job:
   * messages wait in the queue for a worker that has it, nothing is lost.
   */
  mail?: MailSettings & { smtpUrl: string };
  /**
   * Alert and digest mail to the members of organizations following a vendor (with `mail`): the key signing their
   * one-click unsubscribe links, and the daily digest schedule (crontab syntax, UTC; null: no digest cron). Without it,
   * vendor events reach feeds and webhooks only.
   */
  alerts?: { tokenSecret: string; digestCron?: string | null };
}

export interface Worker {
  stop(): Promise<void>;
}

/**
 * Background jobs, run in the API process by default (stateless: any number of processes share the queue; each job
 * runs once at a time, and the crontab fires once per schedule across all of them).
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const alerts: AlertMailSettings | null = options.mail && options.alerts ? { from: options.mail.from, publicBaseUrl: options.mail.publicBaseUrl, tokenSecret: options.alerts.tokenSecret } : null;
  const service = new NotificationsService(options.db, options.logger, { publicTargetsOnly: options.publicTargetsOnly ?? true }, alerts);
  const taskList: TaskList = {
    fanout_vendor_event: async (payload) => {
      await service.fanOut(payload as VendorEvent);
    },
    deliver_webhook: async (payload, helpers) => {
      const { orgId, deliveryId } = payload as { orgId: string; deliveryId: string };
      await service.deliver(orgId, deliveryId, { number: helpers.job.attempts, max: helpers.job.max_attempts });
    },
    freshness_sweep: async () => {
      await service.sweep();
    },
    notify_access_event: async (payload) => {
      await service.notifyAccessEvent(payload as AccessEvent);
    },
    notify_own_event: async (payload) => {
      await service.notifyOwnEvent(payload as OwnEvent);
    },
  };
  const crontab = options.sweepCron === null ? [] : [`${options.sweepCron ?? '0 3 * * *'} freshness_sweep ?fill=1d&max=1`];
  if (alerts) {
    const digests = new MailDigests(options.db, options.logger, alerts);
    taskList.mail_digests = async () => {
      await digests.schedule();
    };
    taskList.send_mail_digest = async (payload) => {
      await digests.send(payload as DigestJob);
    };
    if (options.alerts?.digestCron !== null) crontab.push(`${options.alerts?.digestCron ?? '0 7 * * *'} mail_digests ?fill=1d&max=1`);
  }
  const mail = options.mail ? new MailDelivery(options.db, options.logger, options.mail.smtpUrl) : null;
  if (mail && options.mail) {
    taskList.deliver_mail = async (payload, helpers) => {
      const { mailOrgId, mailId } = payload as { mailOrgId: string; mailId: string };
      await mail.deliver(mailOrgId, mailId, { number: helpers.job.attempts, max: helpers.job.max_attempts });
    };
    const settings: MailSettings = { from: options.mail.from, publicBaseUrl: options.mail.publicBaseUrl };
    taskList.mail_grant_reminders = async () => {
      await remindExpiringGrants(options.db, options.logger, settings, new Date());
    };
    // Grant expiry reminders ride on the sweep's daily schedule.
    if (options.sweepCron !== null) crontab.push(`${options.sweepCron ?? '0 3 * * *'} mail_grant_reminders ?fill=1d&max=1`);
  }
  const pool = new pg.Pool({ connectionString: options.connectionString, max: (options.concurrency ?? 2) + 2 });
  const logger = new WorkerLogger((scope) => (level, message, meta) => {
    if (level === 'error' || level === 'warning') options.logger.warn(`worker: ${message}`, { ...meta, scope: scope.label });
  });
  const runner: Runner = await run({
    pgPool: pool,
    taskList,
    concurrency: options.concurrency ?? 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger,
    crontab: crontab.join('\n'),
  });
  return {
    async stop() {
      await runner.stop();
      await pool.end();
      await service.close();
      mail?.close();
    },
  };
}
