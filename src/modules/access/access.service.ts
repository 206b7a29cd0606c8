import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  canMove,
  effectiveState,
  evaluateAccessPolicy,
  ndaSatisfied,
  type AccessState,
  type NdaPolicy,
} from '../../domain/access';
import type { Database } from '../../db/database';
import { NO_PART, selectParts, type JsonPart, type SqlParams } from '../../db/json-parts';
import { DbScope } from '../../db/db-scope';
import { auditActor, auditLog } from '../audit/audit.service';
import { mailRecipients, queueMail, requireMailSettings, type MailSettings } from '../mail/mail.service';
import { emitOwnEvent } from '../../jobs/events';
import { emitAccessEvent } from '../notifications/notifications.service';
import { accessApprovedMail, accessDeniedMail, accessRequestedMail, ndaReceiptMail } from '../mail/transactional';
import { POLICY } from '../tenancy/tenancy.policy';
import type { Principal } from '../auth/principal';
import { TenantScope } from '../auth/tenant-scope';
import { isUniqueViolation, NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { organizations } from '../tenancy/tenancy.service';
import { documents } from '../documents/document.service';
import type { TrustCenterEntity } from '../trust-center/trust-center.entity';
import { TrustCenterService, trustCenters } from '../trust-center/trust-center.service';
import type { AccessRequestEntity, AccessRequestEventEntity, NdaAcceptanceEntity, NdaTemplateEntity } from './access.entity';
import { accessRepository, type AccessRequestSummary } from './access.repository';

export type AccessErrorCode =
  | 'ALREADY_REQUESTED'
  | 'ALREADY_GRANTED'
  | 'OWN_ORGANIZATION'
  | 'DOCUMENT_NOT_FOUND'
  | 'DOCUMENT_NOT_RESTRICTED'
  | 'NO_RESTRICTED_DOCUMENTS'
  | 'INVALID_TRANSITION'
  | 'NDA_VERSION_MISMATCH'
  | 'NO_NDA'
  | 'NDA_NOT_DRAFT'
  | 'INVALID_NDA'
  | 'INVALID_POLICY'
  | 'CUSTOMER_NOT_FOUND'
  | 'INVALID_SIGNATURE';

type Errors = PayloadError<AccessErrorCode>[];
export interface NdaTemplateResult { template: NdaTemplateEntity | null; errors: Errors }
export interface AccessPolicyResult { trustCenter: TrustCenterEntity | null; errors: Errors }
export interface NdaAcceptanceResult { acceptance: NdaAcceptanceEntity | null; errors: Errors }
export interface AccessRequestResult { accessRequest: AccessRequestEntity | null; errors: Errors }

const fail = <T>(extra: T, code: AccessErrorCode, field: string | null, message: string): T & { errors: Errors } => ({ ...extra, errors: [refusal(code, field, message)] });

export const ndaPolicyOf = (tc: TrustCenterEntity): NdaPolicy => ({
  required: tc.ndaRequired,
  currentTemplateId: tc.currentNdaTemplateId,
  scope: tc.ndaAcceptanceScope,
  reacceptOnNewVersion: tc.ndaReacceptOnNewVersion,
});

export interface AccessPolicyChanges {
  ndaRequired?: boolean | null;
  ndaAcceptanceScope?: 'USER' | 'ORGANIZATION' | null;
  ndaReacceptOnNewVersion?: boolean | null;
  autoApproveDomains?: string[] | null;
  autoApproveOrganizationSlugs?: string[] | null;
  blockedDomains?: string[] | null;
  blockFreeMailDomains?: boolean | null;
  defaultGrantDays?: number | null;
  grantScope?: 'DOCUMENT' | 'TRUST_CENTER' | null;
}

/** Access records read inside another module's transaction (the per-request loaders, the guest pages). */
/** A customer acting in a vendor's tenant: its organization and the user acting for it. */
interface Customer {
  orgId: string;
  name: string;
  userId: string;
  email: string;
  emailVerified: boolean;
}

export const accessRecords = {
  /** The NDA template whose id the SQL expression gives, as a JSON part (a public page reads it beside the trust center). */
  ndaTemplatePart: (scope: TenantScope, idSql: (p: SqlParams) => string): JsonPart<NdaTemplateEntity | null> => accessRepository.templatePart(scope, idSql),
  /** NDA acceptances the scope's vendor holds from one customer organization. */
  acceptancesFor: (m: EntityManager, scope: TenantScope, customerOrgId: string): Promise<NdaAcceptanceEntity[]> => accessRepository.acceptancesFor(m, scope, customerOrgId),
  /** The same, for several customer organizations at once. */
  acceptancesForOrgs: (m: EntityManager, scope: TenantScope, customerOrgIds: readonly string[]): Promise<NdaAcceptanceEntity[]> => accessRepository.acceptancesForOrgs(m, scope, customerOrgIds),
  /** The state changes of these access requests. */
  eventsFor: (m: EntityManager, scope: TenantScope, requestIds: readonly string[]): Promise<AccessRequestEventEntity[]> => accessRepository.eventsFor(m, scope, requestIds),
  /** What an access.* event says of the request (the notifications module's payloads). */
  summary: (m: EntityManager, scope: TenantScope, requestId: string): Promise<AccessRequestSummary | null> => accessRepository.accessRequestSummary(m, scope, requestId),
  /** Approved access ending after `now` and within `days` days of it (reminders). */
  grantsEndingWithin: (m: EntityManager, scope: TenantScope, now: Date, days: number) => accessRepository.grantsEndingWithin(m, scope, now, days),
  /** Grants ending within `days` that were given for longer, with the documents they cover (the reminder mail). */
  grantsToRemind: (m: EntityManager, scope: TenantScope, now: Date, days: number) => accessRepository.grantsToRemind(m, scope, now, days),
  /** Approved access that ended in the `days` days up to `now`. */
  grantsEndedWithin: (m: EntityManager, scope: TenantScope, now: Date, days: number) => accessRepository.grantsEndedWithin(m, scope, now, days),
};

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const DAY_MS = 24 * 3600 * 1000;

/** The vendor side (NDA templates, policy, decisions) and the customer side (NDA acceptance, requests) of access. */
export class AccessService {
  /** `mail`: the From and link settings (config.mail); needed by the calls that mail (requests, decisions, NDA acceptances). */
  constructor(private readonly db: Database, private readonly mail?: MailSettings) {}

  private get mailSettings(): MailSettings {
    return requireMailSettings(this.mail);
  }

  /** The vendor's name and slug, for mail (read in the vendor's tenant). */
  private static async vendorOf(m: EntityManager, scope: TenantScope): Promise<{ name: string; slug: string }> {
    const org = (await organizations.of(m, scope))!;
    return { name: org.name, slug: org.slug };
  }

  /** Titles of the documents a request or grant names; null means every restricted document. */
  private static async titlesOf(m: EntityManager, scope: TenantScope, documentIds: readonly (string | null)[]): Promise<string[] | null> {
    const ids = documentIds.filter((id): id is string => id !== null);
    if (ids.length === 0 || ids.length !== documentIds.length) return null;
    const docs = new Map((await documents.byIds(m, scope, ids)).map((d) => [d.id, d.title]));
    return ids.map((id) => docs.get(id) ?? 'a document no longer listed');
  }

  // ---- vendor: NDA templates ----------------------------------------------------------------------------------

  async createNdaTemplate(scope: TenantScope, actor: Actor, input: { title: string; body: string }): Promise<NdaTemplateResult> {
    const title = input.title.trim();
    const body = input.body.replace(/\r\n/g, '\n').trim();
    if (!title || title.length > 200 || body.length < 20 || body.length > 100_000) {
      return fail({ template: null }, 'INVALID_NDA', body.length < 20 ? 'body' : 'title', 'An NDA has a title (1-200 characters) and a body (20-100000 characters).');
    }
    return this.db.transaction(scope.identity(), async (m) => {
      // Serialise version numbering per vendor on its trust center row.
      await trustCenters.lock(m, scope);
      const template = await accessRepository.insertTemplate(m, scope, {
        version: await accessRepository.nextTemplateVersion(m, scope), title, body, bodySha256: sha256(body), status: 'DRAFT', createdBy: scope.userId,
      });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'nda.created', targetType: 'nda_template', targetId: template.id,
        details: { version: template.version, title, bodySha256: template.bodySha256, status: 'DRAFT' },
      });
      return { template, errors: [] };
    });
  }

  /** Publishing freezes the text (a trigger refuses any later change) and makes it the version customers accept. */
  async publishNdaTemplate(scope: TenantScope, actor: Actor, id: string): Promise<NdaTemplateResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      await trustCenters.lock(m, scope);
      const template = await accessRepository.templateById(m, scope, id, true);
      if (!template) throw new NotFoundError('NDA template');
      if (template.status !== 'DRAFT') return fail({ template }, 'NDA_NOT_DRAFT', 'id', `Version ${template.version} is already published.`);
      const latest = (await accessRepository.templates(m, scope)).find((t) => t.status === 'PUBLISHED');
      if (latest && latest.version > template.version) {
        return fail({ template }, 'NDA_NOT_DRAFT', 'id', `Version ${latest.version} is already published; draft a new version instead of publishing the older ${template.version}.`);
      }
      await accessRepository.publishTemplate(m, scope, id);
      await trustCenters.update(m, scope, { currentNdaTemplateId: id });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'nda.published', targetType: 'nda_template', targetId: id, details: { version: template.version, bodySha256: template.bodySha256 } });
      return { template: await accessRepository.templateById(m, scope, id), errors: [] };
    });
  }

  // ---- vendor: policy ----------------------------------------------------------------------------------------

  async updatePolicy(scope: TenantScope, actor: Actor, changes: AccessPolicyChanges): Promise<AccessPolicyResult> {
    const normalize = (list: string[] | null | undefined) => (list == null ? undefined : [...new Set(list.map((d) => d.trim().toLowerCase()).filter(Boolean))]);
    const auto = normalize(changes.autoApproveDomains);
    const blocked = normalize(changes.blockedDomains);
    for (const [field, list] of [['autoApproveDomains', auto], ['blockedDomains', blocked]] as const) {
      const bad = list?.find((d) => !DOMAIN.test(d));
      if (bad) return fail({ trustCenter: null }, 'INVALID_POLICY', field, `"${bad}" is not a domain name.`);
      if (list && list.length > 200) return fail({ trustCenter: null }, 'INVALID_POLICY', field, 'At most 200 domains.');
    }
    if (changes.defaultGrantDays != null && (!Number.isInteger(changes.defaultGrantDays) || changes.defaultGrantDays < 1 || changes.defaultGrantDays > 1095)) {
      return fail({ trustCenter: null }, 'INVALID_POLICY', 'defaultGrantDays', 'defaultGrantDays is 1 to 1095.');
    }
    let autoOrgIds: string[] | undefined;
    if (changes.autoApproveOrganizationSlugs != null) {
      const slugs = [...new Set(changes.autoApproveOrganizationSlugs.map((s) => s.trim().toLowerCase()))];
      autoOrgIds = [];
      for (const slug of slugs) {
        const id = (await this.organizationBySlug(slug))?.id;
        if (!id) return fail({ trustCenter: null }, 'CUSTOMER_NOT_FOUND', 'autoApproveOrganizationSlugs', `No organization "${slug}".`);
        autoOrgIds.push(id);
      }
    }
    return this.db.transaction(scope.identity(), async (m) => {
      const values: Partial<TrustCenterEntity> = {};
      if (changes.ndaRequired != null) values.ndaRequired = changes.ndaRequired;
      if (changes.ndaAcceptanceScope != null) values.ndaAcceptanceScope = changes.ndaAcceptanceScope;
      if (changes.ndaReacceptOnNewVersion != null) values.ndaReacceptOnNewVersion = changes.ndaReacceptOnNewVersion;
      if (auto) values.autoApproveDomains = auto;
      if (autoOrgIds) values.autoApproveOrgIds = autoOrgIds;
      if (blocked) values.blockedDomains = blocked;
      if (changes.blockFreeMailDomains != null) values.blockFreeMailDomains = changes.blockFreeMailDomains;
      if (changes.defaultGrantDays != null) values.defaultGrantDays = changes.defaultGrantDays;
      if (changes.grantScope != null) values.grantScope = changes.grantScope;
      await trustCenters.update(m, scope, values);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'access.policy_updated', targetType: 'trust_center', targetId: scope.orgId, details: { ...values } });
      return { trustCenter: await trustCenters.find(m, scope), errors: [] };
    });
  }

  private organizationBySlug(slug: string): Promise<{ id: string; name: string } | null> {
    return this.db.transaction(DbScope.slugLookup(slug), (m) => organizations.bySlug(m, slug));
  }

  /** An NDA signed outside the platform: covers the customer organization for every version. */
  async recordNdaOnFile(scope: TenantScope, actor: Actor, input: { customerSlug: string; signerName: string; note?: string | null }): Promise<NdaAcceptanceResult> {
    const signerName = input.signerName.trim();
    if (signerName.length === 0 || signerName.length > 200) {
      return fail({ acceptance: null }, 'INVALID_SIGNATURE', 'signerName', 'signerName is the signer\'s name, 1-200 characters.');
    }
    const slug = input.customerSlug.trim().toLowerCase();
    const customer = await this.organizationBySlug(slug);
    // Only an organization that has asked this trust center for access: any other slug (existing or not) gets the
    // same answer, so the mutation can neither list organizations nor reveal a private one's name.
    const unknown = () => fail({ acceptance: null }, 'CUSTOMER_NOT_FOUND', 'customerSlug', `No organization "${slug}" has asked you for access.`);
    if (!customer) return unknown();
    if (customer.id === scope.orgId) return fail({ acceptance: null }, 'OWN_ORGANIZATION', 'customerSlug', 'An organization does not sign its own NDA.');
    return this.db.transaction(scope.identity(), async (m) => {
      if (!(await accessRepository.hasRequestFrom(m, scope, customer.id))) return unknown();
      const acceptance = await accessRepository.insertAcceptance(m, scope, {
        customerOrgId: customer.id, customerOrgName: customer.name, source: 'ON_FILE', signerName, note: input.note ?? null, recordedBy: scope.userId, ip: actor.ip, userAgent: actor.userAgent,
      });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'nda.recorded_on_file', targetType: 'organization', targetId: customer.id, details: { customer: customer.name, note: input.note ?? null } });
      return { acceptance, errors: [] };
    });
  }

  // ---- customer: NDA and requests ----------------------------------------------------------------------------

  /** The customer a request or an NDA acceptance is made for: the caller's active organization, and the caller. */
  private static customerOf(principal: Principal): Customer {
    const active = principal.active!;
    return { orgId: active.orgId, name: active.name, userId: principal.user!.id, email: principal.user!.email, emailVerified: principal.user!.emailVerified === true };
  }

  /**
   * `work` in ONE transaction in the vendor's tenant, as a customer acting there: resolved from the slug (published,
   * or the caller is a member), with the customer org recorded in the transaction so shared rows can be written for it.
   */
  private asCustomer<T>(principal: Principal, slug: string, work: (m: EntityManager, vendor: TenantScope, customer: Customer, trustCenter: TrustCenterEntity) => Promise<T>): Promise<T> {
    const customer = AccessService.customerOf(principal);
    return new TrustCenterService(this.db).inTenantOf(principal, slug, customer.orgId, (m, found) => work(m, found.scope, customer, found.trustCenter));
  }

  async acceptNda(principal: Principal, actor: Actor, input: { trustCenterSlug: string; version: number; signerName: string; signerTitle?: string | null }): Promise<NdaAcceptanceResult> {
    return this.asCustomer(principal, input.trustCenterSlug, async (m, vendor, customer, trustCenter) => {
      if (customer.orgId === vendor.orgId) return fail({ acceptance: null }, 'OWN_ORGANIZATION', null, 'Members do not sign their own NDA.');
      const signerName = input.signerName.trim();
      if (signerName.length === 0 || signerName.length > 200) {
        return fail({ acceptance: null }, 'INVALID_SIGNATURE', 'signerName', 'Sign with your name (1-200 characters).');
      }
      const template = trustCenter.currentNdaTemplateId ? await accessRepository.templateById(m, vendor, trustCenter.currentNdaTemplateId) : null;
      if (!template) return fail({ acceptance: null }, 'NO_NDA', null, 'This trust center has no NDA to accept.');
      if (template.version !== input.version) {
        return fail({ acceptance: null }, 'NDA_VERSION_MISMATCH', 'version', `The current NDA is version ${template.version}; read it and accept that version.`);
      }
      const acceptance = await accessRepository.insertAcceptance(m, vendor, {
        customerOrgId: customer.orgId, customerOrgName: customer.name, source: 'CLICKWRAP', templateId: template.id, templateVersion: template.version,
        bodySha256: template.bodySha256, signerUserId: customer.userId, signerName, signerTitle: input.signerTitle?.trim() || null,
        signerEmail: customer.email, ip: actor.ip, userAgent: actor.userAgent,
      });
      await auditLog.append(m, vendor, {
        ...auditActor(actor), action: 'nda.accepted', targetType: 'nda_template', targetId: template.id,
        details: { version: template.version, bodySha256: template.bodySha256, signer: input.signerName, customer: customer.name },
      });
      // The vendor's endpoints are told, and the receipt is the vendor's mail to the signer: both as the system in the
      // vendor's tenant (a visitor sees no endpoint and writes no mail).
      const system = TenantScope.forSystem(vendor.orgId);
      await this.db.actAs(m, system.identity());
      await emitOwnEvent(m, system, { orgId: vendor.orgId, type: 'nda.accepted', data: {
        ndaAcceptanceId: acceptance.id, ndaVersion: template.version, customerOrganizationId: customer.orgId, customerOrganizationName: customer.name,
        signerName, signerTitle: acceptance.signerTitle, signerEmail: customer.email, acceptedAt: acceptance.acceptedAt.toISOString(),
      } }, acceptance.acceptedAt);
      const vendorOrg = await AccessService.vendorOf(m, system);
      await queueMail(m, system, this.mailSettings, ndaReceiptMail(this.mailSettings, {
        acceptanceId: acceptance.id, to: customer.email, vendorName: vendorOrg.name, vendorSlug: vendorOrg.slug, version: template.version, bodySha256: template.bodySha256,
        acceptedAt: acceptance.acceptedAt, signerName, signerTitle: acceptance.signerTitle, customerOrgName: customer.name,
      }));
      return { acceptance, errors: [] };
    });
  }

  async requestAccess(principal: Principal, actor: Actor, input: { trustCenterSlug: string; documentIds?: string[] | null; reason?: string | null }, now = new Date()): Promise<AccessRequestResult> {
    const none = { accessRequest: null };
    try {
      return await this.asCustomer(principal, input.trustCenterSlug, async (m, vendor, customer, trustCenter) => {
        if (customer.orgId === vendor.orgId) return fail(none, 'OWN_ORGANIZATION', null, 'Members already see their own documents.');
        return this.recordRequest(m, actor, input, vendor, customer, trustCenter, now);
      });
    } catch (error) {
      // Two identical requests at once: the partial unique index lets one through; the other is a duplicate.
      if (isUniqueViolation(error)) {
        return fail(none, 'ALREADY_REQUESTED', null, 'You already have an open request with this vendor; wait for its decision.');
      }
      throw error;
    }
  }

  private async recordRequest(
    m: EntityManager, actor: Actor, input: { documentIds?: string[] | null; reason?: string | null },
    vendor: TenantScope, customer: Customer, trustCenter: TrustCenterEntity, now: Date,
  ): Promise<AccessRequestResult> {
    const none = { accessRequest: null };
    const requested = [...new Set(input.documentIds ?? [])];
    if (requested.length > 100) return fail(none, 'DOCUMENT_NOT_FOUND', 'documentIds', 'At most 100 documents per request.');
    // Every check's data in one statement (json-parts.ts): the requested documents (or whether any is restricted),
    // the user's open request, the organization's live grants.
    const checks = await selectParts(m, {
      docs: requested.length > 0 ? documents.byIdsPart(vendor, requested) : NO_PART,
      restricted: requested.length > 0 ? NO_PART : documents.restrictedIdsPart(vendor),
      open: accessRepository.openRequestPart(vendor, customer.userId),
      grants: accessRepository.liveGrantDocumentIdsPart(vendor, customer.orgId, now),
    });
    if (requested.length > 0) {
      const docs = new Map((checks.docs ?? []).map((d) => [d.id, d]));
      for (const id of requested) {
        const doc = docs.get(id);
        if (!doc || doc.visibility === 'PRIVATE' || !doc.currentVersionId) return fail(none, 'DOCUMENT_NOT_FOUND', 'documentIds', `No document ${id} on this trust center.`);
        if (doc.visibility === 'PUBLIC') return fail(none, 'DOCUMENT_NOT_RESTRICTED', 'documentIds', `"${doc.title}" is public: download it directly.`);
      }
    } else if ((checks.restricted ?? []).length === 0) {
      return fail(none, 'NO_RESTRICTED_DOCUMENTS', null, 'This trust center has no restricted documents to request.');
    }
    if (checks.open) {
      return fail(none, 'ALREADY_REQUESTED', null, 'You already have an open request with this vendor; wait for its decision.');
    }
    const grants = checks.grants;
    if (grants.all || (requested.length > 0 && requested.every((id) => grants.ids.has(id)))) {
      return fail(none, 'ALREADY_GRANTED', null, 'Your organization already has access to these documents.');
    }

    const decision = evaluateAccessPolicy(
      { autoApproveDomains: trustCenter.autoApproveDomains, autoApproveOrgIds: trustCenter.autoApproveOrgIds, blockedDomains: trustCenter.blockedDomains, blockFreeMailDomains: trustCenter.blockFreeMailDomains },
      { email: customer.email, orgId: customer.orgId, emailVerified: customer.emailVerified },
    );
    let request = await accessRepository.insertRequest(m, vendor, {
      requesterOrgId: customer.orgId, requesterOrgName: customer.name, requesterUserId: customer.userId, requesterEmail: customer.email,
      scope: requested.length > 0 ? 'DOCUMENTS' : 'ALL_RESTRICTED', documentIds: requested, reason: input.reason?.trim() || null, state: 'REQUESTED',
    });
    await accessRepository.addEvent(m, vendor, { requestId: request.id, fromState: null, toState: 'REQUESTED', actorUserId: customer.userId, reason: request.reason });
    await auditLog.append(m, vendor, { ...auditActor(actor), action: 'access.requested', targetType: 'access_request', targetId: request.id, details: { customer: customer.name, documents: requested.length || 'all restricted' } });
    // The vendor's endpoints are told, and its policy decides or its deciders are told: all of it (the event, grants,
    // the request's new state, mail) as the system in the vendor's tenant, since the database hides endpoints from a
    // visitor and refuses it those writes.
    const system = TenantScope.forSystem(vendor.orgId);
    await this.db.actAs(m, system.identity());
    await emitOwnEvent(m, system, { orgId: vendor.orgId, type: 'access.requested', data: { accessRequestId: request.id, expiresAt: null, reason: request.reason } }, now);
    if (decision.kind === 'AUTO_APPROVE' || decision.kind === 'BLOCKED') {
      request = decision.kind === 'AUTO_APPROVE'
        ? await this.approve(m, system, request, trustCenter, { actor, rule: decision.rule, decidedBy: null, reason: null, grantDays: null, now })
        : await this.deny(m, system, request, { actor, rule: decision.rule, decidedBy: null, reason: `Refused by policy: ${decision.rule}`, now });
    } else {
      await this.mailDeciders(m, system, request);
    }
    return { accessRequest: request, errors: [] };
  }

  // ---- vendor: decisions ---------------------------------------------------------------------------------------

  async decide(scope: TenantScope, actor: Actor, input: { id: string; approve: boolean; reason?: string | null; grantDays?: number | null }, now = new Date()): Promise<AccessRequestResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      // The row lock makes concurrent decisions queue: the first wins, the rest see a decided request.
      const request = await accessRepository.requestById(m, scope, input.id, true);
      if (!request) throw new NotFoundError('Access request');
      const state = effectiveState(request.state, request.grantExpiresAt, now);
      const target: AccessState = input.approve ? 'APPROVED' : 'DENIED';
      if (!canMove(state, target)) return fail({ accessRequest: request }, 'INVALID_TRANSITION', 'id', `A ${state} request cannot become ${target}.`);
      if (input.grantDays != null && (!Number.isInteger(input.grantDays) || input.grantDays < 1 || input.grantDays > 1095)) {
        return fail({ accessRequest: request }, 'INVALID_POLICY', 'grantDays', 'grantDays is 1 to 1095.');
      }
      const trustCenter = (await trustCenters.find(m, scope))!;
      const decided = input.approve
        ? await this.approve(m, scope, request, trustCenter, { actor, rule: null, decidedBy: scope.userId, reason: input.reason ?? null, grantDays: input.grantDays ?? null, now })
        : await this.deny(m, scope, request, { actor, rule: null, decidedBy: scope.userId, reason: input.reason ?? null, now });
      return { accessRequest: decided, errors: [] };
    });
  }

  /** Ends a grant at once: downloads stop with the next request. */
  async revoke(scope: TenantScope, actor: Actor, input: { requestId: string; reason?: string | null }, now = new Date()): Promise<AccessRequestResult> {
    return this.db.transaction(scope.identity(), async (m) => {
      const request = await accessRepository.requestById(m, scope, input.requestId, true);
      if (!request) throw new NotFoundError('Access request');
      const state = effectiveState(request.state, request.grantExpiresAt, now);
      if (!canMove(state, 'REVOKED')) return fail({ accessRequest: request }, 'INVALID_TRANSITION', 'requestId', `A ${state} request cannot be revoked.`);
      await accessRepository.updateRequest(m, scope, request.id, { state: 'REVOKED' });
      await accessRepository.revokeGrantsOf(m, scope, request.id, scope.userId);
      await accessRepository.addEvent(m, scope, { requestId: request.id, fromState: state, toState: 'REVOKED', actorUserId: scope.userId, reason: input.reason ?? null });
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'access.revoked', targetType: 'access_request', targetId: request.id, details: { customer: request.requesterOrgName, reason: input.reason ?? null } });
      await emitAccessEvent(m, { vendorOrgId: scope.orgId, customerOrgId: request.requesterOrgId, requestId: request.id, type: 'access.revoked', expiresAt: null, reason: input.reason ?? null }, now);
      return { accessRequest: (await accessRepository.requestById(m, scope, request.id)), errors: [] };
    });
  }

  private async approve(
    m: EntityManager, scope: TenantScope, request: AccessRequestEntity, trustCenter: TrustCenterEntity,
    how: { actor: Actor; rule: string | null; decidedBy: string | null; reason: string | null; grantDays: number | null; now: Date },
  ): Promise<AccessRequestEntity> {
    const expiresAt = new Date(how.now.getTime() + (how.grantDays ?? trustCenter.defaultGrantDays) * DAY_MS);
    // Whole-trust-center grants cover every restricted document, including ones published later.
    const documentIds: (string | null)[] = trustCenter.grantScope === 'TRUST_CENTER' || request.scope === 'ALL_RESTRICTED'
      ? (trustCenter.grantScope === 'TRUST_CENTER' ? [null] : await documents.restrictedIds(m, scope))
      : request.documentIds;
    await accessRepository.insertGrants(m, scope, documentIds.map((documentId) => ({ customerOrgId: request.requesterOrgId, documentId, requestId: request.id, expiresAt })));
    await accessRepository.updateRequest(m, scope, request.id, { state: 'APPROVED', rule: how.rule, decidedBy: how.decidedBy, decidedAt: how.now, decisionReason: how.reason, grantExpiresAt: expiresAt });
    await accessRepository.addEvent(m, scope, { requestId: request.id, fromState: 'REQUESTED', toState: 'APPROVED', actorUserId: how.decidedBy, rule: how.rule, reason: how.reason });
    await auditLog.append(m, scope, {
      ...auditActor(how.actor), action: 'access.approved', targetType: 'access_request', targetId: request.id,
      details: { customer: request.requesterOrgName, rule: how.rule, expiresAt: expiresAt.toISOString(), documents: documentIds.length === 1 && documentIds[0] === null ? 'all restricted' : documentIds.length },
    });
    // Next step for the requester: the NDA, when the policy asks for one they have not accepted yet.
    const ndaVersion = trustCenter.ndaRequired && trustCenter.currentNdaTemplateId
      && !AccessService.ndaOnFile(trustCenter, await accessRepository.acceptancesFor(m, scope, request.requesterOrgId), request.requesterUserId)
      ? (await accessRepository.templateById(m, scope, trustCenter.currentNdaTemplateId))?.version ?? null
      : null;
    const vendorOrg = await AccessService.vendorOf(m, scope);
    await queueMail(m, scope, this.mailSettings, accessApprovedMail(this.mailSettings, {
      requestId: request.id, to: request.requesterEmail, vendorName: vendorOrg.name, vendorSlug: vendorOrg.slug,
      documentTitles: await AccessService.titlesOf(m, scope, documentIds), expiresAt, ndaVersion,
    }));
    await emitAccessEvent(m, { vendorOrgId: scope.orgId, customerOrgId: request.requesterOrgId, requestId: request.id, type: 'access.approved', expiresAt: expiresAt.toISOString(), reason: how.reason }, how.now);
    return (await accessRepository.requestById(m, scope, request.id))!;
  }

  private async deny(m: EntityManager, scope: TenantScope, request: AccessRequestEntity, how: { actor: Actor; rule: string | null; decidedBy: string | null; reason: string | null; now: Date }): Promise<AccessRequestEntity> {
    await accessRepository.updateRequest(m, scope, request.id, { state: 'DENIED', rule: how.rule, decidedBy: how.decidedBy, decidedAt: how.now, decisionReason: how.reason });
    await accessRepository.addEvent(m, scope, { requestId: request.id, fromState: 'REQUESTED', toState: 'DENIED', actorUserId: how.decidedBy, rule: how.rule, reason: how.reason });
    await auditLog.append(m, scope, { ...auditActor(how.actor), action: 'access.denied', targetType: 'access_request', targetId: request.id, details: { customer: request.requesterOrgName, rule: how.rule, reason: how.reason } });
    const vendorOrg = await AccessService.vendorOf(m, scope);
    await queueMail(m, scope, this.mailSettings, accessDeniedMail(this.mailSettings, {
      requestId: request.id, to: request.requesterEmail, vendorName: vendorOrg.name, vendorSlug: vendorOrg.slug, reason: how.reason,
    }));
    await emitAccessEvent(m, { vendorOrgId: scope.orgId, customerOrgId: request.requesterOrgId, requestId: request.id, type: 'access.denied', expiresAt: null, reason: how.reason }, how.now);
    return (await accessRepository.requestById(m, scope, request.id))!;
  }

  /** Tells each member who may decide (access.decide: OWNER, ADMIN, ACCESS_MANAGER) that a request waits. */
  private async mailDeciders(m: EntityManager, scope: TenantScope, request: AccessRequestEntity): Promise<void> {
    const deciders = await mailRecipients.membersWithRoles(m, scope, POLICY['access.decide']);
    if (deciders.length === 0) return;
    const vendorOrg = await AccessService.vendorOf(m, scope);
    const documentTitles = request.scope === 'ALL_RESTRICTED' ? null : await AccessService.titlesOf(m, scope, request.documentIds);
    for (const decider of deciders) {
      await queueMail(m, scope, this.mailSettings, accessRequestedMail(this.mailSettings, {
        requestId: request.id, to: decider.email, recipientUserId: decider.userId, vendorName: vendorOrg.name, requesterEmail: request.requesterEmail,
        requesterOrgName: request.requesterOrgName, reason: request.reason, documentTitles, requestedAt: request.createdAt,
      }));
    }
  }

  // ---- customer: a report's findings -------------------------------------------------------------------------

  /**
   * The findings rule (issue 14, item 1): which of a vendor's reports a non-member may read the findings of
   * (exceptions with the vendor's responses, complementary user-entity controls, subservice organizations). The same
   * grant and NDA rules as a restricted document's download (DownloadService.decide):
   * - a signed-in user acting for a customer organization (the X-Org header when they belong to several; never an API
   *   key, never anonymous), on a PUBLISHED trust center;
   * - that organization holds a live grant (not revoked, not expired) covering the report: a whole-trust-center grant
   *   (every report), or a grant on a RESTRICTED document linked to the report (its `attestationId`), bridge letters
   *   aside: a per-document grant opens the findings of the report that document carries, and of no other;
   * - the vendor's NDA is satisfied for this user and organization (`ndaOnFile`: required or not, per signer or per
   *   organization, re-acceptance of a new version, an NDA on file).
   * Visitors never read exception responses themselves (RLS), so for the reports decided here `read` runs as the
   * vendor's system identity, in the same transaction. Returns null (and reads nothing) when no report qualifies.
   * The caller passes reports the visitor could see (PUBLISHED or SUPERSEDED: the visitor wall).
   */
  async readGrantedFindings<T>(
    principal: Principal, vendor: TenantScope, attestationIds: readonly string[], now: Date,
    read: (m: EntityManager, system: TenantScope, readable: string[]) => Promise<T>,
  ): Promise<{ readable: Set<string>; result: T } | null> {
    const customer = principal.apiKey ? null : principal.active;
    if (vendor.isMember || !principal.user || !customer || customer.orgId === vendor.orgId || attestationIds.length === 0) return null;
    const userId = principal.user.id;
    return this.db.transaction(vendor.identity(customer.orgId), async (m) => {
      const trustCenter = await trustCenters.find(m, vendor);
      if (!trustCenter || trustCenter.status !== 'PUBLISHED') return null;
      const grants = await accessRepository.liveGrantDocumentIds(m, vendor, customer.orgId, now);
      const readable = grants.all
        ? [...new Set(attestationIds)]
        : grants.ids.size === 0
          ? []
          : [...new Set((await documents.restrictedReportDocuments(m, vendor, attestationIds)).filter((d) => grants.ids.has(d.id)).map((d) => d.attestationId))];
      if (readable.length === 0) return null;
      if (!AccessService.ndaOnFile(trustCenter, await accessRepository.acceptancesFor(m, vendor, customer.orgId), userId)) return null;
      const system = TenantScope.forSystem(vendor.orgId);
      await this.db.actAs(m, system.identity());
      return { readable: new Set(readable), result: await read(m, system, readable) };
    });
  }

  /** Whether this customer user has what the vendor's NDA policy asks for. */
  static ndaOnFile(trustCenter: TrustCenterEntity, acceptances: readonly NdaAcceptanceEntity[], userId: string): boolean {
    return ndaSatisfied(ndaPolicyOf(trustCenter), acceptances, userId);
  }
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
