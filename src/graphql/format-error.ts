import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ArgumentValidationError } from 'type-graphql';
import { asTokenLimitError, LimitExceededError } from './limits';
import { StorageUnavailableError } from '../modules/storage/storage';

const KNOWN_CODES = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'ORG_REQUIRED', 'BAD_USER_INPUT', 'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE', 'COST_LIMIT_EXCEEDED', 'RATE_LIMITED', 'TIMEOUT',
]);

/** Errors from the database driver that mean "the database is not there right now", not "a bug". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  const name = (error as { name?: string } | null)?.name ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08006', '08001', '08003'].includes(code ?? '') ||
    // TypeORM's view of a connection that died under a query
    ['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError'].includes(name) ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED|read ECONNRESET|the database system is (shutting down|starting up)|not queryable|Query runner already released|connection provided by a query runner was already released/i.test(e?.message ?? '')
  );
}

/** SQLSTATE 57014: the statement was cancelled by statement_timeout. */
export function isStatementTimeout(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  return (e?.driverError?.code ?? e?.code) === '57014';
}

/** SQLSTATE class 22 (data exception): the database refused a value, not a bug in a query. */
export function isDataException(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/**
 * The one place errors become responses: coded errors pass through (a service's DomainError carries its code, see
 * common/errors.ts), type-graphql's argument validation becomes BAD_USER_INPUT with its details, and anything else is
 * masked (and logged by the plugin). `maxTokens`: the parser's token limit (GRAPHQL_MAX_TOKENS), so that its refusal is
 * answered as TOKEN_LIMIT_EXCEEDED.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, maxTokens?: number): GraphQLFormattedError {
  let original = unwrapResolverError(error);
  // Apollo wraps a failure while building the context ("Context creation failed: ...") in a GraphQLError of its own.
  if (original instanceof GraphQLError && original.originalError && !formatted.path && !(typeof formatted.extensions?.code === 'string' && KNOWN_CODES.has(formatted.extensions.code))) {
    original = original.originalError;
  }
  if (original instanceof ArgumentValidationError) {
    const details = (original.extensions?.validationErrors as unknown[] | undefined) ?? [];
    return {
      message: 'Invalid input: ' + describeValidation(details),
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: 'BAD_USER_INPUT', validationErrors: details },
    };
  }
  // Apollo wraps validation and parse errors (ValidationError, SyntaxError) around the rule's or the parser's error.
  const inner = original instanceof GraphQLError ? (original.originalError ?? original) : original;
  const limit = inner instanceof LimitExceededError ? inner : asTokenLimitError(inner, maxTokens);
  if (limit) return { message: limit.message, locations: formatted.locations, extensions: { code: limit.code } };
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && KNOWN_CODES.has(code)) {
    const { http: _http, stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  if (original instanceof StorageUnavailableError) {
    return { message: 'Document storage is temporarily unavailable; retry shortly', path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: 'The service is temporarily unavailable; retry shortly', path: formatted.path, extensions: { code: 'SERVICE_UNAVAILABLE' } };
  }
  if (isStatementTimeout(original)) {
    return { message: 'A database statement ran past DB_STATEMENT_TIMEOUT_MS and was cancelled (nothing was written by it); retry, or ask for less', path: formatted.path, extensions: { code: 'TIMEOUT' } };
  }
  if (isDataException(original)) {
    // PostgreSQL refused a value (class 22: out of range, malformed, unstorable text); the transaction rolled back.
    // Inputs are validated before they reach SQL, so this is a gap in validation: logged, but the client's to fix.
    return { message: 'A value in the request cannot be stored (out of range or malformed)', path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  }
  if (original instanceof GraphQLError && !original.originalError && !formatted.path) {
    // Request-level errors raised by graphql-js itself (e.g. variable coercion) are the client's to fix.
    return { ...formatted, extensions: { code: 'BAD_USER_INPUT' } };
  }
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

function describeValidation(details: unknown[]): string {
  const parts: string[] = [];
  const walk = (items: unknown[], prefix: string): void => {
    for (const item of items as { property?: string; constraints?: Record<string, string>; children?: unknown[] }[]) {
      const name = prefix ? `${prefix}.${item.property}` : String(item.property);
      for (const message of Object.values(item.constraints ?? {})) parts.push(`${name}: ${message}`);
      if (item.children?.length) walk(item.children, name);
    }
  };
  walk(details, '');
  return parts.join('; ') || 'see extensions.validationErrors';
}
