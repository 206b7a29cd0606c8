import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import type {
  Framework,
  Opinion,
  SocType,
  SubserviceMethod,
  TrustServiceCriterion,
} from '../../domain/attestation';
import type { CalendarDate } from '../../domain/calendar-date';
import { FrameworkEnum, OpinionEnum, SocTypeEnum, SubserviceMethodEnum, TrustServiceCriterionEnum } from '../../graphql/enums';
import { DateScalar } from '../../graphql/scalars';

@InputType({ description: 'An exception the auditor reported.' })
export class ReportExceptionInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "updateAttestation: the id of the report's exception this entry corrects (ReportExceptionType.id): it keeps its identity and the vendor's response. Leave it out for a new exception; an entry whose controlRef and description are unchanged keeps its id without it. An id the report does not list, or given twice, is refused (UNKNOWN_EXCEPTION_ID).",
  })
  @IsOptional()
  id?: string | null;

  @Field({ description: 'Control reference, e.g. "CC6.1".' })
  @MaxLength(100)
  controlRef: string;

  @Field({ description: 'The exception: what deviated from the control, as the report describes it.' })
  @MaxLength(5000)
  description: string;

  @Field(() => String, { nullable: true, description: "The auditor's test result for the control, as the report states it (what was tested and found, e.g. \"Inspected 25 terminations: 1 deprovisioned after 3 business days\")." })
  @IsOptional()
  @MaxLength(5000)
  testResult?: string | null;

  @Field(() => String, { nullable: true, description: "Management's response as printed in the report (the vendor's current response and remediation plan are set with setExceptionResponse)." })
  @IsOptional()
  @MaxLength(5000)
  managementResponse?: string | null;
}

@InputType({ description: 'A subservice organization named in the report.' })
export class SubserviceOrganizationInput {
  @Field({ description: 'Its name.' })
  @MaxLength(200)
  name: string;

  @Field(() => SubserviceMethodEnum, { description: 'Inclusive or carve-out.' })
  method: SubserviceMethod;

  @Field(() => String, { nullable: true, description: 'The services it provides.' })
  @IsOptional()
  @MaxLength(1000)
  services?: string | null;
}

@InputType({ description: 'A complementary user-entity control.' })
export class ComplementaryControlInput {
  @Field(() => String, { nullable: true, description: "The report's reference, if any." })
  @IsOptional()
  @MaxLength(100)
  ref?: string | null;

  @Field({ description: 'What the customer is expected to do.' })
  @MaxLength(2000)
  description: string;
}

/** Fields shared by create and update; on update every field is optional and only given fields change. */
@InputType({ description: 'The facts of an attestation. On update, omitted fields keep their value and null clears one.' })
export class AttestationFieldsInput {
  @Field(() => SocTypeEnum, { nullable: true, description: 'TYPE_I or TYPE_II (SOC reports only).' })
  @IsOptional()
  socType?: SocType | null;

  @Field(() => String, { nullable: true, description: 'Display title.' })
  @IsOptional()
  @MaxLength(200)
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'System or services in scope.' })
  @IsOptional()
  @MaxLength(2000)
  scope?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Start of the period (Type II).' })
  @IsOptional()
  periodStart?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'End of the period (Type II).' })
  @IsOptional()
  periodEnd?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'As-of date (Type I).' })
  @IsOptional()
  asOf?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'Date the report was issued (required on create).' })
  @IsOptional()
  issueDate?: CalendarDate | null;

  @Field(() => String, { nullable: true, description: 'Audit firm or certification body.' })
  @IsOptional()
  @MaxLength(200)
  auditor?: string | null;

  @Field(() => OpinionEnum, { nullable: true, description: "The auditor's opinion (SOC reports; required to publish one)." })
  @IsOptional()
  opinion?: Opinion | null;

  @Field(() => [TrustServiceCriterionEnum], { nullable: true, description: 'Trust Services Criteria in scope (SOC 2 and SOC 3 must include SECURITY; default [SECURITY]).' })
  @IsOptional()
  @ArrayMaxSize(5)
  trustServiceCriteria?: TrustServiceCriterion[] | null;

  @Field(() => [ReportExceptionInput], { nullable: true, description: "Exceptions listed in the report (at most 100). On update the list replaces the report's; an exception keeps its id (and the vendor's response) when its entry names the id or is unchanged." })
  @IsOptional()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  exceptions?: ReportExceptionInput[] | null;

  @Field(() => [SubserviceOrganizationInput], { nullable: true, description: 'Subservice organizations (at most 100).' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  subserviceOrganizations?: SubserviceOrganizationInput[] | null;

  @Field(() => [ComplementaryControlInput], { nullable: true, description: 'Complementary user-entity controls (at most 100).' })
  @IsOptional()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  complementaryUserEntityControls?: ComplementaryControlInput[] | null;

  @Field(() => String, { nullable: true, description: 'Certificate number.' })
  @IsOptional()
  @MaxLength(200)
  certificateNumber?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'First day of certificate validity.' })
  @IsOptional()
  certificateValidFrom?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'Certificate expiry (required for ISO 27001/27701, PCI DSS, HITRUST).' })
  @IsOptional()
  certificateValidUntil?: CalendarDate | null;
}

@InputType({ description: 'A new draft attestation.' })
export class CreateAttestationInput extends AttestationFieldsInput {
  @Field(() => FrameworkEnum, { description: 'The standard reported against.' })
  framework: Framework;
}

@InputType({ description: 'Changes to an attestation (drafts and published reports; superseded and withdrawn ones are history).' })
export class UpdateAttestationInput extends AttestationFieldsInput {
  @Field(() => ID, { description: 'The attestation to change.' })
  id: string;
}

@InputType({ description: 'A bridge letter for a published SOC report.' })
export class AddBridgeLetterInput {
  @Field(() => ID, { description: 'The published SOC report it extends.' })
  attestationId: string;

  @Field(() => DateScalar, { description: 'First day covered: the day after the period end (or after the previous letter).' })
  coversFrom: CalendarDate;

  @Field(() => DateScalar, { description: 'Last day covered (at most the trust center\'s bridge-letter limit past the period end; 3 months by default).' })
  coversThrough: CalendarDate;

  @Field(() => DateScalar, { description: 'Date the letter was signed.' })
  issuedOn: CalendarDate;

  @Field({ description: 'The officer who signed it.' })
  @MaxLength(200)
  signedByName: string;

  @Field(() => String, { nullable: true, description: "The signer's title." })
  @IsOptional()
  @MaxLength(200)
  signedByTitle?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes.' })
  @IsOptional()
  @MaxLength(2000)
  notes?: string | null;
}
