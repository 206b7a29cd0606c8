import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { parseCalendarDate, type CalendarDate } from '../domain/calendar-date';

function parse(value: unknown): CalendarDate {
  const parsed = typeof value === 'string' ? parseCalendarDate(value) : null;
  if (!parsed) {
    throw new GraphQLError(`Date must be a calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return parsed;
}

/** A calendar date with no time zone ('2025-06-30'): report periods, issue dates and freshness are counted in days. */
export const DateScalar = new GraphQLScalarType<CalendarDate, string>({
  name: 'Date',
  description: 'A calendar date with no time zone, written YYYY-MM-DD (ISO 8601), e.g. "2025-06-30".',
  serialize: (value) => parse(value),
  parseValue: (value) => parse(value),
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string written YYYY-MM-DD', { extensions: { code: 'BAD_USER_INPUT' } });
    return parse(ast.value);
  },
});
