import { createHash } from 'node:crypto';
import type { ReportException, StoredReportException } from './attestation';
import { addMonths, compareDates, type CalendarDate } from './calendar-date';

/**
 * A report's findings (issue 14, item 1), with no I/O: the stable identity of each exception, and the rules for the
 * vendor's management response and remediation plan on one. Services turn violations into typed payload errors.
 */

export const REMEDIATION_STATUSES = ['OPEN', 'IN_PROGRESS', 'REMEDIATED', 'RISK_ACCEPTED'] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

/** The longest management response or remediation plan, in characters (as long as an exception's own description). */
export const RESPONSE_TEXT_MAX = 5000;
/** A target date further out than this many years from today is not a plan. */
export const TARGET_DATE_MAX_YEARS = 5;

/**
 * The id of an exception stored before exceptions carried one: derived from its control and description (and which
 * occurrence of that pair it is), uuid-shaped. Deterministic, so the same stored report always shows the same ids,
 * and the next save of the report keeps them (an unchanged exception is matched to its old id) and stores them.
 */
export function derivedExceptionId(controlRef: string, description: string, occurrence: number): string {
  const hex = createHash('sha256').update(`${controlRef}\u0000${description}\u0000${occurrence}`).digest('hex');
  // Version 8 ("custom") and the RFC 4122 variant, so the value is a valid uuid for the uuid column and ID checks.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The exceptions as the API shows them: every one with an id (stored, or derived for older rows) and a test result. */
export function reportExceptions(stored: readonly StoredReportException[]): ReportException[] {
  const seen = new Map<string, number>();
  return stored.map((x) => {
    let id = x.id;
    if (!id) {
      const key = `${x.controlRef}\u0000${x.description}`;
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      id = derivedExceptionId(x.controlRef, x.description, occurrence);
    }
    return { id, controlRef: x.controlRef, description: x.description, testResult: x.testResult ?? null, managementResponse: x.managementResponse ?? null };
  });
}

export interface ExceptionInput {
  id?: string | null;
  controlRef: string;
  description: string;
  testResult?: string | null;
  managementResponse?: string | null;
}

export type AssignedExceptions = { ok: true; exceptions: ReportException[] } | { ok: false; index: number; message: string };

/**
 * The new list of a report's exceptions, each with its id. An input naming an `id` keeps that exception's identity (and
 * so its vendor response) while its text is corrected; an input without one takes the id of an unchanged exception
 * (same control and description) of the previous list, or a new id. An id that names no previous exception, or one
 * named twice, is refused.
 */
export function assignExceptionIds(input: readonly ExceptionInput[], previous: readonly ReportException[], newId: () => string): AssignedExceptions {
  const known = new Set(previous.map((x) => x.id));
  const claimed = new Set<string>();
  for (const [index, x] of input.entries()) {
    if (x.id == null) continue;
    if (!known.has(x.id)) return { ok: false, index, message: `exceptions[${index}].id ${x.id} names no exception of this report: leave it out for a new one.` };
    if (claimed.has(x.id)) return { ok: false, index, message: `exceptions[${index}].id ${x.id} is given twice.` };
    claimed.add(x.id);
  }
  const exceptions = input.map((x) => {
    let id = x.id ?? null;
    if (id === null) {
      const same = previous.find((p) => !claimed.has(p.id) && p.controlRef === x.controlRef && p.description === x.description);
      id = same ? same.id : newId();
      claimed.add(id);
    }
    return { id, controlRef: x.controlRef, description: x.description, testResult: x.testResult ?? null, managementResponse: x.managementResponse ?? null };
  });
  return { ok: true, exceptions };
}

export type ExceptionResponseRuleCode = 'TEXT_TOO_LONG' | 'INVALID_TARGET_DATE';

/**
 * A target date is a day the remediation is due: not before the report's coverage starts (the exception cannot be
 * fixed before it was observed), and at most TARGET_DATE_MAX_YEARS after today.
 */
export function checkTargetDate(targetDate: CalendarDate, coverageStart: CalendarDate, today: CalendarDate): string | null {
  if (compareDates(targetDate, coverageStart) < 0) {
    return `targetDate ${targetDate} is before the report's coverage starts (${coverageStart}): a remediation cannot be due before the exception was observed.`;
  }
  const latest = addMonths(today, TARGET_DATE_MAX_YEARS * 12);
  if (compareDates(targetDate, latest) > 0) return `targetDate ${targetDate} is more than ${TARGET_DATE_MAX_YEARS} years away (latest ${latest}).`;
  return null;
}

/** A response text as stored: trimmed, and null when empty. */
export function normalizeResponseText(text: string | null | undefined): string | null | undefined {
  if (text === undefined || text === null) return text;
  const trimmed = text.replace(/\r\n/g, '\n').trim();
  return trimmed === '' ? null : trimmed;
}
