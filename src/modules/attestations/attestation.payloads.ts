import { Field, ObjectType, registerEnumType } from 'type-graphql';
import type { BridgeLetterRuleCode } from '../../domain/attestation';
import { Attestation, BridgeLetter } from './attestation.types';
import type { AttestationErrorCode, AttestationWarningCode } from './attestation.service';

export const AttestationErrorCodeEnum = {
  SECURITY_CRITERION_REQUIRED: 'SECURITY_CRITERION_REQUIRED',
  CRITERIA_NOT_APPLICABLE: 'CRITERIA_NOT_APPLICABLE',
  SOC_TYPE_REQUIRED: 'SOC_TYPE_REQUIRED',
  SOC_TYPE_NOT_APPLICABLE: 'SOC_TYPE_NOT_APPLICABLE',
  PERIOD_REQUIRED: 'PERIOD_REQUIRED',
  INVALID_PERIOD: 'INVALID_PERIOD',
  PERIOD_LENGTH_UNUSUAL: 'PERIOD_LENGTH_UNUSUAL',
  AS_OF_REQUIRED: 'AS_OF_REQUIRED',
  PERIOD_NOT_APPLICABLE: 'PERIOD_NOT_APPLICABLE',
  ISSUE_DATE_BEFORE_PERIOD_END: 'ISSUE_DATE_BEFORE_PERIOD_END',
  ISSUE_DATE_IN_FUTURE: 'ISSUE_DATE_IN_FUTURE',
  ISSUE_DATE_REQUIRED: 'ISSUE_DATE_REQUIRED',
  CERTIFICATE_VALIDITY_REQUIRED: 'CERTIFICATE_VALIDITY_REQUIRED',
  INVALID_CERTIFICATE_VALIDITY: 'INVALID_CERTIFICATE_VALIDITY',
  OPINION_REQUIRED: 'OPINION_REQUIRED',
  OPINION_NOT_APPLICABLE: 'OPINION_NOT_APPLICABLE',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  NOT_EDITABLE: 'NOT_EDITABLE',
} as const satisfies Record<AttestationErrorCode, AttestationErrorCode>;
registerEnumType(AttestationErrorCodeEnum, {
  name: 'AttestationErrorCode',
  description: 'Why an attestation change was refused.',
  valuesConfig: {
    SECURITY_CRITERION_REQUIRED: { description: 'A SOC 2 or SOC 3 report must list SECURITY in trustServiceCriteria (on create, an omitted list defaults to SECURITY).' },
    CRITERIA_NOT_APPLICABLE: { description: 'trustServiceCriteria was given for a framework other than SOC 2 or SOC 3: leave it empty.' },
    SOC_TYPE_REQUIRED: { description: 'A SOC 1, SOC 2 or SOC 3 report needs socType (TYPE_I or TYPE_II).' },
    SOC_TYPE_NOT_APPLICABLE: { description: 'socType was given for a framework that is not a SOC report: leave it null.' },
    PERIOD_REQUIRED: { description: 'A Type II report (or another attestation given one end of a period) needs both periodStart and periodEnd.' },
    INVALID_PERIOD: { description: 'periodStart is not before periodEnd.' },
    PERIOD_LENGTH_UNUSUAL: { description: 'Never returned as an error: an unusual Type II period length is only the AttestationWarningCode of the same name.' },
    AS_OF_REQUIRED: { description: 'A Type I report needs asOf, the date its controls are described as of.' },
    PERIOD_NOT_APPLICABLE: { description: 'A Type I report was given periodStart or periodEnd, or a Type II report was given asOf.' },
    ISSUE_DATE_BEFORE_PERIOD_END: { description: 'issueDate is before the end of what the report covers (periodEnd, or asOf for a Type I).' },
    ISSUE_DATE_IN_FUTURE: { description: 'publishAttestation, or updateAttestation on a published report: issueDate is after today.' },
    ISSUE_DATE_REQUIRED: { description: 'createAttestation without issueDate, or updateAttestation setting it to null.' },
    CERTIFICATE_VALIDITY_REQUIRED: { description: 'An ISO 27001, ISO 27701, PCI DSS or HITRUST attestation needs certificateValidUntil.' },
    INVALID_CERTIFICATE_VALIDITY: { description: 'certificateValidFrom is not before certificateValidUntil.' },
    OPINION_REQUIRED: { description: "publishAttestation, or updateAttestation on a published report: a SOC report needs the auditor's opinion." },
    OPINION_NOT_APPLICABLE: { description: 'opinion was given for a framework without one (only SOC reports, HIPAA and OTHER take an opinion).' },
    INVALID_TRANSITION: { description: 'publishAttestation on a report that is not a DRAFT, or withdrawAttestation on a DRAFT or already WITHDRAWN one.' },
    NOT_EDITABLE: { description: 'updateAttestation on a SUPERSEDED or WITHDRAWN report, which is history and cannot change.' },
  } satisfies Record<AttestationErrorCode, { description: string }>,
});

export const AttestationWarningCodeEnum = {
  PERIOD_LENGTH_UNUSUAL: 'PERIOD_LENGTH_UNUSUAL',
  PUBLISHED_AS_HISTORY: 'PUBLISHED_AS_HISTORY',
} as const satisfies Record<AttestationWarningCode, AttestationWarningCode>;
registerEnumType(AttestationWarningCodeEnum, {
  name: 'AttestationWarningCode',
  description: 'Something accepted but worth a second look.',
  valuesConfig: {
    PERIOD_LENGTH_UNUSUAL: { description: 'A Type II period outside the usual 3-12 months.' },
    PUBLISHED_AS_HISTORY: { description: 'A newer report of the same kind was already published; this one was filed as SUPERSEDED.' },
  },
});

export const BridgeLetterErrorCodeEnum = {
  REPORT_NOT_PUBLISHED: 'REPORT_NOT_PUBLISHED',
  NOT_A_SOC_REPORT: 'NOT_A_SOC_REPORT',
  INVALID_PERIOD: 'INVALID_PERIOD',
  BRIDGE_LETTER_GAP: 'BRIDGE_LETTER_GAP',
  BRIDGE_LETTER_TOO_LONG: 'BRIDGE_LETTER_TOO_LONG',
  ISSUED_BEFORE_PERIOD_END: 'ISSUED_BEFORE_PERIOD_END',
  ISSUED_IN_FUTURE: 'ISSUED_IN_FUTURE',
} as const satisfies Record<BridgeLetterRuleCode, BridgeLetterRuleCode>;
registerEnumType(BridgeLetterErrorCodeEnum, {
  name: 'BridgeLetterErrorCode',
  description: 'Why a bridge letter was refused.',
  valuesConfig: {
    REPORT_NOT_PUBLISHED: { description: 'The report the letter extends is not PUBLISHED (drafts, superseded and withdrawn reports take no bridge letters).' },
    NOT_A_SOC_REPORT: { description: 'The attestation is not a SOC 1, SOC 2 or SOC 3 report with a period end or as-of date: bridge letters extend SOC reports only.' },
    INVALID_PERIOD: { description: 'coversThrough is before coversFrom.' },
    BRIDGE_LETTER_GAP: { description: "coversFrom is not the day after the coverage it extends (the report's period end, or the latest bridge letter's coversThrough)." },
    BRIDGE_LETTER_TOO_LONG: { description: "coversThrough is more than the trust center's bridgeLetterMaxMonths after the report's period end." },
    ISSUED_BEFORE_PERIOD_END: { description: "issuedOn is on or before the report's period end: a bridge letter is dated after it." },
    ISSUED_IN_FUTURE: { description: 'issuedOn is after today.' },
  } satisfies Record<BridgeLetterRuleCode, { description: string }>,
});

@ObjectType({ description: 'A refused attestation change.' })
export class AttestationError {
  @Field(() => AttestationErrorCodeEnum, { description: 'Machine-readable reason.' })
  code: AttestationErrorCode;

  @Field(() => String, { nullable: true, description: 'The input field at fault, if one is.' })
  field: string | null;

  @Field({ description: 'Human-readable explanation.' })
  message: string;
}

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

@ObjectType({ description: 'A refused bridge letter.' })
export class BridgeLetterError {
  @Field(() => BridgeLetterErrorCodeEnum, { description: 'Machine-readable reason.' })
  code: BridgeLetterRuleCode;

  @Field(() => String, { nullable: true, description: 'The input field at fault, if one is.' })
  field: string | null;

  @Field({ description: 'Human-readable explanation.' })
  message: string;
}

@ObjectType({ description: 'Result of addBridgeLetter.' })
export class AddBridgeLetterPayload {
  @Field(() => BridgeLetter, { nullable: true, description: 'The new letter, or null when refused.' })
  bridgeLetter: BridgeLetter | null;

  @Field(() => Attestation, { nullable: true, description: 'The report it extends (with its new freshness).' })
  attestation: Attestation | null;

  @Field(() => [BridgeLetterError], { description: 'Why it was refused (empty on success).' })
  errors: BridgeLetterError[];
}
