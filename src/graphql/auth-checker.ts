import type { AuthChecker } from 'type-graphql';
import type { Action } from '../modules/tenancy/tenancy.policy';
import { activeScope, principalAllows } from '../modules/auth/principal';
import type { RequestContext } from './context';
import { appError } from './errors';

/**
 * The one role gate behind `@Authorized(...)`. `@Authorized()` means "signed in"; `@Authorized('attestation.write')`
 * means "signed in, an active org chosen, and the role there allows that action" (see tenancy.policy.ts).
 */
export const authChecker: AuthChecker<RequestContext, Action> = ({ context }, actions) => {
  const { principal } = context;
  if (!principal.user && !principal.apiKey) throw appError('UNAUTHENTICATED', 'Sign in: this operation needs a bearer token');
  if (actions.length === 0) {
    if (principal.apiKey) throw appError('FORBIDDEN', 'API keys act for their organization; this operation needs a person');
    return true;
  }
  const scope = activeScope(principal);
  const membership = principal.active!;
  if (actions.every((action) => principalAllows(principal, membership, action))) return true;
  throw appError(
    'FORBIDDEN',
    principal.apiKey
      ? `This API key's scopes (${principal.apiKey.scopes.join(', ')}) do not allow ${actions.join(', ')}`
      : `Your role ${scope.role} in ${membership.slug} may not do this (${actions.join(', ')})`,
  );
};
