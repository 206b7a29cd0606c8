import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13, mail: the outbox. A message is a row written in the transaction of the change that causes it, and a
 * `deliver_mail` job added in the same transaction sends it; the row records the delivery (status, attempts, last
 * error). The Message-ID is fixed at insert, so every attempt of one message carries the same one, and `event_key`
 * (unique per org) makes "one message per event" a constraint, not a hope.
 * Tenant table like the others: org_id leads the key, RLS enabled and forced, and a visitor (a customer acting in a
 * vendor's tenant) reads and writes nothing here: customer flows queue their mail as the system.
 */
export class MailOutbox1795711000000 implements MigrationInterface {
  name = 'MailOutbox1795711000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "mail_outbox" (
      "org_id" uuid NOT NULL,
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "kind" text NOT NULL,
      "category" text NOT NULL,
      "event_key" text NOT NULL,
      "recipient" text NOT NULL,
      "sender" text NOT NULL,
      "subject" text NOT NULL,
      "text_body" text NOT NULL,
      "html_body" text NOT NULL,
      "headers" jsonb NOT NULL DEFAULT '{}',
      "message_id" text NOT NULL,
      "redact_after_delivery" boolean NOT NULL DEFAULT false,
      "status" text NOT NULL DEFAULT 'QUEUED',
      "attempts" integer NOT NULL DEFAULT 0,
      "last_error" text,
      "last_attempt_at" TIMESTAMP WITH TIME ZONE,
      "smtp_response" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "sent_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "mail_outbox_status_check" CHECK (status IN ('QUEUED', 'SENT', 'FAILED')),
      CONSTRAINT "mail_outbox_category_check" CHECK (category IN ('TRANSACTIONAL', 'NOTIFICATION')),
      CONSTRAINT "mail_outbox_kind_check" CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,62}$'),
      CONSTRAINT "mail_outbox_sent_check" CHECK (sent_at IS NULL OR status = 'SENT'),
      CONSTRAINT "mail_outbox_pkey" PRIMARY KEY ("org_id", "id"))`);
    await q.query(`CREATE UNIQUE INDEX "mail_outbox_org_id_event_key_key" ON "mail_outbox" ("org_id", "event_key")`);
    await q.query(`CREATE UNIQUE INDEX "mail_outbox_org_id_message_id_key" ON "mail_outbox" ("org_id", "message_id")`);
    await q.query(`CREATE INDEX "mail_outbox_org_id_created_at_idx" ON "mail_outbox" ("org_id", "created_at", "id")`);
    await q.query(`CREATE INDEX "mail_outbox_org_id_status_created_at_idx" ON "mail_outbox" ("org_id", "status", "created_at", "id")`);

    await q.query(`ALTER TABLE "mail_outbox" ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE "mail_outbox" FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY mail_outbox_tenant ON "mail_outbox" USING (org_id = app_current_org_id()) WITH CHECK (org_id = app_current_org_id())`);
    // The visitor walls (1795708000002, 1795708000004): a visitor reads and writes no mail.
    await q.query(`CREATE POLICY mail_outbox_visitor ON "mail_outbox" AS RESTRICTIVE FOR SELECT USING (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY mail_outbox_visitor_insert ON "mail_outbox" AS RESTRICTIVE FOR INSERT WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY mail_outbox_visitor_update ON "mail_outbox" AS RESTRICTIVE FOR UPDATE USING (NOT app_is_visitor()) WITH CHECK (NOT app_is_visitor())`);
    await q.query(`CREATE POLICY mail_outbox_visitor_delete ON "mail_outbox" AS RESTRICTIVE FOR DELETE USING (NOT app_is_visitor())`);
    // No DELETE: the outbox is the record of what was sent. Once written, only the delivery columns change (and the
    // bodies, redacted after delivery when they carried a one-time secret).
    await q.query(`GRANT SELECT, INSERT, UPDATE (status, attempts, last_error, last_attempt_at, smtp_response, sent_at, text_body, html_body) ON "mail_outbox" TO trust_portal_app`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mail_outbox"`);
  }
}
