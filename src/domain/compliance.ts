import type { Framework, Opinion, SocType } from './attestation';
import { addDaysClamped, compareDates, fromDayNumber, MAX_DATE, toDayNumber, type CalendarDate } from './calendar-date';
import { evaluateFreshness, type AgeAnchor, type AttestationFacts, type Freshness, type FreshnessPolicy } from './freshness';

/**
 * A buyer's view of a vendor: does what the vendor has published (or what the buyer recorded for an off-platform
 * vendor) meet the buyer's requirement policy at a date? Pure: the same facts, policy and date give the same status.
 */
export const VENDOR_STATUSES = ['COMPLIANT', 'EXPIRING_SOON', 'NEEDS_REVIEW', 'NON_COMPLIANT', 'UNKNOWN'] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const STATUS_REASONS = [
  'NO_DATA',
  'MISSING_FRAMEWORK',
  'STALE_REPORT',
  'BRIDGE_LETTER_EXPIRED',
  'UNCOVERED_TOO_LONG',
  'EXPIRING_SOON',
  'QUALIFIED_OPINION',
  'ADVERSE_OPINION',
  'EXCEPTIONS',
  'ACCESS_NOT_GRANTED',
  'TYPE_II_IN_PROGRESS',
  'REVIEW_ACCEPTED',
  'REVIEW_ACCEPTED_WITH_CONDITIONS',
  'REVIEW_REJECTED',
] as const;
export type StatusReasonCode = (typeof STATUS_REASONS)[number];

export interface StatusReason {
  code: StatusReasonCode;
  message: string;
}

/** One acceptable kind of evidence: "SOC 2 Type II", or "ISO 27001" (socType null = any type). */
export interface AcceptedEvidence {
  framework: Framework;
  socType: SocType | null;
}

export interface RequirementPolicy {
  /** Any one of these satisfies the requirement. */
  accepted: readonly AcceptedEvidence[];
  maxAgeMonths: number;
  expiringSoonDays: number;
  ageAnchor: AgeAnchor;
  /**
   * Bridge letters extend the age anchor to the last covered day. Off by default: as DESIGN.md puts it, a report stays
   * as old as its period, and bridge letters answer a different question (uncovered days, below).
   */
  bridgeLettersCount: boolean;
  /**
   * The most days since the end of what the newest acceptable report covers (its period end, extended by chained
   * bridge letters) that the buyer accepts; null: no limit. Beyond it the vendor is NON_COMPLIANT (UNCOVERED_TOO_LONG).
   */
  maxUncoveredDays: number | null;
  qualifiedOpinionNeedsReview: boolean;
  exceptionsNeedReview: boolean;
  /**
   * Days past a SOC 2 Type II in progress's expected report date during which a fresh SOC 2 Type I stands in for the
   * Type II this policy requires (COMPLIANT, reason TYPE_II_IN_PROGRESS); null: off. Applies only when `accepted` lists
   * SOC 2 Type II and no acceptable evidence is fresh.
   */
  acceptTypeIInProgressDays: number | null;
}

export const DEFAULT_REQUIREMENT_POLICY: RequirementPolicy = Object.freeze({
  accepted: Object.freeze([{ framework: 'SOC2', socType: 'TYPE_II' }, { framework: 'ISO27001', socType: null }]) as readonly AcceptedEvidence[],
  maxAgeMonths: 12,
  expiringSoonDays: 60,
  ageAnchor: 'PERIOD_END',
  bridgeLettersCount: false,
  maxUncoveredDays: null,
  qualifiedOpinionNeedsReview: true,
  exceptionsNeedReview: false,
  acceptTypeIInProgressDays: null,
}) as RequirementPolicy;

/** What a buyer's reviewer decided about one report. */
export const REVIEW_DECISIONS = ['ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** A buyer's review of one report of a watched vendor (its own, or one it recorded for an off-platform vendor). */
export interface ReviewFacts {
  id: string;
  attestationId: string;
  decision: ReviewDecision;
  note: string | null;
  reviewer: string | null;
  /** The day (UTC) it was recorded: it applies to evaluations on that day and after. */
  reviewedOn: CalendarDate;
}

/** A report the vendor publicly has in progress (never evidence: no period, no freshness). */
export interface InProgressReport {
  id: string;
  framework: Framework;
  socType: SocType | null;
  expectedReportDate: CalendarDate;
  /** The day the vendor recorded it: it counts from then. */
  since: CalendarDate;
}

/** What else an evaluation may weigh besides the evidence: the buyer's reviews and the vendor's reports in progress. */
export interface EvaluationContext {
  /** This vendor's reviews, newest first; the first one of the report the status is based on, recorded by then, applies. */
  reviews?: readonly ReviewFacts[];
  inProgress?: readonly InProgressReport[];
}

export interface EvidenceFacts extends AttestationFacts {
  id: string;
  framework: Framework;
  socType: SocType | null;
  opinion: Opinion | null;
  exceptionCount: number;
}

export interface VendorEvaluation {
  status: VendorStatus;
  reasons: StatusReason[];
  basedOn: EvidenceFacts | null;
  freshness: Freshness | null;
  /** The review that applies to `basedOn`, if any. */
  review: ReviewFacts | null;
  /** Whether `basedOn` has what the policy sends to review (a qualified opinion, exceptions), reviewed or not. */
  needsReview: boolean;
  /** The SOC 2 Type II in progress that lets a Type I stand in (reason TYPE_II_IN_PROGRESS), if it does. */
  typeIIInProgress: InProgressReport | null;
}

const matches = (e: EvidenceFacts, a: AcceptedEvidence): boolean => e.framework === a.framework && (a.socType === null || e.socType === a.socType);

const describe = (a: AcceptedEvidence): string => (a.socType ? `${a.framework} ${a.socType.replace('_', ' ')}` : a.framework);

/** Freshness under the buyer's policy; with bridge letters counting, age runs from the last covered day. */
export function buyerFreshness(e: EvidenceFacts, policy: RequirementPolicy, on: CalendarDate, freshnessPolicy: FreshnessPolicy = freshnessPolicyOf(policy)): Freshness {
  const base = evaluateFreshness(e, on, freshnessPolicy);
  const end = e.periodEnd ?? e.asOf ?? null;
  if (!policy.bridgeLettersCount || policy.ageAnchor !== 'PERIOD_END' || e.certificateValidUntil || !end || !base.coveredThrough) return base;
  if (compareDates(base.coveredThrough, end) <= 0) return base;
  const bridged = evaluateFreshness({ ...e, periodEnd: base.coveredThrough, asOf: null, bridgeLetters: [] }, on, freshnessPolicy);
  return { ...bridged, coveredThrough: base.coveredThrough, uncoveredDays: base.uncoveredDays };
}

const freshnessPolicyOf = (policy: RequirementPolicy): FreshnessPolicy => ({ anchor: policy.ageAnchor, maxAgeMonths: policy.maxAgeMonths, expiringSoonDays: policy.expiringSoonDays });

const SEVERITY: Record<VendorStatus, number> = { COMPLIANT: 0, EXPIRING_SOON: 1, NEEDS_REVIEW: 2, NON_COMPLIANT: 3, UNKNOWN: 4 };

type Scored = { e: EvidenceFacts; f: Freshness };

/** The freshest evidence issued by `on` that `accept` admits: the latest expiry under this policy (ties: the latest issue date). */
function freshest(evidence: readonly EvidenceFacts[], policy: RequirementPolicy, on: CalendarDate, freshnessPolicy: FreshnessPolicy, accept: (e: EvidenceFacts) => boolean): Scored | null {
  // One pass, no intermediate arrays (a portfolio runs this for every watched vendor on every request).
  let chosen: Scored | null = null;
  for (const e of evidence) {
    if (compareDates(e.issueDate, on) > 0 || !accept(e)) continue;
    const f = buyerFreshness(e, policy, on, freshnessPolicy);
    if (chosen === null || (compareDates(f.expiresOn!, chosen.f.expiresOn!) || compareDates(e.issueDate, chosen.e.issueDate)) > 0) chosen = { e, f };
  }
  return chosen;
}

/**
 * "A Type I plus a Type II in progress": when the policy requires SOC 2 Type II (and says for how many days past the
 * expected date it waits), a fresh SOC 2 Type I stands in while a SOC 2 Type II the vendor recorded by `on` is in
 * progress and `on` is at most that many days past its expected report date.
 */
function typeIStandIn(evidence: readonly EvidenceFacts[], policy: RequirementPolicy, on: CalendarDate, freshnessPolicy: FreshnessPolicy, inProgress: readonly InProgressReport[]): { chosen: Scored; pending: InProgressReport } | null {
  const days = policy.acceptTypeIInProgressDays;
  if (days === null || !policy.accepted.some((a) => a.framework === 'SOC2' && a.socType === 'TYPE_II')) return null;
  let pending: InProgressReport | null = null;
  for (const p of inProgress) {
    if (p.framework !== 'SOC2' || p.socType !== 'TYPE_II' || compareDates(p.since, on) > 0) continue;
    if (compareDates(on, addDaysClamped(p.expectedReportDate, days)) > 0) continue;
    if (pending === null || compareDates(p.expectedReportDate, pending.expectedReportDate) > 0) pending = p;
  }
  if (pending === null) return null;
  const chosen = freshest(evidence, policy, on, freshnessPolicy, (e) => e.framework === 'SOC2' && e.socType === 'TYPE_I');
  return chosen && chosen.f.state !== 'STALE' ? { chosen, pending } : null;
}

function reviewReason(r: ReviewFacts): StatusReason {
  const by = `Reviewed${r.reviewer ? ` by ${r.reviewer}` : ''} on ${r.reviewedOn}`;
  const note = r.note ? `: ${r.note}` : '.';
  switch (r.decision) {
    case 'ACCEPTED': return { code: 'REVIEW_ACCEPTED', message: `${by}: accepted${note}` };
    case 'ACCEPTED_WITH_CONDITIONS': return { code: 'REVIEW_ACCEPTED_WITH_CONDITIONS', message: `${by}: accepted with conditions${note}` };
    case 'REJECTED': return { code: 'REVIEW_REJECTED', message: `${by}: rejected${note}` };
    default: return assertNever(r.decision);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected review decision ${String(x)}`);
}

/**
 * Status at `on`: the freshest acceptable evidence issued by then decides. NON_COMPLIANT when none or stale (or an
 * adverse opinion / disclaimer); NEEDS_REVIEW for a qualified opinion or exceptions when the policy asks; EXPIRING_SOON
 * inside the window; UNKNOWN when nothing at all is known. `accessGranted` false adds an informational reason.
 *
 * `context.inProgress`: with `acceptTypeIInProgressDays`, when no acceptable evidence is fresh, a fresh SOC 2 Type I
 * and a SOC 2 Type II in progress stand in (reason TYPE_II_IN_PROGRESS; the Type I is `basedOn`, with the same opinion
 * and exception checks, and no uncovered-days limit: the engagement in progress is what covers the gap).
 * `context.reviews`: the latest review of `basedOn` recorded by `on` applies to that report only. ACCEPTED and
 * ACCEPTED_WITH_CONDITIONS settle what needed review (its reasons stay listed, without their NEEDS_REVIEW), with an
 * informational REVIEW_ACCEPTED(_WITH_CONDITIONS) reason; REJECTED makes the vendor NON_COMPLIANT (REVIEW_REJECTED).
 * A review settles nothing else: a stale report stays stale.
 */
export function evaluateVendor(
  evidence: readonly EvidenceFacts[] | null,
  policy: RequirementPolicy,
  on: CalendarDate,
  accessGranted: boolean | null = null,
  context: EvaluationContext = {},
): VendorEvaluation {
  const none = { review: null, needsReview: false, typeIIInProgress: null };
  if (evidence === null) return { status: 'UNKNOWN', reasons: [{ code: 'NO_DATA', message: 'Nothing is known about this vendor yet.' }], basedOn: null, freshness: null, ...none };
  // Superseded reports stay evidence: at a past date they may have been the newest; today a newer one outranks them.
  const freshnessPolicy = freshnessPolicyOf(policy);
  let chosen = freshest(evidence, policy, on, freshnessPolicy, (e) => policy.accepted.some((a) => matches(e, a)));
  let pending: InProgressReport | null = null;
  if ((chosen === null || chosen.f.state === 'STALE') && context.inProgress?.length) {
    const standIn = typeIStandIn(evidence, policy, on, freshnessPolicy, context.inProgress);
    if (standIn) ({ chosen, pending } = standIn);
  }
  if (chosen === null) {
    return {
      status: 'NON_COMPLIANT',
      reasons: [{ code: 'MISSING_FRAMEWORK', message: `No ${policy.accepted.map(describe).join(' or ')} issued by ${on}.` }],
      basedOn: null,
      freshness: null,
      ...none,
    };
  }
  const { e: best, f } = chosen;
  let review: ReviewFacts | null = null;
  for (const r of context.reviews ?? []) {
    if (r.attestationId === best.id && compareDates(r.reviewedOn, on) <= 0) {
      review = r;
      break;
    }
  }
  const settled = review !== null && review.decision !== 'REJECTED';

  let status: VendorStatus = 'COMPLIANT';
  const reasons: StatusReason[] = [];
  const raise = (s: VendorStatus, reason: StatusReason): void => {
    reasons.push(reason);
    if (SEVERITY[s] > SEVERITY[status]) status = s;
  };
  if (pending) {
    reasons.push({
      code: 'TYPE_II_IN_PROGRESS',
      message: `The SOC 2 Type II is in progress (report expected ${pending.expectedReportDate}); your policy accepts the SOC 2 Type I as of ${best.asOf ?? best.issueDate} until ${addDaysClamped(pending.expectedReportDate, policy.acceptTypeIInProgressDays!)}.`,
    });
  }
  if (f.state === 'STALE') {
    // Only when letters moved the anchor (they count, and age runs from the period end) did they extend freshness.
    const end = best.periodEnd ?? best.asOf ?? null;
    const bridged = policy.bridgeLettersCount && policy.ageAnchor === 'PERIOD_END' && !best.certificateValidUntil
      && f.coveredThrough !== null && end !== null && compareDates(f.coveredThrough, end) > 0;
    raise('NON_COMPLIANT', bridged
      ? { code: 'BRIDGE_LETTER_EXPIRED', message: `Bridge letters covered through ${f.coveredThrough}; freshness ended ${f.expiresOn}.` }
      : { code: 'STALE_REPORT', message: `The newest acceptable report went stale on ${f.expiresOn} (${policy.maxAgeMonths}-month limit).` });
  } else if (f.state === 'EXPIRING_SOON') {
    raise('EXPIRING_SOON', { code: 'EXPIRING_SOON', message: `The report goes stale after ${f.expiresOn} (${f.daysUntilStale} days).` });
  }
  // Certificates cover their validity, not a period: uncovered days apply to reports only.
  if (!pending && policy.maxUncoveredDays !== null && !best.certificateValidUntil && f.uncoveredDays !== null && f.uncoveredDays > policy.maxUncoveredDays) {
    raise('NON_COMPLIANT', {
      code: 'UNCOVERED_TOO_LONG',
      message: `${f.uncoveredDays} days since ${f.coveredThrough} are covered by neither the report nor a bridge letter (your policy accepts ${policy.maxUncoveredDays}).`,
    });
  }
  let needsReview = false;
  const toReview = (reason: StatusReason): void => {
    needsReview = true;
    if (settled) reasons.push(reason);
    else raise('NEEDS_REVIEW', reason);
  };
  if (best.opinion === 'ADVERSE' || best.opinion === 'DISCLAIMER') {
    raise('NON_COMPLIANT', { code: 'ADVERSE_OPINION', message: `The auditor's opinion is ${best.opinion.toLowerCase()}.` });
  } else if (best.opinion === 'QUALIFIED' && policy.qualifiedOpinionNeedsReview) {
    toReview({ code: 'QUALIFIED_OPINION', message: "The auditor's opinion is qualified." });
  }
  if (best.exceptionCount > 0 && policy.exceptionsNeedReview) {
    toReview({ code: 'EXCEPTIONS', message: `The report lists ${best.exceptionCount} exception(s).` });
  }
  if (review) {
    if (review.decision === 'REJECTED') raise('NON_COMPLIANT', reviewReason(review));
    else reasons.push(reviewReason(review));
  }
  if (accessGranted === false) {
    reasons.push({ code: 'ACCESS_NOT_GRANTED', message: 'Your organization has not been granted the report yet.' });
  }
  return { status, reasons, basedOn: best, freshness: f, review, needsReview, typeIIInProgress: pending };
}

/**
 * The last day through which `evaluateVendor(evidence, policy, d, access, context)` keeps, for every d from `on`, the
 * status, the report it is based on and that report's `expiresOn` (so its place in the urgency order) it has at `on`;
 * MAX_DATE when nothing it weighs ever moves. What a stored evaluation may be reused for (vendorStatuses' index).
 *
 * Every date-driven rule of evaluateVendor has its change days here, generously (a day too early costs one exact
 * re-evaluation, a day too late would serve a wrong status): what enters on a day (a report or bridge letter issued,
 * an engagement recorded, a review made) and, for every report with the letters issued by `on` (none enter before the
 * next candidate), the first EXPIRING_SOON day, the first STALE day and the first day uncovered for too long; for an
 * engagement in progress, the first day past the policy's wait. A new date rule in evaluateVendor must add its days
 * here: test/unit/status-validity.test.ts checks the two against each other day by day.
 */
export function statusStableThrough(
  evidence: readonly EvidenceFacts[] | null,
  policy: RequirementPolicy,
  on: CalendarDate,
  context: EvaluationContext = {},
): CalendarDate {
  if (evidence === null) return MAX_DATE;
  const today = toDayNumber(on);
  let next = Number.POSITIVE_INFINITY;
  const consider = (d: CalendarDate | null | undefined): void => {
    if (!d) return;
    const n = toDayNumber(d);
    if (n > today && n < next) next = n;
  };
  const freshnessPolicy = freshnessPolicyOf(policy);
  for (const e of evidence) {
    consider(e.issueDate);
    for (const l of e.bridgeLetters ?? []) consider(l.issuedOn);
    if (compareDates(e.issueDate, on) > 0) continue; // not issued yet: nothing about it counts before its issue date
    const f = buyerFreshness(e, policy, on, freshnessPolicy);
    if (f.expiresOn) {
      consider(addDaysClamped(f.expiresOn, -policy.expiringSoonDays));
      consider(addDaysClamped(f.expiresOn, 1));
    }
    if (policy.maxUncoveredDays !== null && f.coveredThrough) consider(addDaysClamped(f.coveredThrough, policy.maxUncoveredDays + 1));
  }
  for (const p of context.inProgress ?? []) {
    consider(p.since);
    if (policy.acceptTypeIInProgressDays !== null) consider(addDaysClamped(p.expectedReportDate, policy.acceptTypeIInProgressDays + 1));
  }
  for (const r of context.reviews ?? []) consider(r.reviewedOn);
  return next === Number.POSITIVE_INFINITY ? MAX_DATE : fromDayNumber(next - 1);
}

/** The most days past the expected date a policy may wait for a Type II in progress: a year. */
export const MAX_TYPE_II_IN_PROGRESS_DAYS = 365;

export function validateRequirementPolicy(p: RequirementPolicy): string[] {
  const problems: string[] = [];
  if (p.accepted.length === 0 || p.accepted.length > 20) problems.push('accepted lists 1 to 20 kinds of evidence');
  if (!Number.isInteger(p.maxAgeMonths) || p.maxAgeMonths < 1 || p.maxAgeMonths > 60) problems.push('maxAgeMonths is 1 to 60');
  if (!Number.isInteger(p.expiringSoonDays) || p.expiringSoonDays < 0 || p.expiringSoonDays > 365) problems.push('expiringSoonDays is 0 to 365');
  if (p.maxUncoveredDays !== null && (!Number.isInteger(p.maxUncoveredDays) || p.maxUncoveredDays < 0 || p.maxUncoveredDays > 3650)) problems.push('maxUncoveredDays is 0 to 3650, or null for no limit');
  if (p.acceptTypeIInProgressDays !== null && (!Number.isInteger(p.acceptTypeIInProgressDays) || p.acceptTypeIInProgressDays < 0 || p.acceptTypeIInProgressDays > MAX_TYPE_II_IN_PROGRESS_DAYS)) {
    problems.push(`acceptTypeIInProgressDays is 0 to ${MAX_TYPE_II_IN_PROGRESS_DAYS}, or null to turn it off`);
  }
  return problems;
}
