import { effectiveState } from '../../domain/access';
import type { TrustCenterEntity } from '../trust-center/trust-center.entity';
import type { AccessRequestEntity, AccessRequestEventEntity, NdaAcceptanceEntity, NdaTemplateEntity } from './access.entity';
import { AccessPolicy, AccessRequest, AccessRequestEvent, NdaAcceptance, NdaTemplate } from './access.types';

/** Entity -> API type, explicitly: storage keys, hashes of secrets and org ids stay inside. */
export const toNdaTemplate = (t: NdaTemplateEntity): NdaTemplate =>
  Object.assign(new NdaTemplate(), { id: t.id, version: t.version, title: t.title, body: t.body, bodySha256: t.bodySha256, status: t.status, publishedAt: t.publishedAt });

export const toNdaAcceptance = (a: NdaAcceptanceEntity): NdaAcceptance =>
  Object.assign(new NdaAcceptance(), {
    id: a.id, source: a.source, templateVersion: a.templateVersion, bodySha256: a.bodySha256, signerName: a.signerName, signerTitle: a.signerTitle,
    signerEmail: a.signerEmail, customerOrganizationName: a.customerOrgName, ip: a.ip, userAgent: a.userAgent, acceptedAt: a.acceptedAt,
  });

export const toAccessRequest = (r: AccessRequestEntity, now: Date): AccessRequest =>
  Object.assign(new AccessRequest(), {
    orgId: r.orgId, requesterOrgId: r.requesterOrgId, requesterUserId: r.requesterUserId, documentIdList: r.documentIds,
    id: r.id, state: effectiveState(r.state, r.grantExpiresAt, now), scope: r.scope, reason: r.reason, requesterEmail: r.requesterEmail,
    requesterOrganizationName: r.requesterOrgName, rule: r.rule, decidedAt: r.decidedAt, decisionReason: r.decisionReason,
    grantExpiresAt: r.grantExpiresAt, createdAt: r.createdAt,
  });

export const toAccessRequestEvent = (e: AccessRequestEventEntity): AccessRequestEvent =>
  Object.assign(new AccessRequestEvent(), { fromState: e.fromState, toState: e.toState, rule: e.rule, reason: e.reason, actorUserId: e.actorUserId, occurredAt: e.occurredAt });

export const toAccessPolicy = (t: TrustCenterEntity): AccessPolicy =>
  Object.assign(new AccessPolicy(), {
    ndaRequired: t.ndaRequired, ndaAcceptanceScope: t.ndaAcceptanceScope, ndaReacceptOnNewVersion: t.ndaReacceptOnNewVersion,
    autoApproveDomains: t.autoApproveDomains, autoApproveOrganizationIds: t.autoApproveOrgIds, blockedDomains: t.blockedDomains,
    blockFreeMailDomains: t.blockFreeMailDomains, defaultGrantDays: t.defaultGrantDays, grantScope: t.grantScope,
  });
