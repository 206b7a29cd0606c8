import { scopesAllow } from '../../domain/api-keys';
import { DomainError, NotFoundError } from '../common/errors';
import { roleAllows, type Action } from '../tenancy/tenancy.policy';
import type { MembershipRow } from '../tenancy/tenancy.service';
import type { Principal } from './principal';
import { TenantScope } from './tenant-scope';

/**
 * What the caller asks to do in a tenant: an action of the policy (tenancy.policy.ts), or `visit`: read what the
 * organization shows this caller (its member's view, or a visitor's: the database then hides the rest too).
 */
export type Intent = Action | 'visit';

/**
 * Whose rows: the caller's active organization (the X-Org header, or their only membership), or a named one.
 * `orVisitor`: a caller who may not do the action there reads as a visitor instead of being refused (a member
 * without 'document.read' downloads what anyone may).
 */
export type Target = 'active' | { orgId: string; orVisitor?: boolean };

/** Whether the caller may do `action` in `membership`'s org: by role for people, by scope for API keys. */
export function principalAllows(principal: Principal, membership: MembershipRow, action: Action): boolean {
  if (principal.apiKey) return principal.active?.orgId === membership.orgId && scopesAllow(principal.apiKey.scopes, action);
  return roleAllows(membership.role, action);
}

/** The caller's active organization, or why there is none (signed out, or several memberships and no X-Org). */
export function activeMembership(principal: Principal): MembershipRow {
  if (principal.apiKey && principal.active) return principal.active;
  if (!principal.user) throw new DomainError('UNAUTHENTICATED', 'Sign in: this operation needs a bearer token');
  if (!principal.active) {
    throw new DomainError(
      'ORG_REQUIRED',
      principal.memberships.length === 0
        ? 'You belong to no organization yet: create one with createOrganization'
        : `Choose the organization with the X-Org header (one of: ${principal.memberships.map((m) => m.slug).join(', ')})`,
    );
  }
  return principal.active;
}

function memberScope(principal: Principal, membership: MembershipRow): TenantScope {
  return principal.apiKey ? TenantScope.forApiKey(membership.orgId) : TenantScope.forMember(membership.orgId, principal.user!.id, membership.role);
}

function forbidden(principal: Principal, actions: readonly Action[], membership: MembershipRow): DomainError {
  return new DomainError(
    'FORBIDDEN',
    principal.apiKey
      ? `This API key's scopes (${principal.apiKey.scopes.join(', ')}) do not allow ${actions.join(', ')}`
      : `Your role ${membership.role} in ${membership.slug} may not do this (${actions.join(', ')})`,
  );
}

/** The role gate behind `@Authorized(...)`: the active organization, and every action allowed there. */
export function authorizeActive(principal: Principal, actions: readonly Action[]): TenantScope {
  const membership = activeMembership(principal);
  if (!actions.every((action) => principalAllows(principal, membership, action))) throw forbidden(principal, actions, membership);
  return memberScope(principal, membership);
}

/**
 * The one way to get a `TenantScope` (which every repository method requires) for a request:
 * - `authorize(p, action)`: the active organization, when the caller's role (or key's scopes) allows `action`;
 * - `authorize(p, action, { orgId })`: that organization, for a member allowed `action`; a non-member gets NOT_FOUND
 *   (its private parts do not exist for them), a member without the role FORBIDDEN;
 * - `authorize(p, 'visit', { orgId })`: a member's scope, or a visitor's for anyone else (never refused: what a visitor
 *   may read is decided by the rows it can see);
 * - `authorize(p, action, { orgId, orVisitor: true })`: the member's scope when allowed `action`, else a visitor's.
 */
export function authorize(principal: Principal, intent: Intent, target: Target = 'active'): TenantScope {
  if (target === 'active') {
    const membership = activeMembership(principal);
    if (intent !== 'visit' && !principalAllows(principal, membership, intent)) throw forbidden(principal, [intent], membership);
    return memberScope(principal, membership);
  }
  const { orgId, orVisitor = false } = target;
  const membership = principal.apiKey ? (principal.active?.orgId === orgId ? principal.active : undefined) : principal.memberships.find((m) => m.orgId === orgId);
  const allowed = membership && (principal.apiKey || principal.user) && (intent === 'visit' || principalAllows(principal, membership, intent));
  if (allowed) return memberScope(principal, membership);
  if (intent === 'visit' || orVisitor) return TenantScope.forVisitor(orgId, principal.user?.id ?? null);
  if (!membership || !(principal.apiKey || principal.user)) throw new NotFoundError('Organization');
  throw forbidden(principal, [intent], membership);
}

/** Whether the caller is a member of the org (an API key: of its own): members see drafts and private details. */
export const isMember = (principal: Principal, orgId: string): boolean => authorize(principal, 'visit', { orgId }).isMember;
