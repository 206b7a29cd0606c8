import { addMonthsToDayNumber, compareDates, fromDayNumber, MAX_DATE, toDayNumber, type CalendarDate } from './calendar-date';

/**
 * Attestation rules with no I/O: what a valid report or certificate looks like, and what may extend it.
 * Services call these and turn violations into typed payload errors; the database repeats the hard ones as CHECKs.
 * Total over every representable date: date arithmetic runs on day numbers with no range limit, so a stored report
 * dated 9999-12-31 gets the same verdicts as any other instead of a RangeError.
 */
export const FRAMEWORKS = [
  'SOC1', 'SOC2', 'SOC3', 'ISO27001', 'ISO27701', 'PCI_DSS', 'HIPAA', 'HITRUST', 'CSA_STAR', 'GDPR', 'OTHER',
] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export const SOC_TYPES = ['TYPE_I', 'TYPE_II'] as const;
export type SocType = (typeof SOC_TYPES)[number];
export const OPINIONS = ['UNQUALIFIED', 'QUALIFIED', 'ADVERSE', 'DISCLAIMER'] as const;
export type Opinion = (typeof OPINIONS)[number];
export const TRUST_SERVICE_CRITERIA = ['SECURITY', 'AVAILABILITY', 'PROCESSING_INTEGRITY', 'CONFIDENTIALITY', 'PRIVACY'] as const;
export type TrustServiceCriterion = (typeof TRUST_SERVICE_CRITERIA)[number];
export const ATTESTATION_STATUSES = ['DRAFT', 'PUBLISHED', 'SUPERSEDED', 'WITHDRAWN'] as const;
export type AttestationStatus = (typeof ATTESTATION_STATUSES)[number];
export const SUBSERVICE_METHODS = ['INCLUSIVE', 'CARVE_OUT'] as const;
export type SubserviceMethod = (typeof SUBSERVICE_METHODS)[number];

/** An exception as the API shows it: with its stable id (see findings.ts) and the auditor's test result. */
export interface ReportException {
  id: string;
  controlRef: string;
  description: string;
  testResult: string | null;
  managementResponse: string | null;
}
/** An exception as stored in the attestation's jsonb: rows written before ids and test results may lack them. */
export interface StoredReportException {
  id?: string;
  controlRef: string;
  description: string;
  testResult?: string | null;
  managementResponse: string | null;
}
export interface SubserviceOrganization {
  name: string;
  method: SubserviceMethod;
  services: string | null;
}
export interface ComplementaryControl {
  ref: string | null;
  description: string;
}

export const SOC_FRAMEWORKS: readonly Framework[] = ['SOC1', 'SOC2', 'SOC3'];
/** Frameworks whose evidence is a certificate with its own validity (ISO: 3 years; PCI AOC: 1; HITRUST r2: 2). */
export const CERTIFICATE_FRAMEWORKS: readonly Framework[] = ['ISO27001', 'ISO27701', 'PCI_DSS', 'HITRUST'];
const TSC_FRAMEWORKS: readonly Framework[] = ['SOC2', 'SOC3'];

export const isSocFramework = (f: Framework): boolean => SOC_FRAMEWORKS.includes(f);

export type AttestationRuleCode =
  | 'SECURITY_CRITERION_REQUIRED'
  | 'CRITERIA_NOT_APPLICABLE'
  | 'SOC_TYPE_REQUIRED'
  | 'SOC_TYPE_NOT_APPLICABLE'
  | 'PERIOD_REQUIRED'
  | 'INVALID_PERIOD'
  | 'PERIOD_LENGTH_UNUSUAL'
  | 'AS_OF_REQUIRED'
  | 'PERIOD_NOT_APPLICABLE'
  | 'ISSUE_DATE_BEFORE_PERIOD_END'
  | 'ISSUE_DATE_IN_FUTURE'
  | 'CERTIFICATE_VALIDITY_REQUIRED'
  | 'INVALID_CERTIFICATE_VALIDITY'
  | 'OPINION_REQUIRED'
  | 'OPINION_NOT_APPLICABLE';

export interface RuleViolation<C extends string = AttestationRuleCode> {
  code: C;
  field: string;
  message: string;
}

export interface AttestationFields {
  framework: Framework;
  socType: SocType | null;
  periodStart: CalendarDate | null;
  periodEnd: CalendarDate | null;
  asOf: CalendarDate | null;
  issueDate: CalendarDate;
  opinion: Opinion | null;
  trustServiceCriteria: readonly TrustServiceCriterion[];
  certificateValidFrom: CalendarDate | null;
  certificateValidUntil: CalendarDate | null;
}

export interface RuleOutcome<C extends string = AttestationRuleCode> {
  errors: RuleViolation<C>[];
  warnings: RuleViolation<C>[];
}

/** Checks that hold for drafts and published reports alike. */
export function checkAttestation(a: AttestationFields): RuleOutcome {
  const errors: RuleViolation[] = [];
  const warnings: RuleViolation[] = [];
  const err = (code: AttestationRuleCode, field: string, message: string): void => void errors.push({ code, field, message });
  const soc = isSocFramework(a.framework);

  if (TSC_FRAMEWORKS.includes(a.framework)) {
    // Security (the common criteria) is in scope of every SOC 2 examination, and so of the SOC 3 that summarises one.
    if (!a.trustServiceCriteria.includes('SECURITY')) {
      err('SECURITY_CRITERION_REQUIRED', 'trustServiceCriteria', `A ${a.framework} report always includes the Security criterion.`);
    }
  } else if (a.trustServiceCriteria.length > 0) {
    err('CRITERIA_NOT_APPLICABLE', 'trustServiceCriteria', `Trust Service Criteria apply to SOC 2 and SOC 3 only, not ${a.framework}.`);
  }

  if (soc && a.socType === null) err('SOC_TYPE_REQUIRED', 'socType', `A ${a.framework} report is TYPE_I or TYPE_II.`);
  if (!soc && a.socType !== null) err('SOC_TYPE_NOT_APPLICABLE', 'socType', `socType applies to SOC reports only, not ${a.framework}.`);
  if (!soc && a.opinion !== null && !['HIPAA', 'OTHER'].includes(a.framework)) {
    err('OPINION_NOT_APPLICABLE', 'opinion', `An auditor's opinion applies to SOC reports, not ${a.framework}.`);
  }

  if (a.socType === 'TYPE_II' || (!soc && (a.periodStart !== null || a.periodEnd !== null))) {
    if (a.periodStart === null || a.periodEnd === null) {
      err('PERIOD_REQUIRED', a.periodStart === null ? 'periodStart' : 'periodEnd', 'A Type II report covers a period: give periodStart and periodEnd.');
    } else if (compareDates(a.periodStart, a.periodEnd) >= 0) {
      err('INVALID_PERIOD', 'periodEnd', `periodStart (${a.periodStart}) must be before periodEnd (${a.periodEnd}).`);
    } else if (a.socType === 'TYPE_II') {
      // In whole months up to the day after the end (monthsBetween's rule): fewer than 3, or past 12.
      const start = toDayNumber(a.periodStart);
      const dayAfterEnd = toDayNumber(a.periodEnd) + 1;
      const underThree = addMonthsToDayNumber(start, 3) > dayAfterEnd;
      const overTwelve = dayAfterEnd > addMonthsToDayNumber(start, 12);
      if (underThree || overTwelve) {
        warnings.push({
          code: 'PERIOD_LENGTH_UNUSUAL',
          field: 'periodEnd',
          message: `A Type II period usually lasts 3 to 12 months; ${a.periodStart} to ${a.periodEnd} is ${overTwelve ? 'longer' : 'shorter'}.`,
        });
      }
    }
    if (a.asOf !== null && a.socType === 'TYPE_II') err('PERIOD_NOT_APPLICABLE', 'asOf', 'A Type II report has a period, not an as-of date.');
  }
  if (a.socType === 'TYPE_I') {
    if (a.asOf === null) err('AS_OF_REQUIRED', 'asOf', 'A Type I report is as of a date: give asOf.');
    if (a.periodStart !== null || a.periodEnd !== null) {
      err('PERIOD_NOT_APPLICABLE', a.periodStart !== null ? 'periodStart' : 'periodEnd', 'A Type I report is as of a date, not over a period.');
    }
  }

  const coverageEnd = a.periodEnd ?? a.asOf;
  if (coverageEnd !== null && compareDates(a.issueDate, coverageEnd) < 0) {
    err('ISSUE_DATE_BEFORE_PERIOD_END', 'issueDate', `The report cannot be issued (${a.issueDate}) before the end of what it covers (${coverageEnd}).`);
  }

  if (CERTIFICATE_FRAMEWORKS.includes(a.framework) && a.certificateValidUntil === null) {
    err('CERTIFICATE_VALIDITY_REQUIRED', 'certificateValidUntil', `A ${a.framework} certificate states its expiry: give certificateValidUntil.`);
  }
  if (a.certificateValidFrom !== null && a.certificateValidUntil !== null && compareDates(a.certificateValidFrom, a.certificateValidUntil) >= 0) {
    err('INVALID_CERTIFICATE_VALIDITY', 'certificateValidUntil', 'certificateValidFrom must be before certificateValidUntil.');
  }
  return { errors, warnings };
}

/** Extra checks before a report goes public. */
export function checkPublishable(a: AttestationFields, today: CalendarDate): RuleOutcome {
  const outcome = checkAttestation(a);
  if (isSocFramework(a.framework) && a.opinion === null) {
    outcome.errors.push({ code: 'OPINION_REQUIRED', field: 'opinion', message: "A SOC report is published with its auditor's opinion." });
  }
  if (compareDates(a.issueDate, today) > 0) {
    outcome.errors.push({ code: 'ISSUE_DATE_IN_FUTURE', field: 'issueDate', message: `The issue date ${a.issueDate} is after today (${today}).` });
  }
  return outcome;
}

/** The date a report "is as of", used to order reports of one framework and type (newest supersedes older). */
export function reportDate(a: Pick<AttestationFields, 'periodEnd' | 'asOf' | 'certificateValidFrom' | 'issueDate'>): CalendarDate {
  return a.periodEnd ?? a.asOf ?? a.certificateValidFrom ?? a.issueDate;
}

export type BridgeLetterRuleCode =
  | 'REPORT_NOT_PUBLISHED'
  | 'NOT_A_SOC_REPORT'
  | 'INVALID_PERIOD'
  | 'BRIDGE_LETTER_GAP'
  | 'BRIDGE_LETTER_TOO_LONG'
  | 'ISSUED_BEFORE_PERIOD_END'
  | 'ISSUED_IN_FUTURE';

export interface BridgeLetterCheckInput {
  report: { framework: Framework; status: AttestationStatus; periodEnd: CalendarDate | null; asOf: CalendarDate | null };
  /** The last day already covered by the report and its existing letters. */
  coveredThrough: CalendarDate | null;
  letter: { coversFrom: CalendarDate; coversThrough: CalendarDate; issuedOn: CalendarDate };
  maxMonths: number;
  today: CalendarDate;
}

/**
 * A bridge letter starts the day after the coverage it extends (the period end, or the previous letter's end), covers
 * at most `maxMonths` past the period end, and belongs to a published SOC report.
 */
export function checkBridgeLetter(input: BridgeLetterCheckInput): RuleViolation<BridgeLetterRuleCode>[] {
  const errors: RuleViolation<BridgeLetterRuleCode>[] = [];
  const { report, letter } = input;
  const reportEnd = report.periodEnd ?? report.asOf;
  if (!isSocFramework(report.framework) || reportEnd === null) {
    errors.push({ code: 'NOT_A_SOC_REPORT', field: 'attestationId', message: 'Bridge letters extend SOC reports only.' });
    return errors;
  }
  if (report.status !== 'PUBLISHED') {
    errors.push({ code: 'REPORT_NOT_PUBLISHED', field: 'attestationId', message: `Bridge letters extend a published report; this one is ${report.status}.` });
  }
  if (compareDates(letter.coversFrom, letter.coversThrough) > 0) {
    errors.push({ code: 'INVALID_PERIOD', field: 'coversThrough', message: 'coversThrough must not be before coversFrom.' });
  }
  // Day numbers, not dates: the day after coverage ending 9999-12-31 exists, it just has no date to write.
  const expectedStart = toDayNumber(input.coveredThrough ?? reportEnd) + 1;
  if (toDayNumber(letter.coversFrom) !== expectedStart) {
    errors.push({
      code: 'BRIDGE_LETTER_GAP',
      field: 'coversFrom',
      message: expectedStart > toDayNumber(MAX_DATE)
        ? `The report is already covered through ${MAX_DATE}, the last supported date: no bridge letter can extend it.`
        : `A bridge letter starts the day after the coverage it extends: expected ${fromDayNumber(expectedStart)}, got ${letter.coversFrom}.`,
    });
  }
  // Whole months after the period end, counted from the day after it: a letter after 2025-09-30 may run through 2025-12-31.
  const limit = addMonthsToDayNumber(toDayNumber(reportEnd) + 1, input.maxMonths) - 1;
  if (toDayNumber(letter.coversThrough) > limit) {
    // coversThrough is a representable date past the limit, so the limit is representable too.
    errors.push({
      code: 'BRIDGE_LETTER_TOO_LONG',
      field: 'coversThrough',
      message: `Bridge letters may cover at most ${input.maxMonths} months after the period end (through ${fromDayNumber(limit)}).`,
    });
  }
  if (compareDates(letter.issuedOn, reportEnd) <= 0) {
    errors.push({ code: 'ISSUED_BEFORE_PERIOD_END', field: 'issuedOn', message: `A bridge letter is issued after the period end (${reportEnd}).` });
  }
  if (compareDates(letter.issuedOn, input.today) > 0) {
    errors.push({ code: 'ISSUED_IN_FUTURE', field: 'issuedOn', message: `The letter's date ${letter.issuedOn} is after today (${input.today}).` });
  }
  return errors;
}

/**
 * The attestation lifecycle. SUPERSEDED -> PUBLISHED happens when the report that superseded it is withdrawn: the
 * previous report is current again.
 */
export const ATTESTATION_TRANSITIONS: Readonly<Record<AttestationStatus, readonly AttestationStatus[]>> = {
  DRAFT: ['PUBLISHED', 'SUPERSEDED'],
  PUBLISHED: ['SUPERSEDED', 'WITHDRAWN'],
  SUPERSEDED: ['PUBLISHED', 'WITHDRAWN'],
  WITHDRAWN: [],
};

export function canTransition(from: AttestationStatus, to: AttestationStatus): boolean {
  return ATTESTATION_TRANSITIONS[from].includes(to);
}
