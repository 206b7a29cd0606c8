/**
 * Who a transaction runs as. Each field becomes a transaction-local setting that the row-level security policies read;
 * nothing is set per connection, so a pooled connection never carries one request's identity into the next.
 */
interface DbIdentity {
  orgId?: string | null;
  userId?: string | null;
  subject?: string | null;
  orgSlug?: string | null;
  /** The customer organization acting in another tenant, or reading its own requests and grants across vendors. */
  customerOrgId?: string | null;
  /** A document id being resolved to its tenant (a download names a document, not its vendor). */
  documentId?: string | null;
  /** Read what published trust centers show anyone, across tenants (a buyer's portfolio). */
  publicReads?: boolean;
  /** Background jobs only: find who follows this vendor (fan-out of its events). */
  fanoutVendorId?: string | null;
  /** Background jobs only: the daily sweep lists organizations that watch vendors. */
  systemSweep?: boolean;
  /** Authentication only: the API key a bearer token names. */
  apiKeyId?: string | null;
  /** Accepting an invitation only: the SHA-256 of the token's secret, revealing that one invitation before its tenant is known. */
  invitationTokenHash?: string | null;
  /**
   * A non-member in a vendor's tenant (anonymous visitor or customer): restrictive policies then hide drafts, withdrawn
   * reports, PRIVATE documents and unpublished NDAs, and refuse every write but the visitor's own customer rows.
   */
  visitor?: boolean;
}

/**
 * The only thing `Database.transaction` and `Database.actAs` accept (issue 11, item 8): an identity made by one of the
 * named constructors below, one per legitimate shape, so no call site assembles `{ orgId, visitor, ... }` by hand and
 * no shape the policies were not written for (a visitor with a fan-out setting, a tenant with a slug lookup) can be
 * sent. Request code gets its tenant identities from `TenantScope.identity()` (the auth layer); the lookups and the
 * job identities are named for the one place each serves.
 */
export class DbScope {
  private constructor(private readonly settings: Readonly<DbIdentity>) {}

  /** The settings this scope sets (read by Database only). */
  get identity(): Readonly<DbIdentity> {
    return this.settings;
  }

  /**
   * A member of the org, an API key (no user) or the system acting in it; `customerOrgId` when the caller acts there
   * for its own organization (a member of a vendor asking it for access on behalf of another org it belongs to).
   */
  static member(orgId: string, userId: string | null, customerOrgId: string | null = null): DbScope {
    return new DbScope({ orgId, userId, customerOrgId, visitor: false });
  }

  /** A non-member reading what the org published; a customer also names its organization (its own requests, NDAs). */
  static visitor(orgId: string, userId: string | null, customerOrgId: string | null = null): DbScope {
    return new DbScope({ orgId, userId, customerOrgId, visitor: true });
  }

  /** An API key, once verified, acting as its organization. */
  static apiKey(orgId: string): DbScope {
    return new DbScope({ orgId });
  }

  /** Background work in one tenant (fan-out delivery, webhooks, the sweep's transitions) and idempotency bookkeeping. */
  static system(orgId: string): DbScope {
    return new DbScope({ orgId });
  }

  /** Creating an organization: the new tenant's id, its first owner, and the slug checked for being taken. */
  static newOrganization(orgId: string, userId: string, slug: string): DbScope {
    return new DbScope({ orgId, userId, orgSlug: slug, visitor: false });
  }

  /** A buyer's portfolio: its own tenant, its requests and grants across vendors, and what published centers show. */
  static customerPortfolio(orgId: string, userId: string | null): DbScope {
    return new DbScope({ orgId, userId, customerOrgId: orgId, publicReads: true, visitor: false });
  }

  /** A customer organization's own access requests across vendors, with no tenant. */
  static customerRequests(customerOrgId: string, userId: string | null): DbScope {
    return new DbScope({ customerOrgId, userId });
  }

  /** What published trust centers show anyone, across tenants, with no tenant. */
  static publicReads(): DbScope {
    return new DbScope({ publicReads: true });
  }

  /** Narrow lookup: the one organization a public slug names (then `actAs` its tenant). */
  static slugLookup(slug: string, userId: string | null = null): DbScope {
    return new DbScope({ orgSlug: slug, userId });
  }

  /** Narrow lookup: the one API key row a bearer key names, before its tenant is known. */
  static apiKeyLookup(keyId: string): DbScope {
    return new DbScope({ apiKeyId: keyId });
  }

  /** Narrow lookup: the one invitation whose token hash matches, before the invitee is a member of its org. */
  static invitationLookup(tokenHash: string, userId: string): DbScope {
    return new DbScope({ invitationTokenHash: tokenHash, userId });
  }

  /** Accepting an invitation (its token verified by hash): the invitee joining the org that invited them. */
  static invitee(orgId: string, userId: string): DbScope {
    return new DbScope({ orgId, userId, visitor: false });
  }

  /** Narrow lookup: the one document a download names, before its tenant is known. */
  static documentLookup(documentId: string, userId: string | null): DbScope {
    return new DbScope({ documentId, userId });
  }

  /** Authentication: the user row of a verified token's subject (made on first sight). */
  static tokenSubject(subject: string): DbScope {
    return new DbScope({ subject });
  }

  /** Authentication: a known user with no tenant yet (its memberships, to choose the active org). */
  static user(userId: string): DbScope {
    return new DbScope({ userId });
  }

  /** Background jobs only: who follows this vendor (its subscriptions and watches in every tenant). */
  static fanout(vendorOrgId: string): DbScope {
    return new DbScope({ fanoutVendorId: vendorOrgId });
  }

  /** Background jobs only: the daily sweep lists the organizations that watch vendors. */
  static sweep(): DbScope {
    return new DbScope({ systemSweep: true });
  }
}
