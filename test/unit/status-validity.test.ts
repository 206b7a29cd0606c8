import fc from 'fast-check';
import type { Opinion } from '../../src/domain/attestation';
import { addDays, addMonths, calendarDate, fromDayNumber, MAX_DATE, toDayNumber, type CalendarDate } from '../../src/domain/calendar-date';
import {
  DEFAULT_REQUIREMENT_POLICY,
  evaluateVendor,
  statusStableThrough,
  type EvaluationContext,
  type EvidenceFacts,
  type InProgressReport,
  type RequirementPolicy,
  type ReviewFacts,
} from '../../src/domain/compliance';
import type { BridgeLetterFacts } from '../../src/domain/freshness';

/**
 * statusStableThrough says how long a stored evaluation may be reused (vendorStatuses' index, issue 16 item 4). It must
 * never be too late: on every day from the evaluation date through the day it returns, evaluateVendor gives the same
 * status, the same report, the same expiry (the urgency order), the same review and the same needsReview. Checked day
 * by day over random portfolios whose reports, bridge letters, engagements and reviews appear before, on and after the
 * evaluation date.
 */
const d = calendarDate;
const FROM = toDayNumber(d('2020-01-01'));

/** Reports around `on` (day number): issued up to two years before it and up to half a year after. */
const evidenceArb = (on: number): fc.Arbitrary<EvidenceFacts> => fc.oneof(
  fc.record({
    end: fc.integer({ min: on - 730, max: on + 120 }),
    lag: fc.integer({ min: 0, max: 200 }),
    opinion: fc.constantFrom<Opinion>('UNQUALIFIED', 'UNQUALIFIED', 'QUALIFIED', 'ADVERSE', 'DISCLAIMER'),
    exceptions: fc.integer({ min: 0, max: 2 }),
    typeI: fc.boolean(),
    framework: fc.constantFrom('SOC2' as const, 'SOC2' as const, 'SOC1' as const),
    // Letters: [gap before it (0 = chains), length, days after its coverage it is signed (may be long after)].
    letters: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 120 }), fc.integer({ min: -30, max: 200 })), { maxLength: 3 }),
    id: fc.uuid(),
  }).map((x): EvidenceFacts => {
    const end = fromDayNumber(x.end);
    const bridgeLetters: BridgeLetterFacts[] = [];
    let covered = end;
    for (const [gap, length, signedAfter] of x.letters) {
      const from = addDays(covered, 1 + (gap === 3 ? 5 : 0));
      const through = addDays(from, length - 1);
      bridgeLetters.push({ coversFrom: from, coversThrough: through, issuedOn: addDays(through, signedAfter) });
      covered = through;
    }
    return {
      id: x.id,
      framework: x.framework,
      socType: x.typeI ? 'TYPE_I' : 'TYPE_II',
      periodStart: x.typeI ? null : addDays(addMonths(end, -12), 1),
      periodEnd: x.typeI ? null : end,
      asOf: x.typeI ? end : null,
      issueDate: fromDayNumber(x.end + x.lag),
      opinion: x.opinion,
      exceptionCount: x.exceptions,
      bridgeLetters,
    };
  }),
  fc.record({ issue: fc.integer({ min: on - 1100, max: on + 180 }), years: fc.integer({ min: 1, max: 3 }), id: fc.uuid() }).map((x): EvidenceFacts => ({
    id: x.id, framework: 'ISO27001', socType: null, opinion: null, exceptionCount: 0, issueDate: fromDayNumber(x.issue),
    certificateValidFrom: fromDayNumber(x.issue), certificateValidUntil: addDays(addMonths(fromDayNumber(x.issue), 12 * x.years), -1),
  })),
);

const policyArb: fc.Arbitrary<RequirementPolicy> = fc.record({
  accepted: fc.constantFrom<RequirementPolicy['accepted']>(
    DEFAULT_REQUIREMENT_POLICY.accepted,
    [{ framework: 'SOC2', socType: 'TYPE_II' }],
    [{ framework: 'SOC2', socType: null }],
    [{ framework: 'ISO27001', socType: null }],
    [{ framework: 'SOC1', socType: null }, { framework: 'SOC2', socType: 'TYPE_II' }],
  ),
  maxAgeMonths: fc.integer({ min: 1, max: 24 }),
  expiringSoonDays: fc.integer({ min: 0, max: 120 }),
  ageAnchor: fc.constantFrom('PERIOD_END' as const, 'ISSUE_DATE' as const),
  bridgeLettersCount: fc.boolean(),
  maxUncoveredDays: fc.option(fc.integer({ min: 0, max: 200 }), { nil: null }),
  qualifiedOpinionNeedsReview: fc.boolean(),
  exceptionsNeedReview: fc.boolean(),
  acceptTypeIInProgressDays: fc.option(fc.integer({ min: 0, max: 90 }), { nil: null }),
});

const inProgressArb = (on: number): fc.Arbitrary<InProgressReport> => fc.record({
  since: fc.integer({ min: on - 400, max: on + 200 }),
  wait: fc.integer({ min: 0, max: 400 }),
  typeII: fc.boolean(),
  id: fc.uuid(),
}).map((x) => ({
  id: x.id, framework: 'SOC2', socType: x.typeII ? 'TYPE_II' : 'TYPE_I', since: fromDayNumber(x.since), expectedReportDate: fromDayNumber(x.since + x.wait),
}));

/** A portfolio entry: evidence, policy, engagements, reviews of some of the reports, and an evaluation date. */
const scenarioArb = fc.integer({ min: FROM + 1200, max: FROM + 8 * 365 }).chain((on) => fc.record({
  evidence: fc.array(evidenceArb(on), { minLength: 0, maxLength: 4 }),
  policy: policyArb,
  inProgress: fc.array(inProgressArb(on), { maxLength: 2 }),
  reviews: fc.array(fc.record({
    pick: fc.nat(),
    decision: fc.constantFrom('ACCEPTED' as const, 'ACCEPTED_WITH_CONDITIONS' as const, 'REJECTED' as const),
    day: fc.integer({ min: on - 300, max: on + 300 }),
    id: fc.uuid(),
  }), { maxLength: 3 }),
  on: fc.constant(on),
  nothingKnown: fc.boolean(),
}));

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const evidence = s.nothingKnown && s.evidence.length === 0 ? null : s.evidence;
  // Newest first, as the repository gives them.
  const reviews: ReviewFacts[] = s.evidence.length === 0 ? [] : s.reviews
    .map((r) => ({ id: r.id, attestationId: s.evidence[r.pick % s.evidence.length]!.id, decision: r.decision, note: 'n', reviewer: null, reviewedOn: fromDayNumber(r.day) }))
    .sort((a, b) => (a.reviewedOn < b.reviewedOn ? 1 : a.reviewedOn > b.reviewedOn ? -1 : 0));
  const context: EvaluationContext = { reviews, inProgress: s.inProgress };
  return { evidence, context, on: fromDayNumber(s.on) };
}

const key = (evidence: readonly EvidenceFacts[] | null, policy: RequirementPolicy, on: CalendarDate, context: EvaluationContext) => {
  const r = evaluateVendor(evidence, policy, on, null, context);
  return { status: r.status, basedOn: r.basedOn?.id ?? null, expiresOn: r.freshness?.expiresOn ?? null, review: r.review?.id ?? null, needsReview: r.needsReview };
};

test('a stored evaluation is the exact one on every day through statusStableThrough', () => {
  let windows = 0;
  let long = 0;
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const { evidence, context, on } = build(s);
      const through = statusStableThrough(evidence, s.policy, on, context);
      expect(through >= on).toBe(true);
      const expected = key(evidence, s.policy, on, context);
      const last = Math.min(toDayNumber(through), toDayNumber(on) + 1000);
      for (let n = toDayNumber(on) + 1; n <= last; n++) {
        const day = fromDayNumber(n);
        const actual = key(evidence, s.policy, day, context);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          throw new Error(`stable through ${through} from ${on}, but on ${day}: ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`);
        }
      }
      windows += 1;
      if (toDayNumber(through) - toDayNumber(on) >= 30) long += 1;
    }),
    { numRuns: 1500 },
  );
  // Not vacuous: most stored evaluations last a month or more (the index is useful past midnight).
  expect(long / windows).toBeGreaterThan(0.3);
});

test('the window ends exactly where a report goes stale, enters the window, or a newer report is issued', () => {
  const policy = DEFAULT_REQUIREMENT_POLICY;
  const soc2: EvidenceFacts = {
    id: 'a', framework: 'SOC2', socType: 'TYPE_II', periodStart: d('2025-01-01'), periodEnd: d('2025-12-31'), issueDate: d('2026-01-20'),
    opinion: 'UNQUALIFIED', exceptionCount: 0,
  };
  // Expires 2026-12-31; EXPIRING_SOON from 2026-11-01 (60 days before).
  expect(statusStableThrough([soc2], policy, d('2026-06-01'))).toBe('2026-10-31');
  expect(statusStableThrough([soc2], policy, d('2026-11-01'))).toBe('2026-12-31');
  expect(statusStableThrough([soc2], policy, d('2027-01-01'))).toBe(MAX_DATE);
  const next = { ...soc2, id: 'b', periodStart: d('2026-01-01'), periodEnd: d('2026-12-31'), issueDate: d('2027-02-01') };
  expect(statusStableThrough([soc2, next], policy, d('2027-01-01'))).toBe('2027-01-31');
  expect(statusStableThrough(null, policy, d('2027-01-01'))).toBe(MAX_DATE);
});

test('a Type II in progress: the window ends the day before it is recorded, and on the last day of the wait', () => {
  const typeI: EvidenceFacts = {
    id: 'i', framework: 'SOC2', socType: 'TYPE_I', asOf: d('2026-03-31'), issueDate: d('2026-04-20'), opinion: 'UNQUALIFIED', exceptionCount: 0,
  };
  const policy = { ...DEFAULT_REQUIREMENT_POLICY, accepted: [{ framework: 'SOC2' as const, socType: 'TYPE_II' as const }], acceptTypeIInProgressDays: 30 };
  const inProgress: InProgressReport[] = [{ id: 'p', framework: 'SOC2', socType: 'TYPE_II', since: d('2026-06-11'), expectedReportDate: d('2026-09-30') }];
  expect(evaluateVendor([typeI], policy, d('2026-06-10'), null, { inProgress }).status).toBe('NON_COMPLIANT');
  expect(statusStableThrough([typeI], policy, d('2026-06-01'), { inProgress })).toBe('2026-06-10');
  expect(evaluateVendor([typeI], policy, d('2026-06-11'), null, { inProgress }).status).toBe('COMPLIANT');
  // Compliant through the expected date + 30 days, 2026-10-30.
  expect(statusStableThrough([typeI], policy, d('2026-06-11'), { inProgress })).toBe('2026-10-30');
  expect(evaluateVendor([typeI], policy, d('2026-10-31'), null, { inProgress }).status).toBe('NON_COMPLIANT');
});
