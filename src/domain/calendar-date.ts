/**
 * Calendar dates with no time zone, as branded 'YYYY-MM-DD' strings.
 *
 * Report periods, issue dates and certificate validity are civil dates: storing them as
 * instants would shift them by a day for anyone east or west of UTC, so all arithmetic here
 * works on whole days and only uses UTC to count them.
 */

export type CalendarDate = string & { readonly __brand: 'CalendarDate' };

const MS_PER_DAY = 86_400_000;
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;
// Anchored so the format stays exactly four-digit years; wider years would break string ordering.

const MIN_DAY_NUMBER = Date.UTC(MIN_YEAR, 0, 1) / MS_PER_DAY;
const MAX_DAY_NUMBER = Date.UTC(MAX_YEAR, 11, 31) / MS_PER_DAY;

/** The first and last days this module can represent. */
export const MIN_DATE = '1000-01-01' as CalendarDate;
export const MAX_DATE = '9999-12-31' as CalendarDate;

/**
 * The dates the API accepts as input (the Date scalar refuses others). Far inside MIN_DATE..MAX_DATE on purpose: what
 * the rules derive from an input (an expiry 60 months on, a bridge-letter limit, the day before a range) must stay
 * representable, and no report, letter or evaluation date outside these years is anything but a typo.
 */
export const INPUT_DATE_RANGE: { readonly min: CalendarDate; readonly max: CalendarDate } = Object.freeze({
  min: '1900-01-01' as CalendarDate,
  max: '2999-12-31' as CalendarDate,
});

/** Whether `d` is a date the API accepts as input (INPUT_DATE_RANGE). */
export function isInputDate(d: CalendarDate): boolean {
  return compareDates(d, INPUT_DATE_RANGE.min) >= 0 && compareDates(d, INPUT_DATE_RANGE.max) <= 0;
}

/** Number of days in a month; `month` is 1-12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Strict 'YYYY-MM-DD' (years 1000-9999) naming a real day; anything else is null. */
export function parseCalendarDate(value: string): CalendarDate | null {
  // Callers feed this untrusted input (GraphQL scalars, DB rows), so tolerate non-strings at runtime.
  // Read in place, no regex and no match array: every Date a response carries is checked here (DateScalar.serialize),
  // hundreds per vendorStatuses page.
  if (typeof value !== 'string' || value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return null;
  for (let i = 0; i < 10; i++) {
    if (i === 4 || i === 7) continue;
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  if (year < MIN_YEAR || year > MAX_YEAR) return null;
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return value as CalendarDate;
}

/** Like parseCalendarDate, but throws a RangeError naming the bad value. */
export function calendarDate(value: string): CalendarDate {
  const parsed = parseCalendarDate(value);
  if (parsed === null) {
    throw new RangeError(
      `Invalid calendar date ${JSON.stringify(value)}: expected a real date formatted YYYY-MM-DD with a year from ${MIN_YEAR} to ${MAX_YEAR}`,
    );
  }
  return parsed;
}

/** Days since 1970-01-01 (negative before it). */
export function toDayNumber(d: CalendarDate): number {
  // Digits read in place (no substrings): a portfolio evaluation calls this thousands of times per request.
  return daysFromCivil(digits(d, 0, 4), digits(d, 5, 2), digits(d, 8, 2));
}

/** Days from civil (proleptic Gregorian, any year), after Howard Hinnant's algorithm; equal to Date.UTC(...) / MS_PER_DAY. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Inverse of daysFromCivil for any day number (Hinnant's civil_from_days): [year, month 1-12, day 1-31]. */
function civilFromDays(n: number): [number, number, number] {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** Inverse of toDayNumber; throws RangeError outside 1000-01-01..9999-12-31 or for non-integers. */
export function fromDayNumber(n: number): CalendarDate {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`Day number must be an integer, got ${n}`);
  }
  if (n < MIN_DAY_NUMBER || n > MAX_DAY_NUMBER) {
    throw new RangeError(`Day number ${n} is outside the supported years ${MIN_YEAR}-${MAX_YEAR}`);
  }
  const date = new Date(n * MS_PER_DAY);
  return format(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

export function addDays(d: CalendarDate, n: number): CalendarDate {
  assertInteger(n, 'addDays');
  return fromDayNumber(toDayNumber(d) + n);
}

/**
 * Adds calendar months, clamping to the end of a shorter month
 * (2024-01-31 + 1 = 2024-02-29; 2024-02-29 + 12 = 2025-02-28), as auditors count report age.
 */
export function addMonths(d: CalendarDate, n: number): CalendarDate {
  assertInteger(n, 'addMonths');
  const [year, month, day] = shiftMonths(digits(d, 0, 4), digits(d, 5, 2), digits(d, 8, 2), n);
  if (year < MIN_YEAR || year > MAX_YEAR) {
    throw new RangeError(`${d} + ${n} months is outside the supported years ${MIN_YEAR}-${MAX_YEAR}`);
  }
  return format(year, month, day);
}

/**
 * addDays and addMonths that never throw at the edges of the calendar: a result before MIN_DATE or after MAX_DATE
 * saturates there. For dates derived from stored data (an expiry 12 months after a report dated 9999-06-30), where
 * "the last day we can represent" is the honest answer and an exception would be a 500.
 */
export function addDaysClamped(d: CalendarDate, n: number): CalendarDate {
  assertInteger(n, 'addDaysClamped');
  return fromDayNumberClamped(toDayNumber(d) + n);
}

export function addMonthsClamped(d: CalendarDate, n: number): CalendarDate {
  assertInteger(n, 'addMonthsClamped');
  return fromDayNumberClamped(addMonthsToDayNumber(toDayNumber(d), n));
}

/** The date of day number `n`, saturating at MIN_DATE / MAX_DATE instead of throwing. */
export function fromDayNumberClamped(n: number): CalendarDate {
  if (Number.isNaN(n)) throw new RangeError('fromDayNumberClamped: NaN');
  return fromDayNumber(Math.min(MAX_DAY_NUMBER, Math.max(MIN_DAY_NUMBER, Math.trunc(n))));
}

/**
 * addMonths on day numbers, with no range limit: for comparisons whose operands may lie past MAX_DATE (the day after a
 * period ending 9999-12-31, plus three months), where clamping would change the answer.
 */
export function addMonthsToDayNumber(dayNumber: number, n: number): number {
  assertInteger(dayNumber, 'addMonthsToDayNumber');
  assertInteger(n, 'addMonthsToDayNumber');
  const [year, month, day] = civilFromDays(dayNumber);
  return daysFromCivil(...shiftMonths(year, month, day, n));
}

/** `n` months after the civil date, clamping the day to the end of a shorter month. */
function shiftMonths(year: number, month: number, day: number, n: number): [number, number, number] {
  const monthIndex = year * 12 + (month - 1) + n;
  const newYear = Math.floor(monthIndex / 12);
  const newMonth = monthIndex - newYear * 12 + 1;
  return [newYear, newMonth, Math.min(day, daysInMonth(newYear, newMonth))];
}

/** `to - from` in days; negative when `to` is earlier. */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return toDayNumber(to) - toDayNumber(from);
}

/** -1, 0 or 1; fixed-width 'YYYY-MM-DD' strings order lexicographically. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function maxDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return compareDates(a, b) >= 0 ? a : b;
}

export function minDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return compareDates(a, b) <= 0 ? a : b;
}

/** The UTC calendar date of `now`. */
export function todayUtc(now: Date = new Date()): CalendarDate {
  if (Number.isNaN(now.getTime())) {
    throw new RangeError('todayUtc: invalid Date');
  }
  return fromDayNumber(Math.floor(now.getTime() / MS_PER_DAY));
}

/**
 * Whole calendar months from `from` to `to` under addMonths' clamping rule: the largest m with
 * addMonths(from, m) <= to. Never negative (0 when `to` is before `from`).
 * Note a period 2024-01-01..2024-12-31 is 11 months by this rule; compare against the day after
 * the period end to count it as 12.
 */
export function monthsBetween(from: CalendarDate, to: CalendarDate): number {
  if (compareDates(to, from) <= 0) return 0;
  const months =
    (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 +
    (Number(to.slice(5, 7)) - Number(from.slice(5, 7)));
  // addMonths(from, months) lands in `to`'s month, so the answer is `months` or one fewer.
  return compareDates(addMonths(from, months), to) <= 0 ? months : months - 1;
}

function format(year: number, month: number, day: number): CalendarDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` as CalendarDate;
}

function assertInteger(n: number, operation: string): void {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`${operation}: amount must be an integer, got ${n}`);
  }
}
