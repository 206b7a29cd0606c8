/**
 * Errors in two channels (STYLE.md, practice 6), defined once for the whole product and free of GraphQL:
 * - top-level: a `DomainError` a service or the auth layer throws, carrying its code (`NOT_FOUND`, `FORBIDDEN`...);
 * - payload: a `PayloadError<C>` a service returns for an expected refusal, with its module's code enum.
 */

/** Top-level codes (`extensions.code`) a request's own code raises: "you may not ask this", "nothing here for you". */
export type TopLevelCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ORG_REQUIRED'
  | 'BAD_USER_INPUT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export function assertUnreachable(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
}

/** The HTTP status a code sets (the others answer with the error in the body); a new code breaks the build here. */
function httpStatus(code: TopLevelCode): number | undefined {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'SERVICE_UNAVAILABLE':
      return 503;
    case 'FORBIDDEN':
    case 'NOT_FOUND':
    case 'ORG_REQUIRED':
    case 'BAD_USER_INPUT':
    case 'INTERNAL_SERVER_ERROR':
      return undefined;
    default:
      return assertUnreachable(code);
  }
}

/** The one mapping of a top-level code to the error's `extensions` (its code, any details, and its HTTP status). */
export function topLevelExtensions(code: TopLevelCode, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const status = httpStatus(code);
  return { code, ...extra, ...(status ? { http: { status } } : {}) };
}

/**
 * An error for the caller, thrown without knowing about GraphQL: graphql-js copies an original error's `extensions`
 * onto the GraphQLError it wraps it in, so the code reaches the response (and is not logged as a bug).
 */
export class DomainError extends Error {
  readonly extensions: Record<string, unknown>;

  constructor(readonly code: TopLevelCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.extensions = topLevelExtensions(code, extra);
  }
}

/** Missing, hidden and other-tenant objects all answer NOT_FOUND, so ids reveal nothing. */
export class NotFoundError extends DomainError {
  constructor(readonly what: string) {
    super('NOT_FOUND', `${what} not found`);
    this.name = 'NotFoundError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else names nothing (and must not reach PostgreSQL as a cast error). */
export const isUuid = (value: string): boolean => UUID.test(value);

/** PostgreSQL refused a duplicate (23505): the other writer won a race a payload error should explain. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { driverError?: { code?: string } }).driverError?.code === '23505';
}

/** A payload error: an expected outcome the client can act on (field, code, message). */
export interface PayloadError<C extends string = string> {
  code: C;
  field: string | null;
  message: string;
}

/** One payload error, typed by its module's codes (services build no `{ code, field, message }` literals by hand). */
export const refusal = <C extends string>(code: C, field: string | null, message: string): PayloadError<C> => ({ code, field, message });

/** Who did something, for audit events and acceptances: from the verified principal and the HTTP request. */
export interface Actor {
  userId: string | null;
  email: string | null;
  /** The org the actor acted for (their active org), if any. */
  orgId: string | null;
  ip: string | null;
  userAgent: string | null;
}
