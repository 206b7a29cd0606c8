import type { Framework, Opinion, SocType } from './attestation';
import { compareDates, type CalendarDate } from './calendar-date';
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
}) as RequirementPolicy;

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

/**
 * Status at `on`: the freshest acceptable evidence issued by then decides. NON_COMPLIANT when none or stale (or an
 * adverse opinion / disclaimer); NEEDS_REVIEW for a qualified opinion or exceptions when the policy asks; EXPIRING_SOON
 * inside the window; UNKNOWN when nothing at all is known. `accessGranted` false adds an informational reason.
 */
export function evaluateVendor(
  evidence: readonly EvidenceFacts[] | null,
  policy: RequirementPolicy,
  on: CalendarDate,
  accessGranted: boolean | null = null,
): VendorEvaluation {
  if (evidence === null) return { status: 'UNKNOWN', reasons: [{ code: 'NO_DATA', message: 'Nothing is known about this vendor yet.' }], basedOn: null, freshness: null };
  // Superseded reports stay evidence: at a past date they may have been the newest; today a newer one outranks them.
  // One pass, no intermediate arrays (a portfolio runs this for every watched vendor on every request): the freshest
  // acceptable evidence is the one with the latest expiry under this policy (ties: the latest issue date).
  const freshnessPolicy = freshnessPolicyOf(policy);
  let chosen: { e: EvidenceFacts; f: Freshness } | null = null;
  for (const e of evidence) {
    if (compareDates(e.issueDate, on) > 0 || !policy.accepted.some((a) => matches(e, a))) continue;
    const f = buyerFreshness(e, policy, on, freshnessPolicy);
    if (chosen === null || (compareDates(f.expiresOn!, chosen.f.expiresOn!) || compareDates(e.issueDate, chosen.e.issueDate)) > 0) chosen = { e, f };
  }
  if (chosen === null) {
    return {
      status: 'NON_COMPLIANT',
      reasons: [{ code: 'MISSING_FRAMEWORK', message: `No ${policy.accepted.map(describe).join(' or ')} issued by ${on}.` }],
      basedOn: null,
      freshness: null,
    };
  }
  const { e: best, f } = chosen;

  let status: VendorStatus = 'COMPLIANT';
  const reasons: StatusReason[] = [];
  const raise = (s: VendorStatus, reason: StatusReason): void => {
    reasons.push(reason);
    if (SEVERITY[s] > SEVERITY[status]) status = s;
  };
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
  if (policy.maxUncoveredDays !== null && !best.certificateValidUntil && f.uncoveredDays !== null && f.uncoveredDays > policy.maxUncoveredDays) {
    raise('NON_COMPLIANT', {
      code: 'UNCOVERED_TOO_LONG',
      message: `${f.uncoveredDays} days since ${f.coveredThrough} are covered by neither the report nor a bridge letter (your policy accepts ${policy.maxUncoveredDays}).`,
    });
  }
  if (best.opinion === 'ADVERSE' || best.opinion === 'DISCLAIMER') {
    raise('NON_COMPLIANT', { code: 'ADVERSE_OPINION', message: `The auditor's opinion is ${best.opinion.toLowerCase()}.` });
  } else if (best.opinion === 'QUALIFIED' && policy.qualifiedOpinionNeedsReview) {
    raise('NEEDS_REVIEW', { code: 'QUALIFIED_OPINION', message: "The auditor's opinion is qualified." });
  }
  if (best.exceptionCount > 0 && policy.exceptionsNeedReview) {
    raise('NEEDS_REVIEW', { code: 'EXCEPTIONS', message: `The report lists ${best.exceptionCount} exception(s).` });
  }
  if (accessGranted === false) {
    reasons.push({ code: 'ACCESS_NOT_GRANTED', message: 'Your organization has not been granted the report yet.' });
  }
  return { status, reasons, basedOn: best, freshness: f };
}

export function validateRequirementPolicy(p: RequirementPolicy): string[] {
  const problems: string[] = [];
  if (p.accepted.length === 0 || p.accepted.length > 20) problems.push('accepted lists 1 to 20 kinds of evidence');
  if (!Number.isInteger(p.maxAgeMonths) || p.maxAgeMonths < 1 || p.maxAgeMonths > 60) problems.push('maxAgeMonths is 1 to 60');
  if (!Number.isInteger(p.expiringSoonDays) || p.expiringSoonDays < 0 || p.expiringSoonDays > 365) problems.push('expiringSoonDays is 0 to 365');
  if (p.maxUncoveredDays !== null && (!Number.isInteger(p.maxUncoveredDays) || p.maxUncoveredDays < 0 || p.maxUncoveredDays > 3650)) problems.push('maxUncoveredDays is 0 to 3650, or null for no limit');
  return problems;
}
