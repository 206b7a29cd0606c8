/**
 * Errors services throw without knowing about GraphQL; the error formatter maps them to coded top-level errors.
 * Missing, hidden and other-tenant objects are all NotFoundError.
 */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
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

/** Who did something, for audit events and acceptances: from the verified principal and the HTTP request. */
export interface Actor {
  userId: string | null;
  email: string | null;
  /** The org the actor acted for (their active org), if any. */
  orgId: string | null;
  ip: string | null;
  userAgent: string | null;
}
