import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { MailConfig } from '../../config/config';
import type { Database } from '../../db/database';
import { normalizeEmail } from '../../domain/invitations';
import { enqueue } from '../../jobs/queue';
import type { TenantScope } from '../auth/tenant-scope';
import type { Role } from '../tenancy/membership.entity';
import type { MailCategory, MailStatus } from './mail.entity';
import { mailRepository, type MailDeliveryRow } from './mail.repository';
import { oneLine, type RenderedMail } from './mail.templates';

/** What queueing a message needs from the configuration: the From header and where links point. */
export type MailSettings = Pick<MailConfig, 'from' | 'publicBaseUrl'>;

/** The settings a service was built with; a service built without them (the demo seed) must not send mail. */
export function requireMailSettings(settings: MailSettings | undefined): MailSettings {
  if (!settings) throw new Error('This service was built without mail settings (config.mail) and cannot queue mail');
  return settings;
}

/** Attempts per message: graphile-worker's backoff (e^attempt seconds, at most e^10) spreads 12 over about 16 hours. */
export const MAIL_MAX_ATTEMPTS = 12;

export interface OutgoingMail {
  /** What the mail is, dotted lower case (`member.invitation`, `access.requested`); shown to admins. */
  kind: string;
  category: MailCategory;
  /**
   * The event this message is about, unique per organization: queueing the same key twice keeps the first message
   * (a retried job or a repeated sweep sends nothing new). Include the recipient when one event mails several people.
   */
  eventKey: string;
  /** One recipient address (a malformed one is recorded as FAILED, never sent). */
  to: string;
  content: RenderedMail;
  /** Extra headers (e.g. List-Unsubscribe); the addressing headers are set by the outbox and cannot be replaced here. */
  headers?: Record<string, string>;
  /** The bodies carry a one-time secret (an invitation token): they are removed from the outbox once delivered. */
  redactAfterDelivery?: boolean;
}

export interface QueuedMail {
  id: string;
  messageId: string;
  status: MailStatus;
  /** False when the event already had its message (nothing new was queued). */
  queued: boolean;
}

const RESERVED_HEADERS = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'message-id', 'date', 'sender', 'reply-to', 'return-path', 'mime-version', 'content-type', 'content-transfer-encoding']);
const HEADER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** The domain of the From address, for Message-IDs (`<uuid@domain>`). */
export function senderDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim().toLowerCase();
}

/**
 * THE way to send mail: call it inside the transaction of the change that causes the message, with that
 * transaction's EntityManager and a TenantScope of the organization the mail belongs to (its admins see its delivery).
 * It writes the outbox row, with its Message-ID fixed now, and adds the `deliver_mail` job in the same transaction:
 * the message exists exactly when the change commits, and is sent (with retries and backoff) after. A customer flow
 * acting as a visitor in a vendor's tenant must switch to the system identity first (the visitor wall refuses).
 */
export async function queueMail(m: EntityManager, scope: TenantScope, settings: MailSettings, mail: OutgoingMail): Promise<QueuedMail> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) throw new Error(`queueMail: header "${name}" cannot be set here`);
    headers[name] = oneLine(value, 900);
  }
  const recipient = normalizeEmail(mail.to);
  const id = randomUUID();
  const messageId = `<${id}@${senderDomain(settings.from)}>`;
  const status: MailStatus = recipient ? 'QUEUED' : 'FAILED';
  const inserted = await mailRepository.insert(m, scope, {
    id, kind: mail.kind, category: mail.category, eventKey: mail.eventKey.slice(0, 500), recipient: recipient ?? oneLine(mail.to, 254), sender: settings.from,
    subject: mail.content.subject, textBody: mail.content.text, htmlBody: mail.content.html, headers, messageId,
    redactAfterDelivery: mail.redactAfterDelivery ?? false, status, lastError: recipient ? null : 'The recipient is not a valid email address; nothing was sent.',
  });
  if (!inserted) {
    const existing = (await mailRepository.byEventKey(m, scope, mail.eventKey.slice(0, 500)))!;
    return { id: existing.id, messageId: existing.messageId, status: existing.status, queued: false };
  }
  if (recipient) await enqueue(m, 'deliver_mail', { mailOrgId: scope.orgId, mailId: id }, { jobKey: `mail:${id}`, maxAttempts: MAIL_MAX_ATTEMPTS });
  return { id, messageId, status, queued: true };
}

/** Who receives a mail, chosen inside the caller's transaction. */
export const mailRecipients = {
  /** Members of the scope's org holding one of `roles`, with their addresses. */
  membersWithRoles: (m: EntityManager, scope: TenantScope, roles: readonly Role[]): Promise<{ userId: string; email: string }[]> => mailRepository.membersWithRoles(m, scope, roles),
};

/** A page of the org's outbox, newest first (the caller checked `mail.read`). */
export function mailDeliveries(db: Database, scope: TenantScope, options: { status: MailStatus | null; limit: number; after: [string, string] | null }): Promise<MailDeliveryRow[]> {
  return db.transaction(scope.identity(), (m) => mailRepository.page(m, scope, options));
}
