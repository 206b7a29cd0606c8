import nodemailer, { type Transporter } from 'nodemailer';
import type { Database } from '../../db/database';
import type { Logger } from '../../logger';
import { TenantScope } from '../auth/tenant-scope';
import type { MailStatus } from './mail.entity';
import { mailRepository } from './mail.repository';

/** An SMTP refusal in the 5xx range is final (no such mailbox, message refused): retrying would not change it. */
function permanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

function describe(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [typeof e.code === 'string' ? e.code : null, typeof e.responseCode === 'number' ? `SMTP ${e.responseCode}` : null, typeof e.message === 'string' ? e.message : String(error)];
  return parts.filter(Boolean).join(': ').slice(0, 1000);
}

/**
 * The `deliver_mail` job: sends one outbox message over SMTP (nodemailer) and records the outcome. A message already
 * SENT (or FAILED) is never sent again. Each attempt carries the message's stored Message-ID and Date, so when an
 * attempt's outcome was uncertain (the relay accepted, then the connection or the database failed before SENT was
 * recorded) the retry is the same message, recognisable as such by any receiver. Temporary failures (connection
 * refused, timeouts, 4xx) are rethrown for the queue to retry with backoff; a 5xx refusal or the last attempt is FAILED.
 */
export class MailDelivery {
  private readonly transport: Transporter;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    smtpUrl: string,
  ) {
    this.transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 });
  }

  async deliver(orgId: string, id: string, attempt: { number: number; max: number }): Promise<MailStatus | null> {
    const scope = TenantScope.forSystem(orgId);
    const row = await this.db.transaction(scope.identity(), (m) => mailRepository.outgoing(m, scope, id));
    if (!row || row.status !== 'QUEUED') return row?.status ?? null;
    let error: unknown = null;
    let response: string | null = null;
    try {
      const info = await this.transport.sendMail({
        from: row.sender, to: row.recipient, subject: row.subject, text: row.textBody, html: row.htmlBody,
        messageId: row.messageId, date: row.createdAt, headers: row.headers,
      });
      response = typeof info.response === 'string' ? info.response.slice(0, 500) : null;
    } catch (e) {
      error = e;
    }
    const final = error === null || permanent(error) || attempt.number >= attempt.max;
    const status: MailStatus = error === null ? 'SENT' : final ? 'FAILED' : 'QUEUED';
    await this.db.transaction(scope.identity(), (m) => mailRepository.recordAttempt(m, scope, id, {
      status, attempts: attempt.number, at: new Date(), error: error === null ? null : describe(error), smtpResponse: response, redact: final && row.redactAfterDelivery,
    }));
    if (error !== null) {
      this.logger.warn('mail delivery failed', { orgId, mailId: id, attempt: attempt.number, final, error: describe(error) });
      if (!final) throw new Error(`mail ${id} not delivered yet: ${describe(error)}`);
    }
    return status;
  }

  close(): void {
    this.transport.close();
  }
}
