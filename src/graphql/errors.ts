import { GraphQLError } from 'graphql';
import { topLevelExtensions, type TopLevelCode } from '../modules/common/errors';

export type { TopLevelCode };

/**
 * A coded top-level error for the HTTP and GraphQL layers themselves (context creation, cursors); services and the
 * auth layer throw a `DomainError`, which carries the same extensions (common/errors.ts holds the one mapping).
 */
export function appError(code: TopLevelCode, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: topLevelExtensions(code, extra) });
}
