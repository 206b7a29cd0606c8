import fc from 'fast-check';
import {
  addDays,
  addMonths,
  calendarDate,
  type CalendarDate,
  compareDates,
  daysBetween,
  fromDayNumber,
  MAX_DATE,
  maxDate,
  toDayNumber,
} from '../../src/domain/calendar-date';
import {
  type AttestationFacts,
  type BridgeLetterFacts,
  type CoveragePeriod,
  coverageGaps,
  coveredThrough,
  DEFAULT_FRESHNESS_POLICY,
  evaluateFreshness,
  type FreshnessPolicy,
  type FreshnessState,
  periodGapDays,
  validateFreshnessPolicy,
} from '../../src/domain/freshness';
import { anyDayArb, dateWithin } from '../support/calendar-arbitraries';

const d = calendarDate;

function letter(coversFrom: string, coversThrough: string, issuedOn: string): BridgeLetterFacts {
  return { coversFrom: d(coversFrom), coversThrough: d(coversThrough), issuedOn: d(issuedOn) };
}

// FY2024 SOC 2 Type II: period 2023-07-01..2024-06-30, issued mid-August.
const typeII: AttestationFacts = {
  periodStart: d('2023-07-01'),
  periodEnd: d('2024-06-30'),
  issueDate: d('2024-08-15'),
};

describe('DEFAULT_FRESHNESS_POLICY', () => {
  it('ages from the period end, lasts 12 months and warns 60 days ahead', () => {
    expect(DEFAULT_FRESHNESS_POLICY).toEqual({
      anchor: 'PERIOD_END',
      maxAgeMonths: 12,
      expiringSoonDays: 60,
    });
    expect(validateFreshnessPolicy(DEFAULT_FRESHNESS_POLICY)).toEqual([]);
  });
});

describe('evaluateFreshness: SOC 2 Type II', () => {
  it('anchors on the period end and expires 12 calendar months later', () => {
    expect(evaluateFreshness(typeII, d('2024-09-01'))).toEqual({
      state: 'CURRENT',
      evaluatedOn: '2024-09-01',
      anchorDate: '2024-06-30',
      ageDays: 63,
      expiresOn: '2025-06-30',
      daysUntilStale: 302,
      coveredThrough: '2024-06-30',
      uncoveredDays: 63,
    });
  });

  it('counts the issue date itself as published (not NONE)', () => {
    const f = evaluateFreshness(typeII, d('2024-08-15'));
    expect(f.state).toBe('CURRENT');
    expect(f.ageDays).toBe(46);
  });

  it('is EXPIRING_SOON exactly 60 days before expiresOn, CURRENT at 61', () => {
    // expiresOn is 2025-06-30; 60 days earlier is 2025-05-01.
    const at60 = evaluateFreshness(typeII, d('2025-05-01'));
    expect(at60).toMatchObject({ state: 'EXPIRING_SOON', daysUntilStale: 60 });
    const at61 = evaluateFreshness(typeII, d('2025-04-30'));
    expect(at61).toMatchObject({ state: 'CURRENT', daysUntilStale: 61 });
  });

  it('treats expiresOn as the last non-stale day and goes STALE the day after', () => {
    expect(evaluateFreshness(typeII, d('2025-06-30'))).toMatchObject({
      state: 'EXPIRING_SOON',
      daysUntilStale: 0,
    });
    expect(evaluateFreshness(typeII, d('2025-07-01'))).toMatchObject({
      state: 'STALE',
      daysUntilStale: -1,
      ageDays: 366,
    });
  });

  it('measures age in calendar months from a leap-day period end: Feb 29 + 12 months = Feb 28', () => {
    const leap: AttestationFacts = {
      periodStart: d('2023-03-01'),
      periodEnd: d('2024-02-29'),
      issueDate: d('2024-04-15'),
    };
    expect(evaluateFreshness(leap, d('2025-02-28'))).toMatchObject({
      state: 'EXPIRING_SOON',
      anchorDate: '2024-02-29',
      expiresOn: '2025-02-28',
      daysUntilStale: 0,
      ageDays: 365,
    });
    expect(evaluateFreshness(leap, d('2025-03-01'))).toMatchObject({
      state: 'STALE',
      expiresOn: '2025-02-28',
      daysUntilStale: -1,
    });
  });

  it('clamps a month-end period end to the shorter month (2024-01-31 + 1 month = 2024-02-29)', () => {
    const monthly: AttestationFacts = { periodEnd: d('2024-01-31'), issueDate: d('2024-02-05') };
    const policy: FreshnessPolicy = { anchor: 'PERIOD_END', maxAgeMonths: 1, expiringSoonDays: 0 };
    expect(evaluateFreshness(monthly, d('2024-02-29'), policy)).toMatchObject({
      expiresOn: '2024-02-29',
      state: 'EXPIRING_SOON',
      daysUntilStale: 0,
    });
    expect(evaluateFreshness(monthly, d('2024-03-01'), policy).state).toBe('STALE');
  });

  it('with the ISSUE_DATE anchor, the same report ages from its issue date instead', () => {
    const report: AttestationFacts = {
      periodStart: d('2023-07-01'),
      periodEnd: d('2024-06-30'),
      issueDate: d('2024-09-15'),
    };
    const on = d('2025-07-20');
    const byPeriodEnd = evaluateFreshness(report, on, DEFAULT_FRESHNESS_POLICY);
    const byIssueDate = evaluateFreshness(report, on, {
      ...DEFAULT_FRESHNESS_POLICY,
      anchor: 'ISSUE_DATE',
    });
    expect(byPeriodEnd).toMatchObject({
      state: 'STALE',
      anchorDate: '2024-06-30',
      expiresOn: '2025-06-30',
      ageDays: 385,
      daysUntilStale: -20,
    });
    expect(byIssueDate).toMatchObject({
      state: 'EXPIRING_SOON',
      anchorDate: '2024-09-15',
      expiresOn: '2025-09-15',
      ageDays: 308,
      daysUntilStale: 57,
    });
    // Coverage is about what was examined, so the anchor policy does not change it.
    expect(byIssueDate.coveredThrough).toBe('2024-06-30');
    expect(byIssueDate.uncoveredDays).toBe(385);
  });

  it('honours a custom policy (6 months, 30-day warning)', () => {
    const policy: FreshnessPolicy = { anchor: 'PERIOD_END', maxAgeMonths: 6, expiringSoonDays: 30 };
    expect(evaluateFreshness(typeII, d('2024-11-29'), policy)).toMatchObject({
      expiresOn: '2024-12-30',
      state: 'CURRENT',
      daysUntilStale: 31,
    });
    expect(evaluateFreshness(typeII, d('2024-11-30'), policy)).toMatchObject({
      state: 'EXPIRING_SOON',
      daysUntilStale: 30,
    });
  });
});

describe('evaluateFreshness: SOC Type I', () => {
  it('anchors on the as-of date and is covered only through it', () => {
    const typeI: AttestationFacts = { asOf: d('2024-03-31'), issueDate: d('2024-05-10') };
    expect(evaluateFreshness(typeI, d('2024-06-01'))).toEqual({
      state: 'CURRENT',
      evaluatedOn: '2024-06-01',
      anchorDate: '2024-03-31',
      ageDays: 62,
      expiresOn: '2025-03-31',
      daysUntilStale: 303,
      coveredThrough: '2024-03-31',
      uncoveredDays: 62,
    });
  });
});

describe('evaluateFreshness: NONE', () => {
  const none = (evaluatedOn: string) => ({
    state: 'NONE',
    evaluatedOn,
    anchorDate: null,
    ageDays: null,
    expiresOn: null,
    daysUntilStale: null,
    coveredThrough: null,
    uncoveredDays: null,
  });

  it('is NONE with every other field null when nothing is published', () => {
    expect(evaluateFreshness(null, d('2024-09-01'))).toEqual(none('2024-09-01'));
  });

  it('is NONE the day before the issue date: the report did not exist yet', () => {
    expect(evaluateFreshness(typeII, d('2024-08-14'))).toEqual(none('2024-08-14'));
  });
});

describe('evaluateFreshness: no period, as-of date or validity', () => {
  it('falls back to the issue date as the anchor and claims no coverage', () => {
    const bare: AttestationFacts = {
      issueDate: d('2024-05-01'),
      bridgeLetters: [letter('2024-05-02', '2024-08-01', '2024-05-02')],
    };
    expect(evaluateFreshness(bare, d('2024-06-01'))).toEqual({
      state: 'CURRENT',
      evaluatedOn: '2024-06-01',
      anchorDate: '2024-05-01',
      ageDays: 31,
      expiresOn: '2025-05-01',
      daysUntilStale: 334,
      coveredThrough: null,
      uncoveredDays: null,
    });
  });

  it('never throws when only a period start is known', () => {
    const startOnly: AttestationFacts = { periodStart: d('2024-01-01'), issueDate: d('2024-05-01') };
    expect(() => evaluateFreshness(startOnly, d('2024-06-01'))).not.toThrow();
    expect(evaluateFreshness(startOnly, d('2024-06-01')).anchorDate).toBe('2024-05-01');
  });

  it('treats explicit nulls like absent fields', () => {
    const nulls: AttestationFacts = {
      periodStart: null,
      periodEnd: null,
      asOf: null,
      certificateValidFrom: null,
      certificateValidUntil: null,
      issueDate: d('2024-05-01'),
    };
    expect(evaluateFreshness(nulls, d('2024-06-01')).anchorDate).toBe('2024-05-01');
  });
});

describe('evaluateFreshness: certificates', () => {
  // ISO 27001 certificates run three years from issue.
  const iso: AttestationFacts = {
    issueDate: d('2023-05-10'),
    certificateValidFrom: d('2023-05-10'),
    certificateValidUntil: d('2026-05-09'),
  };

  it('expires on certificateValidUntil and is covered through it', () => {
    expect(evaluateFreshness(iso, d('2025-01-01'))).toEqual({
      state: 'CURRENT',
      evaluatedOn: '2025-01-01',
      anchorDate: '2023-05-10',
      ageDays: 602,
      expiresOn: '2026-05-09',
      daysUntilStale: 493,
      coveredThrough: '2026-05-09',
      uncoveredDays: 0,
    });
  });

  it('overrides maxAgeMonths: a 3-year certificate is not stale after 12 months', () => {
    expect(evaluateFreshness(iso, d('2024-06-01')).state).toBe('CURRENT');
    expect(evaluateFreshness(iso, d('2026-03-10'))).toMatchObject({
      state: 'EXPIRING_SOON',
      daysUntilStale: 60,
    });
  });

  it('goes STALE and uncovered the day after validity ends', () => {
    expect(evaluateFreshness(iso, d('2026-05-09'))).toMatchObject({
      state: 'EXPIRING_SOON',
      uncoveredDays: 0,
    });
    expect(evaluateFreshness(iso, d('2026-05-19'))).toMatchObject({
      state: 'STALE',
      daysUntilStale: -10,
      coveredThrough: '2026-05-09',
      uncoveredDays: 10,
    });
  });

  it('anchors on the issue date when no validFrom is given, whatever the anchor policy', () => {
    const recertified: AttestationFacts = {
      issueDate: d('2024-02-01'),
      certificateValidUntil: d('2027-01-31'),
    };
    for (const anchor of ['PERIOD_END', 'ISSUE_DATE'] as const) {
      expect(
        evaluateFreshness(recertified, d('2024-03-01'), { ...DEFAULT_FRESHNESS_POLICY, anchor }),
      ).toMatchObject({ anchorDate: '2024-02-01', ageDays: 29, expiresOn: '2027-01-31' });
    }
  });

  it('ignores bridge letters: validity is the certificate’s own claim', () => {
    const withLetter: AttestationFacts = {
      ...iso,
      bridgeLetters: [letter('2026-05-10', '2026-08-31', '2026-05-01')],
    };
    expect(evaluateFreshness(withLetter, d('2026-06-01')).coveredThrough).toBe('2026-05-09');
  });
});

describe('bridge letters', () => {
  const periodEnd = d('2024-06-30');

  it('a letter starting the day after the period end extends coverage to its end', () => {
    const letters = [letter('2024-07-01', '2024-09-30', '2024-10-05')];
    expect(coveredThrough(periodEnd, letters)).toBe('2024-09-30');
    expect(evaluateFreshness({ ...typeII, bridgeLetters: letters }, d('2024-10-10'))).toMatchObject({
      coveredThrough: '2024-09-30',
      uncoveredDays: 10,
      // Bridge letters never move expiry.
      expiresOn: '2025-06-30',
    });
  });

  it('a letter starting two days after leaves a gap and extends nothing, nor does one chaining from it', () => {
    const letters = [
      letter('2024-07-02', '2024-09-30', '2024-10-05'),
      letter('2024-10-01', '2024-12-31', '2025-01-05'),
    ];
    expect(coveredThrough(periodEnd, letters)).toBe('2024-06-30');
  });

  it('chains letters given in any order', () => {
    const letters = [
      letter('2025-01-01', '2025-03-31', '2025-04-02'),
      letter('2024-10-01', '2024-12-31', '2025-01-05'),
      letter('2024-07-01', '2024-09-30', '2024-10-05'),
    ];
    expect(coveredThrough(periodEnd, letters)).toBe('2025-03-31');
  });

  it('ignores a letter issued after the evaluation date: it did not exist yet', () => {
    const letters = [letter('2024-07-01', '2024-09-30', '2024-10-05')];
    expect(coveredThrough(periodEnd, letters, d('2024-10-04'))).toBe('2024-06-30');
    expect(coveredThrough(periodEnd, letters, d('2024-10-05'))).toBe('2024-09-30');
    expect(
      evaluateFreshness({ ...typeII, bridgeLetters: letters }, d('2024-10-04')),
    ).toMatchObject({ coveredThrough: '2024-06-30', uncoveredDays: 96 });
  });

  it('a letter issued before the period it covers ends still counts once issued (prospective letter)', () => {
    const letters = [letter('2024-07-01', '2024-12-31', '2024-09-01')];
    expect(coveredThrough(periodEnd, letters, d('2024-09-01'))).toBe('2024-12-31');
    expect(
      evaluateFreshness({ ...typeII, bridgeLetters: letters }, d('2024-09-01')).uncoveredDays,
    ).toBe(0);
  });

  it('treats an overlapping letter as chaining and extends to its own end', () => {
    const letters = [letter('2024-06-01', '2024-09-30', '2024-10-05')];
    expect(coveredThrough(periodEnd, letters)).toBe('2024-09-30');
  });

  it('a letter contained in existing coverage changes nothing', () => {
    const letters = [letter('2024-05-01', '2024-06-15', '2024-07-01')];
    expect(coveredThrough(periodEnd, letters)).toBe('2024-06-30');
  });

  it('a chain overlapping its predecessor keeps the latest end', () => {
    const letters = [
      letter('2024-07-01', '2024-10-31', '2024-11-02'),
      letter('2024-09-01', '2024-09-30', '2024-10-02'), // inside the first
      letter('2024-11-01', '2025-01-31', '2025-02-02'), // chains from the first
    ];
    expect(coveredThrough(periodEnd, letters)).toBe('2025-01-31');
  });

  it('works from an as-of date for Type I reports', () => {
    const typeI: AttestationFacts = {
      asOf: d('2024-03-31'),
      issueDate: d('2024-05-10'),
      bridgeLetters: [letter('2024-04-01', '2024-06-30', '2024-07-02')],
    };
    expect(evaluateFreshness(typeI, d('2024-07-10')).coveredThrough).toBe('2024-06-30');
  });
});

describe('periodGapDays', () => {
  it('is 0 for continuous periods (next starts the day after the previous ends)', () => {
    expect(periodGapDays(d('2024-06-30'), d('2024-07-01'))).toBe(0);
  });

  it('counts the uncovered days between consecutive Type II periods', () => {
    // July 1..July 31 uncovered.
    expect(periodGapDays(d('2024-06-30'), d('2024-08-01'))).toBe(31);
    expect(periodGapDays(d('2024-06-30'), d('2024-07-02'))).toBe(1);
  });

  it('is 0 for overlapping periods', () => {
    expect(periodGapDays(d('2024-06-30'), d('2024-04-01'))).toBe(0);
    expect(periodGapDays(d('2024-06-30'), d('2024-06-30'))).toBe(0);
  });

  it('also accepts the periods themselves', () => {
    expect(
      periodGapDays({ periodEnd: d('2024-06-30') }, { periodStart: d('2024-08-01') }),
    ).toBe(31);
  });
});

describe('coverageGaps', () => {
  const period = (id: string, start: string, end: string): CoveragePeriod => ({
    id,
    periodStart: d(start),
    periodEnd: d(end),
  });

  it('reports nothing for continuous periods', () => {
    expect(
      coverageGaps([
        period('fy23', '2022-07-01', '2023-06-30'),
        period('fy24', '2023-07-01', '2024-06-30'),
      ]),
    ).toEqual([]);
  });

  it('reports a gap with its first and last uncovered day, sorting by period start', () => {
    expect(
      coverageGaps([
        period('fy24', '2023-10-01', '2024-09-30'),
        period('fy23', '2022-07-01', '2023-06-30'),
      ]),
    ).toEqual([
      { afterId: 'fy23', beforeId: 'fy24', fromDate: '2023-07-01', toDate: '2023-09-30', days: 92 },
    ]);
  });

  it('tolerates overlapping and contained periods by tracking the latest end', () => {
    expect(
      coverageGaps([
        period('long', '2022-01-01', '2023-12-31'),
        period('inside', '2022-06-01', '2022-12-31'),
        period('overlap', '2023-06-01', '2024-03-31'),
        period('after-gap', '2024-04-03', '2024-12-31'),
      ]),
    ).toEqual([
      {
        afterId: 'overlap',
        beforeId: 'after-gap',
        fromDate: '2024-04-01',
        toDate: '2024-04-02',
        days: 2,
      },
    ]);
  });

  it('measures a gap after a contained period from the containing one', () => {
    expect(
      coverageGaps([
        period('long', '2022-01-01', '2023-12-31'),
        period('inside', '2022-06-01', '2022-12-31'),
        period('next', '2024-02-01', '2024-12-31'),
      ]),
    ).toEqual([
      { afterId: 'long', beforeId: 'next', fromDate: '2024-01-01', toDate: '2024-01-31', days: 31 },
    ]);
  });

  it('handles empty and single inputs and does not mutate its argument', () => {
    expect(coverageGaps([])).toEqual([]);
    const input = [period('b', '2024-01-01', '2024-12-31'), period('a', '2022-01-01', '2022-12-31')];
    const copy = [...input];
    expect(coverageGaps(input)).toHaveLength(1);
    expect(input).toEqual(copy);
    expect(coverageGaps([input[0]!])).toEqual([]);
  });
});

describe('validateFreshnessPolicy', () => {
  it('accepts the bounds', () => {
    expect(validateFreshnessPolicy({ anchor: 'ISSUE_DATE', maxAgeMonths: 1, expiringSoonDays: 0 })).toEqual([]);
    expect(validateFreshnessPolicy({ anchor: 'PERIOD_END', maxAgeMonths: 60, expiringSoonDays: 365 })).toEqual([]);
  });

  it.each([
    [{ maxAgeMonths: 0 }, /maxAgeMonths must be an integer from 1 to 60/],
    [{ maxAgeMonths: 61 }, /maxAgeMonths/],
    [{ maxAgeMonths: 12.5 }, /maxAgeMonths/],
    [{ maxAgeMonths: Number.NaN }, /maxAgeMonths/],
    [{ expiringSoonDays: -1 }, /expiringSoonDays must be an integer from 0 to 365/],
    [{ expiringSoonDays: 366 }, /expiringSoonDays/],
    [{ expiringSoonDays: 1.5 }, /expiringSoonDays/],
    [{ anchor: 'ISSUED' as FreshnessPolicy['anchor'] }, /anchor must be one of PERIOD_END, ISSUE_DATE/],
  ])('rejects %p', (override, message) => {
    const errors = validateFreshnessPolicy({ ...DEFAULT_FRESHNESS_POLICY, ...override });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(validateFreshnessPolicy({ anchor: 'PERIOD_END', maxAgeMonths: 0, expiringSoonDays: -1 })).toHaveLength(2);
  });

  it('makes evaluateFreshness throw a RangeError: a bad policy is a configuration bug', () => {
    expect(() =>
      evaluateFreshness(typeII, d('2024-09-01'), { ...DEFAULT_FRESHNESS_POLICY, maxAgeMonths: 0 }),
    ).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const dayArb = fc.integer({
  min: toDayNumber(d('1995-01-01')),
  max: toDayNumber(d('2060-12-31')),
});

const policyArb: fc.Arbitrary<FreshnessPolicy> = fc.record({
  anchor: fc.constantFrom('PERIOD_END', 'ISSUE_DATE'),
  maxAgeMonths: fc.integer({ min: 1, max: 60 }),
  expiringSoonDays: fc.integer({ min: 0, max: 365 }),
});

/**
 * Letters as a chain from `coverageEnd`: each starts `step` days after the previous one's end +1
 * (0 = exactly chaining, negative = overlap, positive = gap), then shuffled. Mostly chaining, so
 * long chains actually occur.
 */
function lettersFrom(coverageEnd: CalendarDate): fc.Arbitrary<BridgeLetterFacts[]> {
  const spec = fc.record({
    step: fc.oneof(
      { weight: 3, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: -60, max: 30 }) },
    ),
    length: fc.integer({ min: 0, max: 180 }),
    issueLag: fc.integer({ min: -30, max: 60 }),
  });
  return fc.array(spec, { maxLength: 6 }).chain((specs) => {
    let previousEnd = coverageEnd;
    const letters = specs.map(({ step, length, issueLag }) => {
      const coversFrom = addDays(previousEnd, 1 + step);
      const coversThrough = addDays(coversFrom, length);
      previousEnd = coversThrough;
      return { coversFrom, coversThrough, issuedOn: addDays(coversThrough, issueLag) };
    });
    return fc.shuffledSubarray(letters, { minLength: letters.length, maxLength: letters.length });
  });
}

const typeIIArb: fc.Arbitrary<AttestationFacts> = fc
  .record({
    end: dayArb,
    length: fc.integer({ min: 60, max: 400 }),
    issueLag: fc.integer({ min: 0, max: 120 }),
  })
  .chain(({ end, length, issueLag }) => {
    const periodEnd = fromDayNumber(end);
    return lettersFrom(periodEnd).map((bridgeLetters) => ({
      periodStart: fromDayNumber(end - length),
      periodEnd,
      issueDate: fromDayNumber(end + issueLag),
      bridgeLetters,
    }));
  });

const typeIArb: fc.Arbitrary<AttestationFacts> = fc
  .record({ asOf: dayArb, issueLag: fc.integer({ min: 0, max: 120 }) })
  .chain(({ asOf, issueLag }) => {
    const asOfDate = fromDayNumber(asOf);
    return lettersFrom(asOfDate).map((bridgeLetters) => ({
      asOf: asOfDate,
      issueDate: fromDayNumber(asOf + issueLag),
      bridgeLetters,
    }));
  });

const certificateArb: fc.Arbitrary<AttestationFacts> = fc
  .record({
    issue: dayArb,
    validity: fc.integer({ min: 0, max: 3 * 366 }),
    hasValidFrom: fc.boolean(),
  })
  .map(({ issue, validity, hasValidFrom }) => ({
    issueDate: fromDayNumber(issue),
    certificateValidFrom: hasValidFrom ? fromDayNumber(issue) : null,
    certificateValidUntil: fromDayNumber(issue + validity),
  }));

const bareArb: fc.Arbitrary<AttestationFacts> = dayArb.map((issue) => ({
  issueDate: fromDayNumber(issue),
}));

const factsArb = fc.oneof(typeIIArb, typeIIArb, typeIArb, certificateArb, bareArb);

/** Facts plus an evaluation date on or after issue. */
const issuedCaseArb = fc.record({
  facts: factsArb,
  policy: policyArb,
  daysAfterIssue: fc.integer({ min: 0, max: 2000 }),
});

function evaluatedOn(facts: AttestationFacts, daysAfterIssue: number): CalendarDate {
  return addDays(facts.issueDate, daysAfterIssue);
}

const STATE_ORDER: Record<FreshnessState, number> = {
  NONE: -1,
  CURRENT: 0,
  EXPIRING_SOON: 1,
  STALE: 2,
};

/** Reference model: extend coverage until no letter changes it (order-free by construction). */
function referenceCoveredThrough(
  coverageEnd: CalendarDate,
  letters: readonly BridgeLetterFacts[],
  on: CalendarDate,
): CalendarDate {
  const usable = letters.filter((l) => compareDates(l.issuedOn, on) <= 0);
  let end = toDayNumber(coverageEnd);
  let changed = true;
  while (changed) {
    changed = false;
    for (const l of usable) {
      if (toDayNumber(l.coversFrom) <= end + 1 && toDayNumber(l.coversThrough) > end) {
        end = toDayNumber(l.coversThrough);
        changed = true;
      }
    }
  }
  return fromDayNumber(end);
}

function coverageEndOf(facts: AttestationFacts): CalendarDate | null {
  return facts.periodEnd ?? facts.asOf ?? null;
}

describe('freshness properties', () => {
  it('ageDays grows by exactly one a day and daysUntilStale shrinks by one', () => {
    fc.assert(
      fc.property(issuedCaseArb, ({ facts, policy, daysAfterIssue }) => {
        const today = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue), policy);
        const tomorrow = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue + 1), policy);
        expect(tomorrow.ageDays).toBe(today.ageDays! + 1);
        expect(tomorrow.daysUntilStale).toBe(today.daysUntilStale! - 1);
        expect(tomorrow.expiresOn).toBe(today.expiresOn);
        expect(tomorrow.anchorDate).toBe(today.anchorDate);
      }),
    );
  });

  it('state only moves forward (CURRENT -> EXPIRING_SOON -> STALE) once issued', () => {
    fc.assert(
      fc.property(
        issuedCaseArb,
        fc.integer({ min: 0, max: 1500 }),
        ({ facts, policy, daysAfterIssue }, later) => {
          const earlier = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue), policy);
          const after = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue + later), policy);
          expect(earlier.state).not.toBe('NONE');
          expect(STATE_ORDER[after.state]).toBeGreaterThanOrEqual(STATE_ORDER[earlier.state]);
        },
      ),
    );
  });

  it('state agrees with daysUntilStale and the policy window', () => {
    fc.assert(
      fc.property(issuedCaseArb, ({ facts, policy, daysAfterIssue }) => {
        const on = evaluatedOn(facts, daysAfterIssue);
        const f = evaluateFreshness(facts, on, policy);
        expect(f.daysUntilStale).toBe(daysBetween(on, f.expiresOn!));
        expect(f.ageDays).toBe(daysBetween(f.anchorDate!, on));
        const expected: FreshnessState =
          f.daysUntilStale! < 0
            ? 'STALE'
            : f.daysUntilStale! <= policy.expiringSoonDays
              ? 'EXPIRING_SOON'
              : 'CURRENT';
        expect(f.state).toBe(expected);
      }),
    );
  });

  it('is NONE with all fields null before the issue date', () => {
    fc.assert(
      fc.property(factsArb, policyArb, fc.integer({ min: 1, max: 1000 }), (facts, policy, early) => {
        const f = evaluateFreshness(facts, addDays(facts.issueDate, -early), policy);
        expect(f.state).toBe('NONE');
        expect([
          f.anchorDate,
          f.ageDays,
          f.expiresOn,
          f.daysUntilStale,
          f.coveredThrough,
          f.uncoveredDays,
        ]).toEqual([null, null, null, null, null, null]);
      }),
    );
  });

  it('expiresOn, age and state do not depend on bridge letters', () => {
    fc.assert(
      fc.property(issuedCaseArb, ({ facts, policy, daysAfterIssue }) => {
        const on = evaluatedOn(facts, daysAfterIssue);
        const withLetters = evaluateFreshness(facts, on, policy);
        const without = evaluateFreshness({ ...facts, bridgeLetters: [] }, on, policy);
        expect(withLetters.expiresOn).toBe(without.expiresOn);
        expect(withLetters.anchorDate).toBe(without.anchorDate);
        expect(withLetters.ageDays).toBe(without.ageDays);
        expect(withLetters.state).toBe(without.state);
      }),
    );
  });

  it('uncoveredDays is the days past coveredThrough, never negative', () => {
    fc.assert(
      fc.property(issuedCaseArb, ({ facts, policy, daysAfterIssue }) => {
        const on = evaluatedOn(facts, daysAfterIssue);
        const f = evaluateFreshness(facts, on, policy);
        if (f.coveredThrough === null) {
          expect(f.uncoveredDays).toBeNull();
        } else {
          expect(f.uncoveredDays).toBe(Math.max(0, daysBetween(f.coveredThrough, on)));
        }
      }),
    );
  });

  it('coverage only grows over time as more letters are issued', () => {
    fc.assert(
      fc.property(
        issuedCaseArb,
        fc.integer({ min: 0, max: 800 }),
        ({ facts, policy, daysAfterIssue }, later) => {
          const a = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue), policy);
          const b = evaluateFreshness(facts, evaluatedOn(facts, daysAfterIssue + later), policy);
          if (a.coveredThrough !== null && b.coveredThrough !== null) {
            expect(compareDates(b.coveredThrough, a.coveredThrough)).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });
});

describe('coveredThrough properties', () => {
  const coverageCaseArb = fc
    .record({ end: dayArb, onOffset: fc.integer({ min: -30, max: 1500 }) })
    .chain(({ end, onOffset }) => {
      const coverageEnd = fromDayNumber(end);
      return lettersFrom(coverageEnd).map((letters) => ({
        coverageEnd,
        letters,
        on: fromDayNumber(end + onOffset),
      }));
    });

  it('is at least the period end and never past the latest letter end', () => {
    fc.assert(
      fc.property(coverageCaseArb, ({ coverageEnd, letters, on }) => {
        const result = coveredThrough(coverageEnd, letters, on);
        const bound = letters.reduce((acc, l) => maxDate(acc, l.coversThrough), coverageEnd);
        expect(compareDates(result, coverageEnd)).toBeGreaterThanOrEqual(0);
        expect(compareDates(result, bound)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('ends exactly at the period end or at some usable letter’s end', () => {
    fc.assert(
      fc.property(coverageCaseArb, ({ coverageEnd, letters, on }) => {
        const result = coveredThrough(coverageEnd, letters, on);
        const ends = letters
          .filter((l) => compareDates(l.issuedOn, on) <= 0)
          .map((l) => l.coversThrough);
        expect([coverageEnd, ...ends]).toContain(result);
      }),
    );
  });

  it('matches a fixed-point reference model', () => {
    fc.assert(
      fc.property(coverageCaseArb, ({ coverageEnd, letters, on }) => {
        expect(coveredThrough(coverageEnd, letters, on)).toBe(
          referenceCoveredThrough(coverageEnd, letters, on),
        );
      }),
    );
  });

  it('does not depend on the order letters are given in', () => {
    fc.assert(
      fc.property(
        coverageCaseArb.chain((c) =>
          fc
            .shuffledSubarray(c.letters, { minLength: c.letters.length, maxLength: c.letters.length })
            .map((shuffled) => ({ ...c, shuffled })),
        ),
        ({ coverageEnd, letters, shuffled, on }) => {
          expect(coveredThrough(coverageEnd, shuffled, on)).toBe(
            coveredThrough(coverageEnd, letters, on),
          );
        },
      ),
    );
  });

  it('adding a letter never reduces coverage', () => {
    fc.assert(
      fc.property(
        coverageCaseArb,
        fc.record({
          from: fc.integer({ min: -400, max: 800 }),
          length: fc.integer({ min: 0, max: 400 }),
          issueLag: fc.integer({ min: -30, max: 60 }),
        }),
        ({ coverageEnd, letters, on }, extra) => {
          const coversFrom = addDays(coverageEnd, extra.from);
          const coversThrough = addDays(coversFrom, extra.length);
          const added = { coversFrom, coversThrough, issuedOn: addDays(coversThrough, extra.issueLag) };
          const before = coveredThrough(coverageEnd, letters, on);
          const after = coveredThrough(coverageEnd, [...letters, added], on);
          expect(compareDates(after, before)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('ignores letters issued after the evaluation date', () => {
    fc.assert(
      fc.property(coverageCaseArb, ({ coverageEnd, letters, on }) => {
        const issued = letters.filter((l) => compareDates(l.issuedOn, on) <= 0);
        expect(coveredThrough(coverageEnd, letters, on)).toBe(coveredThrough(coverageEnd, issued));
      }),
    );
  });

  it('evaluateFreshness reports the same coverage as coveredThrough for period reports', () => {
    fc.assert(
      fc.property(issuedCaseArb, ({ facts, policy, daysAfterIssue }) => {
        const end = coverageEndOf(facts);
        if (end === null || facts.certificateValidUntil) return;
        const on = evaluatedOn(facts, daysAfterIssue);
        expect(evaluateFreshness(facts, on, policy).coveredThrough).toBe(
          coveredThrough(end, facts.bridgeLetters ?? [], on),
        );
      }),
    );
  });
});

describe('coverage gap properties', () => {
  const periodsArb = fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: 1500 }),
      length: fc.integer({ min: 0, max: 400 }),
    }),
    { maxLength: 8 },
  ).map((specs) =>
    specs.map(({ start, length }, i) => ({
      id: `p${i}`,
      periodStart: fromDayNumber(toDayNumber(d('2020-01-01')) + start),
      periodEnd: fromDayNumber(toDayNumber(d('2020-01-01')) + start + length),
    })),
  );

  it('gaps are exactly the uncovered days between the first start and the latest end', () => {
    fc.assert(
      fc.property(periodsArb, (periods) => {
        const covered = new Set<number>();
        for (const p of periods) {
          for (let n = toDayNumber(p.periodStart); n <= toDayNumber(p.periodEnd); n++) covered.add(n);
        }
        const gapDays = new Set<number>();
        for (const gap of coverageGaps(periods)) {
          expect(gap.days).toBe(daysBetween(gap.fromDate, gap.toDate) + 1);
          expect(gap.days).toBeGreaterThan(0);
          for (let n = toDayNumber(gap.fromDate); n <= toDayNumber(gap.toDate); n++) gapDays.add(n);
        }
        if (periods.length === 0) {
          expect(gapDays.size).toBe(0);
          return;
        }
        const first = Math.min(...periods.map((p) => toDayNumber(p.periodStart)));
        const last = Math.max(...periods.map((p) => toDayNumber(p.periodEnd)));
        for (let n = first; n <= last; n++) {
          expect(covered.has(n) !== gapDays.has(n)).toBe(true);
        }
      }),
    );
  });

  it('does not depend on input order and agrees with periodGapDays for two periods', () => {
    fc.assert(
      fc.property(
        periodsArb.chain((ps) =>
          fc
            .shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })
            .map((shuffled) => ({ ps, shuffled })),
        ),
        ({ ps, shuffled }) => {
          const days = (gs: ReturnType<typeof coverageGaps>) => gs.map((g) => [g.fromDate, g.toDate]);
          expect(days(coverageGaps(shuffled))).toEqual(days(coverageGaps(ps)));
          if (ps.length === 2) {
            const [a, b] = [...ps].sort((x, y) => compareDates(x.periodStart, y.periodStart));
            const total = coverageGaps(ps).reduce((sum, g) => sum + g.days, 0);
            expect(total).toBe(periodGapDays(a!, b!));
          }
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------
// The whole calendar (issue #11: a report dated late 9999 answered INTERNAL_SERVER_ERROR)
// ---------------------------------------------------------------------------

describe('evaluateFreshness near 9999-12-31', () => {
  it('saturates an expiry past the calendar at its last day', () => {
    const facts: AttestationFacts = { periodStart: d('9999-01-01'), periodEnd: d('9999-12-31'), issueDate: d('9999-12-31') };
    expect(evaluateFreshness(facts, d('9999-12-31'))).toEqual({
      state: 'EXPIRING_SOON', evaluatedOn: '9999-12-31', anchorDate: '9999-12-31', ageDays: 0,
      expiresOn: '9999-12-31', daysUntilStale: 0, coveredThrough: '9999-12-31', uncoveredDays: 0,
    });
    const typeI: AttestationFacts = { asOf: d('9999-06-30'), issueDate: d('9999-07-30') };
    const policy: FreshnessPolicy = { anchor: 'ISSUE_DATE', maxAgeMonths: 60, expiringSoonDays: 30 };
    expect(evaluateFreshness(typeI, d('9999-08-01'), policy)).toMatchObject({ state: 'CURRENT', anchorDate: '9999-07-30', expiresOn: '9999-12-31', daysUntilStale: 152 });
  });

  it('keeps an expiry that fits: 9998-12-31 + 12 months is 9999-12-31', () => {
    const facts: AttestationFacts = { periodStart: d('9998-01-01'), periodEnd: d('9998-12-31'), issueDate: d('9999-01-15') };
    expect(evaluateFreshness(facts, d('9999-06-30'))).toMatchObject({ state: 'CURRENT', expiresOn: '9999-12-31', daysUntilStale: 184 });
  });
});

describe('freshness over the whole calendar (years 1000-9999)', () => {
  /** Letters chained from `end`, clipped to the calendar. */
  const lettersArb = (end: number): fc.Arbitrary<BridgeLetterFacts[]> =>
    fc.array(fc.record({ step: fc.integer({ min: -30, max: 30 }), length: fc.integer({ min: 0, max: 400 }), lag: fc.integer({ min: -30, max: 60 }) }), { maxLength: 4 })
      .map((specs) => {
        let previous = end;
        return specs.map(({ step, length, lag }) => {
          const from = dateWithin(previous, 1 + step);
          const through = dateWithin(toDayNumber(from), length);
          previous = toDayNumber(through);
          return { coversFrom: from, coversThrough: through, issuedOn: dateWithin(previous, lag) };
        });
      });

  const wholeFactsArb: fc.Arbitrary<AttestationFacts> = fc.oneof(
    anyDayArb.chain((end) => fc.record({ length: fc.integer({ min: 1, max: 800 }), lag: fc.integer({ min: 0, max: 400 }), letters: lettersArb(end) })
      .map(({ length, lag, letters }) => ({ periodStart: dateWithin(end, -length), periodEnd: fromDayNumber(end), issueDate: dateWithin(end, lag), bridgeLetters: letters }))),
    anyDayArb.chain((asOf) => fc.record({ lag: fc.integer({ min: 0, max: 400 }), letters: lettersArb(asOf) })
      .map(({ lag, letters }) => ({ asOf: fromDayNumber(asOf), issueDate: dateWithin(asOf, lag), bridgeLetters: letters }))),
    fc.record({ issue: anyDayArb, validity: fc.integer({ min: 0, max: 4 * 366 }), hasFrom: fc.boolean() })
      .map(({ issue, validity, hasFrom }) => ({ issueDate: fromDayNumber(issue), certificateValidFrom: hasFrom ? fromDayNumber(issue) : null, certificateValidUntil: dateWithin(issue, validity) })),
    anyDayArb.map((issue) => ({ issueDate: fromDayNumber(issue) })),
  );

  /** An evaluation date anywhere, or (mostly) soon after the issue date, where expiry matters. */
  const caseArb = wholeFactsArb.chain((facts) => fc.record({
    facts: fc.constant(facts),
    policy: policyArb,
    on: fc.oneof(anyDayArb.map(fromDayNumber), fc.integer({ min: 0, max: 6 * 366 }).map((k) => dateWithin(toDayNumber(facts.issueDate), k))),
  }));

  it('never throws, and its fields agree with each other', () => {
    fc.assert(
      fc.property(caseArb, ({ facts, policy, on }) => {
        const f = evaluateFreshness(facts, on, policy);
        if (f.state === 'NONE') return;
        expect(compareDates(f.expiresOn!, MAX_DATE)).toBeLessThanOrEqual(0);
        expect(f.daysUntilStale).toBe(daysBetween(on, f.expiresOn!));
        expect(f.ageDays).toBe(daysBetween(f.anchorDate!, on));
        if (!facts.certificateValidUntil) {
          // Anchor + maximum age where the calendar has that day; its last day where it does not.
          let exact: CalendarDate = MAX_DATE;
          try {
            exact = addMonths(f.anchorDate!, policy.maxAgeMonths);
          } catch (error) {
            if (!(error instanceof RangeError)) throw error;
          }
          expect(f.expiresOn).toBe(exact);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('coveredThrough and coverageGaps never throw', () => {
    fc.assert(
      fc.property(anyDayArb.chain((end) => fc.tuple(fc.constant(end), lettersArb(end), anyDayArb)), fc.array(fc.tuple(anyDayArb, fc.integer({ min: 1, max: 800 })), { maxLength: 5 }), ([end, letters, on], spans) => {
        expect(() => coveredThrough(fromDayNumber(end), letters, fromDayNumber(on))).not.toThrow();
        const periods = spans.map(([e, length], i) => ({ id: String(i), periodStart: dateWithin(e, -length), periodEnd: fromDayNumber(e) }));
        expect(() => coverageGaps(periods)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
