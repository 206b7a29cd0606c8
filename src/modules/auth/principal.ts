import type { JwtConfig } from '../../config/config';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { appError } from '../../graphql/errors';
import { tenancyRepository, type MembershipRow } from '../tenancy/tenancy.repository';
import { TokenError, verifyToken } from './jwt';
import { NotFoundError } from '../common/errors';
import { isApiKeyToken, parseApiKey, scopesAllow, secretMatches, type ApiKeyScope } from '../../domain/api-keys';
import { roleAllows, type Action } from '../tenancy/tenancy.policy';
import { TenantScope } from './tenant-scope';

/** Who is calling: anonymous, or a user with memberships and (when chosen or unambiguous) an active organization. */
export interface Principal {
  user: { id: string; subject: string; email: string; emailVerified?: boolean } | null;
  memberships: MembershipRow[];
  /** The org this request acts for: the X-Org header, or the caller's only membership. */
  active: MembershipRow | null;
  /** The X-Org header as sent, to explain ORG_REQUIRED errors. */
  requestedOrg: string | null;
  /** Set when the caller is an organization API key: it acts as its org, never beyond its scopes. */
  apiKey?: { id: string; name: string; scopes: ApiKeyScope[] } | null;
}

export const ANONYMOUS: Principal = { user: null, memberships: [], active: null, requestedOrg: null };

/** Whether the caller may do `action` in `membership`'s org: by role for people, by scope for API keys. */
export function principalAllows(principal: Principal, membership: MembershipRow, action: Action): boolean {
  if (principal.apiKey) return principal.active?.orgId === membership.orgId && scopesAllow(principal.apiKey.scopes, action);
  return roleAllows(membership.role, action);
}

/** Key rows are touched at most once a minute: "last used" without a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

async function resolveApiKey(db: Database, token: string, requestedOrg: string | null, now: Date): Promise<Principal> {
  const parsed = parseApiKey(token);
  if (!parsed) throw appError('UNAUTHENTICATED', 'Invalid API key', { reason: 'MALFORMED' });
  const key = await db.transaction(DbScope.apiKeyLookup(parsed.id), async (m) => {
    const rows: { org_id: string; name: string; secret_hash: string; scopes: ApiKeyScope[]; expires_at: Date | null; revoked_at: Date | null; last_used_at: Date | null }[] =
      await m.query(`SELECT org_id, name, secret_hash, scopes, expires_at, revoked_at, last_used_at FROM api_keys WHERE id = $1`, [parsed.id]);
    const row = rows[0];
    if (!row || !secretMatches(parsed.secret, row.secret_hash)) return { error: 'BAD_SIGNATURE' as const };
    if (row.revoked_at) return { error: 'REVOKED' as const };
    if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return { error: 'EXPIRED' as const };
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_GRANULARITY_MS) {
      await m.query(`UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, [parsed.id, now]);
    }
    // The key is genuine: from here the transaction acts as its organization.
    await db.actAs(m, DbScope.apiKey(row.org_id));
    const [org] = (await m.query(`SELECT slug, name FROM organizations WHERE id = $1`, [row.org_id])) as { slug: string; name: string }[];
    return { row: { ...row, slug: org!.slug, org_name: org!.name } };
  });
  if ('error' in key) throw appError('UNAUTHENTICATED', `Invalid API key (${key.error?.toLowerCase().replace('_', ' ')})`, { reason: key.error });
  const { row } = key as { row: { org_id: string; name: string; scopes: ApiKeyScope[]; slug: string; org_name: string } };
  if (requestedOrg && requestedOrg.toLowerCase() !== row.slug && requestedOrg.toLowerCase() !== row.org_id) {
    throw appError('FORBIDDEN', `This API key acts for ${row.slug} only`, { http: { status: 403 } });
  }
  // The key's membership carries the lowest role: what it may do is decided by its scopes (principalAllows).
  const membership: MembershipRow = { orgId: row.org_id, slug: row.slug, name: row.org_name, role: 'VIEWER' };
  return { user: null, memberships: [membership], active: membership, requestedOrg, apiKey: { id: parsed.id, name: row.name, scopes: row.scopes } };
}

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
  // Spaces or tabs only between scheme and token (RFC 9110 allows no other whitespace there; \s would take a no-break space).
  const match = /^Bearer[ \t]+([^\s,]+)$/i.exec(auth);
  if (!match) throw appError('UNAUTHENTICATED', 'Authorization header must be "Bearer <token>"', { reason: 'MALFORMED' });
  if (isApiKeyToken(match[1]!)) return resolveApiKey(db, match[1]!, requestedOrg, new Date());
  let claims;
  try {
    claims = verifyToken(match[1]!, jwt);
  } catch (error) {
    if (error instanceof TokenError) throw appError('UNAUTHENTICATED', `Invalid token: ${error.message}`, { reason: error.reason });
    throw error;
  }
  const { user, memberships } = await db.transaction(DbScope.tokenSubject(claims.subject), async (m) => {
    const row = await tenancyRepository.upsertUser(m, claims.subject, claims.email);
    await db.actAs(m, DbScope.user(row.id));
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
  return { user: { id: user.id, subject: claims.subject, email: claims.email, emailVerified: claims.emailVerified }, memberships, active, requestedOrg };
}

/** The scope of the active organization; the role gate has run before (see auth-checker). */
export function activeScope(principal: Principal): TenantScope {
  if (principal.apiKey && principal.active) return TenantScope.forApiKey(principal.active.orgId);
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
  if (principal.apiKey && principal.active?.orgId === orgId) return TenantScope.forApiKey(orgId);
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
  const membership = principal.memberships.find((m) => m.orgId === orgId);
  if (!scope.isMember || !membership) throw new NotFoundError('Organization');
  if (!principalAllows(principal, membership, action)) {
    throw appError('FORBIDDEN', principal.apiKey ? `This API key's scopes do not allow ${action}` : `Your role ${scope.role} may not do this (${action})`);
  }
  return scope;
}
