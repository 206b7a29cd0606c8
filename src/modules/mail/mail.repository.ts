import type { EntityManager } from 'typeorm';
import type { TenantScope } from '../auth/tenant-scope';
import type { Role } from '../tenancy/membership.entity';
import type { MailCategory, MailStatus } from './mail.entity';

/** What the outbox shows about a message (never its bodies: they may carry a one-time secret until delivered). */
export interface MailDeliveryRow {
  id: string;
  kind: string;
  category: MailCategory;
  recipient: string;
  subject: string;
  messageId: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** What a message says and to whom, as queued. */
interface MailFields {
  id: string;
  recipient: string;
  sender: string;
  subject: string;
  textBody: string;
  htmlBody: string;
  headers: Record<string, string>;
  messageId: string;
  redactAfterDelivery: boolean;
  status: MailStatus;
}

/** A message as the delivery job sends it. */
export interface OutgoingRow extends MailFields {
  createdAt: Date;
}

export interface NewMailRow extends MailFields {
  kind: string;
  category: MailCategory;
  eventKey: string;
  lastError: string | null;
}

const DELIVERY_COLUMNS = `id, kind, category, recipient, subject, message_id, status, attempts, last_error, last_attempt_at, created_at, sent_at`;
type RawDelivery = { id: string; kind: string; category: MailCategory; recipient: string; subject: string; message_id: string; status: MailStatus; attempts: number; last_error: string | null; last_attempt_at: Date | null; created_at: Date; sent_at: Date | null };
const toDelivery = (r: RawDelivery): MailDeliveryRow => ({
  id: r.id, kind: r.kind, category: r.category, recipient: r.recipient, subject: r.subject, messageId: r.message_id, status: r.status,
  attempts: Number(r.attempts), lastError: r.last_error, lastAttemptAt: r.last_attempt_at, createdAt: r.created_at, sentAt: r.sent_at,
});

const REDACTED = '[This message carried a one-time secret; its body was removed from the outbox after delivery.]';

/** The only SQL for the mail outbox. Every statement names the scope's org (RLS repeats it). */
export const mailRepository = {
  /** Inserts the message unless its event already has one in this org; returns whether it was inserted. */
  async insert(m: EntityManager, scope: TenantScope, row: NewMailRow): Promise<boolean> {
    const inserted: unknown[] = await m.query(
      `INSERT INTO mail_outbox (org_id, id, kind, category, event_key, recipient, sender, subject, text_body, html_body, headers, message_id, redact_after_delivery, status, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15)
       ON CONFLICT (org_id, event_key) DO NOTHING RETURNING 1`,
      [scope.orgId, row.id, row.kind, row.category, row.eventKey, row.recipient, row.sender, row.subject, row.textBody, row.htmlBody,
        JSON.stringify(row.headers), row.messageId, row.redactAfterDelivery, row.status, row.lastError]);
    return inserted.length === 1;
  },

  async byEventKey(m: EntityManager, scope: TenantScope, eventKey: string): Promise<MailDeliveryRow | null> {
    const rows: RawDelivery[] = await m.query(`SELECT ${DELIVERY_COLUMNS} FROM mail_outbox WHERE org_id = $1 AND event_key = $2`, [scope.orgId, eventKey]);
    return rows[0] ? toDelivery(rows[0]) : null;
  },

  async outgoing(m: EntityManager, scope: TenantScope, id: string): Promise<OutgoingRow | null> {
    const rows: { id: string; recipient: string; sender: string; subject: string; text_body: string; html_body: string; headers: Record<string, string>; message_id: string; status: MailStatus; redact_after_delivery: boolean; created_at: Date }[] = await m.query(
      `SELECT id, recipient, sender, subject, text_body, html_body, headers, message_id, status, redact_after_delivery, created_at FROM mail_outbox WHERE org_id = $1 AND id = $2`,
      [scope.orgId, id]);
    const r = rows[0];
    return r ? {
      id: r.id, recipient: r.recipient, sender: r.sender, subject: r.subject, textBody: r.text_body, htmlBody: r.html_body, headers: r.headers,
      messageId: r.message_id, status: r.status, redactAfterDelivery: r.redact_after_delivery, createdAt: r.created_at,
    } : null;
  },

  /** Records an attempt's outcome, only while the message is still QUEUED (a SENT message is never reopened). */
  async recordAttempt(
    m: EntityManager, scope: TenantScope, id: string,
    outcome: { status: MailStatus; attempts: number; at: Date; error: string | null; smtpResponse: string | null; redact: boolean },
  ): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `WITH done AS (
         UPDATE mail_outbox SET status = $3, attempts = $4, last_attempt_at = $5, last_error = $6, smtp_response = COALESCE($7, smtp_response),
           sent_at = CASE WHEN $3 = 'SENT' THEN $5::timestamptz END,
           text_body = CASE WHEN $8 THEN $9 ELSE text_body END, html_body = CASE WHEN $8 THEN $9 ELSE html_body END
         WHERE org_id = $1 AND id = $2 AND status = 'QUEUED' RETURNING 1)
       SELECT 1 FROM done`,
      [scope.orgId, id, outcome.status, outcome.attempts, outcome.at, outcome.error, outcome.smtpResponse, outcome.redact, REDACTED]);
    return rows.length === 1;
  },

  /** Members of the scope's org holding one of `roles`, with their addresses (recipients chosen by role). */
  async membersWithRoles(m: EntityManager, scope: TenantScope, roles: readonly Role[]): Promise<{ userId: string; email: string }[]> {
    const rows: { user_id: string; email: string }[] = await m.query(
      `SELECT m.user_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.role = ANY($2) ORDER BY m.user_id`,
      [scope.orgId, roles]);
    return rows.map((r) => ({ userId: r.user_id, email: r.email }));
  },

  /** Newest first, keyset-paged by (created, id), optionally one status. */
  async page(m: EntityManager, scope: TenantScope, options: { status: MailStatus | null; limit: number; after: [string, string] | null }): Promise<MailDeliveryRow[]> {
    const params: unknown[] = [scope.orgId, options.limit, options.status];
    let keyset = '';
    if (options.after) {
      params.push(options.after[0], options.after[1]);
      keyset = `AND (date_trunc('milliseconds', created_at), id) < ($4::timestamptz, $5::uuid)`;
    }
    const rows: RawDelivery[] = await m.query(
      `SELECT ${DELIVERY_COLUMNS} FROM mail_outbox WHERE org_id = $1 AND ($3::text IS NULL OR status = $3) ${keyset}
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT $2`, params);
    return rows.map(toDelivery);
  },
};
