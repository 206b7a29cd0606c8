import fc from 'fast-check';
import type { Framework, Opinion } from '../../src/domain/attestation';
import { addDays, addMonths, calendarDate, compareDates, fromDayNumber, MAX_DATE, toDayNumber } from '../../src/domain/calendar-date';
import {
  buyerFreshness,
  DEFAULT_REQUIREMENT_POLICY,
  evaluateVendor,
  type EvidenceFacts,
  type InProgressReport,
  type ReviewDecision,
  type ReviewFacts,
  type RequirementPolicy,
  type StatusReasonCode,
  type VendorStatus,
  validateRequirementPolicy,
} from '../../src/domain/compliance';
import type { BridgeLetterFacts, FreshnessState } from '../../src/domain/freshness';
import { anyDayArb, dateWithin } from '../support/calendar-arbitraries';

/**
 * The buyer's status rules (src/domain/compliance.ts), worked through by hand. Dates are chosen so every expected
 * value can be checked on a calendar: the FY2025 SOC 2 Type II below ends 2025-12-31, so under the default policy
 * (12 months from the period end, 60-day window) it is fresh through 2026-12-31 and expiring soon from 2026-11-01.
 */
const d = calendarDate;

function soc2(overrides: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return {
    id: 'soc2-2025',
    framework: 'SOC2',
    socType: 'TYPE_II',
    periodStart: d('2025-01-01'),
    periodEnd: d('2025-12-31'),
    asOf: null,
    issueDate: d('2026-02-15'),
    opinion: 'UNQUALIFIED',
    exceptionCount: 0,
    certificateValidFrom: null,
    certificateValidUntil: null,
    bridgeLetters: [],
    ...overrides,
  };
}

function soc2Year(year: number, overrides: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return soc2({ id: `soc2-${year}`, periodStart: d(`${year}-01-01`), periodEnd: d(`${year}-12-31`), issueDate: d(`${year + 1}-02-15`), ...overrides });
}

function typeI(overrides: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return soc2({ id: 'soc2-type1', socType: 'TYPE_I', periodStart: null, periodEnd: null, asOf: d('2025-12-31'), issueDate: d('2026-01-20'), ...overrides });
}

function iso(overrides: Partial<EvidenceFacts> = {}): EvidenceFacts {
  return {
    id: 'iso-27001',
    framework: 'ISO27001',
    socType: null,
    periodStart: null,
    periodEnd: null,
    asOf: null,
    issueDate: d('2025-03-01'),
    opinion: null,
    exceptionCount: 0,
    certificateValidFrom: d('2025-03-01'),
    certificateValidUntil: d('2028-02-28'),
    bridgeLetters: [],
    ...overrides,
  };
}

const letter = (coversFrom: string, coversThrough: string, issuedOn: string): BridgeLetterFacts => ({
  coversFrom: d(coversFrom), coversThrough: d(coversThrough), issuedOn: d(issuedOn),
});

/** The FY2025 report bridged through 2026-03-31 by one letter signed 2026-04-10. */
const bridged = soc2({ id: 'soc2-bridged', bridgeLetters: [letter('2026-01-01', '2026-03-31', '2026-04-10')] });

const policy = (overrides: Partial<RequirementPolicy> = {}): RequirementPolicy => ({ ...DEFAULT_REQUIREMENT_POLICY, ...overrides });
const codes = (r: { reasons: { code: StatusReasonCode }[] }): StatusReasonCode[] => r.reasons.map((x) => x.code);

describe('DEFAULT_REQUIREMENT_POLICY', () => {
  it('accepts SOC 2 Type II or ISO 27001, 12 months from the period end, 60-day window, bridge letters do not move the age, no uncovered-days limit, qualified opinions reviewed', () => {
    expect(DEFAULT_REQUIREMENT_POLICY).toEqual({
      accepted: [{ framework: 'SOC2', socType: 'TYPE_II' }, { framework: 'ISO27001', socType: null }],
      maxAgeMonths: 12,
      expiringSoonDays: 60,
      ageAnchor: 'PERIOD_END',
      bridgeLettersCount: false,
      maxUncoveredDays: null,
      qualifiedOpinionNeedsReview: true,
      exceptionsNeedReview: false,
      acceptTypeIInProgressDays: null,
    });
    expect(validateRequirementPolicy(DEFAULT_REQUIREMENT_POLICY)).toEqual([]);
  });

  it('validateRequirementPolicy names each problem', () => {
    expect(validateRequirementPolicy(policy({ accepted: [] }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ maxAgeMonths: 0 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ maxAgeMonths: 61 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ maxAgeMonths: 1.5 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ expiringSoonDays: -1 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ expiringSoonDays: 366 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ maxAgeMonths: 60, expiringSoonDays: 365 }))).toEqual([]);
  });
});

describe('evaluateVendor: statuses and reasons', () => {
  it('UNKNOWN with NO_DATA when nothing at all is known (null evidence), whatever the access', () => {
    for (const access of [null, true, false]) {
      const r = evaluateVendor(null, DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'), access);
      expect(r.status).toBe('UNKNOWN');
      expect(codes(r)).toEqual(['NO_DATA']);
      expect(r.basedOn).toBeNull();
      expect(r.freshness).toBeNull();
    }
  });

  it('NON_COMPLIANT with MISSING_FRAMEWORK when the vendor is known but has no acceptable evidence', () => {
    const none = evaluateVendor([], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(none.status).toBe('NON_COMPLIANT');
    expect(codes(none)).toEqual(['MISSING_FRAMEWORK']);
    expect(none.basedOn).toBeNull();
    expect(none.freshness).toBeNull();
    expect(none.reasons[0]!.message).toContain('SOC2 TYPE II');
    expect(none.reasons[0]!.message).toContain('ISO27001');

    // A fresh SOC 1 and a SOC 3 are not what the default policy accepts.
    const wrong = evaluateVendor([soc2({ framework: 'SOC1' }), soc2({ framework: 'SOC3', socType: null })], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(wrong.status).toBe('NON_COMPLIANT');
    expect(codes(wrong)).toEqual(['MISSING_FRAMEWORK']);
  });

  it('COMPLIANT with no reasons for a fresh, clean, accepted report', () => {
    const e = soc2();
    const r = evaluateVendor([e], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(r.status).toBe('COMPLIANT');
    expect(r.reasons).toEqual([]);
    expect(r.basedOn).toBe(e);
    expect(r.freshness).toMatchObject({
      state: 'CURRENT', anchorDate: '2025-12-31', expiresOn: '2026-12-31', daysUntilStale: 213, ageDays: 152, coveredThrough: '2025-12-31',
    });
  });

  it('NON_COMPLIANT with STALE_REPORT the day after expiresOn; expiresOn itself is the last non-stale day', () => {
    const last = evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-12-31'));
    expect(last.status).toBe('EXPIRING_SOON');
    expect(last.freshness!.daysUntilStale).toBe(0);
    const stale = evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2027-01-01'));
    expect(stale.status).toBe('NON_COMPLIANT');
    expect(codes(stale)).toEqual(['STALE_REPORT']);
    expect(stale.freshness).toMatchObject({ state: 'STALE', daysUntilStale: -1 });
    expect(stale.basedOn!.id).toBe('soc2-2025');
  });

  it('EXPIRING_SOON from exactly expiringSoonDays before expiresOn (inclusive), COMPLIANT the day before that', () => {
    // expiresOn 2026-12-31; 60 days before is 2026-11-01.
    const atBoundary = evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-11-01'));
    expect(atBoundary.status).toBe('EXPIRING_SOON');
    expect(codes(atBoundary)).toEqual(['EXPIRING_SOON']);
    expect(atBoundary.freshness!.daysUntilStale).toBe(60);
    const before = evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-10-31'));
    expect(before.status).toBe('COMPLIANT');
    expect(before.freshness!.daysUntilStale).toBe(61);

    // The window follows the policy: 10 days.
    const narrow = policy({ expiringSoonDays: 10 });
    expect(evaluateVendor([soc2()], narrow, d('2026-12-21')).status).toBe('EXPIRING_SOON');
    expect(evaluateVendor([soc2()], narrow, d('2026-12-20')).status).toBe('COMPLIANT');
    // A zero-day window: only expiresOn itself is expiring soon.
    const zero = policy({ expiringSoonDays: 0 });
    expect(evaluateVendor([soc2()], zero, d('2026-12-30')).status).toBe('COMPLIANT');
    expect(evaluateVendor([soc2()], zero, d('2026-12-31')).status).toBe('EXPIRING_SOON');
  });

  it('maxAgeMonths moves expiresOn (3 months: stale from 2026-04-01)', () => {
    const short = policy({ maxAgeMonths: 3 });
    expect(evaluateVendor([soc2()], short, d('2026-03-31')).status).toBe('EXPIRING_SOON');
    const r = evaluateVendor([soc2()], short, d('2026-04-01'));
    expect(r.status).toBe('NON_COMPLIANT');
    expect(codes(r)).toEqual(['STALE_REPORT']);
    expect(r.freshness!.expiresOn).toBe('2026-03-31');
  });

  it('calendar months clamp: a period ending 2024-02-29 is fresh through 2025-02-28', () => {
    const e = soc2({ periodStart: d('2023-03-01'), periodEnd: d('2024-02-29'), issueDate: d('2024-04-01') });
    expect(evaluateVendor([e], DEFAULT_REQUIREMENT_POLICY, d('2025-02-28')).status).toBe('EXPIRING_SOON');
    expect(evaluateVendor([e], DEFAULT_REQUIREMENT_POLICY, d('2025-03-01')).status).toBe('NON_COMPLIANT');
  });

  it('QUALIFIED_OPINION -> NEEDS_REVIEW only when qualifiedOpinionNeedsReview', () => {
    const q = soc2({ opinion: 'QUALIFIED' });
    const reviewed = evaluateVendor([q], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(reviewed.status).toBe('NEEDS_REVIEW');
    expect(codes(reviewed)).toEqual(['QUALIFIED_OPINION']);
    const ignored = evaluateVendor([q], policy({ qualifiedOpinionNeedsReview: false }), d('2026-06-01'));
    expect(ignored.status).toBe('COMPLIANT');
    expect(ignored.reasons).toEqual([]);
  });

  it.each(['ADVERSE', 'DISCLAIMER'] as Opinion[])('%s -> NON_COMPLIANT (ADVERSE_OPINION) whatever the review flags', (opinion) => {
    for (const p of [DEFAULT_REQUIREMENT_POLICY, policy({ qualifiedOpinionNeedsReview: false, exceptionsNeedReview: false })]) {
      const r = evaluateVendor([soc2({ opinion })], p, d('2026-06-01'));
      expect(r.status).toBe('NON_COMPLIANT');
      expect(codes(r)).toEqual(['ADVERSE_OPINION']);
      expect(r.reasons[0]!.message).toContain(opinion.toLowerCase());
      expect(r.freshness!.state).toBe('CURRENT');
    }
  });

  it('EXCEPTIONS -> NEEDS_REVIEW only when exceptionsNeedReview (and only when there are exceptions)', () => {
    const e = soc2({ exceptionCount: 3 });
    const byDefault = evaluateVendor([e], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(byDefault.status).toBe('COMPLIANT');
    expect(byDefault.reasons).toEqual([]);
    const reviewed = evaluateVendor([e], policy({ exceptionsNeedReview: true }), d('2026-06-01'));
    expect(reviewed.status).toBe('NEEDS_REVIEW');
    expect(codes(reviewed)).toEqual(['EXCEPTIONS']);
    expect(reviewed.reasons[0]!.message).toContain('3');
    const clean = evaluateVendor([soc2()], policy({ exceptionsNeedReview: true }), d('2026-06-01'));
    expect(clean.status).toBe('COMPLIANT');
  });

  it('the worst status wins and every reason is listed', () => {
    const q = soc2({ opinion: 'QUALIFIED', exceptionCount: 1 });
    const p = policy({ exceptionsNeedReview: true });
    // Expiring soon + qualified + exceptions: NEEDS_REVIEW outranks EXPIRING_SOON.
    const soon = evaluateVendor([q], p, d('2026-12-01'));
    expect(soon.status).toBe('NEEDS_REVIEW');
    expect(codes(soon)).toEqual(['EXPIRING_SOON', 'QUALIFIED_OPINION', 'EXCEPTIONS']);
    // Stale + qualified: NON_COMPLIANT outranks NEEDS_REVIEW.
    const stale = evaluateVendor([q], p, d('2027-02-01'));
    expect(stale.status).toBe('NON_COMPLIANT');
    expect(codes(stale)).toEqual(['STALE_REPORT', 'QUALIFIED_OPINION', 'EXCEPTIONS']);
    // Adverse and expiring soon.
    const adverse = evaluateVendor([soc2({ opinion: 'ADVERSE' })], DEFAULT_REQUIREMENT_POLICY, d('2026-12-01'));
    expect(adverse.status).toBe('NON_COMPLIANT');
    expect(codes(adverse)).toEqual(['EXPIRING_SOON', 'ADVERSE_OPINION']);
  });

  it('ACCESS_NOT_GRANTED is informational: it is listed (last) when access is false and never changes the status', () => {
    const cases: [EvidenceFacts[], RequirementPolicy, string, VendorStatus][] = [
      [[soc2()], DEFAULT_REQUIREMENT_POLICY, '2026-06-01', 'COMPLIANT'],
      [[soc2()], DEFAULT_REQUIREMENT_POLICY, '2026-12-01', 'EXPIRING_SOON'],
      [[soc2({ opinion: 'QUALIFIED' })], DEFAULT_REQUIREMENT_POLICY, '2026-06-01', 'NEEDS_REVIEW'],
      [[soc2()], DEFAULT_REQUIREMENT_POLICY, '2027-06-01', 'NON_COMPLIANT'],
    ];
    for (const [evidence, p, on, status] of cases) {
      const granted = evaluateVendor(evidence, p, d(on), true);
      const unknown = evaluateVendor(evidence, p, d(on), null);
      const denied = evaluateVendor(evidence, p, d(on), false);
      expect([granted.status, unknown.status, denied.status]).toEqual([status, status, status]);
      expect(codes(granted)).not.toContain('ACCESS_NOT_GRANTED');
      expect(codes(unknown)).not.toContain('ACCESS_NOT_GRANTED');
      expect(codes(denied)).toEqual([...codes(granted), 'ACCESS_NOT_GRANTED']);
      expect(denied.freshness).toEqual(granted.freshness);
      expect(denied.basedOn).toBe(granted.basedOn);
    }
  });
});

describe('evaluateVendor: uncovered days (DESIGN.md: bridge letters never move the age; buyers limit uncovered days)', () => {
  it('by default the same bridged report ages from its period end, and uncovered days are only reported', () => {
    const r = evaluateVendor([bridged], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(r.freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', coveredThrough: '2026-03-31', uncoveredDays: 62 });
    expect(r.status).toBe('COMPLIANT');
  });

  it('past maxUncoveredDays the vendor is NON_COMPLIANT with UNCOVERED_TOO_LONG; a bridge letter brings it back', () => {
    const strict = policy({ maxUncoveredDays: 90 });
    // Without the letter: 2025-12-31 to 2026-06-01 is 152 uncovered days.
    const bare = evaluateVendor([soc2()], strict, d('2026-06-01'));
    expect(bare.status).toBe('NON_COMPLIANT');
    expect(codes(bare)).toEqual(['UNCOVERED_TOO_LONG']);
    expect(bare.reasons[0]!.message).toContain('152 days since 2025-12-31');
    // With the letter through 2026-03-31: 62 days, within the limit; the age is unchanged.
    const withLetter = evaluateVendor([bridged], strict, d('2026-06-01'));
    expect(withLetter.status).toBe('COMPLIANT');
    expect(withLetter.freshness!.expiresOn).toBe('2026-12-31');
    // The limit is inclusive: exactly 90 days is accepted, 91 is not.
    expect(evaluateVendor([soc2()], strict, d('2026-03-31')).status).toBe('COMPLIANT');
    expect(codes(evaluateVendor([soc2()], strict, d('2026-04-01')))).toEqual(['UNCOVERED_TOO_LONG']);
  });

  it('certificates cover their validity: no uncovered-days limit applies to them', () => {
    const cert = iso({ id: 'iso', issueDate: d('2025-03-01'), certificateValidFrom: d('2025-03-01'), certificateValidUntil: d('2028-02-28') });
    expect(evaluateVendor([cert], policy({ maxUncoveredDays: 0 }), d('2026-06-01')).status).toBe('COMPLIANT');
  });

  it('maxUncoveredDays is 0 to 3650 or null', () => {
    expect(validateRequirementPolicy(policy({ maxUncoveredDays: -1 }))).toEqual(['maxUncoveredDays is 0 to 3650, or null for no limit']);
    expect(validateRequirementPolicy(policy({ maxUncoveredDays: 1.5 }))).toHaveLength(1);
    expect(validateRequirementPolicy(policy({ maxUncoveredDays: 0 }))).toEqual([]);
  });
});

describe('evaluateVendor: bridge letters', () => {
  // These cases are about the opt-in: bridge letters moving the age anchor (off by default, per DESIGN.md).
  const counting = policy({ bridgeLettersCount: true });
  it('with bridgeLettersCount (PERIOD_END) age runs from the last covered day', () => {
    const r = evaluateVendor([bridged], counting, d('2026-06-01'));
    expect(r.status).toBe('COMPLIANT');
    expect(r.freshness).toMatchObject({ anchorDate: '2026-03-31', expiresOn: '2027-03-31', coveredThrough: '2026-03-31', uncoveredDays: 62 });
    // Fresh after the unbridged report would have gone stale...
    expect(evaluateVendor([bridged], counting, d('2027-01-15')).status).toBe('COMPLIANT');
    expect(evaluateVendor([bridged], counting, d('2027-02-15')).status).toBe('EXPIRING_SOON');
    expect(evaluateVendor([bridged], counting, d('2027-03-31')).status).toBe('EXPIRING_SOON');
  });

  it('BRIDGE_LETTER_EXPIRED when the letters extended the anchor and that too is past', () => {
    const r = evaluateVendor([bridged], counting, d('2027-04-01'));
    expect(r.status).toBe('NON_COMPLIANT');
    expect(codes(r)).toEqual(['BRIDGE_LETTER_EXPIRED']);
    expect(r.reasons[0]!.message).toContain('2026-03-31');
    expect(r.freshness).toMatchObject({ state: 'STALE', expiresOn: '2027-03-31', coveredThrough: '2026-03-31' });
  });

  it('bridgeLettersCount false on the same report: the anchor stays at the period end, and a stale report is STALE_REPORT', () => {
    const off = policy({ bridgeLettersCount: false });
    const fresh = evaluateVendor([bridged], off, d('2026-06-01'));
    expect(fresh.freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31' });
    // Coverage is still reported as a fact of the letters.
    expect(fresh.freshness!.coveredThrough).toBe('2026-03-31');
    expect(evaluateVendor([bridged], off, d('2026-12-31')).status).toBe('EXPIRING_SOON');

    // Stale under this policy while the letters would have kept it fresh: the letters extended nothing, so this is a
    // stale report, not an expired bridge letter.
    const janStale = evaluateVendor([bridged], off, d('2027-01-01'));
    expect(janStale.status).toBe('NON_COMPLIANT');
    expect(codes(janStale)).toEqual(['STALE_REPORT']);
    // Same when even the letter's coverage is far behind.
    const aprStale = evaluateVendor([bridged], off, d('2027-04-01'));
    expect(aprStale.status).toBe('NON_COMPLIANT');
    expect(codes(aprStale)).toEqual(['STALE_REPORT']);
  });

  it('ISSUE_DATE anchor: age runs from the issue date and bridge letters never move it', () => {
    const byIssue = policy({ ageAnchor: 'ISSUE_DATE' });
    const plain = evaluateVendor([soc2()], byIssue, d('2027-01-01'));
    expect(plain.status).toBe('EXPIRING_SOON'); // would be stale by period end
    expect(plain.freshness).toMatchObject({ anchorDate: '2026-02-15', expiresOn: '2027-02-15', daysUntilStale: 45 });
    expect(codes(evaluateVendor([soc2()], byIssue, d('2027-02-16')))).toEqual(['STALE_REPORT']);

    // With letters and bridgeLettersCount true, ISSUE_DATE still anchors on the issue date.
    const withLetters = evaluateVendor([bridged], byIssue, d('2027-01-01'));
    expect(withLetters.freshness).toMatchObject({ anchorDate: '2026-02-15', expiresOn: '2027-02-15' });
    const stale = evaluateVendor([bridged], byIssue, d('2027-02-16'));
    expect(stale.status).toBe('NON_COMPLIANT');
    // The letters did not extend the anchor: the reason is a stale report.
    expect(codes(stale)).toEqual(['STALE_REPORT']);
  });

  it('a letter issued after the evaluation date does not count yet', () => {
    // The letter is signed 2026-04-10: on 2026-04-05 the report is still anchored at its period end.
    const before = buyerFreshness(bridged, counting, d('2026-04-05'));
    expect(before).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', coveredThrough: '2025-12-31' });
    const after = buyerFreshness(bridged, counting, d('2026-04-10'));
    expect(after).toMatchObject({ anchorDate: '2026-03-31', expiresOn: '2027-03-31', coveredThrough: '2026-03-31' });
  });

  it('a letter that leaves a gap extends nothing: stale on the period-end schedule with STALE_REPORT', () => {
    const gap = soc2({ bridgeLetters: [letter('2026-01-05', '2026-03-31', '2026-04-10')] });
    const f = buyerFreshness(gap, counting, d('2026-06-01'));
    expect(f).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', coveredThrough: '2025-12-31' });
    expect(codes(evaluateVendor([gap], counting, d('2027-01-01')))).toEqual(['STALE_REPORT']);
  });

  it('chained letters extend to the end of the chain', () => {
    const chained = soc2({ bridgeLetters: [letter('2026-02-01', '2026-03-31', '2026-04-05'), letter('2026-01-01', '2026-01-31', '2026-02-05')] });
    expect(buyerFreshness(chained, counting, d('2026-06-01'))).toMatchObject({ anchorDate: '2026-03-31', expiresOn: '2027-03-31' });
  });

  it('a Type I report anchors on its as-of date and is bridged the same way', () => {
    const any = policy({ accepted: [{ framework: 'SOC2', socType: null }], bridgeLettersCount: true });
    const t1 = typeI({ bridgeLetters: [letter('2026-01-01', '2026-02-28', '2026-03-05')] });
    expect(buyerFreshness(typeI(), any, d('2026-06-01'))).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31' });
    expect(buyerFreshness(t1, any, d('2026-06-01'))).toMatchObject({ anchorDate: '2026-02-28', expiresOn: '2027-02-28', coveredThrough: '2026-02-28' });
    expect(codes(evaluateVendor([t1], any, d('2027-03-01')))).toEqual(['BRIDGE_LETTER_EXPIRED']);
  });
});

describe('evaluateVendor: accepted evidence', () => {
  it('SOC 2 Type II or ISO 27001 (any one satisfies the default)', () => {
    expect(evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01')).status).toBe('COMPLIANT');
    const isoOnly = evaluateVendor([iso()], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(isoOnly.status).toBe('COMPLIANT');
    expect(isoOnly.basedOn!.id).toBe('iso-27001');
  });

  it('a SOC 2 Type I does not satisfy a Type II requirement', () => {
    const r = evaluateVendor([typeI()], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(r.status).toBe('NON_COMPLIANT');
    expect(codes(r)).toEqual(['MISSING_FRAMEWORK']);
    // ...nor does a Type II satisfy a Type I-only requirement.
    const typeIOnly = policy({ accepted: [{ framework: 'SOC2', socType: 'TYPE_I' }] });
    expect(codes(evaluateVendor([soc2()], typeIOnly, d('2026-06-01')))).toEqual(['MISSING_FRAMEWORK']);
    expect(evaluateVendor([typeI()], typeIOnly, d('2026-06-01')).status).toBe('COMPLIANT');
  });

  it('socType null accepts any type', () => {
    const any = policy({ accepted: [{ framework: 'SOC2', socType: null }] });
    expect(evaluateVendor([typeI()], any, d('2026-06-01')).status).toBe('COMPLIANT');
    expect(evaluateVendor([soc2()], any, d('2026-06-01')).status).toBe('COMPLIANT');
    // Still the framework must match.
    expect(codes(evaluateVendor([soc2({ framework: 'SOC1' })], any, d('2026-06-01')))).toEqual(['MISSING_FRAMEWORK']);
    expect(codes(evaluateVendor([iso()], any, d('2026-06-01')))).toEqual(['MISSING_FRAMEWORK']);
  });

  it('unacceptable evidence never decides, even when it is fresher', () => {
    const oldSoc2 = soc2Year(2024);
    const freshSoc1 = soc2({ id: 'soc1', framework: 'SOC1' });
    const r = evaluateVendor([freshSoc1, oldSoc2], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(r.basedOn!.id).toBe('soc2-2024');
    expect(codes(r)).toEqual(['STALE_REPORT']);
  });
});

describe('evaluateVendor: which evidence decides', () => {
  it('the freshest evidence (latest expiry) wins, in any input order', () => {
    const older = soc2Year(2024);
    const newer = soc2Year(2025, { opinion: 'QUALIFIED' });
    for (const list of [[older, newer], [newer, older]]) {
      const r = evaluateVendor(list, DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
      expect(r.basedOn!.id).toBe('soc2-2025');
      expect(r.status).toBe('NEEDS_REVIEW');
    }
  });

  it('latest expiry, not latest issue: a 3-year certificate outranks a newer SOC 2', () => {
    const cert = iso({ opinion: null });
    const r = evaluateVendor([soc2Year(2025, { opinion: 'ADVERSE' }), cert], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'));
    expect(r.basedOn!.id).toBe('iso-27001');
    expect(r.status).toBe('COMPLIANT');
  });

  it('bridge letters can make an older report the freshest', () => {
    // 2025-period report bridged through 2026-03-31 vs a Type II with period ending 2026-02-28 (expires 2027-02-28).
    const other = soc2({ id: 'soc2-feb', periodStart: d('2025-03-01'), periodEnd: d('2026-02-28'), issueDate: d('2026-04-01') });
    expect(evaluateVendor([other, bridged], policy({ bridgeLettersCount: true }), d('2026-06-01')).basedOn!.id).toBe('soc2-bridged');
    expect(evaluateVendor([other, bridged], policy({ bridgeLettersCount: false }), d('2026-06-01')).basedOn!.id).toBe('soc2-feb');
  });

  it('ties on expiry go to the latest issue date', () => {
    const a = soc2({ id: 'a', issueDate: d('2026-02-01'), opinion: 'QUALIFIED' });
    const b = soc2({ id: 'b', issueDate: d('2026-03-01') });
    for (const list of [[a, b], [b, a]]) {
      expect(evaluateVendor(list, DEFAULT_REQUIREMENT_POLICY, d('2026-06-01')).basedOn!.id).toBe('b');
    }
  });

  it('evidence issued after the evaluation date is ignored', () => {
    // Issued 2026-02-15: the day before, it does not exist yet.
    const before = evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-02-14'));
    expect(before.status).toBe('NON_COMPLIANT');
    expect(codes(before)).toEqual(['MISSING_FRAMEWORK']);
    expect(before.basedOn).toBeNull();
    expect(evaluateVendor([soc2()], DEFAULT_REQUIREMENT_POLICY, d('2026-02-15')).status).toBe('COMPLIANT');

    // With an older report also present, the older one decides until the newer is issued.
    const list = [soc2Year(2024), soc2Year(2025)];
    const jan = evaluateVendor(list, DEFAULT_REQUIREMENT_POLICY, d('2026-01-15'));
    expect(jan.basedOn!.id).toBe('soc2-2024');
    expect(codes(jan)).toEqual(['STALE_REPORT']);
    const feb = evaluateVendor(list, DEFAULT_REQUIREMENT_POLICY, d('2026-02-15'));
    expect(feb.basedOn!.id).toBe('soc2-2025');
    expect(feb.status).toBe('COMPLIANT');
  });
});

describe('certificates', () => {
  it('expire on certificateValidUntil, whatever maxAgeMonths, anchor or bridge letter settings', () => {
    for (const p of [DEFAULT_REQUIREMENT_POLICY, policy({ maxAgeMonths: 1 }), policy({ ageAnchor: 'ISSUE_DATE' }), policy({ bridgeLettersCount: false })]) {
      const f = buyerFreshness(iso(), p, d('2026-06-01'));
      expect(f).toMatchObject({ state: 'CURRENT', anchorDate: '2025-03-01', expiresOn: '2028-02-28' });
      expect(evaluateVendor([iso()], p, d('2026-06-01')).status).toBe('COMPLIANT');
    }
    expect(evaluateVendor([iso()], DEFAULT_REQUIREMENT_POLICY, d('2027-12-30')).status).toBe('EXPIRING_SOON');
    expect(evaluateVendor([iso()], DEFAULT_REQUIREMENT_POLICY, d('2028-02-28')).status).toBe('EXPIRING_SOON');
    const stale = evaluateVendor([iso()], DEFAULT_REQUIREMENT_POLICY, d('2028-02-29'));
    expect(stale.status).toBe('NON_COMPLIANT');
    expect(codes(stale)).toEqual(['STALE_REPORT']);
  });
});

describe('properties', () => {
  const FROM = toDayNumber(d('2020-01-01'));
  const dayArb = (min: number, max: number) => fc.integer({ min, max }).map((n) => fromDayNumber(n));

  /** One piece of evidence issued on or before `latestIssue`, with letters signed by then too. */
  const evidenceArb = (latestIssue: number): fc.Arbitrary<EvidenceFacts> =>
    fc.oneof(
      fc.record({
        end: fc.integer({ min: FROM, max: latestIssue - 1 }),
        lag: fc.integer({ min: 0, max: 120 }),
        opinion: fc.constantFrom<Opinion>('UNQUALIFIED', 'QUALIFIED', 'ADVERSE', 'DISCLAIMER'),
        exceptions: fc.integer({ min: 0, max: 3 }),
        typeI: fc.boolean(),
        letters: fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 3 }),
        id: fc.uuid(),
      }).map((x): EvidenceFacts => {
        const end = fromDayNumber(x.end);
        const issue = fromDayNumber(Math.min(x.end + x.lag, latestIssue));
        const bridgeLetters: BridgeLetterFacts[] = [];
        let covered = end;
        for (const len of x.letters) {
          const from = addDays(covered, 1);
          const through = addDays(covered, len);
          // Letters signed after their coverage, but never after latestIssue.
          const signed = fromDayNumber(Math.min(toDayNumber(through) + 1, latestIssue));
          if (toDayNumber(signed) <= toDayNumber(end)) break;
          bridgeLetters.push({ coversFrom: from, coversThrough: through, issuedOn: signed });
          covered = through;
        }
        return soc2({
          id: x.id,
          socType: x.typeI ? 'TYPE_I' : 'TYPE_II',
          periodStart: x.typeI ? null : addMonths(end, -12),
          periodEnd: x.typeI ? null : end,
          asOf: x.typeI ? end : null,
          issueDate: issue,
          opinion: x.opinion,
          exceptionCount: x.exceptions,
          bridgeLetters,
        });
      }),
      fc.record({ issue: fc.integer({ min: FROM, max: latestIssue }), years: fc.integer({ min: 1, max: 3 }), id: fc.uuid() }).map(
        (x): EvidenceFacts => iso({ id: x.id, issueDate: fromDayNumber(x.issue), certificateValidFrom: fromDayNumber(x.issue), certificateValidUntil: addDays(addMonths(fromDayNumber(x.issue), 12 * x.years), -1) }),
      ),
      fc.record({ end: fc.integer({ min: FROM, max: latestIssue - 1 }), id: fc.uuid() }).map(
        (x): EvidenceFacts => soc2({ id: x.id, framework: 'SOC1' as Framework, periodEnd: fromDayNumber(x.end), periodStart: addMonths(fromDayNumber(x.end), -6), issueDate: fromDayNumber(x.end + 1) }),
      ),
    );

  const policyArb: fc.Arbitrary<RequirementPolicy> = fc.record({
    accepted: fc.constantFrom<RequirementPolicy['accepted']>(
      DEFAULT_REQUIREMENT_POLICY.accepted,
      [{ framework: 'SOC2', socType: null }],
      [{ framework: 'SOC2', socType: 'TYPE_I' }],
      [{ framework: 'ISO27001', socType: null }],
      [{ framework: 'SOC1', socType: null }, { framework: 'SOC2', socType: null }],
    ),
    maxAgeMonths: fc.integer({ min: 1, max: 36 }),
    expiringSoonDays: fc.integer({ min: 0, max: 365 }),
    ageAnchor: fc.constantFrom('PERIOD_END' as const, 'ISSUE_DATE' as const),
    bridgeLettersCount: fc.boolean(),
    maxUncoveredDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    qualifiedOpinionNeedsReview: fc.boolean(),
    exceptionsNeedReview: fc.boolean(),
    acceptTypeIInProgressDays: fc.option(fc.integer({ min: 0, max: 365 }), { nil: null }),
  });

  /** A fixed evidence set, all of it (letters too) issued by the first evaluation date, and two ordered dates. */
  const scenarioArb = fc.integer({ min: FROM + 30, max: FROM + 6 * 365 }).chain((latestIssue) =>
    fc.record({
      evidence: fc.array(evidenceArb(latestIssue), { minLength: 1, maxLength: 4 }),
      policy: policyArb,
      first: fc.integer({ min: latestIssue, max: latestIssue + 5 * 365 }),
      step: fc.integer({ min: 0, max: 5 * 365 }),
      access: fc.constantFrom<boolean | null>(null, true, false),
    }),
  );

  const SEVERITY: Record<VendorStatus, number> = { COMPLIANT: 0, EXPIRING_SOON: 1, NEEDS_REVIEW: 2, NON_COMPLIANT: 3, UNKNOWN: 4 };
  const STATE: Record<FreshnessState, number> = { NONE: -1, CURRENT: 0, EXPIRING_SOON: 1, STALE: 2 };

  it('status severity never improves as the evaluation date moves forward (CURRENT -> EXPIRING_SOON -> STALE)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ evidence, policy: p, first, step, access }) => {
        const on1 = fromDayNumber(first);
        const on2 = fromDayNumber(first + step);
        const a = evaluateVendor(evidence, p, on1, access);
        const b = evaluateVendor(evidence, p, on2, access);
        expect(SEVERITY[b.status]).toBeGreaterThanOrEqual(SEVERITY[a.status]);
        if (a.freshness && b.freshness) {
          expect(STATE[b.freshness.state]).toBeGreaterThanOrEqual(STATE[a.freshness.state]);
          // The same evidence decides: nothing new appeared.
          expect(b.basedOn!.id).toBe(a.basedOn!.id);
        } else {
          expect(a.basedOn === null).toBe(b.basedOn === null);
        }
        // Once stale, always stale.
        if (a.reasons.some((r) => r.code === 'STALE_REPORT' || r.code === 'BRIDGE_LETTER_EXPIRED')) expect(b.status).toBe('NON_COMPLIANT');
      }),
      { numRuns: 500 },
    );
  });

  it('access never changes the status, and the same inputs always give the same answer', () => {
    fc.assert(
      fc.property(scenarioArb, ({ evidence, policy: p, first }) => {
        const on = fromDayNumber(first);
        const statuses = [null, true, false].map((access) => evaluateVendor(evidence, p, on, access).status);
        expect(new Set(statuses).size).toBe(1);
        expect(evaluateVendor(evidence, p, on)).toEqual(evaluateVendor(evidence, p, on));
      }),
      { numRuns: 300 },
    );
  });

  it('COMPLIANT needs a fresh, accepted report outside the window; stale reasons only come with a STALE freshness', () => {
    fc.assert(
      fc.property(scenarioArb, dayArb(FROM, FROM + 12 * 365), ({ evidence, policy: p }, on) => {
        const r = evaluateVendor(evidence, p, on);
        if (r.status === 'COMPLIANT') expect(r.freshness!.state).toBe('CURRENT');
        const staleReason = r.reasons.some((x) => x.code === 'STALE_REPORT' || x.code === 'BRIDGE_LETTER_EXPIRED');
        expect(staleReason).toBe(r.freshness?.state === 'STALE');
        if (r.reasons.some((x) => x.code === 'EXPIRING_SOON')) expect(r.freshness!.state).toBe('EXPIRING_SOON');
        if (r.basedOn) expect(p.accepted.some((a) => a.framework === r.basedOn!.framework && (a.socType === null || a.socType === r.basedOn!.socType))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('BRIDGE_LETTER_EXPIRED only when bridge letters count and the anchor is the period end', () => {
    fc.assert(
      fc.property(scenarioArb, ({ evidence, policy: p, first, step }) => {
        const r = evaluateVendor(evidence, p, fromDayNumber(first + step));
        if (r.reasons.some((x) => x.code === 'BRIDGE_LETTER_EXPIRED')) {
          expect(p.bridgeLettersCount).toBe(true);
          expect(p.ageAnchor).toBe('PERIOD_END');
          expect(r.freshness!.anchorDate).toBe(r.freshness!.coveredThrough);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('the whole calendar (issue #11: a watched vendor with a report dated late 9999 was a 500)', () => {
  it('a report whose age runs past 9999-12-31 is fresh through the last day of the calendar', () => {
    const far = soc2({ periodStart: d('9999-01-01'), periodEnd: d('9999-12-31'), issueDate: d('9999-12-31') });
    expect(evaluateVendor([far], DEFAULT_REQUIREMENT_POLICY, d('9999-12-31'))).toMatchObject({
      status: 'EXPIRING_SOON', reasons: [{ code: 'EXPIRING_SOON' }], freshness: { expiresOn: '9999-12-31', daysUntilStale: 0 },
    });
    // Bridge letters counting move the anchor to the last covered day; that expiry leaves the calendar too.
    const letters = soc2({ periodStart: d('9998-10-01'), periodEnd: d('9999-09-30'), issueDate: d('9999-10-15'), bridgeLetters: [letter('9999-10-01', '9999-12-31', '9999-10-20')] });
    const f = buyerFreshness(letters, policy({ bridgeLettersCount: true, maxAgeMonths: 60 }), d('9999-11-01'));
    expect(f).toMatchObject({ state: 'EXPIRING_SOON', anchorDate: '9999-12-31', expiresOn: '9999-12-31', coveredThrough: '9999-12-31' });
  });

  const wholePolicyArb: fc.Arbitrary<RequirementPolicy> = fc.record({
    accepted: fc.constantFrom<RequirementPolicy['accepted']>(DEFAULT_REQUIREMENT_POLICY.accepted, [{ framework: 'SOC2', socType: null }]),
    maxAgeMonths: fc.integer({ min: 1, max: 60 }),
    expiringSoonDays: fc.integer({ min: 0, max: 365 }),
    ageAnchor: fc.constantFrom('PERIOD_END' as const, 'ISSUE_DATE' as const),
    bridgeLettersCount: fc.boolean(),
    maxUncoveredDays: fc.option(fc.integer({ min: 0, max: 3650 }), { nil: null }),
    qualifiedOpinionNeedsReview: fc.boolean(),
    exceptionsNeedReview: fc.boolean(),
    acceptTypeIInProgressDays: fc.option(fc.integer({ min: 0, max: 365 }), { nil: null }),
  });

  const wholeEvidenceArb: fc.Arbitrary<EvidenceFacts> = fc.oneof(
    fc.record({ end: anyDayArb, length: fc.integer({ min: 1, max: 400 }), lag: fc.integer({ min: 0, max: 200 }), typeI: fc.boolean(), letters: fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 3 }), id: fc.uuid() })
      .map((x): EvidenceFacts => {
        const bridgeLetters: BridgeLetterFacts[] = [];
        let covered = x.end;
        for (const len of x.letters) {
          const from = dateWithin(covered, 1);
          const through = dateWithin(covered, 1 + len);
          bridgeLetters.push({ coversFrom: from, coversThrough: through, issuedOn: dateWithin(toDayNumber(through), 1) });
          covered = toDayNumber(through);
        }
        const end = fromDayNumber(x.end);
        return soc2({
          id: x.id, socType: x.typeI ? 'TYPE_I' : 'TYPE_II', periodStart: x.typeI ? null : dateWithin(x.end, -x.length), periodEnd: x.typeI ? null : end,
          asOf: x.typeI ? end : null, issueDate: dateWithin(x.end, x.lag), bridgeLetters,
        });
      }),
    fc.record({ issue: anyDayArb, validity: fc.integer({ min: 1, max: 4 * 366 }), id: fc.uuid() })
      .map((x): EvidenceFacts => iso({ id: x.id, issueDate: fromDayNumber(x.issue), certificateValidFrom: fromDayNumber(x.issue), certificateValidUntil: dateWithin(x.issue, x.validity) })),
  );

  it('evaluateVendor never throws, and status severity never improves as the date moves forward', () => {
    const SEVERITY: Record<VendorStatus, number> = { COMPLIANT: 0, EXPIRING_SOON: 1, NEEDS_REVIEW: 2, NON_COMPLIANT: 3, UNKNOWN: 4 };
    fc.assert(
      fc.property(fc.array(wholeEvidenceArb, { minLength: 1, maxLength: 4 }), wholePolicyArb, anyDayArb, fc.integer({ min: 0, max: 5 * 366 }), (evidence, p, day, step) => {
        // From the day the last piece of evidence (and its letters) appeared, so the same evidence decides both days.
        const latest = Math.max(day, ...evidence.flatMap((e) => [toDayNumber(e.issueDate), ...(e.bridgeLetters ?? []).map((l) => toDayNumber(l.issuedOn))]));
        const a = evaluateVendor(evidence, p, fromDayNumber(latest));
        const b = evaluateVendor(evidence, p, dateWithin(latest, step));
        for (const r of [a, b]) {
          if (r.freshness) {
            expect(compareDates(r.freshness.expiresOn!, MAX_DATE)).toBeLessThanOrEqual(0);
            expect(r.freshness.daysUntilStale).toBe(toDayNumber(r.freshness.expiresOn!) - toDayNumber(r.freshness.evaluatedOn));
          }
        }
        expect(SEVERITY[b.status]).toBeGreaterThanOrEqual(SEVERITY[a.status]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('reviews (issue 14, item 2): a review applies to the report it names, from the day it was made', () => {
  const qualified = soc2({ opinion: 'QUALIFIED', exceptionCount: 2 });
  const strict = policy({ exceptionsNeedReview: true });
  const on = d('2026-06-01');
  const review = (decision: ReviewDecision, overrides: Partial<ReviewFacts> = {}): ReviewFacts => ({
    id: `review-${decision}`, attestationId: qualified.id, decision, note: decision === 'ACCEPTED' ? null : 'Compensating control CC6.1-b in place', reviewer: 'pat@buyer.example', reviewedOn: d('2026-05-20'), ...overrides,
  });

  it('unreviewed: NEEDS_REVIEW, needsReview true, no review', () => {
    const r = evaluateVendor([qualified], strict, on);
    expect(r).toMatchObject({ status: 'NEEDS_REVIEW', needsReview: true, review: null });
    expect(codes(r)).toEqual(['QUALIFIED_OPINION', 'EXCEPTIONS']);
  });

  it('ACCEPTED: COMPLIANT; what needed review stays listed, then REVIEW_ACCEPTED naming the reviewer and the day', () => {
    const r = evaluateVendor([qualified], strict, on, null, { reviews: [review('ACCEPTED')] });
    expect(r.status).toBe('COMPLIANT');
    expect(r.needsReview).toBe(true);
    expect(r.review!.id).toBe('review-ACCEPTED');
    expect(codes(r)).toEqual(['QUALIFIED_OPINION', 'EXCEPTIONS', 'REVIEW_ACCEPTED']);
    expect(r.reasons[2]!.message).toBe('Reviewed by pat@buyer.example on 2026-05-20: accepted.');
  });

  it('ACCEPTED_WITH_CONDITIONS: COMPLIANT, with an informational reason carrying the conditions', () => {
    const r = evaluateVendor([qualified], strict, on, null, { reviews: [review('ACCEPTED_WITH_CONDITIONS')] });
    expect(r.status).toBe('COMPLIANT');
    expect(r.reasons.at(-1)).toEqual({ code: 'REVIEW_ACCEPTED_WITH_CONDITIONS', message: 'Reviewed by pat@buyer.example on 2026-05-20: accepted with conditions: Compensating control CC6.1-b in place' });
  });

  it('REJECTED: NON_COMPLIANT with REVIEW_REJECTED, even for a clean report', () => {
    const r = evaluateVendor([qualified], strict, on, null, { reviews: [review('REJECTED')] });
    expect(r.status).toBe('NON_COMPLIANT');
    expect(codes(r)).toEqual(['QUALIFIED_OPINION', 'EXCEPTIONS', 'REVIEW_REJECTED']);
    const clean = evaluateVendor([soc2()], strict, on, null, { reviews: [review('REJECTED', { attestationId: 'soc2-2025' })] });
    expect(clean).toMatchObject({ status: 'NON_COMPLIANT', needsReview: false });
    expect(codes(clean)).toEqual(['REVIEW_REJECTED']);
  });

  it('an accepted review settles review only: expiring soon stays EXPIRING_SOON, stale stays NON_COMPLIANT, adverse stays NON_COMPLIANT', () => {
    const accepted = { reviews: [review('ACCEPTED')] };
    expect(evaluateVendor([qualified], strict, d('2026-11-15'), null, accepted).status).toBe('EXPIRING_SOON');
    expect(evaluateVendor([qualified], strict, d('2027-01-01'), null, accepted).status).toBe('NON_COMPLIANT');
    const adverse = soc2({ opinion: 'ADVERSE' });
    expect(evaluateVendor([adverse], strict, on, null, { reviews: [review('ACCEPTED', { attestationId: adverse.id })] }).status).toBe('NON_COMPLIANT');
  });

  it('the first review of the basis report (newest first) applies; older ones are history', () => {
    const r = evaluateVendor([qualified], strict, on, null, { reviews: [review('ACCEPTED', { id: 'newer' }), review('REJECTED', { id: 'older', reviewedOn: d('2026-05-01') })] });
    expect(r).toMatchObject({ status: 'COMPLIANT', review: { id: 'newer' } });
  });

  it('a review made after the evaluation date does not apply yet: evaluating at an earlier date is unchanged', () => {
    const later = { reviews: [review('ACCEPTED', { reviewedOn: d('2026-06-02') })] };
    expect(evaluateVendor([qualified], strict, on, null, later)).toMatchObject({ status: 'NEEDS_REVIEW', review: null });
    expect(evaluateVendor([qualified], strict, d('2026-06-02'), null, later).status).toBe('COMPLIANT');
  });

  it('a newer report from the vendor reopens it: the review names the older report, which no longer decides', () => {
    const next = soc2Year(2026, { opinion: 'QUALIFIED' });
    const r = evaluateVendor([qualified, next], strict, d('2027-03-01'), null, { reviews: [review('ACCEPTED')] });
    expect(r).toMatchObject({ status: 'NEEDS_REVIEW', review: null, basedOn: { id: 'soc2-2026' } });
    // At a date before the newer report was issued, the old report and its review still decide.
    expect(evaluateVendor([qualified, next], strict, d('2026-06-01'), null, { reviews: [review('ACCEPTED')] }).status).toBe('COMPLIANT');
  });

  it('property: an accepted review gives the status of a policy that sends nothing to review; a rejection is always NON_COMPLIANT', () => {
    const lenient = (p: RequirementPolicy): RequirementPolicy => ({ ...p, qualifiedOpinionNeedsReview: false, exceptionsNeedReview: false });
    fc.assert(
      fc.property(
        fc.constantFrom<EvidenceFacts['opinion']>('UNQUALIFIED', 'QUALIFIED', 'ADVERSE', 'DISCLAIMER', null),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom<ReviewDecision>('ACCEPTED', 'ACCEPTED_WITH_CONDITIONS', 'REJECTED'),
        (opinion, exceptionCount, q, x, offset, decision) => {
          const report = soc2({ opinion, exceptionCount });
          const p = policy({ qualifiedOpinionNeedsReview: q, exceptionsNeedReview: x });
          const at = addDays(d('2026-02-15'), offset);
          const r = evaluateVendor([report], p, at, null, { reviews: [review(decision, { attestationId: report.id, reviewedOn: d('2026-02-15') })] });
          if (decision === 'REJECTED') expect(r.status).toBe('NON_COMPLIANT');
          else expect(r.status).toBe(evaluateVendor([report], lenient(p), at).status);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a SOC 2 Type I plus a Type II in progress (issue 14, item 3)', () => {
  // The Type I as of 2025-12-31 is fresh through 2026-12-31 (12 months); the Type II is expected 2026-09-30.
  const typeIReport = typeI();
  const pending: InProgressReport = { id: 'ip-1', framework: 'SOC2', socType: 'TYPE_II', expectedReportDate: d('2026-09-30'), since: d('2026-01-15') };
  const withDays = (days: number | null, overrides: Partial<RequirementPolicy> = {}) => policy({ acceptTypeIInProgressDays: days, ...overrides });
  const ctx = { inProgress: [pending] };

  it('COMPLIANT with TYPE_II_IN_PROGRESS naming the expected date; basedOn and freshness are the Type I', () => {
    const r = evaluateVendor([typeIReport], withDays(30), d('2026-06-01'), null, ctx);
    expect(r.status).toBe('COMPLIANT');
    expect(r.reasons).toEqual([{
      code: 'TYPE_II_IN_PROGRESS',
      message: 'The SOC 2 Type II is in progress (report expected 2026-09-30); your policy accepts the SOC 2 Type I as of 2025-12-31 until 2026-10-30.',
    }]);
    expect(r.basedOn!.id).toBe('soc2-type1');
    expect(r.freshness).toMatchObject({ anchorDate: '2025-12-31', expiresOn: '2026-12-31', state: 'CURRENT' });
    expect(r.typeIIInProgress).toEqual(pending);
  });

  it('through expectedReportDate + N days inclusive; the day after, as before (NON_COMPLIANT, MISSING_FRAMEWORK)', () => {
    expect(evaluateVendor([typeIReport], withDays(30), d('2026-10-30'), null, ctx).status).toBe('COMPLIANT');
    const after = evaluateVendor([typeIReport], withDays(30), d('2026-10-31'), null, ctx);
    expect(after).toEqual(evaluateVendor([typeIReport], withDays(null), d('2026-10-31'), null, ctx));
    expect(after).toMatchObject({ status: 'NON_COMPLIANT', basedOn: null, typeIIInProgress: null });
    expect(codes(after)).toEqual(['MISSING_FRAMEWORK']);
    // N = 0: through the expected date itself.
    expect(evaluateVendor([typeIReport], withDays(0), d('2026-09-30'), null, ctx).status).toBe('COMPLIANT');
    expect(evaluateVendor([typeIReport], withDays(0), d('2026-10-01'), null, ctx).status).toBe('NON_COMPLIANT');
  });

  it('off by default (null): the same facts are NON_COMPLIANT', () => {
    expect(evaluateVendor([typeIReport], DEFAULT_REQUIREMENT_POLICY, d('2026-06-01'), null, ctx).status).toBe('NON_COMPLIANT');
  });

  it('the Type I must be fresh: within the window it is EXPIRING_SOON; stale, as before', () => {
    const late = { inProgress: [{ ...pending, expectedReportDate: d('2026-12-15') }] };
    const soon = evaluateVendor([typeIReport], withDays(30), d('2026-11-15'), null, late);
    expect(soon.status).toBe('EXPIRING_SOON');
    expect(codes(soon)).toEqual(['TYPE_II_IN_PROGRESS', 'EXPIRING_SOON']);
    const stale = evaluateVendor([typeIReport], withDays(60), d('2027-01-01'), null, late);
    expect(stale.status).toBe('NON_COMPLIANT');
    expect(codes(stale)).toEqual(['MISSING_FRAMEWORK']);
  });

  it('only a SOC 2 Type II in progress counts, and only from the day the vendor recorded it', () => {
    for (const other of [{ ...pending, socType: 'TYPE_I' as const }, { ...pending, framework: 'ISO27001' as const, socType: null }]) {
      expect(evaluateVendor([typeIReport], withDays(30), d('2026-06-01'), null, { inProgress: [other] }).status).toBe('NON_COMPLIANT');
    }
    // The Type I was issued 2026-01-20; the engagement recorded 2026-02-01.
    const recorded = { inProgress: [{ ...pending, since: d('2026-02-01') }] };
    expect(evaluateVendor([typeIReport], withDays(30), d('2026-01-31'), null, recorded).status).toBe('NON_COMPLIANT');
    expect(evaluateVendor([typeIReport], withDays(30), d('2026-02-01'), null, recorded).status).toBe('COMPLIANT');
  });

  it('only when the policy requires SOC 2 Type II; a fresh acceptable report decides as before', () => {
    expect(evaluateVendor([typeIReport], withDays(30, { accepted: [{ framework: 'ISO27001', socType: null }] }), d('2026-06-01'), null, ctx).status).toBe('NON_COMPLIANT');
    const r = evaluateVendor([typeIReport, iso()], withDays(30), d('2026-06-01'), null, ctx);
    expect(r).toMatchObject({ status: 'COMPLIANT', basedOn: { id: 'iso-27001' }, typeIIInProgress: null });
    expect(codes(r)).toEqual([]);
  });

  it('a stale Type II gives way to a fresh Type I while the next Type II is in progress', () => {
    const old = soc2Year(2024);
    const r = evaluateVendor([old, typeIReport], withDays(30), d('2026-06-01'), null, ctx);
    expect(r).toMatchObject({ status: 'COMPLIANT', basedOn: { id: 'soc2-type1' } });
    expect(evaluateVendor([old, typeIReport], withDays(null), d('2026-06-01'), null, ctx)).toMatchObject({ status: 'NON_COMPLIANT', basedOn: { id: 'soc2-2024' } });
  });

  it("the Type I's opinion is checked like any report's, its uncovered days are not (the engagement covers them), and a review of it applies", () => {
    const qualifiedTypeI = typeI({ opinion: 'QUALIFIED' });
    const r = evaluateVendor([qualifiedTypeI], withDays(30, { maxUncoveredDays: 30 }), d('2026-06-01'), null, ctx);
    expect(r.status).toBe('NEEDS_REVIEW');
    expect(codes(r)).toEqual(['TYPE_II_IN_PROGRESS', 'QUALIFIED_OPINION']);
    const reviewed = evaluateVendor([qualifiedTypeI], withDays(30), d('2026-06-01'), null, {
      ...ctx, reviews: [{ id: 'r', attestationId: 'soc2-type1', decision: 'ACCEPTED', note: null, reviewer: null, reviewedOn: d('2026-05-01') }],
    });
    expect(reviewed.status).toBe('COMPLIANT');
    expect(reviewed.reasons.at(-1)).toEqual({ code: 'REVIEW_ACCEPTED', message: 'Reviewed on 2026-05-01: accepted.' });
  });

  it('never counts as fresh evidence: basedOn is never the engagement in progress', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 365 }), fc.integer({ min: -400, max: 800 }), (days, offset) => {
        const at = addDays(d('2026-01-15'), offset);
        const r = evaluateVendor([typeIReport], withDays(days), at, null, ctx);
        expect(r.basedOn === null || r.basedOn.id === 'soc2-type1').toBe(true);
        if (r.status !== 'NON_COMPLIANT') expect(compareDates(at, addDays(pending.expectedReportDate, days))).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it('validateRequirementPolicy: acceptTypeIInProgressDays is 0 to 365 or null', () => {
    expect(validateRequirementPolicy(withDays(0))).toEqual([]);
    expect(validateRequirementPolicy(withDays(365))).toEqual([]);
    expect(validateRequirementPolicy(withDays(-1))).toEqual(['acceptTypeIInProgressDays is 0 to 365, or null to turn it off']);
    expect(validateRequirementPolicy(withDays(366))).toHaveLength(1);
    expect(validateRequirementPolicy(withDays(1.5))).toHaveLength(1);
  });
});
