import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { auditActor, auditLog } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { isUniqueViolation, refusal, type Actor, type PayloadError } from '../common/errors';
import { trustCenters } from '../trust-center/trust-center.service';
import type { OrganizationEntity } from './organization.entity';
import { tenancyRepository, type MembershipRow, type UserRow } from './tenancy.repository';

export type { MembershipRow, UserRow };

export type OrganizationErrorCode = 'INVALID_SLUG' | 'SLUG_TAKEN' | 'INVALID_NAME' | 'INVALID_DOMAIN' | 'TOO_MANY_DOMAINS';

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** Slugs that would read as something other than a vendor's page. */
const RESERVED_SLUGS = new Set(['admin', 'api', 'graphql', 'healthz', 'readyz', 'metrics', 'www', 'static', 'login', 'signup']);

/** An organization inside another module's transaction (the slug lookup needs DbScope.slugLookup set). */
export const organizations = {
  bySlug: (m: EntityManager, slug: string): Promise<OrganizationEntity | null> => tenancyRepository.organizationBySlug(m, slug),
  /** The scope's own organization (null only when it is gone). */
  of: async (m: EntityManager, scope: TenantScope): Promise<OrganizationEntity | null> => (await tenancyRepository.organizationsByIds(m, [scope.orgId]))[0] ?? null,
  /** Organizations by id, before a tenant scope exists (an API key's own org, once the key is verified). */
  byIds: (m: EntityManager, ids: readonly string[]): Promise<OrganizationEntity[]> => tenancyRepository.organizationsByIds(m, ids),
};

/** Users and their memberships, for authentication (auth/principal.ts) and the demo seed, in the caller's transaction. */
export const users = {
  bySubject: (m: EntityManager, subject: string, alsoSelect?: string): Promise<UserRow | null> => tenancyRepository.userBySubject(m, subject, alsoSelect),
  /** Creates the user on first sight, or updates a changed email. */
  upsert: (m: EntityManager, subject: string, email: string): Promise<UserRow> => tenancyRepository.upsertUser(m, subject, email),
  membershipsOf: (m: EntityManager, userId: string): Promise<MembershipRow[]> => tenancyRepository.membershipsOf(m, userId),
};

export interface CreateOrganizationResult {
  organization: OrganizationEntity | null;
  errors: PayloadError<OrganizationErrorCode>[];
}

export class TenancyService {
  constructor(private readonly db: Database) {}

  /** Creates an org with an empty DRAFT trust center; the caller becomes its OWNER. The new chain's first event says so. */
  async createOrganization(principal: Principal, actor: Actor, input: { slug: string; name: string; emailDomains?: string[] | null }): Promise<CreateOrganizationResult> {
    const user = principal.user!;
    const slug = input.slug.trim().toLowerCase();
    const name = input.name.trim();
    const domains = [...new Set((input.emailDomains ?? []).map((d) => d.trim().toLowerCase()))];
    const errors: PayloadError<OrganizationErrorCode>[] = [];
    if (!SLUG_PATTERN.test(slug)) {
      errors.push(refusal('INVALID_SLUG', 'slug', 'slug is 1-48 lowercase letters, digits and inner hyphens.'));
    } else if (RESERVED_SLUGS.has(slug)) {
      errors.push(refusal('INVALID_SLUG', 'slug', `"${slug}" is reserved.`));
    }
    if (name.length < 1 || name.length > 200) errors.push(refusal('INVALID_NAME', 'name', 'name is 1-200 characters.'));
    if (domains.length > 50) errors.push(refusal('TOO_MANY_DOMAINS', 'emailDomains', 'At most 50 email domains.'));
    for (const d of domains) {
      if (!DOMAIN_PATTERN.test(d)) errors.push(refusal('INVALID_DOMAIN', 'emailDomains', `"${d}" is not a domain name.`));
    }
    if (errors.length > 0) return { organization: null, errors };

    // The new tenant's id is made here, and the transaction runs as that tenant so RLS admits the inserts.
    const scope = TenantScope.forMember(randomUUID(), user.id, 'OWNER');
    try {
      const organization = await this.db.transaction(DbScope.newOrganization(scope.orgId, user.id, slug), async (m) => {
        if (await tenancyRepository.slugTaken(m, slug)) return null;
        await tenancyRepository.insertOrganization(m, { id: scope.orgId, slug, name, emailDomains: domains });
        await tenancyRepository.insertMembership(m, scope, user.id, 'OWNER');
        await trustCenters.create(m, scope);
        await auditLog.append(m, scope, {
          ...auditActor(actor), actorOrgId: scope.orgId, action: 'organization.created', targetType: 'organization', targetId: scope.orgId,
          details: { slug, name, emailDomains: domains },
        });
        return (await tenancyRepository.organizationsByIds(m, [scope.orgId]))[0]!;
      });
      if (organization) return { organization, errors: [] };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    return { organization: null, errors: [refusal('SLUG_TAKEN', 'slug', `"${slug}" is taken.`)] };
  }
}
