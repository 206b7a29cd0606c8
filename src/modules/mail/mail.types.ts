import { ArgsType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IsOptional } from 'class-validator';
import { Connection, PageArgs } from '../../graphql/connection';
import type { MailCategory, MailStatus } from './mail.entity';

export const MailStatusEnum = { QUEUED: 'QUEUED', SENT: 'SENT', FAILED: 'FAILED' } as const satisfies Record<MailStatus, MailStatus>;
registerEnumType(MailStatusEnum, {
  name: 'MailStatus',
  description: 'Where a message stands in the outbox.',
  valuesConfig: {
    QUEUED: { description: 'Waiting to be sent, or between attempts (lastError says why the previous one failed); retried with growing delays for about 16 hours.' },
    SENT: { description: 'The SMTP relay accepted it (sentAt); it is never sent again.' },
    FAILED: { description: 'Given up: the relay refused it for good (5xx), the attempts ran out, or the address was not valid. lastError says which.' },
  } satisfies Record<MailStatus, { description: string }>,
});

export const MailCategoryEnum = { TRANSACTIONAL: 'TRANSACTIONAL', NOTIFICATION: 'NOTIFICATION' } as const satisfies Record<MailCategory, MailCategory>;
registerEnumType(MailCategoryEnum, {
  name: 'MailCategory',
  description: 'Why a message is sent.',
  valuesConfig: {
    TRANSACTIONAL: { description: 'Answers something the recipient did or takes part in (invitation, access request and decision, NDA receipt, expiry reminder): always sent.' },
    NOTIFICATION: { description: 'Optional news (vendor alerts, digests): recipients can turn it off.' },
  } satisfies Record<MailCategory, { description: string }>,
});

@ObjectType({ description: "A message the organization's outbox holds, and whether it was delivered. The message's text is not shown here (it may carry a one-time secret)." })
export class MailDelivery {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field({ description: 'What the message is: member.invitation, access.requested, access.approved, access.denied, access.expiring, nda.receipt, and the alert kinds.' })
  kind: string;

  @Field(() => MailCategoryEnum, { description: 'Why it is sent.' })
  category: MailCategory;

  @Field({ description: 'The address it is for.' })
  recipient: string;

  @Field({ description: 'Its subject line.' })
  subject: string;

  @Field({ description: 'Its Message-ID header, the same on every attempt (a receiver can recognise a repeated attempt by it).' })
  messageId: string;

  @Field(() => MailStatusEnum, { description: 'Where it stands.' })
  status: MailStatus;

  @Field(() => Int, { description: 'Delivery attempts made so far.' })
  attempts: number;

  @Field(() => String, { nullable: true, description: "Why the last attempt failed (the relay's answer or the connection error); null after a success or before any attempt." })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was last tried.' })
  lastAttemptAt: Date | null;

  @Field(() => Date, { description: 'When the change that caused it happened (it was queued in the same transaction).' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the relay accepted it (status SENT).' })
  sentAt: Date | null;
}

@ObjectType({ description: 'A page of the outbox, newest first.' })
export class MailDeliveryConnection extends Connection(MailDelivery, 'MailDelivery') {}

@ArgsType()
export class MailDeliveryArgs extends PageArgs {
  @Field(() => MailStatusEnum, { nullable: true, description: 'Only messages in this state (all when omitted).' })
  @IsOptional()
  status?: MailStatus | null;
}
