/**
 * How fresh an attestation (SOC report, certificate, ...) is on a given day, how long its
 * assurance lasts once bridge letters are counted, and where coverage has gaps.
 * Pure: every function takes the evaluation date rather than reading the clock.
 */

import {
  addDays,
  addMonthsClamped,
  type CalendarDate,
  compareDates,
  daysBetween,
  toDayNumber,
} from './calendar-date';

export type AgeAnchor = 'PERIOD_END' | 'ISSUE_DATE';
export type FreshnessState = 'CURRENT' | 'EXPIRING_SOON' | 'STALE' | 'NONE';

export interface FreshnessPolicy {
  anchor: AgeAnchor;
  maxAgeMonths: number;
  expiringSoonDays: number;
}

export const DEFAULT_FRESHNESS_POLICY: FreshnessPolicy = Object.freeze({
  anchor: 'PERIOD_END',
  maxAgeMonths: 12,
  expiringSoonDays: 60,
});

export interface BridgeLetterFacts {
  coversFrom: CalendarDate;
  coversThrough: CalendarDate;
  issuedOn: CalendarDate;
}

export interface AttestationFacts {
  /** Period reports (SOC Type II). */
  periodStart?: CalendarDate | null;
  periodEnd?: CalendarDate | null;
  /** Point-in-time reports (SOC Type I). */
  asOf?: CalendarDate | null;
  issueDate: CalendarDate;
  /** Certificates (ISO 27001/27701, HITRUST, PCI DSS AOC, CSA STAR). */
  certificateValidFrom?: CalendarDate | null;
  certificateValidUntil?: CalendarDate | null;
  bridgeLetters?: readonly BridgeLetterFacts[];
}

export interface Freshness {
  state: FreshnessState;
  evaluatedOn: CalendarDate;
  anchorDate: CalendarDate | null;
  ageDays: number | null;
  /** Anchor + maximum age, or a certificate's expiry; saturates at MAX_DATE (9999-12-31) when that lies beyond it. */
  expiresOn: CalendarDate | null;
  /** Days from the evaluation date to `expiresOn` (as reported, so saturated too). */
  daysUntilStale: number | null;
  coveredThrough: CalendarDate | null;
  uncoveredDays: number | null;
}

export interface CoveragePeriod {
  id: string;
  periodStart: CalendarDate;
  periodEnd: CalendarDate;
}

export interface CoverageGap {
  /** The period whose end (the latest end so far) the gap follows. */
  afterId: string;
  /** The period that starts after the gap. */
  beforeId: string;
  /** First uncovered day. */
  fromDate: CalendarDate;
  /** Last uncovered day. */
  toDate: CalendarDate;
  days: number;
}

const MAX_AGE_MONTHS_RANGE = { min: 1, max: 60 } as const;
const EXPIRING_SOON_DAYS_RANGE = { min: 0, max: 365 } as const;
const ANCHORS: readonly AgeAnchor[] = ['PERIOD_END', 'ISSUE_DATE'];

/** Human-readable problems with a policy; empty when it is usable. */
export function validateFreshnessPolicy(p: FreshnessPolicy): string[] {
  const errors: string[] = [];
  // Policies come from tenant settings at runtime, so check the anchor even though the type narrows it.
  if (!ANCHORS.includes(p.anchor)) {
    errors.push(`anchor must be one of ${ANCHORS.join(', ')}`);
  }
  if (!isIntegerIn(p.maxAgeMonths, MAX_AGE_MONTHS_RANGE)) {
    errors.push(
      `maxAgeMonths must be an integer from ${MAX_AGE_MONTHS_RANGE.min} to ${MAX_AGE_MONTHS_RANGE.max}`,
    );
  }
  if (!isIntegerIn(p.expiringSoonDays, EXPIRING_SOON_DAYS_RANGE)) {
    errors.push(
      `expiringSoonDays must be an integer from ${EXPIRING_SOON_DAYS_RANGE.min} to ${EXPIRING_SOON_DAYS_RANGE.max}`,
    );
  }
  return errors;
}

/**
 * Freshness of one attestation on `evaluatedOn`.
 * NONE (all other fields null) when there are no facts or the report was not issued yet.
 * Total over every representable date (years 1000-9999): an expiry past 9999-12-31 saturates there rather than
 * throwing, so a stored report dated late 9999 reads as fresh through the end of the calendar.
 * Throws RangeError only for an invalid policy: that is a configuration bug, not report data.
 */
export function evaluateFreshness(
  facts: AttestationFacts | null,
  evaluatedOn: CalendarDate,
  policy: FreshnessPolicy = DEFAULT_FRESHNESS_POLICY,
): Freshness {
  // Checked on every call (a portfolio evaluates thousands): the allocation-free test first, the messages only on failure.
  if (!isUsablePolicy(policy)) {
    throw new RangeError(`Invalid freshness policy: ${validateFreshnessPolicy(policy).join('; ')}`);
  }
  if (facts === null || compareDates(evaluatedOn, facts.issueDate) < 0) {
    return noneFreshness(evaluatedOn);
  }

  const { anchorDate, expiresOn, coverage } = describeAttestation(facts, evaluatedOn, policy);
  const daysUntilStale = daysBetween(evaluatedOn, expiresOn);
  return {
    state: stateFor(daysUntilStale, policy.expiringSoonDays),
    evaluatedOn,
    anchorDate,
    ageDays: daysBetween(anchorDate, evaluatedOn),
    expiresOn,
    daysUntilStale,
    coveredThrough: coverage,
    uncoveredDays: coverage === null ? null : Math.max(0, daysBetween(coverage, evaluatedOn)),
  };
}

/**
 * Last day with assurance: `coverageEnd` extended by bridge letters that chain from it, in any
 * order. A letter chains when it starts no later than the day after current coverage (so
 * overlapping letters chain too); it never extends coverage past its own `coversThrough`.
 * With `evaluatedOn`, letters issued after that day are ignored: they did not exist yet.
 */
export function coveredThrough(
  coverageEnd: CalendarDate,
  letters: readonly BridgeLetterFacts[],
  evaluatedOn?: CalendarDate,
): CalendarDate {
  if (letters.length === 0) return coverageEnd;
  const usable = letters
    .filter((l) => evaluatedOn === undefined || compareDates(l.issuedOn, evaluatedOn) <= 0)
    .sort((a, b) => compareDates(a.coversFrom, b.coversFrom));
  const start = toDayNumber(coverageEnd);
  let end = start;
  for (const letter of usable) {
    // Sorted by start: once one letter leaves a gap, every later one does too.
    if (toDayNumber(letter.coversFrom) > end + 1) break;
    end = Math.max(end, toDayNumber(letter.coversThrough));
  }
  return end === start ? coverageEnd : addDays(coverageEnd, end - start);
}

/**
 * Uncovered days between two consecutive periods; 0 when the next starts the day after the
 * previous ends, or overlaps it. Accepts dates or the periods themselves.
 */
export function periodGapDays(
  previous: CalendarDate | { readonly periodEnd: CalendarDate },
  next: CalendarDate | { readonly periodStart: CalendarDate },
): number {
  const previousEnd = typeof previous === 'string' ? previous : previous.periodEnd;
  const nextStart = typeof next === 'string' ? next : next.periodStart;
  return Math.max(0, daysBetween(previousEnd, nextStart) - 1);
}

/**
 * Gaps in coverage across periods (e.g. successive Type II reports of one framework), in date
 * order. Overlapping or contained periods are tolerated: a gap is measured from the latest end
 * seen so far, not just the previous period's end.
 */
export function coverageGaps(periods: readonly CoveragePeriod[]): CoverageGap[] {
  const sorted = [...periods].sort(
    (a, b) => compareDates(a.periodStart, b.periodStart) || compareDates(a.periodEnd, b.periodEnd),
  );
  const gaps: CoverageGap[] = [];
  let latest: CoveragePeriod | undefined;
  for (const period of sorted) {
    if (latest !== undefined) {
      const days = periodGapDays(latest.periodEnd, period.periodStart);
      if (days > 0) {
        gaps.push({
          afterId: latest.id,
          beforeId: period.id,
          fromDate: addDays(latest.periodEnd, 1),
          toDate: addDays(period.periodStart, -1),
          days,
        });
      }
    }
    if (latest === undefined || compareDates(period.periodEnd, latest.periodEnd) > 0) {
      latest = period;
    }
  }
  return gaps;
}

interface AttestationDates {
  anchorDate: CalendarDate;
  expiresOn: CalendarDate;
  coverage: CalendarDate | null;
}

function describeAttestation(
  facts: AttestationFacts,
  evaluatedOn: CalendarDate,
  policy: FreshnessPolicy,
): AttestationDates {
  const validUntil = facts.certificateValidUntil ?? null;
  if (validUntil !== null) {
    // A certificate states its own expiry; bridge letters are a SOC practice and don't apply.
    return {
      anchorDate: facts.certificateValidFrom ?? facts.issueDate,
      expiresOn: validUntil,
      coverage: validUntil,
    };
  }
  // Period end wins over as-of if both are (inconsistently) present: the period is the stronger claim.
  const coverageEnd = facts.periodEnd ?? facts.asOf ?? null;
  const anchorDate =
    policy.anchor === 'ISSUE_DATE' || coverageEnd === null ? facts.issueDate : coverageEnd;
  return {
    anchorDate,
    expiresOn: addMonthsClamped(anchorDate, policy.maxAgeMonths),
    // Without a period or as-of date we don't know what was examined, so claim no coverage.
    coverage:
      coverageEnd === null ? null : coveredThrough(coverageEnd, facts.bridgeLetters ?? [], evaluatedOn),
  };
}

function stateFor(daysUntilStale: number, expiringSoonDays: number): FreshnessState {
  if (daysUntilStale < 0) return 'STALE';
  if (daysUntilStale <= expiringSoonDays) return 'EXPIRING_SOON';
  return 'CURRENT';
}

function noneFreshness(evaluatedOn: CalendarDate): Freshness {
  return {
    state: 'NONE',
    evaluatedOn,
    anchorDate: null,
    ageDays: null,
    expiresOn: null,
    daysUntilStale: null,
    coveredThrough: null,
    uncoveredDays: null,
  };
}

function isUsablePolicy(p: FreshnessPolicy): boolean {
  return ANCHORS.includes(p.anchor) && isIntegerIn(p.maxAgeMonths, MAX_AGE_MONTHS_RANGE) && isIntegerIn(p.expiringSoonDays, EXPIRING_SOON_DAYS_RANGE);
}

function isIntegerIn(n: number, range: { readonly min: number; readonly max: number }): boolean {
  return Number.isInteger(n) && n >= range.min && n <= range.max;
}
