import { Field, ID, InputType, ObjectType } from 'type-graphql';
import type { CalendarDate } from '../../domain/calendar-date';
import { RESPONSE_TEXT_MAX, TARGET_DATE_MAX_YEARS, type RemediationStatus } from '../../domain/findings';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import { DateScalar } from '../../graphql/scalars';
import { Attestation, RemediationStatusEnum, ReportExceptionType } from './attestation.types';
import type { ExceptionResponseErrorCode } from './findings.service';

@InputType({ description: "Set or change the vendor's response to one exception of a report. Omitted fields keep their value; null clears one." })
export class SetExceptionResponseInput {
  @Field(() => ID, { description: 'The report (an attestation of the active organization).' })
  attestationId: string;

  @Field(() => ID, { description: 'The exception (ReportExceptionType.id).' })
  exceptionId: string;

  // No class-validator limits here: an over-long text is the payload error TEXT_TOO_LONG, not a top-level error.
  @Field(() => String, { nullable: true, description: `Management's response to the exception (at most ${RESPONSE_TEXT_MAX} characters; blank clears it).` })
  managementResponse?: string | null;

  @Field(() => String, { nullable: true, description: `How and by when the exception is remediated (at most ${RESPONSE_TEXT_MAX} characters; blank clears it).` })
  remediationPlan?: string | null;

  @Field(() => DateScalar, {
    nullable: true,
    description: `When the remediation is due: not before the report's coverage starts, at most ${TARGET_DATE_MAX_YEARS} years from today.`,
  })
  targetDate?: CalendarDate | null;

  @Field(() => RemediationStatusEnum, { nullable: true, description: 'Where the remediation stands (OPEN for a first response when left out; cannot be cleared).' })
  status?: RemediationStatus | null;
}

export const ExceptionResponseErrorCodeEnum = ErrorCodes<ExceptionResponseErrorCode>('ExceptionResponseErrorCode', "Why a change to the vendor's response to an exception was refused.", {
  ATTESTATION_NOT_FOUND: 'setExceptionResponse: attestationId names no report of the active organization (another vendor\'s report is not found either).',
  EXCEPTION_NOT_FOUND: 'setExceptionResponse: the report lists no exception with exceptionId.',
  REPORT_WITHDRAWN: 'setExceptionResponse: the report is WITHDRAWN; its exceptions take no response.',
  TEXT_TOO_LONG: `setExceptionResponse: managementResponse or remediationPlan is longer than ${RESPONSE_TEXT_MAX} characters.`,
  INVALID_TARGET_DATE: `setExceptionResponse: targetDate is before the report's coverage starts (period start, as-of date, certificate validity start or issue date) or more than ${TARGET_DATE_MAX_YEARS} years from today.`,
  STATUS_REQUIRED: 'setExceptionResponse: status was null; a response always has a status.',
  NO_CHANGES: 'setExceptionResponse: the input changes nothing (every field left out, or equal to the stored response).',
});

export const ExceptionResponseError = PayloadErrorType('ExceptionResponseError', ExceptionResponseErrorCodeEnum, {
  description: "A refused change to the vendor's response to an exception.",
});
export type ExceptionResponseError = InstanceType<typeof ExceptionResponseError>;

@ObjectType({ description: 'Result of setExceptionResponse.' })
export class ExceptionResponsePayload {
  @Field(() => ReportExceptionType, { nullable: true, description: 'The exception with its response after the change (null when refused).' })
  exception: ReportExceptionType | null;

  @Field(() => Attestation, { nullable: true, description: 'The report (null when it was not found).' })
  attestation: Attestation | null;

  @Field(() => [ExceptionResponseError], { description: 'Why it was refused (empty on success).' })
  errors: ExceptionResponseError[];
}
