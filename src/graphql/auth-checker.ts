import type { AuthChecker } from 'type-graphql';
import type { Action } from '../modules/tenancy/tenancy.policy';
import { authorizeActive } from '../modules/auth/authorize';
import { DomainError } from '../modules/common/errors';
import type { RequestContext } from './context';

/**
 * The one role gate behind `@Authorized(...)`. `@Authorized()` means "signed in" (a person); `@Authorized('attestation.write')`
 * means "signed in, an active org chosen, and the role there allows that action" (see tenancy.policy.ts).
 */
export const authChecker: AuthChecker<RequestContext, Action> = ({ context }, actions) => {
  const { principal } = context;
  if (!principal.user && !principal.apiKey) throw new DomainError('UNAUTHENTICATED', 'Sign in: this operation needs a bearer token');
  if (actions.length === 0) {
    if (principal.apiKey) throw new DomainError('FORBIDDEN', 'API keys act for their organization; this operation needs a person');
    return true;
  }
  authorizeActive(principal, actions);
  return true;
};
