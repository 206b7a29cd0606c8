import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type {
  AttestationStatus,
  ComplementaryControl,
  Framework,
  Opinion,
  ReportException,
  SocType,
  SubserviceOrganization,
  TrustServiceCriterion,
} from '../../domain/attestation';
import { calendarDate, type CalendarDate } from '../../domain/calendar-date';
import { REMEDIATION_STATUSES, reportExceptions, type RemediationStatus } from '../../domain/findings';
import type { Freshness as FreshnessValue, FreshnessState } from '../../domain/freshness';
import {
  AttestationStatusEnum,
  FrameworkEnum,
  FreshnessStateEnum,
  OpinionEnum,
  SocTypeEnum,
  SubserviceMethodEnum,
  TrustServiceCriterionEnum,
} from '../../graphql/enums';
import { Connection } from '../../graphql/connection';
import { DateScalar } from '../../graphql/scalars';
import type { AttestationEntity } from './attestation.entity';
import type { BridgeLetterEntity } from './bridge-letter.entity';
import { attestationDates, bridgeLetterFacts } from './attestation.facts';
import type { ExceptionResponseEntity } from './exception-response.entity';

export const RemediationStatusEnum = Object.fromEntries(REMEDIATION_STATUSES.map((s) => [s, s])) as { [K in RemediationStatus]: K };
registerEnumType(RemediationStatusEnum, {
  name: 'RemediationStatus',
  description: "Where the vendor's remediation of an exception stands (the vendor keeps it up to date).",
  valuesConfig: {
    OPEN: { description: 'Acknowledged; remediation not started.' },
    IN_PROGRESS: { description: 'Remediation under way (see the plan and target date).' },
    REMEDIATED: { description: 'The vendor reports the deviation fixed (the next report tests it).' },
    RISK_ACCEPTED: { description: 'The vendor accepts the risk and will not remediate (the management response says why).' },
  },
});

@ObjectType({ description: "The vendor's current management response to an exception and its remediation plan, kept up to date by the vendor." })
export class ExceptionResponse {
  @Field(() => String, { nullable: true, description: "Management's response: the vendor's account of the exception and what it did about it." })
  managementResponse: string | null;

  @Field(() => String, { nullable: true, description: 'How and by when the vendor remediates it.' })
  remediationPlan: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'When the remediation is due.' })
  targetDate: CalendarDate | null;

  @Field(() => RemediationStatusEnum, { description: 'OPEN, IN_PROGRESS, REMEDIATED or RISK_ACCEPTED.' })
  status: RemediationStatus;

  @Field(() => Date, { description: 'When the vendor last changed it.' })
  updatedAt: Date;
}

@ObjectType({ description: 'A deviation the auditor found in testing a control.' })
export class ReportExceptionType {
  @Field(() => ID, { description: "Stable identifier of this exception within its report (setExceptionResponse names it; it survives edits of the report that keep the exception)." })
  id: string;

  @Field({ description: 'The control it concerns, as the report names it (e.g. "CC6.1").' })
  controlRef: string;

  @Field({ description: 'The exception: what deviated from the control, as the report describes it.' })
  description: string;

  @Field(() => String, { nullable: true, description: "The auditor's test result for the control, as the report states it, when the vendor recorded it." })
  testResult: string | null;

  @Field(() => String, { nullable: true, description: "Management's response as printed in the report, if it includes one (the current one is `vendorResponse`)." })
  managementResponse: string | null;

  @Field(() => ExceptionResponse, { nullable: true, description: "The vendor's current management response, remediation plan, target date and status; null until the vendor sets one (setExceptionResponse)." })
  vendorResponse: ExceptionResponse | null;
}

/** An exception with its vendor response, as the API shows it. */
export function toReportException(x: ReportException, response: ExceptionResponseEntity | null | undefined): ReportExceptionType {
  return Object.assign(new ReportExceptionType(), {
    id: x.id,
    controlRef: x.controlRef,
    description: x.description,
    testResult: x.testResult,
    managementResponse: x.managementResponse,
    vendorResponse: response
      ? Object.assign(new ExceptionResponse(), {
        managementResponse: response.managementResponse,
        remediationPlan: response.remediationPlan,
        targetDate: response.targetDate ? calendarDate(response.targetDate) : null,
        status: response.status,
        updatedAt: response.updatedAt,
      })
      : null,
  });
}

@ObjectType({ description: 'A subservice organization the report names (e.g. the cloud provider).' })
export class SubserviceOrganizationType {
  @Field({ description: 'Its name.' })
  name: string;

  @Field(() => SubserviceMethodEnum, { description: 'Inclusive or carve-out.' })
  method: SubserviceOrganization['method'];

  @Field(() => String, { nullable: true, description: 'The services it provides.' })
  services: string | null;
}

@ObjectType({ description: 'A control the report expects the customer (user entity) to operate.' })
export class ComplementaryControlType {
  @Field(() => String, { nullable: true, description: "The report's reference for it, if any." })
  ref: string | null;

  @Field({ description: 'What the customer is expected to do.' })
  description: string;
}

@ObjectType({ description: "Management's letter extending a SOC report's coverage past its period end." })
export class BridgeLetter {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => DateScalar, { description: 'First day covered: the day after the coverage it extends.' })
  coversFrom: CalendarDate;

  @Field(() => DateScalar, { description: 'Last day covered.' })
  coversThrough: CalendarDate;

  @Field(() => DateScalar, { description: 'Date the letter was signed.' })
  issuedOn: CalendarDate;

  @Field({ description: 'The officer who signed it.' })
  signedByName: string;

  @Field(() => String, { nullable: true, description: "The signer's title." })
  signedByTitle: string | null;
}

@ObjectType({ description: 'How fresh a report is at a date: its age, when it goes stale, and how far its assurance reaches.' })
export class Freshness {
  @Field(() => FreshnessStateEnum, { description: 'CURRENT, EXPIRING_SOON, STALE, or NONE.' })
  state: FreshnessState;

  @Field(() => DateScalar, { description: 'The date this was evaluated at.' })
  evaluatedOn: CalendarDate;

  @Field(() => DateScalar, { nullable: true, description: 'The date the age counts from (period end, as-of date, or issue date, per the anchor).' })
  anchorDate: CalendarDate | null;

  @Field(() => Int, { nullable: true, description: 'Days from the anchor date to the evaluation date.' })
  ageDays: number | null;

  @Field(() => DateScalar, { nullable: true, description: 'Last day the report counts as fresh (anchor + maximum age, or a certificate\'s expiry).' })
  expiresOn: CalendarDate | null;

  @Field(() => Int, { nullable: true, description: 'Days from the evaluation date to `expiresOn` (negative once stale).' })
  daysUntilStale: number | null;

  @Field(() => DateScalar, { nullable: true, description: 'Last day with assurance: the period end, extended by bridge letters that chain from it.' })
  coveredThrough: CalendarDate | null;

  @Field(() => Int, { nullable: true, description: 'Days from `coveredThrough` to the evaluation date (0 when covered).' })
  uncoveredDays: number | null;
}

/** The API view of an attestation. Built from the entity by `toAttestation`; storage details never reach it. */
@ObjectType({ description: 'A report or certificate published as structured data.' })
export class Attestation {
  /** Kept for field resolvers (loaders, visibility); not in the schema. */
  orgId: string;
  exceptionsData: ReportException[];
  cuecsData: ComplementaryControl[];
  subserviceOrganizationsData: SubserviceOrganization[];
  withdrawnReasonData: string | null;
  supersededById: string | null;

  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => FrameworkEnum, { description: 'The standard reported against.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'TYPE_I or TYPE_II for SOC reports; null otherwise.' })
  socType: SocType | null;

  @Field(() => String, { nullable: true, description: 'Display title, e.g. "SOC 2 Type II 2025".' })
  title: string | null;

  @Field(() => String, { nullable: true, description: 'The system or services in scope.' })
  scope: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Start of the examination period (Type II).' })
  periodStart: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'End of the examination period (Type II).' })
  periodEnd: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'The date a Type I report is as of.' })
  asOf: CalendarDate | null;

  @Field(() => DateScalar, { description: 'Date the report or certificate was issued.' })
  issueDate: CalendarDate;

  @Field(() => String, { nullable: true, description: 'The audit firm or certification body.' })
  auditor: string | null;

  @Field(() => OpinionEnum, { nullable: true, description: "The auditor's opinion (SOC reports)." })
  opinion: Opinion | null;

  @Field(() => [TrustServiceCriterionEnum], { description: 'Trust Services Criteria in scope (SOC 2 / SOC 3).' })
  trustServiceCriteria: TrustServiceCriterion[];

  @Field(() => Int, { description: 'How many exceptions the report lists: shown to anyone (the details, `exceptions`, only to those who may read the findings: see `findingsVisible`).' })
  exceptionCount: number;

  @Field(() => Int, { description: 'How many subservice organizations the report names: shown to anyone (the list only to those who may read the findings).' })
  subserviceOrganizationCount: number;

  @Field(() => Int, { description: 'How many complementary user-entity controls the report lists: shown to anyone (the list only to those who may read the findings).' })
  complementaryUserEntityControlCount: number;

  @Field(() => String, { nullable: true, description: 'Certificate number (certificates).' })
  certificateNumber: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'First day of certificate validity.' })
  certificateValidFrom: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'Last day of certificate validity (its expiry).' })
  certificateValidUntil: CalendarDate | null;

  @Field(() => AttestationStatusEnum, { description: 'Lifecycle status.' })
  status: AttestationStatus;

  @Field(() => Date, { nullable: true, description: 'When it was published.' })
  publishedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When a newer report superseded it.' })
  supersededAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was withdrawn.' })
  withdrawnAt: Date | null;
}

@ObjectType('AttestationConnection', { description: 'A page of attestations.' })
export class AttestationConnection extends Connection(Attestation, 'Attestation') {}

export function toAttestation(e: AttestationEntity): Attestation {
  return Object.assign(new Attestation(), {
    orgId: e.orgId,
    exceptionsData: reportExceptions(e.exceptions),
    cuecsData: e.complementaryUserEntityControls,
    subserviceOrganizationsData: e.subserviceOrganizations,
    withdrawnReasonData: e.withdrawnReason,
    supersededById: e.supersededById,
    id: e.id,
    framework: e.framework,
    socType: e.socType,
    title: e.title,
    scope: e.scope,
    ...attestationDates(e),
    auditor: e.auditor,
    opinion: e.opinion,
    trustServiceCriteria: e.trustServiceCriteria,
    exceptionCount: e.exceptions.length,
    subserviceOrganizationCount: e.subserviceOrganizations.length,
    complementaryUserEntityControlCount: e.complementaryUserEntityControls.length,
    certificateNumber: e.certificateNumber,
    status: e.status,
    publishedAt: e.publishedAt,
    supersededAt: e.supersededAt,
    withdrawnAt: e.withdrawnAt,
  });
}

export function toBridgeLetter(e: BridgeLetterEntity): BridgeLetter {
  return Object.assign(new BridgeLetter(), {
    id: e.id,
    ...bridgeLetterFacts(e),
    signedByName: e.signedByName,
    signedByTitle: e.signedByTitle,
  });
}

export function toFreshness(f: FreshnessValue): Freshness {
  return Object.assign(new Freshness(), f);
}
