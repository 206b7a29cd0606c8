import type { AttestationFields, Framework, Opinion, SocType, TrustServiceCriterion } from '../../domain/attestation';
import type { CalendarDate } from '../../domain/calendar-date';
import type { BridgeLetterFacts } from '../../domain/freshness';

/** An attestation's dates as stored: PostgreSQL `date` columns, which the driver returns as 'YYYY-MM-DD' text. */
export interface StoredDates {
  periodStart: string | null;
  periodEnd: string | null;
  asOf: string | null;
  issueDate: string;
  certificateValidFrom: string | null;
  certificateValidUntil: string | null;
}

/** The calendar dates the rules and freshness read (the `date` type guarantees the format). */
export type AttestationDates = Pick<AttestationFields, 'periodStart' | 'periodEnd' | 'asOf' | 'issueDate' | 'certificateValidFrom' | 'certificateValidUntil'>;

const day = (value: string): CalendarDate => value as CalendarDate;
const dayOrNull = (value: string | null | undefined): CalendarDate | null => (value == null ? null : day(value));

/** The one place stored attestation dates become calendar dates (entities, raw rows and tracked reports alike). */
export function attestationDates(a: StoredDates): AttestationDates {
  return {
    periodStart: dayOrNull(a.periodStart),
    periodEnd: dayOrNull(a.periodEnd),
    asOf: dayOrNull(a.asOf),
    issueDate: day(a.issueDate),
    certificateValidFrom: dayOrNull(a.certificateValidFrom),
    certificateValidUntil: dayOrNull(a.certificateValidUntil),
  };
}

/** What the attestation rules check, from a stored attestation (criteria default to none, as the column does). */
export function attestationFacts(
  a: StoredDates & { framework: Framework; socType: SocType | null; opinion: Opinion | null; trustServiceCriteria?: readonly TrustServiceCriterion[] | null },
): AttestationFields {
  return { framework: a.framework, socType: a.socType, opinion: a.opinion, trustServiceCriteria: a.trustServiceCriteria ?? [], ...attestationDates(a) };
}

/** A stored bridge letter's coverage as calendar dates. */
export const bridgeLetterFacts = (l: { coversFrom: string; coversThrough: string; issuedOn: string }): BridgeLetterFacts => ({
  coversFrom: day(l.coversFrom),
  coversThrough: day(l.coversThrough),
  issuedOn: day(l.issuedOn),
});
