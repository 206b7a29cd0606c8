import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import type { Framework, SocType } from '../../domain/attestation';
import { calendarDate, type CalendarDate } from '../../domain/calendar-date';
import { FrameworkEnum, SocTypeEnum } from '../../graphql/enums';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import { DateScalar } from '../../graphql/scalars';
import { IN_PROGRESS_STATUSES, type AttestationInProgressEntity, type InProgressStatus } from './in-progress.entity';
import type { InProgressErrorCode } from './in-progress.service';

export const InProgressStatusEnum = Object.fromEntries(IN_PROGRESS_STATUSES.map((s) => [s, s])) as { [K in InProgressStatus]: K };
registerEnumType(InProgressStatusEnum, {
  name: 'AttestationInProgressStatus',
  description: 'Where an attestation in progress stands.',
  valuesConfig: {
    IN_PROGRESS: { description: 'The engagement is under way; shown publicly as in progress, never as evidence.' },
    COMPLETED: { description: 'It became a report (`attestation`).' },
    CANCELLED: { description: 'The vendor stopped it; kept for its members as history.' },
  },
});

/** The API view of an attestation in progress. Built by `toAttestationInProgress`. */
@ObjectType({
  description:
    'An attestation a vendor is working towards (e.g. a SOC 2 Type II whose observation period is under way). Not evidence: it has no period end and no freshness.',
})
export class AttestationInProgress {
  /** Kept for field resolvers; not in the schema. */
  orgId: string;
  attestationId: string | null;

  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => FrameworkEnum, { description: 'The standard the coming report is against.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'TYPE_I or TYPE_II for SOC engagements; null otherwise.' })
  socType: SocType | null;

  @Field(() => DateScalar, { nullable: true, description: 'Type II only: the day the observation period started (null when not yet known).' })
  observationStart: CalendarDate | null;

  @Field(() => DateScalar, { description: 'When the vendor expects the report.' })
  expectedReportDate: CalendarDate;

  @Field(() => String, { nullable: true, description: 'The audit firm engaged, if the vendor names it.' })
  auditor: string | null;

  @Field(() => InProgressStatusEnum, { description: 'IN_PROGRESS, COMPLETED or CANCELLED (the public sees IN_PROGRESS only).' })
  status: InProgressStatus;

  @Field(() => Date, { description: 'When it was recorded.' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it became a report.' })
  completedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was cancelled.' })
  cancelledAt: Date | null;
}

export function toAttestationInProgress(e: AttestationInProgressEntity): AttestationInProgress {
  return Object.assign(new AttestationInProgress(), {
    orgId: e.orgId,
    attestationId: e.attestationId,
    id: e.id,
    framework: e.framework,
    socType: e.socType,
    observationStart: e.observationStart ? calendarDate(e.observationStart) : null,
    expectedReportDate: calendarDate(e.expectedReportDate),
    auditor: e.auditor,
    status: e.status,
    createdAt: e.createdAt,
    completedAt: e.completedAt,
    cancelledAt: e.cancelledAt,
  });
}

/** Fields shared by create and update; on update omitted fields keep their value and null clears one. */
@InputType({ description: 'The facts of an attestation in progress. On update, omitted fields keep their value and null clears one.' })
export class AttestationInProgressFieldsInput {
  @Field(() => SocTypeEnum, { nullable: true, description: 'TYPE_I or TYPE_II (SOC engagements only, where it is required).' })
  socType?: SocType | null;

  @Field(() => DateScalar, { nullable: true, description: 'Type II only: the first day of the observation period (on or before expectedReportDate).' })
  observationStart?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'When the report is expected: today or later (required on create).' })
  expectedReportDate?: CalendarDate | null;

  @Field(() => String, { nullable: true, description: 'The audit firm engaged.' })
  @IsOptional()
  @MaxLength(200)
  auditor?: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: 'Always refused (PERIOD_END_NOT_ALLOWED): an engagement in progress has no period end; record the issued report with createAttestation.',
  })
  periodEnd?: CalendarDate | null;
}

@InputType({ description: 'Record an attestation in progress.' })
export class CreateAttestationInProgressInput extends AttestationInProgressFieldsInput {
  @Field(() => FrameworkEnum, { description: 'The standard the coming report is against.' })
  framework: Framework;
}

export const AttestationInProgressErrorCodeEnum = ErrorCodes<InProgressErrorCode>('AttestationInProgressErrorCode', 'Why a change to an attestation in progress was refused.', {
  EXPECTED_DATE_IN_PAST: 'expectedReportDate is before today (checked when it is set).',
  EXPECTED_DATE_REQUIRED: 'createAttestationInProgress without expectedReportDate, or updateAttestationInProgress setting it to null.',
  PERIOD_END_NOT_ALLOWED: 'periodEnd was given: an attestation in progress has no period end; record the issued report with createAttestation.',
  SOC_TYPE_REQUIRED: 'A SOC 1, SOC 2 or SOC 3 engagement needs socType (TYPE_I or TYPE_II).',
  SOC_TYPE_NOT_APPLICABLE: 'socType was given for a framework that is not a SOC report: leave it null.',
  OBSERVATION_START_NOT_APPLICABLE: 'observationStart was given for a Type I or non-SOC engagement: only a Type II has an observation period.',
  OBSERVATION_START_AFTER_EXPECTED_DATE: 'observationStart is after expectedReportDate.',
  ALREADY_IN_PROGRESS: 'Another attestation of the same framework and type is already IN_PROGRESS: update that one.',
  INVALID_TRANSITION: 'The attestation in progress is COMPLETED or CANCELLED: only IN_PROGRESS ones change, cancel or complete.',
  REPORT_MISMATCH: 'completeAttestationInProgress: attestationId names no report of this organization with the same framework (and SOC type).',
  REPORT_NOT_CURRENT: 'completeAttestationInProgress: the report is SUPERSEDED or WITHDRAWN; link a DRAFT or PUBLISHED one.',
});

export const AttestationInProgressError = PayloadErrorType('AttestationInProgressError', AttestationInProgressErrorCodeEnum, {
  description: 'A refused change to an attestation in progress.',
});
export type AttestationInProgressError = InstanceType<typeof AttestationInProgressError>;

@ObjectType({ description: 'Result of an attestation-in-progress mutation.' })
export class AttestationInProgressPayload {
  @Field(() => AttestationInProgress, { nullable: true, description: 'It after the mutation (unchanged when refused; null when a create was refused).' })
  attestationInProgress: AttestationInProgress | null;

  @Field(() => [AttestationInProgressError], { description: 'Why it was refused (empty on success).' })
  errors: AttestationInProgressError[];
}
