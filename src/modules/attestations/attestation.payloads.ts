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
registerEnumType(AttestationErrorCodeEnum, { name: 'AttestationErrorCode', description: 'Why an attestation change was refused.' });

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
registerEnumType(BridgeLetterErrorCodeEnum, { name: 'BridgeLetterErrorCode', description: 'Why a bridge letter was refused.' });

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
