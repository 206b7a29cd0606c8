import { Field, ObjectType } from 'type-graphql';
import type { BridgeLetterRuleCode } from '../../domain/attestation';
import { Attestation, BridgeLetter } from './attestation.types';
import type { AttestationErrorCode, AttestationWarningCode } from './attestation.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

export const AttestationErrorCodeEnum = ErrorCodes<AttestationErrorCode>('AttestationErrorCode', 'Why an attestation change was refused.', {
  SECURITY_CRITERION_REQUIRED: 'A SOC 2 or SOC 3 report must list SECURITY in trustServiceCriteria (on create, an omitted list defaults to SECURITY).',
  CRITERIA_NOT_APPLICABLE: 'trustServiceCriteria was given for a framework other than SOC 2 or SOC 3: leave it empty.',
  SOC_TYPE_REQUIRED: 'A SOC 1, SOC 2 or SOC 3 report needs socType (TYPE_I or TYPE_II).',
  SOC_TYPE_NOT_APPLICABLE: 'socType was given for a framework that is not a SOC report: leave it null.',
  PERIOD_REQUIRED: 'A Type II report (or another attestation given one end of a period) needs both periodStart and periodEnd.',
  INVALID_PERIOD: 'periodStart is not before periodEnd.',
  PERIOD_LENGTH_UNUSUAL: 'Never returned as an error: an unusual Type II period length is only the AttestationWarningCode of the same name.',
  AS_OF_REQUIRED: 'A Type I report needs asOf, the date its controls are described as of.',
  PERIOD_NOT_APPLICABLE: 'A Type I report was given periodStart or periodEnd, or a Type II report was given asOf.',
  ISSUE_DATE_BEFORE_PERIOD_END: 'issueDate is before the end of what the report covers (periodEnd, or asOf for a Type I).',
  ISSUE_DATE_IN_FUTURE: 'publishAttestation, or updateAttestation on a published report: issueDate is after today.',
  ISSUE_DATE_REQUIRED: 'createAttestation without issueDate, or updateAttestation setting it to null.',
  CERTIFICATE_VALIDITY_REQUIRED: 'An ISO 27001, ISO 27701, PCI DSS or HITRUST attestation needs certificateValidUntil.',
  INVALID_CERTIFICATE_VALIDITY: 'certificateValidFrom is not before certificateValidUntil.',
  OPINION_REQUIRED: "publishAttestation, or updateAttestation on a published report: a SOC report needs the auditor's opinion.",
  OPINION_NOT_APPLICABLE: 'opinion was given for a framework without one (only SOC reports, HIPAA and OTHER take an opinion).',
  INVALID_TRANSITION: 'publishAttestation on a report that is not a DRAFT, or withdrawAttestation on a DRAFT or already WITHDRAWN one.',
  NOT_EDITABLE: 'updateAttestation on a SUPERSEDED or WITHDRAWN report, which is history and cannot change.',
  UNKNOWN_EXCEPTION_ID: "createAttestation or updateAttestation: an exceptions[].id names no exception of the report (a new exception takes no id), or the same id is given twice.",
});

export const AttestationWarningCodeEnum = ErrorCodes<AttestationWarningCode>('AttestationWarningCode', 'Something accepted but worth a second look.', {
  PERIOD_LENGTH_UNUSUAL: 'A Type II period outside the usual 3-12 months.',
  PUBLISHED_AS_HISTORY: 'A newer report of the same kind was already published; this one was filed as SUPERSEDED.',
});

export const BridgeLetterErrorCodeEnum = ErrorCodes<BridgeLetterRuleCode>('BridgeLetterErrorCode', 'Why a bridge letter was refused.', {
  REPORT_NOT_PUBLISHED: 'The report the letter extends is not PUBLISHED (drafts, superseded and withdrawn reports take no bridge letters).',
  NOT_A_SOC_REPORT: 'The attestation is not a SOC 1, SOC 2 or SOC 3 report with a period end or as-of date: bridge letters extend SOC reports only.',
  INVALID_PERIOD: 'coversThrough is before coversFrom.',
  BRIDGE_LETTER_GAP: "coversFrom is not the day after the coverage it extends (the report's period end, or the latest bridge letter's coversThrough).",
  BRIDGE_LETTER_TOO_LONG: "coversThrough is more than the trust center's bridgeLetterMaxMonths after the report's period end.",
  ISSUED_BEFORE_PERIOD_END: "issuedOn is on or before the report's period end: a bridge letter is dated after it.",
  ISSUED_IN_FUTURE: 'issuedOn is after today.',
});

export const AttestationError = PayloadErrorType('AttestationError', AttestationErrorCodeEnum, { description: 'A refused attestation change.' });
export type AttestationError = InstanceType<typeof AttestationError>;

@ObjectType({ description: 'An accepted change that deserves a second look.' })
export class AttestationWarning {
  @Field(() => AttestationWarningCodeEnum, { description: 'Machine-readable kind.' })
  code: AttestationWarningCode;

  @Field(() => String, { nullable: true, description: 'The input field concerned.' })
  field: string | null;

  @Field({ description: 'Human-readable explanation.' })
  message: string;
}

@ObjectType({ description: 'Result of an attestation mutation.' })
export class AttestationPayload {
  @Field(() => Attestation, { nullable: true, description: 'The attestation after the mutation (unchanged when refused; null when a create was refused).' })
  attestation: Attestation | null;

  @Field(() => [AttestationError], { description: 'Why it was refused (empty on success).' })
  errors: AttestationError[];

  @Field(() => [AttestationWarning], { description: 'Accepted, but worth a look.' })
  warnings: AttestationWarning[];
}

export const BridgeLetterError = PayloadErrorType('BridgeLetterError', BridgeLetterErrorCodeEnum, { description: 'A refused bridge letter.' });
export type BridgeLetterError = InstanceType<typeof BridgeLetterError>;

@ObjectType({ description: 'Result of addBridgeLetter.' })
export class AddBridgeLetterPayload {
  @Field(() => BridgeLetter, { nullable: true, description: 'The new letter, or null when refused.' })
  bridgeLetter: BridgeLetter | null;

  @Field(() => Attestation, { nullable: true, description: 'The report it extends (with its new freshness).' })
  attestation: Attestation | null;

  @Field(() => [BridgeLetterError], { description: 'Why it was refused (empty on success).' })
  errors: BridgeLetterError[];
}
