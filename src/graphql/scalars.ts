import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { INPUT_DATE_RANGE, isInputDate, parseCalendarDate, type CalendarDate } from '../domain/calendar-date';

const badDate = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/** Output: any date the domain can represent (rows stored before the input range existed still read back). */
function serialize(value: unknown): CalendarDate {
  const parsed = typeof value === 'string' ? parseCalendarDate(value) : null;
  if (!parsed) throw badDate(`Date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return parsed;
}

/**
 * Input: a real date within INPUT_DATE_RANGE. The range is checked here, once for every argument and input field of
 * type Date, so no resolver or rule ever computes with a date whose derived dates (expiry, limits) leave the calendar.
 */
function parseInput(value: unknown): CalendarDate {
  const parsed = typeof value === 'string' ? parseCalendarDate(value) : null;
  if (!parsed || !isInputDate(parsed)) {
    throw badDate(
      `Date must be a calendar date written YYYY-MM-DD from ${INPUT_DATE_RANGE.min} to ${INPUT_DATE_RANGE.max}, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

/** A calendar date with no time zone ('2025-06-30'): report periods, issue dates and freshness are counted in days. */
export const DateScalar = new GraphQLScalarType<CalendarDate, string>({
  name: 'Date',
  description: `A calendar date with no time zone, written YYYY-MM-DD (ISO 8601), e.g. "2025-06-30". Inputs must lie from ${INPUT_DATE_RANGE.min} to ${INPUT_DATE_RANGE.max}.`,
  serialize,
  parseValue: parseInput,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw badDate('Date must be a string written YYYY-MM-DD');
    return parseInput(ast.value);
  },
});
