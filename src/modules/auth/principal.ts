import type { JwtConfig } from '../../config/config';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { appError } from '../../graphql/errors';
import type { EntityManager } from 'typeorm';
import { organizations, users, type MembershipRow, type UserRow } from '../tenancy/tenancy.service';
import { TokenError, verifyToken } from './jwt';
import { apiKeys } from '../api-keys/api-key.service';
import { isUuid } from '../common/errors';
import { isApiKeyToken, parseApiKey, secretMatches, type ApiKeyScope } from '../../domain/api-keys';

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

/** Key rows are touched at most once a minute: "last used" without a write per request. */
const LAST_USED_GRANULARITY_MS = 60_000;

async function resolveApiKey(db: Database, token: string, requestedOrg: string | null, now: Date): Promise<Principal> {
  const parsed = parseApiKey(token);
  if (!parsed) throw appError('UNAUTHENTICATED', 'Invalid API key', { reason: 'MALFORMED' });
  const key = await db.transaction(DbScope.apiKeyLookup(parsed.id), async (m) => {
    const row = await apiKeys.credential(m, parsed.id);
    if (!row || !secretMatches(parsed.secret, row.secretHash)) return { error: 'BAD_SIGNATURE' as const };
    if (row.revokedAt) return { error: 'REVOKED' as const };
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return { error: 'EXPIRED' as const };
    // The key is genuine: from here the transaction acts as its organization.
    await db.actAs(m, DbScope.apiKey(row.orgId));
    const [org] = await organizations.byIds(m, [row.orgId]);
    return { row, org: org! };
  });
  if ('error' in key) throw appError('UNAUTHENTICATED', `Invalid API key (${key.error?.toLowerCase().replace('_', ' ')})`, { reason: key.error });
  const { row, org } = key;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    // A write (once a minute at most): a transaction of its own, since a query's reads (this lookup among them) run
    // in its read-only session (src/db/read-session.ts).
    await db.transaction(DbScope.apiKeyLookup(parsed.id), (m) => apiKeys.touch(m, parsed.id, now), { own: true });
  }
  if (requestedOrg && requestedOrg.toLowerCase() !== org.slug && requestedOrg.toLowerCase() !== row.orgId) {
    throw appError('FORBIDDEN', `This API key acts for ${org.slug} only`, { http: { status: 403 } });
  }
  // The key's membership carries the lowest role: what it may do is decided by its scopes (authorize.ts).
  const membership: MembershipRow = { orgId: row.orgId, slug: org.slug, name: org.name, role: 'VIEWER' };
  return { user: null, memberships: [membership], active: membership, requestedOrg, apiKey: { id: parsed.id, name: row.name, scopes: row.scopes } };
}

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
  return principalForIdentity(db, claims, requestedOrg);
}

/**
 * A verified identity (a JWT's claims, or a hosted-page session: src/modules/auth/session.ts) as a principal: creates
 * the user on first sight, loads memberships (one transaction), and picks the active org among them. Both paths go
 * through here, so a session carries exactly the power of the same user's token.
 */
export async function principalForIdentity(
  db: Database,
  claims: { subject: string; email: string; emailVerified?: boolean },
  requestedOrg: string | null,
): Promise<Principal> {
  const asUser = async (m: EntityManager, row: UserRow) => {
    await db.actAs(m, DbScope.user(row.id));
    return { user: row, memberships: await users.membershipsOf(m, row.id) };
  };
  // Read first: a known user with the same email writes nothing, so a query's authentication joins its read-only
  // session (src/db/read-session.ts). A new user, or a changed email, is written in a transaction of its own.
  const { user, memberships } = await db.transaction(DbScope.tokenSubject(claims.subject), async (m) => {
    // Found, the lookup already acts as the user (one statement, not a lookup and a set_config).
    const known = await db.lookupActingAsUser(m, (setUserId) => users.bySubject(m, claims.subject, setUserId));
    return known && known.email === claims.email ? { user: known, memberships: await users.membershipsOf(m, known.id) } : null;
  }) ?? await db.transaction(DbScope.tokenSubject(claims.subject), async (m) => asUser(m, await users.upsert(m, claims.subject, claims.email)), { own: true });
  let active: MembershipRow | null = null;
  if (requestedOrg) {
    const key = requestedOrg.toLowerCase();
    active = memberships.find((mb) => (isUuid(requestedOrg) ? mb.orgId === key : mb.slug === key)) ?? null;
    // Raised while building the context, before execution: the status is the only place the client sees it as a 4xx.
    if (!active) throw appError('FORBIDDEN', `X-Org "${requestedOrg}" is not an organization you belong to`, { http: { status: 403 } });
  } else if (memberships.length === 1) {
    active = memberships[0]!;
  }
  return { user: { id: user.id, subject: claims.subject, email: claims.email, emailVerified: claims.emailVerified }, memberships, active, requestedOrg };
}

