import type { JwtConfig } from '../../config/config';
import type { Database } from '../../db/database';
import { appError } from '../../graphql/errors';
import { tenancyRepository, type MembershipRow } from '../tenancy/tenancy.repository';
import { TokenError, verifyToken } from './jwt';
import { NotFoundError } from '../common/errors';
import { roleAllows, type Action } from '../tenancy/tenancy.policy';
import { TenantScope } from './tenant-scope';

/** Who is calling: anonymous, or a user with memberships and (when chosen or unambiguous) an active organization. */
export interface Principal {
  user: { id: string; subject: string; email: string } | null;
  memberships: MembershipRow[];
  /** The org this request acts for: the X-Org header, or the caller's only membership. */
  active: MembershipRow | null;
  /** The X-Org header as sent, to explain ORG_REQUIRED errors. */
  requestedOrg: string | null;
}

export const ANONYMOUS: Principal = { user: null, memberships: [], active: null, requestedOrg: null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns the Authorization and X-Org headers into a principal: verifies the token, creates the user on first sight,
 * loads memberships (one transaction), and picks the active org among them.
 */
export async function resolvePrincipal(
  db: Database,
  jwt: JwtConfig,
  headers: { authorization?: string | null; xOrg?: string | null },
): Promise<Principal> {
  const requestedOrg = headers.xOrg?.trim() || null;
  const auth = headers.authorization?.trim();
  if (!auth) return { ...ANONYMOUS, requestedOrg };
  const match = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!match) throw appError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"');
  let claims;
  try {
    claims = verifyToken(match[1]!, jwt);
  } catch (error) {
    if (error instanceof TokenError) throw appError('UNAUTHENTICATED', `Invalid token: ${error.message}`, { reason: error.reason });
    throw error;
  }
  const { user, memberships } = await db.transaction({ subject: claims.subject }, async (m) => {
    const row = await tenancyRepository.upsertUser(m, claims.subject, claims.email);
    await m.query(`SELECT set_config('app.user_id', $1, true)`, [row.id]);
    return { user: row, memberships: await tenancyRepository.membershipsOf(m, row.id) };
  });
  let active: MembershipRow | null = null;
  if (requestedOrg) {
    const key = requestedOrg.toLowerCase();
    active = memberships.find((mb) => (UUID.test(requestedOrg) ? mb.orgId === key : mb.slug === key)) ?? null;
    // Raised while building the context, before execution: the status is the only place the client sees it as a 4xx.
    if (!active) throw appError('FORBIDDEN', `X-Org "${requestedOrg}" is not an organization you belong to`, { http: { status: 403 } });
  } else if (memberships.length === 1) {
    active = memberships[0]!;
  }
  return { user: { id: user.id, subject: claims.subject, email: claims.email }, memberships, active, requestedOrg };
}

/** The scope of the active organization; the role gate has run before (see auth-checker). */
export function activeScope(principal: Principal): TenantScope {
  if (!principal.user) throw appError('UNAUTHENTICATED', 'Sign in: this operation needs a bearer token');
  if (!principal.active) {
    throw appError(
      'ORG_REQUIRED',
      principal.memberships.length === 0
        ? 'You belong to no organization yet: create one with createOrganization'
        : `Choose the organization with the X-Org header (one of: ${principal.memberships.map((m) => m.slug).join(', ')})`,
    );
  }
  return TenantScope.forMember(principal.active.orgId, principal.user.id, principal.active.role);
}

/** A member's scope for a given org (any of the caller's memberships), or a visitor's scope otherwise. */
export function scopeForOrg(principal: Principal, orgId: string): TenantScope {
  const membership = principal.memberships.find((m) => m.orgId === orgId);
  if (membership && principal.user) return TenantScope.forMember(orgId, principal.user.id, membership.role);
  return TenantScope.forVisitor(orgId, principal.user?.id ?? null);
}

/**
 * The one per-object check: the caller's scope in `orgId` when they are a member whose role allows `action`.
 * Not a member: NOT_FOUND (the org's private parts do not exist for them). A member without the role: FORBIDDEN.
 */
export function authorizeOrg(principal: Principal, orgId: string, action: Action): TenantScope {
  const scope = scopeForOrg(principal, orgId);
  if (!scope.isMember) throw new NotFoundError('Organization');
  if (!roleAllows(scope.role!, action)) throw appError('FORBIDDEN', `Your role ${scope.role} may not do this (${action})`);
  return scope;
}
