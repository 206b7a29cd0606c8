import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { todayUtc, type CalendarDate } from '../../domain/calendar-date';
import { REVIEW_DECISIONS, type ReviewDecision } from '../../domain/compliance';
import { ErrorCodes, PayloadErrorType } from '../../graphql/payload';
import { DateScalar } from '../../graphql/scalars';
import type { VendorReviewEntity } from './review.entity';
import { MAX_REVIEW_NOTE, type ReviewErrorCode } from './review.service';

export const VendorReviewDecisionEnum = Object.fromEntries(REVIEW_DECISIONS.map((d) => [d, d])) as { [K in ReviewDecision]: K };
registerEnumType(VendorReviewDecisionEnum, {
  name: 'VendorReviewDecision',
  description: 'What your reviewer decided about a vendor\'s report. It applies to that report only: a newer report from the vendor starts unreviewed.',
  valuesConfig: {
    ACCEPTED: { description: 'Read and accepted: what needed review (a qualified opinion, exceptions) no longer makes the vendor NEEDS_REVIEW (reason REVIEW_ACCEPTED).' },
    ACCEPTED_WITH_CONDITIONS: { description: 'Accepted like ACCEPTED, with conditions written in the note (required): reason REVIEW_ACCEPTED_WITH_CONDITIONS carries them.' },
    REJECTED: { description: 'Read and rejected, the note (required) says why: the vendor is NON_COMPLIANT (reason REVIEW_REJECTED) while the status rests on this report.' },
  },
});

@ObjectType({ description: "A review of a watched vendor's report by your organization: who read it, what they decided, why, when. Reviews are never changed; a newer review of the same report supersedes the older ones, which stay as history." })
export class VendorReview {
  @Field(() => ID, { description: 'Identifier.' })
  id: string;

  @Field(() => ID, { description: 'The report reviewed (the vendor\'s published attestation, or one you recorded): the one the status was based on when reviewed.' })
  attestationId: string;

  @Field(() => VendorReviewDecisionEnum, { description: 'The decision.' })
  decision: ReviewDecision;

  @Field(() => String, { nullable: true, description: 'The reviewer\'s note: the conditions (ACCEPTED_WITH_CONDITIONS) or the reasons (REJECTED).' })
  note: string | null;

  @Field(() => String, { nullable: true, description: 'Who reviewed: the member\'s email, or the API key, as the audit log names them.' })
  reviewer: string | null;

  @Field(() => Date, { description: 'When it was recorded.' })
  reviewedAt: Date;

  @Field(() => DateScalar, { description: 'The day (UTC) it was recorded: it applies to evaluations on that day and after.' })
  reviewedOn: CalendarDate;
}

export const toVendorReview = (r: VendorReviewEntity): VendorReview =>
  Object.assign(new VendorReview(), {
    id: r.id, attestationId: r.attestationId, decision: r.decision, note: r.note, reviewer: r.reviewer, reviewedAt: r.reviewedAt, reviewedOn: todayUtc(r.reviewedAt),
  });

@InputType({ description: "Record your review of the report a watched vendor's status is based on." })
export class ReviewVendorReportInput {
  @Field(() => ID, { description: 'The watched vendor.' })
  watchId: string;

  @Field(() => ID, { description: "The report reviewed: the one the vendor's status is based on today (`vendorStatuses { basedOn { attestationId } }`)." })
  attestationId: string;

  @Field(() => VendorReviewDecisionEnum, { description: 'The decision.' })
  decision: ReviewDecision;

  @Field(() => String, { nullable: true, description: `A note (at most ${MAX_REVIEW_NOTE} characters): required for ACCEPTED_WITH_CONDITIONS (the conditions) and REJECTED (why).` })
  note?: string | null;
}

export const VendorReviewErrorCodeEnum = ErrorCodes<ReviewErrorCode>('VendorReviewErrorCode', 'Why a review was refused.', {
  VENDOR_NOT_WATCHED: 'reviewVendorReport: watchId names no vendor on your watchlist.',
  REPORT_NOT_CURRENT: "reviewVendorReport: attestationId is not the report the vendor's status is based on today (another vendor's, an older or unknown report, or the vendor has no acceptable evidence to review).",
  NOTE_REQUIRED: 'reviewVendorReport: ACCEPTED_WITH_CONDITIONS needs the conditions and REJECTED the reasons, in note.',
  NOTE_TOO_LONG: `reviewVendorReport: note is longer than ${MAX_REVIEW_NOTE} characters.`,
});

export const VendorReviewError = PayloadErrorType('VendorReviewError', VendorReviewErrorCodeEnum, { description: 'A refused review.' });
export type VendorReviewError = InstanceType<typeof VendorReviewError>;

@ObjectType({ description: 'Result of reviewVendorReport.' })
export class ReviewVendorReportPayload {
  @Field(() => VendorReview, { nullable: true, description: 'The review recorded (null when refused).' })
  review: VendorReview | null;

  @Field(() => [VendorReviewError], { description: 'Why it was refused (empty on success).' })
  errors: VendorReviewError[];
}
