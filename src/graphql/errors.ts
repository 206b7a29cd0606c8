import { GraphQLError } from 'graphql';

/**
 * Top-level error codes (`extensions.code`). Expected outcomes of a mutation are typed payload errors instead;
 * these are for "you may not ask this" and "there is nothing here for you".
 */
export type TopLevelCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ORG_REQUIRED'
  | 'BAD_USER_INPUT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS: Record<TopLevelCode, number | undefined> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: undefined,
  NOT_FOUND: undefined,
  ORG_REQUIRED: undefined,
  BAD_USER_INPUT: undefined,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: undefined,
};

export function appError(code: TopLevelCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  const status = HTTP_STATUS[code];
  return new GraphQLError(message, {
    extensions: { code, ...extra, ...(status ? { http: { status } } : {}) },
  });
}

/** Missing, hidden and other-tenant objects answer the same way, so ids reveal nothing. */
export const notFound = (what: string): GraphQLError => appError('NOT_FOUND', `${what} not found`);

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
