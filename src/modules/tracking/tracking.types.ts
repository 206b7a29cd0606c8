import { ArrayMaxSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { Framework, Opinion, SocType, TrustServiceCriterion } from '../../domain/attestation';
import type { CalendarDate } from '../../domain/calendar-date';
import type { StatusReasonCode, VendorStatus } from '../../domain/compliance';
import type { AgeAnchor } from '../../domain/freshness';
import { Connection } from '../../graphql/connection';
import { AgeAnchorEnum, FrameworkEnum, OpinionEnum, SocTypeEnum, StatusReasonCodeEnum, TrustServiceCriterionEnum, VendorStatusEnum } from '../../graphql/enums';
import { DateScalar } from '../../graphql/scalars';
import { Freshness } from '../attestations/attestation.types';
import { VendorReview } from './review.types';
import type { TrackingErrorCode } from './tracking.service';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';

@ObjectType({ description: 'One kind of evidence a requirement accepts.' })
export class AcceptedEvidence {
  @Field(() => FrameworkEnum, { description: 'The framework.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'The SOC type required (null: any).' })
  socType: SocType | null;
}

@InputType('AcceptedEvidenceInput', { description: 'One kind of evidence a requirement accepts.' })
export class AcceptedEvidenceInput {
  @Field(() => FrameworkEnum, { description: 'The framework.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'The SOC type required (omit: any).' })
  @IsOptional()
  socType?: SocType | null;
}

@ObjectType({ description: "A customer's requirement policy (the default, or one vendor's override)." })
export class RequirementPolicy {
  @Field(() => [AcceptedEvidence], { description: 'Any one of these satisfies the requirement (e.g. SOC 2 Type II, or ISO 27001).' })
  accepted: AcceptedEvidence[];

  @Field(() => Int, { description: 'Maximum report age in months.' })
  maxAgeMonths: number;

  @Field(() => Int, { description: 'Days before going stale that count as expiring soon.' })
  expiringSoonDays: number;

  @Field(() => AgeAnchorEnum, { description: 'What age counts from.' })
  ageAnchor: AgeAnchor;

  @Field({ description: 'Whether bridge letters extend freshness (age counts from the last covered day). Default false: a report stays as old as its period; limit uncovered days with maxUncoveredDays instead.' })
  bridgeLettersCount: boolean;

  @Field(() => Int, { nullable: true, description: 'The most days past what the newest acceptable report covers (its period end, extended by chained bridge letters) that you accept; beyond it the vendor is NON_COMPLIANT with reason UNCOVERED_TOO_LONG. Null: no limit (the default). Reports only; certificates cover their validity.' })
  maxUncoveredDays: number | null;

  @Field({ description: 'Whether a qualified opinion needs review.' })
  qualifiedOpinionNeedsReview: boolean;

  @Field({ description: 'Whether listed exceptions need review.' })
  exceptionsNeedReview: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'A SOC 2 Type I plus a Type II in progress: when accepted lists SOC 2 Type II and no acceptable evidence is fresh, a fresh SOC 2 Type I stands in while the vendor has a SOC 2 Type II in progress, until this many days past its expected report date (COMPLIANT, reason TYPE_II_IN_PROGRESS; after that, as without it). Null: off (the default).',
  })
  acceptTypeIInProgressDays: number | null;
}

@ObjectType({ description: 'A vendor on the watchlist.' })
export class WatchedVendor {
  vendorOrgId: string | null;

  @Field(() => ID, { description: 'Identifier of the watch.' })
  id: string;

  @Field({ description: 'Vendor name.' })
  name: string;

  @Field(() => String, { nullable: true, description: 'Vendor domain (off-platform vendors).' })
  domain: string | null;

  @Field(() => String, { nullable: true, description: "The vendor's trust center slug (on-platform vendors whose trust center is published)." })
  trustCenterSlug: string | null;

  @Field({ description: 'Whether the vendor publishes on the platform (statuses follow its trust center) or its reports are recorded by you.' })
  onPlatform: boolean;

  @Field(() => String, { nullable: true, description: 'Your notes.' })
  notes: string | null;

  @Field(() => Date, { description: 'When it was added.' })
  createdAt: Date;
}

@ObjectType({ description: 'Why a vendor has its status.' })
export class StatusReason {
  @Field(() => StatusReasonCodeEnum, { description: 'Machine-readable reason.' })
  code: StatusReasonCode;

  @Field({ description: 'Human-readable explanation.' })
  message: string;
}

@ObjectType({ description: 'The evidence a status is based on.' })
export class Evidence {
  @Field(() => ID, { description: 'The attestation (published by the vendor, or recorded by you).' })
  attestationId: string;

  @Field({ description: 'PUBLISHED (the vendor\'s trust center) or RECORDED (your own records).' })
  source: string;

  @Field(() => FrameworkEnum, { description: 'Framework.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'SOC type.' })
  socType: SocType | null;

  @Field(() => DateScalar, { nullable: true, description: 'Period end (Type II).' })
  periodEnd: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'As-of date (Type I).' })
  asOf: CalendarDate | null;

  @Field(() => DateScalar, { description: 'Issue date.' })
  issueDate: CalendarDate;

  @Field(() => OpinionEnum, { nullable: true, description: "Auditor's opinion." })
  opinion: Opinion | null;

  @Field(() => Int, { description: 'Exceptions listed.' })
  exceptionCount: number;

  @Field(() => DateScalar, { nullable: true, description: 'Certificate expiry.' })
  certificateValidUntil: CalendarDate | null;
}

@ObjectType({ description: "A watched vendor's status at a date, under your requirement policy." })
export class VendorStatusEntry {
  @Field(() => WatchedVendor, { description: 'The vendor.' })
  vendor: WatchedVendor;

  @Field(() => VendorStatusEnum, { description: 'The status.' })
  status: VendorStatus;

  @Field(() => [StatusReason], { description: 'Why (empty when COMPLIANT without remarks).' })
  reasons: StatusReason[];

  @Field(() => Evidence, { nullable: true, description: 'The freshest acceptable evidence, when there is any.' })
  basedOn: Evidence | null;

  @Field(() => Freshness, { nullable: true, description: 'Its freshness under your policy.' })
  freshness: Freshness | null;

  @Field(() => Int, { nullable: true, description: 'Days until stale under your policy (negative once stale).' })
  daysUntilStale: number | null;

  @Field(() => RequirementPolicy, { description: 'The policy applied (the default, or this vendor\'s override).' })
  policy: RequirementPolicy;

  @Field(() => DateScalar, { description: 'The date evaluated at.' })
  evaluatedOn: CalendarDate;

  @Field(() => VendorReview, { nullable: true, description: 'The review that applies to the report the status is based on: the latest one of that report made by the evaluation date. Null when there is none (a newer report starts without one).' })
  review: VendorReview | null;

  @Field({ description: 'Whether the report the status is based on has what your policy sends to review (a qualified opinion, exceptions), reviewed or not.' })
  needsReview: boolean;

  @Field(() => DateScalar, { nullable: true, description: 'When a SOC 2 Type I stands in for a SOC 2 Type II in progress (reason TYPE_II_IN_PROGRESS): the date the vendor expects that Type II report. Null otherwise.' })
  typeIIExpectedOn: CalendarDate | null;

  orgId: string;
}

@ObjectType({ description: "A recorded change of a watched vendor's status." })
export class VendorStatusChange {
  @Field(() => VendorStatusEnum, { description: 'The new status.' })
  status: VendorStatus;

  @Field(() => VendorStatusEnum, { nullable: true, description: 'The status before (null for the first record).' })
  previousStatus: VendorStatus | null;

  @Field(() => [StatusReason], { description: 'Reasons at the time.' })
  reasons: StatusReason[];

  @Field({ description: 'What caused it: the daily sweep, a vendor event, or your own change.' })
  cause: string;

  @Field(() => DateScalar, { description: 'The date the status was evaluated at.' })
  effectiveOn: CalendarDate;

  @Field(() => Date, { description: 'When it was recorded.' })
  recordedAt: Date;
}

@ObjectType('VendorStatusConnection', { description: 'A page of vendor statuses.' })
export class VendorStatusConnection extends Connection(VendorStatusEntry, 'VendorStatus') {}

@ObjectType({ description: 'How many vendors have a status.' })
export class StatusCount {
  @Field(() => VendorStatusEnum, { description: 'The status.' })
  status: VendorStatus;

  @Field(() => Int, { description: 'How many vendors.' })
  count: number;
}

@ObjectType({ description: 'The portfolio at a glance.' })
export class PortfolioSummary {
  @Field(() => DateScalar, { description: 'The date evaluated at.' })
  evaluatedOn: CalendarDate;

  @Field(() => Int, { description: 'Vendors watched.' })
  totalVendors: number;

  @Field(() => [StatusCount], { description: 'Vendors per status (every status listed, zero included).' })
  byStatus: StatusCount[];

  @Field(() => Int, { description: 'Vendors fresh today that go stale within 30 days.' })
  goingStaleIn30Days: number;

  @Field(() => Int, { description: 'Vendors fresh today that go stale within 60 days.' })
  goingStaleIn60Days: number;

  @Field(() => Int, { description: 'Vendors fresh today that go stale within 90 days.' })
  goingStaleIn90Days: number;

  @Field(() => Int, { description: 'Vendors whose status-basis report has a review that applies at the date (any decision).' })
  reviewed: number;

  @Field(() => Int, { description: 'Vendors whose status-basis report has what your policy sends to review (a qualified opinion, exceptions) and no review yet.' })
  awaitingReview: number;
}

export const TrackingErrorCodeEnum = ErrorCodes<TrackingErrorCode>('TrackingErrorCode', 'Why a tracking change was refused.', {
  ALREADY_WATCHED: 'watchVendor: this vendor is already on your watchlist.',
  OWN_ORGANIZATION: 'watchVendor: trustCenterSlug is your own organization, which you cannot watch.',
  INVALID_VENDOR: 'watchVendor: trustCenterSlug names no published trust center, or, for an off-platform vendor, name is not 1-200 characters or domain is not a domain name.',
  ON_PLATFORM_VENDOR: 'recordVendorAttestation: the vendor publishes on the platform and its status follows its own reports, so nothing is recorded for it.',
  INVALID_ATTESTATION: 'recordVendorAttestation: the report breaks an attestation rule (the message starts with its AttestationErrorCode), exceptionCount is not 0-10000, or a bridge letter ends before it starts or there are more than 20.',
  INVALID_POLICY: 'setRequirementPolicy: accepted is empty, has more than 20 entries or an unknown framework or SOC type, maxAgeMonths is outside 1-60, expiringSoonDays is outside 0-365, maxUncoveredDays is outside 0-3650, or acceptTypeIInProgressDays is outside 0-365.',
});

export const TrackingError = PayloadErrorType('TrackingError', TrackingErrorCodeEnum, { description: 'A refused tracking change.' });
export type TrackingError = InstanceType<typeof TrackingError>;

@ObjectType({ description: 'Result of watchVendor.' })
export class WatchVendorPayload {
  @Field(() => WatchedVendor, { nullable: true, description: 'The watched vendor.' })
  vendor: WatchedVendor | null;

  @Field(() => [TrackingError], { description: 'Why it was refused (empty on success).' })
  errors: TrackingError[];
}

@ObjectType({ description: 'Result of unwatchVendor.' })
export class UnwatchVendorPayload {
  @Field(() => ID, { nullable: true, description: 'The removed watch.' })
  watchId: string | null;

  @Field(() => [TrackingError], { description: 'Why it was refused (empty on success).' })
  errors: TrackingError[];
}

@ObjectType({ description: 'Result of recordVendorAttestation.' })
export class RecordVendorAttestationPayload {
  @Field(() => ID, { nullable: true, description: 'The recorded attestation.' })
  attestationId: string | null;

  @Field(() => [TrackingError], { description: 'Why it was refused (empty on success).' })
  errors: TrackingError[];
}

@ObjectType({ description: 'Result of setRequirementPolicy.' })
export class RequirementPolicyPayload {
  @Field(() => RequirementPolicy, { nullable: true, description: 'The policy now in force.' })
  policy: RequirementPolicy | null;

  @Field(() => [TrackingError], { description: 'Why it was refused (empty on success).' })
  errors: TrackingError[];
}

@InputType({ description: 'Watch a vendor: by trust center slug (on the platform) or by name and domain (off it).' })
export class WatchVendorInput {
  @Field(() => String, { nullable: true, description: "An on-platform vendor's trust center slug." })
  @IsOptional()
  @MaxLength(100)
  trustCenterSlug?: string | null;

  @Field(() => String, { nullable: true, description: 'An off-platform vendor\'s name.' })
  @IsOptional()
  @MaxLength(500)
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'An off-platform vendor\'s domain.' })
  @IsOptional()
  @MaxLength(253)
  domain?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes.' })
  @IsOptional()
  @MaxLength(2000)
  notes?: string | null;
}

@InputType({ description: "A bridge letter you have for an off-platform vendor's report." })
export class TrackedBridgeLetterInput {
  @Field(() => DateScalar, { description: 'First day covered.' })
  coversFrom: CalendarDate;

  @Field(() => DateScalar, { description: 'Last day covered.' })
  coversThrough: CalendarDate;

  @Field(() => DateScalar, { description: 'Date signed.' })
  issuedOn: CalendarDate;
}

@InputType({ description: "A report of an off-platform vendor, recorded by you (private to your organization; same rules as a vendor's own)." })
export class RecordVendorAttestationInput {
  @Field(() => ID, { description: 'The watched (off-platform) vendor.' })
  watchId: string;

  @Field(() => FrameworkEnum, { description: 'Framework.' })
  framework: Framework;

  @Field(() => SocTypeEnum, { nullable: true, description: 'SOC type.' })
  @IsOptional()
  socType?: SocType | null;

  @Field(() => DateScalar, { nullable: true, description: 'Period start (Type II).' })
  @IsOptional()
  periodStart?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'Period end (Type II).' })
  @IsOptional()
  periodEnd?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'As-of date (Type I).' })
  @IsOptional()
  asOf?: CalendarDate | null;

  @Field(() => DateScalar, { description: 'Issue date.' })
  issueDate: CalendarDate;

  @Field(() => String, { nullable: true, description: 'Auditor.' })
  @IsOptional()
  @MaxLength(200)
  auditor?: string | null;

  @Field(() => OpinionEnum, { nullable: true, description: 'Opinion.' })
  @IsOptional()
  opinion?: Opinion | null;

  @Field(() => [TrustServiceCriterionEnum], { nullable: true, description: 'Trust Services Criteria (SOC 2/3; default [SECURITY]).' })
  @IsOptional()
  @ArrayMaxSize(5)
  trustServiceCriteria?: TrustServiceCriterion[] | null;

  @Field(() => Int, { nullable: true, description: 'Exceptions listed (default 0).' })
  @IsOptional()
  @Min(0)
  @Max(10000)
  exceptionCount?: number | null;

  @Field(() => DateScalar, { nullable: true, description: 'Certificate validity start.' })
  @IsOptional()
  certificateValidFrom?: CalendarDate | null;

  @Field(() => DateScalar, { nullable: true, description: 'Certificate expiry (required for ISO 27001/27701, PCI DSS, HITRUST).' })
  @IsOptional()
  certificateValidUntil?: CalendarDate | null;

  @Field(() => [TrackedBridgeLetterInput], { nullable: true, description: 'Bridge letters you hold (at most 20).' })
  @IsOptional()
  @ArrayMaxSize(20)
  bridgeLetters?: TrackedBridgeLetterInput[] | null;
}

@InputType({ description: 'Set the default requirement policy (no watchId) or one vendor\'s override. Omitted fields keep their current value.' })
export class SetRequirementPolicyInput {
  @Field(() => ID, { nullable: true, description: 'The watched vendor to override the default for (omit for the default).' })
  @IsOptional()
  watchId?: string | null;

  @Field(() => [AcceptedEvidenceInput], { nullable: true, description: 'Accepted evidence, any one of which satisfies (1-20).' })
  @IsOptional()
  @ArrayMaxSize(20)
  accepted?: AcceptedEvidenceInput[] | null;

  @Field(() => Int, { nullable: true, description: 'Maximum age in months (1-60).' })
  @IsOptional()
  maxAgeMonths?: number | null;

  @Field(() => Int, { nullable: true, description: 'Expiring-soon window in days (0-365).' })
  @IsOptional()
  expiringSoonDays?: number | null;

  @Field(() => AgeAnchorEnum, { nullable: true, description: 'What age counts from.' })
  @IsOptional()
  ageAnchor?: AgeAnchor | null;

  @Field({ nullable: true, description: 'Whether bridge letters extend freshness (default false).' })
  @IsOptional()
  bridgeLettersCount?: boolean;

  @Field(() => Int, { nullable: true, description: 'The most uncovered days you accept past the newest report\'s coverage (0-3650); null clears the limit; omitted keeps it.' })
  @IsOptional()
  maxUncoveredDays?: number | null;

  @Field({ nullable: true, description: 'Whether a qualified opinion needs review.' })
  @IsOptional()
  qualifiedOpinionNeedsReview?: boolean;

  @Field({ nullable: true, description: 'Whether exceptions need review.' })
  @IsOptional()
  exceptionsNeedReview?: boolean;

  @Field(() => Int, { nullable: true, description: 'Days past a SOC 2 Type II in progress\'s expected report date during which a fresh SOC 2 Type I stands in (0-365); null turns it off; omitted keeps it.' })
  @IsOptional()
  acceptTypeIInProgressDays?: number | null;
}
