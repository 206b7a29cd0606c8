import type { Database } from '../../db/database';
import { selectParts, type JsonPart, type SqlParams } from '../../db/json-parts';
import { DbScope } from '../../db/db-scope';
import type { AgeAnchor } from '../../domain/freshness';
import { checkWebUrl } from '../../domain/url';
import type { TenantScope } from '../auth/tenant-scope';
import { auditActor, auditChanges, auditLog } from '../audit/audit.service';
import { NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { organizations } from '../tenancy/tenancy.service';
import type { OrganizationEntity } from '../tenancy/organization.entity';
import type { Principal } from '../auth/principal';
import { authorize } from '../auth/authorize';
import type { EntityManager } from 'typeorm';
import type { TrustCenterEntity } from './trust-center.entity';
import { trustCenterRepository, type PublishedVendor } from './trust-center.repository';

export type TrustCenterErrorCode = 'INVALID_EMAIL' | 'INVALID_URL' | 'INVALID_SETTING' | 'ALREADY_PUBLISHED' | 'NOT_PUBLISHED';

export interface TrustCenterChanges {
  headline?: string | null;
  description?: string | null;
  contactEmail?: string | null;
  websiteUrl?: string | null;
  ageAnchor?: AgeAnchor | null;
  maxAgeMonths?: number | null;
  expiringSoonDays?: number | null;
  bridgeLetterMaxMonths?: number | null;
}

export interface TrustCenterResult {
  trustCenter: TrustCenterEntity | null;
  errors: PayloadError<TrustCenterErrorCode>[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The refusals, and the changes as they are stored (a website as its normalized URL; "" clears it like null). */
function validate(input: TrustCenterChanges): { errors: PayloadError<TrustCenterErrorCode>[]; changes: TrustCenterChanges } {
  const errors: PayloadError<TrustCenterErrorCode>[] = [];
  const c: TrustCenterChanges = { ...input };
  if (c.contactEmail && !EMAIL.test(c.contactEmail)) errors.push(refusal('INVALID_EMAIL', 'contactEmail', 'contactEmail is not an email address.'));
  if (c.websiteUrl === '') c.websiteUrl = null;
  if (c.websiteUrl !== undefined && c.websiteUrl !== null) {
    const url = checkWebUrl(c.websiteUrl);
    if (url.ok) c.websiteUrl = url.href;
    else errors.push(refusal('INVALID_URL', 'websiteUrl', `websiteUrl ${url.message}.`));
  }
  const range = (field: keyof TrustCenterChanges, min: number, max: number): void => {
    const v = c[field];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      errors.push(refusal('INVALID_SETTING', field, `${field} must be an integer from ${min} to ${max}.`));
    }
  };
  range('maxAgeMonths', 1, 60);
  range('expiringSoonDays', 0, 365);
  range('bridgeLetterMaxMonths', 1, 12);
  return { errors, changes: c };
}

export interface PublicTrustCenter {
  trustCenter: TrustCenterEntity;
  scope: TenantScope;
  organizationName: string;
  /** The organization row, as the slug lookup read it. */
  organization: OrganizationEntity;
  /** What `bySlug` was asked to read beside the trust center, decoded, by name. */
  parts: Record<string, unknown>;
}

/** Reads another module asks `bySlug` to make beside the trust center, by name (a public page's prefetch). */
export type PageParts = Record<string, JsonPart<unknown>>;

/**
 * The trust center inside another module's transaction (a module uses another through its service, never its
 * repository): created with its organization, and locked while reports are published or extended.
 */
export type { PublishedVendor };

export const trustCenters = {
  create: (m: EntityManager, scope: TenantScope): Promise<TrustCenterEntity> => trustCenterRepository.insert(m, scope),
  /** The settings, locked (FOR UPDATE) until the caller's transaction ends. */
  lock: (m: EntityManager, scope: TenantScope): Promise<TrustCenterEntity | null> => trustCenterRepository.forScope(m, scope, true),
  /** The settings as a JSON part, read beside another module's reads in one statement (json-parts.ts). */
  part: (scope: TenantScope): JsonPart<TrustCenterEntity | null> => trustCenterRepository.part(scope),
  /** SQL for the id of the NDA the trust center asks customers to accept, for a read beside it (NULL when none). */
  currentNdaTemplateIdSql: (scope: TenantScope): ((p: SqlParams) => string) => trustCenterRepository.currentNdaTemplateIdSql(scope),
  /** The settings, read (the daily sweep takes its freshness policy from them). */
  find: (m: EntityManager, scope: TenantScope): Promise<TrustCenterEntity | null> => trustCenterRepository.forScope(m, scope),
  /** Writes settings as given: the caller checked them and audits the change. */
  update: (m: EntityManager, scope: TenantScope, values: Partial<TrustCenterEntity>): Promise<void> => trustCenterRepository.update(m, scope, values),
  /** The vendor's name and slug while its trust center is published, else null. Needs DbScope.publicReads(). */
  publishedVendor: (m: EntityManager, vendorOrgId: string): Promise<PublishedVendor | null> => trustCenterRepository.publishedVendor(m, vendorOrgId),
  /** Organizations whose trust center is published (only those in `onlyOrgIds` when given). Needs DbScope.publicReads(). */
  publishedOrgIds: (m: EntityManager, onlyOrgIds: string[] | null): Promise<string[]> => trustCenterRepository.publishedOrgIds(m, onlyOrgIds),
};

export class TrustCenterService {
  constructor(private readonly db: Database) {}

  /**
   * The visitor's tenant comes from the slug: the org is resolved under `app.org_slug` (RLS shows only that row), then
   * its trust center is read as that tenant. Unpublished ones are NOT_FOUND unless the caller is a member.
   */
  async bySlug(principal: Principal, slug: string, alongside?: (scope: TenantScope) => PageParts): Promise<PublicTrustCenter> {
    const normalized = slug.trim().toLowerCase();
    return this.db.transaction(DbScope.slugLookup(normalized, principal.user?.id ?? null), (m) => this.find(m, principal, normalized, null, alongside));
  }

  /**
   * `work` in ONE transaction in the tenant a slug names: the organization is found under the slug lookup, the
   * transaction then acts as the caller there (with `customerOrgId`: a customer acting for its own organization) and
   * `work` gets the trust center, which must be PUBLISHED unless the caller is a member (else NOT_FOUND, nothing
   * written). A customer's access request is then one write transaction instead of a read and a write.
   */
  async inTenantOf<T>(principal: Principal, slug: string, customerOrgId: string, work: (m: EntityManager, found: PublicTrustCenter) => Promise<T>): Promise<T> {
    const normalized = slug.trim().toLowerCase();
    return this.db.transaction(DbScope.slugLookup(normalized, principal.user?.id ?? null), async (m) => work(m, await this.find(m, principal, normalized, customerOrgId)));
  }

  private async find(m: EntityManager, principal: Principal, slug: string, customerOrgId: string | null, alongside?: (scope: TenantScope) => PageParts): Promise<PublicTrustCenter> {
    const organization = await organizations.bySlug(m, slug);
    if (!organization) throw new NotFoundError('Trust center');
    const scope = authorize(principal, 'visit', { orgId: organization.id });
    await this.db.actAs(m, scope.identity(customerOrgId));
    // The trust center and whatever the caller reads beside it: one statement (json-parts.ts).
    const { trustCenter, ...parts } = await selectParts(m, { ...alongside?.(scope), trustCenter: trustCenterRepository.part(scope) });
    if (!trustCenter || (trustCenter.status !== 'PUBLISHED' && !scope.isMember)) throw new NotFoundError('Trust center');
    return { trustCenter, scope, organizationName: organization.name, organization, parts };
  }

  async update(scope: TenantScope, actor: Actor, input: TrustCenterChanges): Promise<TrustCenterResult> {
    const { errors, changes } = validate(input);
    return this.db.transaction(scope.identity(), async (m) => {
      const current = await trustCenterRepository.forScope(m, scope, true);
      if (!current) throw new NotFoundError('Trust center');
      if (errors.length > 0) return { trustCenter: current, errors };
      const values: Partial<TrustCenterEntity> = {};
      for (const [key, value] of Object.entries(changes) as [keyof TrustCenterChanges, unknown][]) {
        if (value === undefined) continue;
        // Settings with defaults cannot be cleared: null keeps the current value.
        if (value === null && ['ageAnchor', 'maxAgeMonths', 'expiringSoonDays', 'bridgeLetterMaxMonths'].includes(key)) continue;
        (values as Record<string, unknown>)[key] = value;
      }
      await trustCenterRepository.update(m, scope, values);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'trust_center.updated', targetType: 'trust_center', targetId: current.id, details: { ...auditChanges(current, values) } });
      return { trustCenter: await trustCenterRepository.forScope(m, scope), errors: [] };
    });
  }

  async setPublished(scope: TenantScope, actor: Actor, published: boolean): Promise<TrustCenterResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const current = await trustCenterRepository.forScope(m, scope, true);
      if (!current) throw new NotFoundError('Trust center');
      if (published && current.status === 'PUBLISHED') {
        return { trustCenter: current, errors: [refusal('ALREADY_PUBLISHED', null, 'The trust center is already published.')] };
      }
      if (!published && current.status !== 'PUBLISHED') {
        return { trustCenter: current, errors: [refusal('NOT_PUBLISHED', null, 'The trust center is not published.')] };
      }
      await trustCenterRepository.update(m, scope, published ? { status: 'PUBLISHED', publishedAt: new Date() } : { status: 'DRAFT' });
      await auditLog.append(m, scope, { ...auditActor(actor), action: published ? 'trust_center.published' : 'trust_center.unpublished', targetType: 'trust_center', targetId: current.id });
      return { trustCenter: await trustCenterRepository.forScope(m, scope), errors: [] };
    });
  }
}
