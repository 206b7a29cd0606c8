import fc from 'fast-check';
import { fromDayNumber, MAX_DATE, MIN_DATE, toDayNumber, type CalendarDate } from '../../src/domain/calendar-date';

/**
 * Dates over everything the calendar represents (1000-01-01..9999-12-31), for properties that the rules are total:
 * uniform draws almost never land in the last months of 9999, where the bugs were, so a share is drawn near each edge.
 */
export const FIRST_DAY = toDayNumber(MIN_DATE);
export const LAST_DAY = toDayNumber(MAX_DATE);

/** A day number in the calendar; about half of the draws fall within ~8 years of either end. */
export const anyDayArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.integer({ min: FIRST_DAY, max: LAST_DAY }) },
  { weight: 2, arbitrary: fc.integer({ min: LAST_DAY - 3000, max: LAST_DAY }) },
  { weight: 1, arbitrary: fc.integer({ min: FIRST_DAY, max: FIRST_DAY + 3000 }) },
);

export const anyDateArb: fc.Arbitrary<CalendarDate> = anyDayArb.map(fromDayNumber);

/** A day `offset` days from `day`, kept inside the calendar. */
export const dayWithin = (day: number, offset: number): number => Math.min(LAST_DAY, Math.max(FIRST_DAY, day + offset));

/** The date of `day + offset`, kept inside the calendar. */
export const dateWithin = (day: number, offset: number): CalendarDate => fromDayNumber(dayWithin(day, offset));
