import { compareDates, type CalendarDate } from '../domain/calendar-date';
import type { Framework, SocType } from '../domain/attestation';
import type { FreshnessState } from '../domain/freshness';

/** Words for people, shared by the hosted page, the badge and mail: no I/O, no markup. */

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * "31 Aug 2026" (`short`, the pages and badges) or "31 August 2026" (`long`, mail): unambiguous in every locale (no
 * 08/31 vs 31/08). A Date is its UTC calendar day.
 */
export function dayInWords(date: CalendarDate | Date, months: 'short' | 'long' = 'short'): string {
  const [y, m, d] = typeof date === 'string' ? date.split('-').map(Number) : [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
  const month = MONTHS[m! - 1]!;
  return `${d} ${months === 'long' ? month : month.slice(0, 3)} ${y}`;
}

/** "3 December 2026, 14:05 UTC": a moment written for people (readers live in every time zone: always UTC, named). */
export function momentInWords(at: Date): string {
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  return `${dayInWords(at, 'long')}, ${hh}:${mm} UTC`;
}

const FRAMEWORK_LABELS: Record<Framework, string> = {
  SOC1: 'SOC 1', SOC2: 'SOC 2', SOC3: 'SOC 3', ISO27001: 'ISO/IEC 27001', ISO27701: 'ISO/IEC 27701', PCI_DSS: 'PCI DSS',
  HIPAA: 'HIPAA', HITRUST: 'HITRUST', CSA_STAR: 'CSA STAR', GDPR: 'GDPR', OTHER: 'Other',
};

export const frameworkLabel = (f: Framework): string => FRAMEWORK_LABELS[f];

/** "SOC 2 Type II", "ISO/IEC 27001". */
export function attestationName(a: { framework: Framework; socType?: SocType | null; title?: string | null }): string {
  const base = a.framework === 'OTHER' && a.title ? a.title : frameworkLabel(a.framework);
  return a.socType ? `${base} ${a.socType === 'TYPE_I' ? 'Type I' : 'Type II'}` : base;
}

export const FRESHNESS_WORDS: Record<FreshnessState, string> = {
  CURRENT: 'current',
  EXPIRING_SOON: 'expiring soon',
  STALE: 'stale',
  NONE: 'none',
};

export interface FreshnessFacts {
  framework: Framework;
  socType?: SocType | null;
  title?: string | null;
  periodEnd?: CalendarDate | null;
  asOf?: CalendarDate | null;
  issueDate: CalendarDate;
  certificateValidUntil?: CalendarDate | null;
  freshness: { state: FreshnessState; expiresOn: CalendarDate | null; daysUntilStale: number | null; coveredThrough: CalendarDate | null };
}

/**
 * "SOC 2 Type II, period ended 31 Aug 2026, current until 31 Aug 2027; a bridge letter covers through 30 Nov 2026".
 * The state is always said in words (colour is never the only signal).
 */
export function freshnessSentence(a: FreshnessFacts): string {
  const parts = [attestationName(a)];
  if (a.periodEnd) parts.push(`period ended ${dayInWords(a.periodEnd)}`);
  else if (a.asOf) parts.push(`as of ${dayInWords(a.asOf)}`);
  else if (a.certificateValidUntil) parts.push(`certificate issued ${dayInWords(a.issueDate)}`);
  else parts.push(`issued ${dayInWords(a.issueDate)}`);
  const f = a.freshness;
  const until = f.expiresOn && f.expiresOn !== '9999-12-31' ? dayInWords(f.expiresOn) : null;
  switch (f.state) {
    case 'CURRENT':
      parts.push(until ? `current until ${until}` : 'current');
      break;
    case 'EXPIRING_SOON':
      parts.push(until ? `expiring soon: current until ${until}${f.daysUntilStale !== null ? ` (${plural(f.daysUntilStale, 'day')} left)` : ''}` : 'expiring soon');
      break;
    case 'STALE':
      parts.push(until ? `stale: out of date since ${until}` : 'stale');
      break;
    case 'NONE':
      parts.push('no freshness date');
      break;
  }
  let sentence = parts.join(', ');
  const end = a.periodEnd ?? a.asOf ?? null;
  if (end && f.coveredThrough && compareDates(f.coveredThrough, end) > 0) sentence += `; a bridge letter covers through ${dayInWords(f.coveredThrough)}`;
  return sentence;
}

export function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
