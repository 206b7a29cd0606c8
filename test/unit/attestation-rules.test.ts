import fc from 'fast-check';
import {
  ATTESTATION_STATUSES,
  ATTESTATION_TRANSITIONS,
  type AttestationFields,
  type AttestationStatus,
  type BridgeLetterCheckInput,
  canTransition,
  CERTIFICATE_FRAMEWORKS,
  checkAttestation,
  checkBridgeLetter,
  checkPublishable,
  FRAMEWORKS,
  OPINIONS,
  reportDate,
  type RuleViolation,
  TRUST_SERVICE_CRITERIA,
} from '../../src/domain/attestation';
import { addDays, addMonths, calendarDate, fromDayNumber, monthsBetween, toDayNumber } from '../../src/domain/calendar-date';
import { anyDateArb, anyDayArb, dateWithin, LAST_DAY } from '../support/calendar-arbitraries';

const d = calendarDate;

/** [code, field] pairs, the part of a violation a rule decides. */
const pairs = (violations: RuleViolation<string>[]): [string, string][] => violations.map((v) => [v.code, v.field]);
const codes = (violations: RuleViolation<string>[]): string[] => violations.map((v) => v.code);

const soc2TypeII: AttestationFields = {
  framework: 'SOC2',
  socType: 'TYPE_II',
  periodStart: d('2025-01-01'),
  periodEnd: d('2025-12-31'),
  asOf: null,
  issueDate: d('2026-02-15'),
  opinion: 'UNQUALIFIED',
  trustServiceCriteria: ['SECURITY', 'AVAILABILITY'],
  certificateValidFrom: null,
  certificateValidUntil: null,
};

const soc2TypeI: AttestationFields = {
  ...soc2TypeII,
  socType: 'TYPE_I',
  periodStart: null,
  periodEnd: null,
  asOf: d('2025-06-30'),
  issueDate: d('2025-08-01'),
};

const iso27001: AttestationFields = {
  framework: 'ISO27001',
  socType: null,
  periodStart: null,
  periodEnd: null,
  asOf: null,
  issueDate: d('2025-03-01'),
  opinion: null,
  trustServiceCriteria: [],
  certificateValidFrom: d('2025-03-01'),
  certificateValidUntil: d('2028-02-29'),
};

const typeII = (periodStart: string, periodEnd: string): AttestationFields => ({
  ...soc2TypeII,
  periodStart: d(periodStart),
  periodEnd: d(periodEnd),
  issueDate: d('2027-01-31'),
});

describe('fixtures', () => {
  it.each([
    ['SOC 2 Type II', soc2TypeII],
    ['SOC 2 Type I', soc2TypeI],
    ['ISO 27001', iso27001],
  ])('%s is valid, without warnings, and publishable', (_label, fields) => {
    expect(checkAttestation(fields)).toEqual({ errors: [], warnings: [] });
    expect(checkPublishable(fields, d('2026-12-31'))).toEqual({ errors: [], warnings: [] });
  });
});

describe('SECURITY_CRITERION_REQUIRED', () => {
  it('refuses a SOC 2 report without the Security criterion', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, trustServiceCriteria: ['AVAILABILITY'] }).errors)).toEqual([
      ['SECURITY_CRITERION_REQUIRED', 'trustServiceCriteria'],
    ]);
  });

  it('refuses a SOC 2 report with no criteria at all', () => {
    expect(codes(checkAttestation({ ...soc2TypeII, trustServiceCriteria: [] }).errors)).toEqual(['SECURITY_CRITERION_REQUIRED']);
  });

  it('accepts a SOC 2 report whose only criterion is Security', () => {
    expect(checkAttestation({ ...soc2TypeII, trustServiceCriteria: ['SECURITY'] }).errors).toEqual([]);
  });
});

describe('CRITERIA_NOT_APPLICABLE', () => {
  it('refuses Trust Service Criteria on a SOC 1 report', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, framework: 'SOC1', trustServiceCriteria: ['SECURITY'] }).errors)).toEqual([
      ['CRITERIA_NOT_APPLICABLE', 'trustServiceCriteria'],
    ]);
  });

  it('refuses Trust Service Criteria on an ISO 27001 certificate', () => {
    expect(codes(checkAttestation({ ...iso27001, trustServiceCriteria: ['SECURITY'] }).errors)).toEqual(['CRITERIA_NOT_APPLICABLE']);
  });

  it('accepts a SOC 1 report with no criteria', () => {
    expect(checkAttestation({ ...soc2TypeII, framework: 'SOC1', trustServiceCriteria: [] }).errors).toEqual([]);
  });

  it('accepts Trust Service Criteria on a SOC 3 report', () => {
    expect(checkAttestation({ ...soc2TypeII, framework: 'SOC3', trustServiceCriteria: ['SECURITY', 'PRIVACY'] }).errors).toEqual([]);
  });
});

describe('SOC_TYPE_REQUIRED', () => {
  it.each(['SOC1', 'SOC2', 'SOC3'] as const)('refuses a %s report without a type', (framework) => {
    const criteria = framework === 'SOC1' ? [] : (['SECURITY'] as const);
    const errors = checkAttestation({ ...soc2TypeII, framework, socType: null, trustServiceCriteria: criteria }).errors;
    expect(pairs(errors)).toEqual([['SOC_TYPE_REQUIRED', 'socType']]);
  });

  it('accepts a SOC 2 report with a type', () => {
    expect(checkAttestation(soc2TypeI).errors).toEqual([]);
  });
});

describe('SOC_TYPE_NOT_APPLICABLE', () => {
  it('refuses a SOC type on an ISO 27001 certificate', () => {
    expect(pairs(checkAttestation({ ...iso27001, socType: 'TYPE_II', periodStart: d('2024-03-01'), periodEnd: d('2025-02-28') }).errors)).toContainEqual([
      'SOC_TYPE_NOT_APPLICABLE',
      'socType',
    ]);
  });

  it('accepts an ISO 27001 certificate without a SOC type', () => {
    expect(codes(checkAttestation(iso27001).errors)).not.toContain('SOC_TYPE_NOT_APPLICABLE');
  });
});

describe('OPINION_NOT_APPLICABLE', () => {
  it.each(['ISO27001', 'PCI_DSS', 'GDPR', 'CSA_STAR'] as const)('refuses an opinion on %s', (framework) => {
    expect(pairs(checkAttestation({ ...iso27001, framework, opinion: 'UNQUALIFIED' }).errors)).toEqual([['OPINION_NOT_APPLICABLE', 'opinion']]);
  });

  it.each(['HIPAA', 'OTHER'] as const)('accepts an opinion on %s', (framework) => {
    expect(checkAttestation({ ...iso27001, framework, opinion: 'QUALIFIED', certificateValidUntil: null }).errors).toEqual([]);
  });

  it('accepts an opinion on a SOC report', () => {
    expect(checkAttestation({ ...soc2TypeII, opinion: 'ADVERSE' }).errors).toEqual([]);
  });
});

describe('PERIOD_REQUIRED', () => {
  it('refuses a Type II report without periodStart, naming periodStart', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, periodStart: null }).errors)).toEqual([['PERIOD_REQUIRED', 'periodStart']]);
  });

  it('refuses a Type II report without periodEnd, naming periodEnd', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, periodEnd: null }).errors)).toEqual([['PERIOD_REQUIRED', 'periodEnd']]);
  });

  it('refuses a non-SOC report that gives only one end of a period', () => {
    const hipaa: AttestationFields = { ...iso27001, framework: 'HIPAA', certificateValidUntil: null, periodStart: d('2024-01-01') };
    expect(pairs(checkAttestation(hipaa).errors)).toEqual([['PERIOD_REQUIRED', 'periodEnd']]);
  });

  it('accepts a non-SOC report with a whole period, or with none', () => {
    const hipaa: AttestationFields = { ...iso27001, framework: 'HIPAA', certificateValidUntil: null };
    expect(checkAttestation({ ...hipaa, periodStart: d('2024-01-01'), periodEnd: d('2024-01-31') })).toEqual({ errors: [], warnings: [] });
    expect(checkAttestation(hipaa).errors).toEqual([]);
  });
});

describe('INVALID_PERIOD', () => {
  it('refuses a period that starts on the day it ends', () => {
    expect(pairs(checkAttestation(typeII('2025-06-30', '2025-06-30')).errors)).toEqual([['INVALID_PERIOD', 'periodEnd']]);
  });

  it('refuses a period that ends before it starts', () => {
    expect(codes(checkAttestation(typeII('2025-12-31', '2025-01-01')).errors)).toEqual(['INVALID_PERIOD']);
  });

  it('refuses an inverted period on a non-SOC report too', () => {
    const hipaa: AttestationFields = { ...iso27001, framework: 'HIPAA', certificateValidUntil: null, periodStart: d('2024-02-01'), periodEnd: d('2024-01-31') };
    expect(codes(checkAttestation(hipaa).errors)).toEqual(['INVALID_PERIOD']);
  });

  it('accepts a two-day period (with only a length warning)', () => {
    const outcome = checkAttestation(typeII('2025-06-29', '2025-06-30'));
    expect(outcome.errors).toEqual([]);
    expect(codes(outcome.warnings)).toEqual(['PERIOD_LENGTH_UNUSUAL']);
  });
});

describe('PERIOD_LENGTH_UNUSUAL (a warning, never an error)', () => {
  it.each([
    ['2025-01-01', '2025-03-31', 'exactly 3 months'],
    ['2025-01-01', '2025-12-31', 'exactly 12 months'],
    ['2025-01-01', '2025-06-30', '6 months'],
    ['2024-03-01', '2025-02-28', '12 months across a leap day'],
    ['2025-02-01', '2025-04-30', '3 months starting in February'],
  ])('does not warn for %s..%s (%s)', (start, end) => {
    expect(checkAttestation(typeII(start, end))).toEqual({ errors: [], warnings: [] });
  });

  it('warns that 2025-01-01..2025-03-30 is shorter than 3 months', () => {
    const outcome = checkAttestation(typeII('2025-01-01', '2025-03-30'));
    expect(outcome.errors).toEqual([]);
    expect(pairs(outcome.warnings)).toEqual([['PERIOD_LENGTH_UNUSUAL', 'periodEnd']]);
    expect(outcome.warnings[0]!.message).toMatch(/shorter/);
  });

  it('warns that 2025-01-01..2026-01-01 is longer than 12 months', () => {
    const outcome = checkAttestation(typeII('2025-01-01', '2026-01-01'));
    expect(outcome.errors).toEqual([]);
    expect(pairs(outcome.warnings)).toEqual([['PERIOD_LENGTH_UNUSUAL', 'periodEnd']]);
    expect(outcome.warnings[0]!.message).toMatch(/longer/);
  });

  it('does not warn about the length of a non-SOC period', () => {
    const hipaa: AttestationFields = { ...iso27001, framework: 'HIPAA', certificateValidUntil: null, periodStart: d('2024-01-01'), periodEnd: d('2024-01-10') };
    expect(checkAttestation(hipaa).warnings).toEqual([]);
  });

  it('warns exactly when the period is built from fewer than 3 or more than 12 whole months', () => {
    const startArb = fc.integer({ min: toDayNumber(d('2000-01-01')), max: toDayNumber(d('2090-12-31')) }).map(fromDayNumber);
    fc.assert(
      fc.property(startArb, fc.integer({ min: 1, max: 24 }), (start, months) => {
        const end = addDays(addMonths(start, months), -1);
        const outcome = checkAttestation({ ...soc2TypeII, periodStart: start, periodEnd: end, issueDate: end });
        expect(outcome.errors).toEqual([]);
        expect(codes(outcome.warnings)).toEqual(months < 3 || months > 12 ? ['PERIOD_LENGTH_UNUSUAL'] : []);
      }),
    );
  });
});

describe('AS_OF_REQUIRED', () => {
  it('refuses a Type I report without asOf', () => {
    expect(pairs(checkAttestation({ ...soc2TypeI, asOf: null }).errors)).toEqual([['AS_OF_REQUIRED', 'asOf']]);
  });

  it('accepts a Type I report with asOf', () => {
    expect(checkAttestation(soc2TypeI).errors).toEqual([]);
  });
});

describe('PERIOD_NOT_APPLICABLE', () => {
  it('refuses asOf on a Type II report, naming asOf', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, asOf: d('2025-12-31') }).errors)).toEqual([['PERIOD_NOT_APPLICABLE', 'asOf']]);
  });

  it('refuses a period on a Type I report, naming periodStart', () => {
    const errors = checkAttestation({ ...soc2TypeI, periodStart: d('2025-01-01'), periodEnd: d('2025-06-30') }).errors;
    expect(pairs(errors)).toEqual([['PERIOD_NOT_APPLICABLE', 'periodStart']]);
  });

  it('refuses a lone periodEnd on a Type I report, naming periodEnd', () => {
    expect(pairs(checkAttestation({ ...soc2TypeI, periodEnd: d('2025-06-30') }).errors)).toEqual([['PERIOD_NOT_APPLICABLE', 'periodEnd']]);
  });
});

describe('ISSUE_DATE_BEFORE_PERIOD_END', () => {
  it('refuses a Type II report issued before its period ends', () => {
    expect(pairs(checkAttestation({ ...soc2TypeII, issueDate: d('2025-12-30') }).errors)).toEqual([['ISSUE_DATE_BEFORE_PERIOD_END', 'issueDate']]);
  });

  it('accepts a Type II report issued on the last day of its period', () => {
    expect(checkAttestation({ ...soc2TypeII, issueDate: d('2025-12-31') }).errors).toEqual([]);
  });

  it('refuses a Type I report issued before its as-of date', () => {
    expect(codes(checkAttestation({ ...soc2TypeI, issueDate: d('2025-06-29') }).errors)).toEqual(['ISSUE_DATE_BEFORE_PERIOD_END']);
  });

  it('accepts a Type I report issued on its as-of date', () => {
    expect(checkAttestation({ ...soc2TypeI, issueDate: d('2025-06-30') }).errors).toEqual([]);
  });
});

describe('CERTIFICATE_VALIDITY_REQUIRED', () => {
  it.each(['ISO27001', 'ISO27701', 'PCI_DSS', 'HITRUST'] as const)('refuses a %s certificate without certificateValidUntil', (framework) => {
    expect(pairs(checkAttestation({ ...iso27001, framework, certificateValidUntil: null }).errors)).toEqual([
      ['CERTIFICATE_VALIDITY_REQUIRED', 'certificateValidUntil'],
    ]);
  });

  it('accepts a certificate with certificateValidUntil and no certificateValidFrom', () => {
    expect(checkAttestation({ ...iso27001, certificateValidFrom: null }).errors).toEqual([]);
  });

  it('does not require a validity for non-certificate frameworks', () => {
    expect(checkAttestation({ ...iso27001, framework: 'GDPR', certificateValidFrom: null, certificateValidUntil: null }).errors).toEqual([]);
  });
});

describe('INVALID_CERTIFICATE_VALIDITY', () => {
  it('refuses a certificate valid from the day it expires', () => {
    expect(pairs(checkAttestation({ ...iso27001, certificateValidFrom: d('2028-02-29'), certificateValidUntil: d('2028-02-29') }).errors)).toEqual([
      ['INVALID_CERTIFICATE_VALIDITY', 'certificateValidUntil'],
    ]);
  });

  it('refuses a certificate that expires before it is valid', () => {
    expect(codes(checkAttestation({ ...iso27001, certificateValidFrom: d('2028-03-01'), certificateValidUntil: d('2028-02-29') }).errors)).toEqual([
      'INVALID_CERTIFICATE_VALIDITY',
    ]);
  });

  it('accepts a certificate valid for two days', () => {
    expect(checkAttestation({ ...iso27001, certificateValidFrom: d('2028-02-28'), certificateValidUntil: d('2028-02-29') }).errors).toEqual([]);
  });
});

describe('checkPublishable', () => {
  it('OPINION_REQUIRED: refuses to publish a SOC report without an opinion', () => {
    expect(pairs(checkPublishable({ ...soc2TypeII, opinion: null }, d('2026-03-01')).errors)).toEqual([['OPINION_REQUIRED', 'opinion']]);
  });

  it('accepts a SOC report without an opinion as a draft', () => {
    expect(checkAttestation({ ...soc2TypeII, opinion: null }).errors).toEqual([]);
  });

  it('publishes a certificate without an opinion', () => {
    expect(checkPublishable(iso27001, d('2025-03-01')).errors).toEqual([]);
  });

  it.each(OPINIONS)('publishes a SOC report with a %s opinion', (opinion) => {
    expect(checkPublishable({ ...soc2TypeII, opinion }, d('2026-03-01')).errors).toEqual([]);
  });

  it('ISSUE_DATE_IN_FUTURE: refuses to publish a report issued after today', () => {
    expect(pairs(checkPublishable(soc2TypeII, d('2026-02-14')).errors)).toEqual([['ISSUE_DATE_IN_FUTURE', 'issueDate']]);
  });

  it('publishes a report issued today', () => {
    expect(checkPublishable(soc2TypeII, d('2026-02-15')).errors).toEqual([]);
  });

  it('keeps the checkAttestation errors and warnings', () => {
    const outcome = checkPublishable({ ...typeII('2025-01-01', '2025-01-31'), trustServiceCriteria: [] }, d('2027-12-31'));
    expect(codes(outcome.errors)).toEqual(['SECURITY_CRITERION_REQUIRED']);
    expect(codes(outcome.warnings)).toEqual(['PERIOD_LENGTH_UNUSUAL']);
  });
});

describe('reportDate', () => {
  const none = { periodEnd: null, asOf: null, certificateValidFrom: null, issueDate: d('2025-05-05') };

  it('is the period end when there is one', () => {
    expect(reportDate({ ...none, periodEnd: d('2025-01-01'), asOf: d('2025-02-02'), certificateValidFrom: d('2025-03-03') })).toBe('2025-01-01');
  });

  it('is the as-of date without a period end', () => {
    expect(reportDate({ ...none, asOf: d('2025-02-02'), certificateValidFrom: d('2025-03-03') })).toBe('2025-02-02');
  });

  it('is the certificate start without a period end or as-of date', () => {
    expect(reportDate({ ...none, certificateValidFrom: d('2025-03-03') })).toBe('2025-03-03');
  });

  it('falls back to the issue date', () => {
    expect(reportDate(none)).toBe('2025-05-05');
  });
});

describe('checkBridgeLetter', () => {
  const valid: BridgeLetterCheckInput = {
    report: { framework: 'SOC2', status: 'PUBLISHED', periodEnd: d('2025-12-31'), asOf: null },
    coveredThrough: null,
    letter: { coversFrom: d('2026-01-01'), coversThrough: d('2026-03-31'), issuedOn: d('2026-01-05') },
    maxMonths: 3,
    today: d('2026-04-10'),
  };
  const withLetter = (letter: Partial<BridgeLetterCheckInput['letter']>, rest: Partial<BridgeLetterCheckInput> = {}): BridgeLetterCheckInput => ({
    ...valid,
    ...rest,
    letter: { ...valid.letter, ...letter },
  });

  it('accepts a letter starting the day after the period end', () => {
    expect(checkBridgeLetter(valid)).toEqual([]);
  });

  describe('NOT_A_SOC_REPORT', () => {
    it.each(['ISO27001', 'HIPAA', 'OTHER'] as const)('refuses a letter for a %s report, and stops there', (framework) => {
      expect(pairs(checkBridgeLetter({ ...valid, report: { ...valid.report, framework, status: 'DRAFT' } }))).toEqual([
        ['NOT_A_SOC_REPORT', 'attestationId'],
      ]);
    });

    it('refuses a letter for a SOC report with neither period end nor as-of date', () => {
      expect(codes(checkBridgeLetter({ ...valid, report: { ...valid.report, periodEnd: null } }))).toEqual(['NOT_A_SOC_REPORT']);
    });

    it.each(['SOC1', 'SOC3'] as const)('accepts a letter for a %s report', (framework) => {
      expect(checkBridgeLetter({ ...valid, report: { ...valid.report, framework } })).toEqual([]);
    });

    it('accepts a letter for a Type I report, starting the day after its as-of date', () => {
      const input = withLetter(
        { coversFrom: d('2025-07-01'), coversThrough: d('2025-09-30'), issuedOn: d('2025-07-02') },
        { report: { framework: 'SOC2', status: 'PUBLISHED', periodEnd: null, asOf: d('2025-06-30') } },
      );
      expect(checkBridgeLetter(input)).toEqual([]);
    });
  });

  describe('REPORT_NOT_PUBLISHED', () => {
    it.each<AttestationStatus>(['DRAFT', 'SUPERSEDED', 'WITHDRAWN'])('refuses a letter for a %s report', (status) => {
      expect(pairs(checkBridgeLetter({ ...valid, report: { ...valid.report, status } }))).toEqual([['REPORT_NOT_PUBLISHED', 'attestationId']]);
    });
  });

  describe('INVALID_PERIOD', () => {
    it('refuses a letter that ends before it starts', () => {
      expect(pairs(checkBridgeLetter(withLetter({ coversThrough: d('2025-12-31') })))).toEqual([['INVALID_PERIOD', 'coversThrough']]);
    });

    it('accepts a one-day letter', () => {
      expect(checkBridgeLetter(withLetter({ coversThrough: d('2026-01-01') }))).toEqual([]);
    });
  });

  describe('BRIDGE_LETTER_GAP', () => {
    it('refuses a letter that leaves a gap after the period end', () => {
      expect(pairs(checkBridgeLetter(withLetter({ coversFrom: d('2026-01-02') })))).toEqual([['BRIDGE_LETTER_GAP', 'coversFrom']]);
    });

    it('refuses a letter that overlaps the period', () => {
      expect(codes(checkBridgeLetter(withLetter({ coversFrom: d('2025-12-31') })))).toEqual(['BRIDGE_LETTER_GAP']);
    });
  });

  describe('chaining from existing coverage', () => {
    const chained = (coversFrom: string, coversThrough = '2026-03-31'): BridgeLetterCheckInput =>
      withLetter({ coversFrom: d(coversFrom), coversThrough: d(coversThrough), issuedOn: d('2026-02-01') }, { coveredThrough: d('2026-01-31') });

    it('accepts a letter starting the day after the existing coverage ends', () => {
      expect(checkBridgeLetter(chained('2026-02-01'))).toEqual([]);
    });

    it('refuses a letter starting the day after the period end once coverage exists', () => {
      expect(pairs(checkBridgeLetter(chained('2026-01-01')))).toEqual([['BRIDGE_LETTER_GAP', 'coversFrom']]);
    });

    it('refuses a letter leaving a gap after the existing coverage', () => {
      expect(codes(checkBridgeLetter(chained('2026-02-02')))).toEqual(['BRIDGE_LETTER_GAP']);
    });

    it('measures the limit from the period end, not from the existing coverage', () => {
      expect(codes(checkBridgeLetter(chained('2026-02-01', '2026-04-01')))).toEqual(['BRIDGE_LETTER_TOO_LONG']);
    });
  });

  describe('BRIDGE_LETTER_TOO_LONG', () => {
    it('accepts a letter through exactly maxMonths after the period end (2025-12-31 + 3 = 2026-03-31)', () => {
      expect(checkBridgeLetter(withLetter({ coversThrough: d('2026-03-31') }))).toEqual([]);
    });

    it('refuses a letter one day past maxMonths after the period end (2026-04-01)', () => {
      expect(pairs(checkBridgeLetter(withLetter({ coversThrough: d('2026-04-01') })))).toEqual([['BRIDGE_LETTER_TOO_LONG', 'coversThrough']]);
    });

    it('follows the trust center limit (12 months)', () => {
      expect(checkBridgeLetter(withLetter({ coversThrough: d('2026-12-31') }, { maxMonths: 12 }))).toEqual([]);
      expect(codes(checkBridgeLetter(withLetter({ coversThrough: d('2027-01-01') }, { maxMonths: 12 })))).toEqual(['BRIDGE_LETTER_TOO_LONG']);
    });

    // Three months after a period ending on a month end run through the end of the third month, as the period
    // length rule counts months (from the day after the end): 2025-10-01..2025-12-31 is three whole months.
    it.each([
      ['2025-09-30', '2025-12-31'],
      ['2025-02-28', '2025-05-31'],
      ['2025-06-30', '2025-09-30'],
      ['2025-11-30', '2026-02-28'],
    ])('accepts three whole months after a period ending %s (through %s)', (periodEnd, through) => {
      const input = withLetter(
        { coversFrom: addDays(d(periodEnd), 1), coversThrough: d(through), issuedOn: addDays(d(periodEnd), 2) },
        { report: { ...valid.report, periodEnd: d(periodEnd) } },
      );
      expect(checkBridgeLetter(input)).toEqual([]);
    });

    it('refuses one day past that quarter (2026-01-01)', () => {
      const input = withLetter(
        { coversFrom: d('2025-10-01'), coversThrough: d('2026-01-01'), issuedOn: d('2025-10-02') },
        { report: { ...valid.report, periodEnd: d('2025-09-30') } },
      );
      expect(codes(checkBridgeLetter(input))).toEqual(['BRIDGE_LETTER_TOO_LONG']);
    });
  });

  describe('ISSUED_BEFORE_PERIOD_END', () => {
    it('refuses a letter issued on the last day of the period', () => {
      expect(pairs(checkBridgeLetter(withLetter({ issuedOn: d('2025-12-31') })))).toEqual([['ISSUED_BEFORE_PERIOD_END', 'issuedOn']]);
    });

    it('accepts a letter issued the day after the period end', () => {
      expect(checkBridgeLetter(withLetter({ issuedOn: d('2026-01-01') }))).toEqual([]);
    });
  });

  describe('ISSUED_IN_FUTURE', () => {
    it('refuses a letter dated after today', () => {
      expect(pairs(checkBridgeLetter(withLetter({ issuedOn: d('2026-04-11') })))).toEqual([['ISSUED_IN_FUTURE', 'issuedOn']]);
    });

    it('accepts a letter dated today', () => {
      expect(checkBridgeLetter(withLetter({ issuedOn: d('2026-04-10') }))).toEqual([]);
    });
  });
});

describe('attestation lifecycle', () => {
  const allowed: [AttestationStatus, AttestationStatus][] = [
    ['DRAFT', 'PUBLISHED'],
    ['DRAFT', 'SUPERSEDED'],
    ['PUBLISHED', 'SUPERSEDED'],
    ['PUBLISHED', 'WITHDRAWN'],
    ['SUPERSEDED', 'PUBLISHED'],
    ['SUPERSEDED', 'WITHDRAWN'],
  ];
  const isAllowed = (from: AttestationStatus, to: AttestationStatus): boolean => allowed.some(([f, t]) => f === from && t === to);
  const everyPair = ATTESTATION_STATUSES.flatMap((from) => ATTESTATION_STATUSES.map((to) => [from, to, isAllowed(from, to)] as const));

  it('covers all 16 pairs', () => {
    expect(everyPair).toHaveLength(16);
  });

  it.each(everyPair)('%s -> %s allowed: %s', (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });

  it('lists exactly the allowed transitions in ATTESTATION_TRANSITIONS', () => {
    for (const status of ATTESTATION_STATUSES) {
      expect([...ATTESTATION_TRANSITIONS[status]].sort()).toEqual(allowed.filter(([f]) => f === status).map(([, t]) => t).sort());
    }
  });

  it('makes WITHDRAWN terminal', () => {
    expect(ATTESTATION_TRANSITIONS.WITHDRAWN).toEqual([]);
  });
});

describe('checkAttestation property', () => {
  const dayArb = fc.integer({ min: toDayNumber(d('2000-01-01')), max: toDayNumber(d('2090-12-31')) });
  const otherCriteriaArb = fc.subarray(TRUST_SERVICE_CRITERIA.filter((c) => c !== 'SECURITY'));

  it('finds no errors in any valid SOC 2 Type II report', () => {
    fc.assert(
      fc.property(
        dayArb,
        fc.integer({ min: 1, max: 1000 }), // period length in days beyond the first
        fc.integer({ min: 0, max: 1000 }), // issue date offset from the period end
        otherCriteriaArb,
        fc.constantFrom(null, ...OPINIONS),
        (startDay, length, issueOffset, otherCriteria, opinion) => {
          const periodStart = fromDayNumber(startDay);
          const periodEnd = fromDayNumber(startDay + length);
          const fields: AttestationFields = {
            ...soc2TypeII,
            periodStart,
            periodEnd,
            issueDate: addDays(periodEnd, issueOffset),
            opinion,
            trustServiceCriteria: ['SECURITY', ...otherCriteria],
          };
          const outcome = checkAttestation(fields);
          expect(outcome.errors).toEqual([]);
          expect(outcome.warnings.every((w) => w.code === 'PERIOD_LENGTH_UNUSUAL')).toBe(true);
        },
      ),
    );
  });
});

describe('the whole calendar (issue #11: a draft with a period in year 9999 was a 500)', () => {
  it('measures Type II periods ending on 9999-12-31 like any other', () => {
    const period = (start: string, end: string) => checkAttestation({ ...soc2TypeII, periodStart: d(start), periodEnd: d(end), issueDate: d('9999-12-31') });
    expect(period('9999-01-01', '9999-12-31')).toEqual({ errors: [], warnings: [] }); // 12 months
    expect(period('9999-10-01', '9999-12-31')).toEqual({ errors: [], warnings: [] }); // 3 months
    expect(codes(period('9999-10-02', '9999-12-31').warnings)).toEqual(['PERIOD_LENGTH_UNUSUAL']); // shorter
    expect(period('9999-10-02', '9999-12-31').warnings[0]!.message).toMatch(/shorter/);
    expect(codes(period('9998-12-31', '9999-12-31').warnings)).toEqual(['PERIOD_LENGTH_UNUSUAL']); // a day longer
    expect(period('9998-12-31', '9999-12-31').warnings[0]!.message).toMatch(/longer/);
  });

  it('bridge letters: coverage through 9999-12-31 leaves nothing to extend; a limit past the calendar never bites', () => {
    const report = { framework: 'SOC2' as const, status: 'PUBLISHED' as const, periodEnd: d('9999-12-31'), asOf: null };
    const full = checkBridgeLetter({ report, coveredThrough: null, letter: { coversFrom: d('9999-12-31'), coversThrough: d('9999-12-31'), issuedOn: d('9999-12-31') }, maxMonths: 3, today: d('9999-12-31') });
    expect(full).toContainEqual({ code: 'BRIDGE_LETTER_GAP', field: 'coversFrom', message: expect.stringContaining('already covered through 9999-12-31') });
    const october = { ...report, periodEnd: d('9999-10-31') };
    expect(checkBridgeLetter({ report: october, coveredThrough: null, letter: { coversFrom: d('9999-11-01'), coversThrough: d('9999-12-31'), issuedOn: d('9999-11-02') }, maxMonths: 3, today: d('9999-12-31') })).toEqual([]);
  });

  const fieldsArb: fc.Arbitrary<AttestationFields> = fc.record({
    framework: fc.constantFrom(...FRAMEWORKS),
    socType: fc.constantFrom(null, 'TYPE_I' as const, 'TYPE_II' as const),
    start: anyDayArb,
    length: fc.integer({ min: -30, max: 800 }),
    issueLag: fc.integer({ min: -30, max: 400 }),
    hasPeriod: fc.boolean(),
    asOf: fc.option(anyDateArb, { nil: null }),
    validity: fc.option(fc.integer({ min: -30, max: 4 * 366 }), { nil: null }),
    opinion: fc.constantFrom(null, ...OPINIONS),
  }).map((x): AttestationFields => {
    const end = dateWithin(x.start, x.length);
    return {
      framework: x.framework, socType: x.socType, opinion: x.opinion, trustServiceCriteria: ['SECURITY'],
      periodStart: x.hasPeriod ? fromDayNumber(x.start) : null, periodEnd: x.hasPeriod ? end : null, asOf: x.asOf,
      issueDate: dateWithin(toDayNumber(end), x.issueLag),
      certificateValidFrom: x.validity === null ? null : fromDayNumber(x.start),
      certificateValidUntil: x.validity === null ? null : dateWithin(x.start, x.validity),
    };
  });

  it('checkAttestation and checkPublishable never throw', () => {
    fc.assert(
      fc.property(fieldsArb, anyDateArb, (fields, today) => {
        expect(() => checkAttestation(fields)).not.toThrow();
        expect(() => checkPublishable(fields, today)).not.toThrow();
        if (CERTIFICATE_FRAMEWORKS.includes(fields.framework)) expect(() => checkAttestation({ ...fields, certificateValidUntil: null })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });

  it('warns about a Type II period exactly by the monthsBetween rule, wherever the calendar can state it', () => {
    fc.assert(
      fc.property(anyDayArb, fc.integer({ min: 1, max: 500 }), (startDay, length) => {
        const periodStart = fromDayNumber(startDay);
        const periodEnd = dateWithin(startDay, length);
        if (periodEnd === periodStart) return;
        const warned = codes(checkAttestation({ ...soc2TypeII, periodStart, periodEnd, issueDate: periodEnd }).warnings).includes('PERIOD_LENGTH_UNUSUAL');
        // The reference needs the day after the end and the start + 12 months as dates: skip where they are not.
        if (toDayNumber(periodEnd) >= LAST_DAY || toDayNumber(addDays(periodEnd, 1)) > toDayNumber(d('9998-12-31'))) return;
        const dayAfter = addDays(periodEnd, 1);
        expect(warned).toBe(monthsBetween(periodStart, dayAfter) < 3 || dayAfter > addMonths(periodStart, 12));
      }),
      { numRuns: 1000 },
    );
  });

  it('checkBridgeLetter never throws', () => {
    fc.assert(
      fc.property(
        anyDayArb, fc.integer({ min: 0, max: 400 }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 400 }), fc.integer({ min: -5, max: 60 }),
        fc.integer({ min: 1, max: 12 }), fc.boolean(), anyDateArb,
        (end, coveredBy, startOffset, length, issueLag, maxMonths, typeI, today) => {
          const periodEnd = fromDayNumber(end);
          const covered = dateWithin(end, coveredBy);
          const coversFrom = dateWithin(toDayNumber(covered), 1 + startOffset);
          const coversThrough = dateWithin(toDayNumber(coversFrom), length);
          const input: BridgeLetterCheckInput = {
            report: { framework: 'SOC2', status: 'PUBLISHED', periodEnd: typeI ? null : periodEnd, asOf: typeI ? periodEnd : null },
            coveredThrough: coveredBy === 0 ? null : covered,
            letter: { coversFrom, coversThrough, issuedOn: dateWithin(toDayNumber(coversFrom), issueLag) },
            maxMonths,
            today,
          };
          expect(() => checkBridgeLetter(input)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });
});
