/**
 * One line saying why, whatever was thrown: libraries reject with strings, with nothing at all, or with an
 * AggregateError whose own message is empty (a refused connection to every address of a host).
 */
export function describeStartupError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const inner = error.errors.map(describeStartupError).filter((m, i, all) => all.indexOf(m) === i);
    return inner.length > 0 ? inner.join('; ') : 'AggregateError with no errors';
  }
  if (error instanceof Error) {
    const message = error.message || (error as NodeJS.ErrnoException).code || error.name;
    // A cause adds what the message does not already say (wrappers often repeat it; an empty one says nothing).
    const cause = error.cause === undefined || error.cause === null || error.cause === '' ? '' : describeStartupError(error.cause);
    return cause && !message.includes(cause) ? `${message} (cause: ${cause})` : message;
  }
  if (error === undefined || error === null || error === '') {
    return `a step failed without saying why (it rejected with ${error === '' ? 'an empty string' : String(error)}); run with LOG_LEVEL=debug to see each step`;
  }
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
