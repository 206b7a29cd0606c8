import fc from 'fast-check';
import {
  addDays,
  addDaysClamped,
  addMonths,
  addMonthsClamped,
  addMonthsToDayNumber,
  calendarDate,
  type CalendarDate,
  compareDates,
  daysBetween,
  daysInMonth,
  fromDayNumber,
  fromDayNumberClamped,
  INPUT_DATE_RANGE,
  isInputDate,
  MAX_DATE,
  maxDate,
  MIN_DATE,
  minDate,
  monthsBetween,
  parseCalendarDate,
  toDayNumber,
  todayUtc,
} from '../../src/domain/calendar-date';
import { anyDateArb, anyDayArb, FIRST_DAY, LAST_DAY } from '../support/calendar-arbitraries';

const d = calendarDate;

// 1990-01-01 .. 2100-12-31: a sane range for report dates, crossing 2000 and 2100 (non-leap).
const MIN_DAY = toDayNumber(d('1990-01-01'));
const MAX_DAY = toDayNumber(d('2100-12-31'));
const dayNumberArb = fc.integer({ min: MIN_DAY, max: MAX_DAY });
const dateArb = dayNumberArb.map(fromDayNumber);

describe('parseCalendarDate', () => {
  it.each([
    '2024-01-01',
    '2024-02-29', // leap year
    '2000-02-29', // divisible by 400: leap
    '2023-12-31',
    '1000-01-01', // lowest supported year
    '9999-12-31', // highest supported year
  ])('accepts %s', (value) => {
    expect(parseCalendarDate(value)).toBe(value);
  });

  it.each([
    ['2023-02-29', 'not a leap year'],
    ['1900-02-29', 'divisible by 100 but not 400'],
    ['2024-13-01', 'month 13'],
    ['2024-00-10', 'month 0'],
    ['2024-04-31', 'April has 30 days'],
    ['2024-01-00', 'day 0'],
    ['2024-01-32', 'day 32'],
    [' 2024-01-01', 'leading space'],
    ['2024-01-01 ', 'trailing space'],
    ['2024-01-01\n', 'trailing newline'],
    ['2024-1-1', 'unpadded month and day'],
    ['24-01-01', 'two-digit year'],
    ['0999-12-31', 'year below 1000'],
    ['+02024-01-01', 'expanded year'],
    ['2024/01/01', 'wrong separator'],
    ['2024-01-01T00:00:00Z', 'a timestamp, not a date'],
    ['20240101', 'basic format'],
    ['２０２４-01-01', 'non-ASCII digits'],
    ['2024-0:-01', 'a colon, the character after 9'],
    ['2024-01-0/', 'a slash, the character before 0'],
    ['2024x01-01', 'a letter for the first dash'],
    ['2024-01x01', 'a letter for the second dash'],
    ['2024-1--01', 'a dash for a digit'],
    ['', 'empty'],
  ])('rejects %j (%s)', (value) => {
    expect(parseCalendarDate(value)).toBeNull();
  });

  it('returns null rather than throwing for non-string input at runtime', () => {
    expect(parseCalendarDate(undefined as unknown as string)).toBeNull();
    expect(parseCalendarDate(20240101 as unknown as string)).toBeNull();
  });
});

describe('calendarDate', () => {
  it('returns the branded date when valid', () => {
    expect(calendarDate('2024-06-30')).toBe('2024-06-30');
  });

  it('throws a RangeError that names the bad value', () => {
    expect(() => calendarDate('2023-02-29')).toThrow(RangeError);
    expect(() => calendarDate('2023-02-29')).toThrow(/"2023-02-29".*YYYY-MM-DD/);
  });
});

describe('day numbers', () => {
  it('counts days from 1970-01-01', () => {
    expect(toDayNumber(d('1970-01-01'))).toBe(0);
    expect(toDayNumber(d('1970-01-02'))).toBe(1);
    expect(toDayNumber(d('1969-12-31'))).toBe(-1);
    expect(toDayNumber(d('2000-03-01'))).toBe(11017);
  });

  it('converts back from day numbers', () => {
    expect(fromDayNumber(0)).toBe('1970-01-01');
    expect(fromDayNumber(-1)).toBe('1969-12-31');
    expect(fromDayNumber(11017)).toBe('2000-03-01');
  });

  it('rejects non-integers and days outside years 1000-9999', () => {
    expect(() => fromDayNumber(1.5)).toThrow(RangeError);
    expect(() => fromDayNumber(Number.NaN)).toThrow(RangeError);
    expect(() => fromDayNumber(toDayNumber(d('9999-12-31')) + 1)).toThrow(RangeError);
    expect(() => fromDayNumber(toDayNumber(d('1000-01-01')) - 1)).toThrow(RangeError);
  });

  it('round-trips: format(parse(x)) is x and parse(format(n)) is n', () => {
    fc.assert(
      fc.property(dayNumberArb, (n) => {
        const date = fromDayNumber(n);
        expect(parseCalendarDate(date)).toBe(date);
        expect(toDayNumber(date)).toBe(n);
      }),
    );
  });

  it('round-trips through the full supported range', () => {
    const lo = toDayNumber(d('1000-01-01'));
    const hi = toDayNumber(d('9999-12-31'));
    fc.assert(
      fc.property(fc.integer({ min: lo, max: hi }), (n) => {
        expect(toDayNumber(calendarDate(fromDayNumber(n)))).toBe(n);
      }),
    );
  });
});

describe('daysInMonth', () => {
  it('knows month lengths including leap Februaries', () => {
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2023, 2)).toBe(28);
    expect(daysInMonth(1900, 2)).toBe(28);
    expect(daysInMonth(2000, 2)).toBe(29);
    expect(daysInMonth(2024, 4)).toBe(30);
    expect(daysInMonth(2024, 12)).toBe(31);
  });
});

describe('addDays and daysBetween', () => {
  it('crosses month, year and leap-day boundaries', () => {
    expect(addDays(d('2024-02-28'), 1)).toBe('2024-02-29');
    expect(addDays(d('2023-02-28'), 1)).toBe('2023-03-01');
    expect(addDays(d('2024-12-31'), 1)).toBe('2025-01-01');
    expect(addDays(d('2024-01-01'), -1)).toBe('2023-12-31');
    expect(addDays(d('2024-01-01'), 366)).toBe('2025-01-01');
  });

  it('is the signed difference, to minus from', () => {
    expect(daysBetween(d('2024-01-01'), d('2024-12-31'))).toBe(365);
    expect(daysBetween(d('2024-12-31'), d('2024-01-01'))).toBe(-365);
    expect(daysBetween(d('2024-03-10'), d('2024-03-10'))).toBe(0);
  });

  it('is not affected by daylight-saving transitions (all UTC)', () => {
    expect(daysBetween(d('2024-03-09'), d('2024-03-11'))).toBe(2);
    expect(daysBetween(d('2024-10-26'), d('2024-10-28'))).toBe(2);
  });

  it('rejects fractional amounts', () => {
    expect(() => addDays(d('2024-01-01'), 0.5)).toThrow(RangeError);
  });

  it('addDays then daysBetween gives back the amount', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -2000, max: 2000 }), (date, n) => {
        expect(daysBetween(date, addDays(date, n))).toBe(n);
      }),
    );
  });

  it('daysBetween is antisymmetric', () => {
    fc.assert(
      fc.property(dateArb, dateArb, (a, b) => {
        expect(daysBetween(a, b)).toBe(-daysBetween(b, a) || 0);
      }),
    );
  });
});

describe('addMonths', () => {
  it.each([
    ['2024-01-31', 1, '2024-02-29', 'clamps to the end of a leap February'],
    ['2023-01-31', 1, '2023-02-28', 'clamps to the end of a normal February'],
    ['2024-02-29', 12, '2025-02-28', 'a leap day plus a year is Feb 28'],
    ['2024-02-29', 48, '2028-02-29', 'a leap day plus four years is a leap day again'],
    ['2024-03-31', 1, '2024-04-30', 'clamps to a 30-day month'],
    ['2024-01-15', 1, '2024-02-15', 'keeps the day of month when it exists'],
    ['2024-11-30', 3, '2025-02-28', 'crosses a year end and clamps'],
    ['2024-03-31', -1, '2024-02-29', 'goes backwards with clamping'],
    ['2024-01-15', -13, '2022-12-15', 'goes backwards across years'],
    ['2024-06-30', 0, '2024-06-30', 'adding zero is a no-op'],
  ])('%s + %i months = %s (%s)', (from, n, expected) => {
    expect(addMonths(d(from), n)).toBe(expected);
  });

  it('does not remember the clamped day: 2024-01-31 +1 +1 is 2024-03-29', () => {
    expect(addMonths(addMonths(d('2024-01-31'), 1), 1)).toBe('2024-03-29');
    expect(addMonths(d('2024-01-31'), 2)).toBe('2024-03-31');
  });

  it('throws when the result leaves years 1000-9999', () => {
    expect(() => addMonths(d('9999-06-01'), 12)).toThrow(RangeError);
    expect(() => addMonths(d('1000-06-01'), -12)).toThrow(RangeError);
  });

  it('adding 12 months is always 365 or 366 days later', () => {
    fc.assert(
      fc.property(dateArb, (date) => {
        const days = daysBetween(date, addMonths(date, 12));
        expect(days).toBeGreaterThanOrEqual(365);
        expect(days).toBeLessThanOrEqual(366);
      }),
    );
  });

  it('is strictly increasing in the number of months', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -120, max: 120 }), (date, n) => {
        expect(compareDates(addMonths(date, n), addMonths(date, n + 1))).toBeLessThan(0);
      }),
    );
  });

  it('never changes the day of month except by clamping to the month end', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -120, max: 120 }), (date, n) => {
        const result = addMonths(date, n);
        const day = Number(date.slice(8));
        const resultDay = Number(result.slice(8));
        const monthLength = daysInMonth(Number(result.slice(0, 4)), Number(result.slice(5, 7)));
        expect(resultDay).toBe(Math.min(day, monthLength));
      }),
    );
  });
});

describe('monthsBetween', () => {
  it.each([
    ['2024-01-01', '2024-12-31', 11, 'a calendar-year period is 11 whole months by the clamping rule'],
    ['2024-01-01', '2025-01-01', 12, 'the day after a calendar-year period is 12'],
    ['2024-01-01', '2024-03-31', 2, 'a quarter ending on the 31st'],
    ['2024-01-01', '2024-04-01', 3, 'exactly three months'],
    ['2024-01-31', '2024-02-29', 1, 'month-end start clamps to a leap Feb 29'],
    ['2024-01-31', '2024-02-28', 0, 'one day short of the clamped month'],
    ['2024-02-29', '2025-02-28', 12, 'leap day to Feb 28 next year is a year'],
    ['2024-03-15', '2024-03-15', 0, 'same day'],
    ['2024-03-15', '2024-03-01', 0, 'never negative when to is before from'],
  ])('%s -> %s is %i (%s)', (from, to, expected) => {
    expect(monthsBetween(d(from), d(to))).toBe(expected);
  });

  it('is the largest m with addMonths(from, m) <= to', () => {
    fc.assert(
      fc.property(dateArb, dateArb, (a, b) => {
        const [from, to] = compareDates(a, b) <= 0 ? [a, b] : [b, a];
        const m = monthsBetween(from, to);
        expect(m).toBeGreaterThanOrEqual(0);
        expect(compareDates(addMonths(from, m), to)).toBeLessThanOrEqual(0);
        expect(compareDates(addMonths(from, m + 1), to)).toBeGreaterThan(0);
      }),
    );
  });

  it('inverts addMonths for non-negative months', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: 0, max: 120 }), (from, m) => {
        expect(monthsBetween(from, addMonths(from, m))).toBe(m);
      }),
    );
  });
});

describe('comparison', () => {
  it('orders dates', () => {
    expect(compareDates(d('2024-01-01'), d('2024-01-02'))).toBeLessThan(0);
    expect(compareDates(d('2024-01-02'), d('2024-01-01'))).toBeGreaterThan(0);
    expect(compareDates(d('2024-01-01'), d('2024-01-01'))).toBe(0);
    expect(maxDate(d('2024-05-01'), d('2023-12-31'))).toBe('2024-05-01');
    expect(minDate(d('2024-05-01'), d('2023-12-31'))).toBe('2023-12-31');
  });

  it('agrees with day numbers', () => {
    fc.assert(
      fc.property(dateArb, dateArb, (a, b) => {
        expect(Math.sign(compareDates(a, b))).toBe(Math.sign(toDayNumber(a) - toDayNumber(b)));
        const expectedMax: CalendarDate = toDayNumber(a) >= toDayNumber(b) ? a : b;
        expect(maxDate(a, b)).toBe(expectedMax);
        expect(minDate(a, b)).toBe(expectedMax === a ? b : a);
      }),
    );
  });
});

describe('todayUtc', () => {
  it('takes the UTC calendar date, not the local one', () => {
    expect(todayUtc(new Date('2024-03-01T23:59:59.999Z'))).toBe('2024-03-01');
    expect(todayUtc(new Date('2024-03-01T00:00:00.000Z'))).toBe('2024-03-01');
    // 2024-03-01 20:00 in New York is already 2024-03-02 in UTC.
    expect(todayUtc(new Date('2024-03-01T20:00:00-05:00'))).toBe('2024-03-02');
    expect(todayUtc(new Date('1969-12-31T12:00:00Z'))).toBe('1969-12-31');
  });

  it('defaults to now', () => {
    const before = todayUtc(new Date());
    const today = todayUtc();
    const after = todayUtc(new Date());
    expect([before, after]).toContain(today);
  });

  it('rejects an invalid Date', () => {
    expect(() => todayUtc(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('the edges of the calendar (issue #11: a report dated late 9999 was a 500)', () => {
  it('names its first and last days', () => {
    expect([MIN_DATE, MAX_DATE]).toEqual(['1000-01-01', '9999-12-31']);
    expect(toDayNumber(MAX_DATE) - toDayNumber(MIN_DATE)).toBe(LAST_DAY - FIRST_DAY);
  });

  it('takes API inputs from 1900-01-01 to 2999-12-31 only', () => {
    expect(INPUT_DATE_RANGE).toEqual({ min: '1900-01-01', max: '2999-12-31' });
    for (const ok of ['1900-01-01', '2025-06-30', '2999-12-31']) expect(isInputDate(d(ok))).toBe(true);
    for (const no of ['1000-01-01', '1899-12-31', '3000-01-01', '9999-12-31']) expect(isInputDate(d(no))).toBe(false);
  });

  it('leaves room above the input range for everything the rules derive from an input (60 months, letters, a day)', () => {
    expect(() => addDays(addMonths(addDays(INPUT_DATE_RANGE.max, 1), 72), 1)).not.toThrow();
    expect(() => addDays(addMonths(INPUT_DATE_RANGE.min, -72), -30)).not.toThrow();
  });

  it('addMonthsClamped and addDaysClamped saturate at the edges instead of throwing', () => {
    expect(addMonthsClamped(d('9999-06-30'), 12)).toBe('9999-12-31');
    expect(addMonthsClamped(d('9999-12-31'), 60)).toBe('9999-12-31');
    expect(addMonthsClamped(d('1000-06-30'), -12)).toBe('1000-01-01');
    expect(addDaysClamped(d('9999-12-31'), 1)).toBe('9999-12-31');
    expect(addDaysClamped(d('1000-01-01'), -1)).toBe('1000-01-01');
    expect(fromDayNumberClamped(Number.MAX_SAFE_INTEGER)).toBe(MAX_DATE);
    expect(fromDayNumberClamped(-Number.MAX_SAFE_INTEGER)).toBe(MIN_DATE);
    expect(() => fromDayNumberClamped(Number.NaN)).toThrow(RangeError);
  });

  it('addMonthsClamped is addMonths wherever that is defined, and MAX_DATE / MIN_DATE beyond', () => {
    fc.assert(
      fc.property(anyDateArb, fc.integer({ min: -240, max: 240 }), (date, n) => {
        const clamped = addMonthsClamped(date, n);
        let exact: CalendarDate | null = null;
        try {
          exact = addMonths(date, n);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
        expect(clamped).toBe(exact ?? (n > 0 ? MAX_DATE : MIN_DATE));
      }),
    );
  });

  it('addDaysClamped is addDays wherever that is defined', () => {
    fc.assert(
      fc.property(anyDayArb, fc.integer({ min: -5000, max: 5000 }), (day, n) => {
        const expected = Math.min(LAST_DAY, Math.max(FIRST_DAY, day + n));
        expect(toDayNumber(addDaysClamped(fromDayNumber(day), n))).toBe(expected);
      }),
    );
  });

  it('addMonthsToDayNumber is addMonths on day numbers, with no range limit', () => {
    fc.assert(
      fc.property(anyDateArb, fc.integer({ min: -240, max: 240 }), (date, n) => {
        const day = addMonthsToDayNumber(toDayNumber(date), n);
        try {
          expect(day).toBe(toDayNumber(addMonths(date, n)));
        } catch (error) {
          if (!(error instanceof RangeError)) throw error;
          expect(n > 0 ? day > LAST_DAY : day < FIRST_DAY).toBe(true);
        }
        // Months are added to the civil date (clamping the day), so adding 0 is the identity, even past the edges.
        expect(addMonthsToDayNumber(day, 0)).toBe(day);
      }),
    );
    // The day after 9999-12-31 plus three months: 10000-03-31, without a date to write it as.
    expect(addMonthsToDayNumber(LAST_DAY + 1, 3) - 1).toBe(LAST_DAY + 31 + 29 + 31);
  });
});
