import { DbScope } from '../../db/db-scope';
import type { Role } from '../tenancy/membership.entity';

/**
 * The capability to touch one tenant's rows. Only the auth layer makes one (from a verified membership, or from a
 * published trust center's slug for a visitor); repositories require one and take `org_id` from it, never from input.
 */
export class TenantScope {
  private constructor(
    readonly orgId: string,
    readonly userId: string | null,
    /** The caller's role in this org; null for a visitor of a public trust center. */
    readonly role: Role | null,
    /** A non-member reading what the org published: the database hides the rest too (visitor policies). */
    readonly visitor: boolean = false,
  ) {}

  /** @internal auth layer only */
  static forMember(orgId: string, userId: string, role: Role): TenantScope {
    return new TenantScope(orgId, userId, role);
  }

  /** @internal auth layer only: an API key acting as its org (what it may do is checked against its scopes). */
  static forApiKey(orgId: string): TenantScope {
    return new TenantScope(orgId, null, 'VIEWER');
  }

  /** @internal auth layer only: a visitor reading what an org published. */
  static forVisitor(orgId: string, userId: string | null): TenantScope {
    return new TenantScope(orgId, userId, null, true);
  }

  /**
   * @internal acceptInvitation only: the signed-in user whose invitation token was verified by hash (and whose verified
   * email matched it) joins the org with the invited role.
   */
  static forInvitee(orgId: string, userId: string, role: Role): TenantScope {
    return new TenantScope(orgId, userId, role);
  }

  /**
   * @internal the system acting in a tenant, not a member: background jobs (fan-out, webhooks, the sweep), and a
   * request's own writes that the database refuses a visitor (grants, mail, queuing the vendor's webhook events).
   */
  static forSystem(orgId: string): TenantScope {
    return new TenantScope(orgId, null, null, false);
  }

  get isMember(): boolean {
    return this.role !== null;
  }

  /**
   * The database identity of this scope: a visitor's (the visitor wall applies) or a member's. `customerOrgId` names
   * the caller's own organization when it acts in this tenant as a customer (its requests, NDA acceptances, downloads).
   */
  identity(customerOrgId: string | null = null): DbScope {
    return this.visitor ? DbScope.visitor(this.orgId, this.userId, customerOrgId) : DbScope.member(this.orgId, this.userId, customerOrgId);
  }
}
