import type { AuthChecker } from 'type-graphql';
import { roleAllows, type Action } from '../modules/tenancy/tenancy.policy';
import { activeScope } from '../modules/auth/principal';
import type { RequestContext } from './context';
import { appError } from './errors';

/**
 * The one role gate behind `@Authorized(...)`. `@Authorized()` means "signed in"; `@Authorized('attestation.write')`
 * means "signed in, an active org chosen, and the role there allows that action" (see tenancy.policy.ts).
 */
export const authChecker: AuthChecker<RequestContext, Action> = ({ context }, actions) => {
  if (!context.principal.user) throw appError('UNAUTHENTICATED', 'Sign in: this operation needs a bearer token');
  if (actions.length === 0) return true;
  const scope = activeScope(context.principal);
  if (scope.role && actions.every((action) => roleAllows(scope.role!, action))) return true;
  throw appError('FORBIDDEN', `Your role ${scope.role} in ${context.principal.active?.slug} may not do this (${actions.join(', ')})`);
};
