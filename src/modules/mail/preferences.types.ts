import { ArrayMaxSize } from 'class-validator';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import type { AlertCategory, DeliveryMode } from './alerts.entity';
import type { MailPreferenceErrorCode } from './preferences';

export const MailAlertCategoryEnum = { FRESHNESS: 'FRESHNESS', NEW_REPORT: 'NEW_REPORT', SUBPROCESSORS: 'SUBPROCESSORS' } as const satisfies Record<AlertCategory, AlertCategory>;
registerEnumType(MailAlertCategoryEnum, {
  name: 'MailAlertCategory',
  description: 'What a member can be mailed about the vendors their organization follows (watches or subscribes to).',
  valuesConfig: {
    FRESHNESS: { description: 'A report became EXPIRING_SOON or STALE (events attestation.expiring_soon, attestation.stale). Default: IMMEDIATE.' },
    NEW_REPORT: { description: 'A report was published (attestation.published). Default: DAILY_DIGEST.' },
    SUBPROCESSORS: { description: 'A subprocessor was added, removed or changed (subprocessors.changed). Default: DAILY_DIGEST.' },
  } satisfies Record<AlertCategory, { description: string }>,
});

export const MailDeliveryModeEnum = { IMMEDIATE: 'IMMEDIATE', DAILY_DIGEST: 'DAILY_DIGEST', OFF: 'OFF' } as const satisfies Record<DeliveryMode, DeliveryMode>;
registerEnumType(MailDeliveryModeEnum, {
  name: 'MailDeliveryMode',
  description: 'How a category of alerts reaches a member by mail (the in-app feed and webhooks are not affected).',
  valuesConfig: {
    IMMEDIATE: { description: 'One mail per event, as it happens.' },
    DAILY_DIGEST: { description: 'Collected into one mail a day (MAIL_DIGEST_CRON, 07:00 UTC by default); no mail on a day with nothing to say.' },
    OFF: { description: 'No mail (the one-click unsubscribe link in a mail sets this).' },
  } satisfies Record<DeliveryMode, { description: string }>,
});

@ObjectType({ description: 'How one category of alerts reaches the signed-in member by mail, in the active organization.' })
export class MailPreference {
  @Field(() => MailAlertCategoryEnum, { description: 'The category.' })
  category: AlertCategory;

  @Field(() => MailDeliveryModeEnum, { description: 'How it is delivered.' })
  mode: DeliveryMode;

  @Field({ description: 'True when no choice was made: `mode` is the category\'s default.' })
  isDefault: boolean;

  @Field(() => Date, { nullable: true, description: 'When it was last set (null: never, the default applies).' })
  updatedAt: Date | null;
}

export const MailPreferenceErrorCodeEnum = ErrorCodes<MailPreferenceErrorCode>('MailPreferenceErrorCode', 'Why a change to mail preferences was refused.', {
  NO_CHANGES: 'updateMailPreferences: preferences is empty; name at least one category.',
  DUPLICATE_CATEGORY: 'updateMailPreferences: a category is listed more than once; name each at most once.',
});

export const MailPreferenceError = PayloadErrorType('MailPreferenceError', MailPreferenceErrorCodeEnum, { description: 'A refused change to mail preferences.' });
export type MailPreferenceError = InstanceType<typeof MailPreferenceError>;

@ObjectType({ description: 'Result of updateMailPreferences.' })
export class MailPreferencesPayload {
  @Field(() => [MailPreference], { nullable: true, description: 'Every category as it is now (null when refused).' })
  preferences: MailPreference[] | null;

  @Field(() => [MailPreferenceError], { description: 'Why it was refused (empty on success).' })
  errors: MailPreferenceError[];
}

@InputType({ description: 'One category and how it should be delivered.' })
export class MailPreferenceInput {
  @Field(() => MailAlertCategoryEnum, { description: 'The category.' })
  category: AlertCategory;

  @Field(() => MailDeliveryModeEnum, { description: 'How it should be delivered.' })
  mode: DeliveryMode;
}

@InputType({ description: 'Categories to change (the others keep their mode).' })
export class UpdateMailPreferencesInput {
  @Field(() => [MailPreferenceInput], { description: 'One entry per category to change (1 to 3, each category at most once).' })
  @ArrayMaxSize(10)
  preferences: MailPreferenceInput[];
}
