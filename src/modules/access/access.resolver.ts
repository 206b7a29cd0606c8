import { Arg, Args, Authorized, Ctx, Extensions, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import type { AccessState } from '../../domain/access';
import { DbScope } from '../../db/db-scope';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { AccessStateEnum } from '../../graphql/enums';
import { orgKey, Prefetched } from '../../graphql/loaders';
import type { TenantScope } from '../auth/tenant-scope';
import { authorize, isMember } from '../auth/authorize';
import { documentPage } from '../documents/document.resolver';
import { Document, DocumentConnection, toDocument } from '../documents/document.types';
import { Organization } from '../tenancy/tenancy.types';
import { TrustCenter } from '../trust-center/trust-center.types';
import { AccessRequestEntity } from './access.entity';
import { toAccessPolicy, toAccessRequest, toAccessRequestEvent, toNdaAcceptance, toNdaTemplate } from './access.mappers';
import { accessRepository } from './access.repository';
import { AccessService } from './access.service';
import {
  AcceptNdaInput,
  AccessPolicy,
  AccessPolicyPayload,
  AccessRequest,
  AccessRequestConnection,
  AccessRequestEvent,
  AccessRequestPayload,
  CreateNdaTemplateInput,
  DecideAccessRequestInput,
  DownloadPayload,
  NdaAcceptance,
  NdaAcceptancePayload,
  NdaTemplate,
  NdaTemplatePayload,
  RecordNdaOnFileInput,
  RequestAccessInput,
  RevokeAccessInput,
  UpdateAccessPolicyInput,
} from './access.types';
import { DownloadService } from './download.service';

const service = (ctx: RequestContext): AccessService => new AccessService(ctx.db, ctx.config.mail);

@Resolver()
export class AccessMutationsResolver {
  @Authorized('nda.manage')
  @Mutation(() => NdaTemplatePayload, { description: 'Draft a new NDA version (ADMIN and above).' })
  async createNdaTemplate(@Arg('input', { description: 'Title and text.' }) input: CreateNdaTemplateInput, @Ctx() ctx: RequestContext): Promise<NdaTemplatePayload> {
    const r = await service(ctx).createNdaTemplate(authorize(ctx.principal, 'nda.manage'), actorOf(ctx), input);
    return { ndaTemplate: r.template ? toNdaTemplate(r.template) : null, errors: r.errors };
  }

  @Authorized('nda.manage')
  @Mutation(() => NdaTemplatePayload, { description: 'Publish an NDA draft: its text is frozen and it becomes the version customers accept (ADMIN and above).' })
  async publishNdaTemplate(@Arg('id', () => ID, { description: 'The draft.' }) id: string, @Ctx() ctx: RequestContext): Promise<NdaTemplatePayload> {
    const r = await service(ctx).publishNdaTemplate(authorize(ctx.principal, 'nda.manage'), actorOf(ctx), id);
    return { ndaTemplate: r.template ? toNdaTemplate(r.template) : null, errors: r.errors };
  }

  @Authorized('access.policy')
  @Mutation(() => AccessPolicyPayload, { description: 'Change who gets access and how (ADMIN and above).' })
  async updateAccessPolicy(@Arg('input', { description: 'The changes.' }) input: UpdateAccessPolicyInput, @Ctx() ctx: RequestContext): Promise<AccessPolicyPayload> {
    const r = await service(ctx).updatePolicy(authorize(ctx.principal, 'access.policy'), actorOf(ctx), input);
    return { accessPolicy: r.trustCenter ? toAccessPolicy(r.trustCenter) : null, errors: r.errors };
  }

  @Authorized('access.decide')
  @Mutation(() => NdaAcceptancePayload, { description: 'Record an NDA the customer signed elsewhere: covers its whole organization (ACCESS_MANAGER and above).' })
  async recordNdaOnFile(@Arg('input', { description: 'The customer and the signer.' }) input: RecordNdaOnFileInput, @Ctx() ctx: RequestContext): Promise<NdaAcceptancePayload> {
    const r = await service(ctx).recordNdaOnFile(authorize(ctx.principal, 'access.decide'), actorOf(ctx), input);
    return { acceptance: r.acceptance ? toNdaAcceptance(r.acceptance) : null, errors: r.errors };
  }

  @Authorized('customer.request')
  @Mutation(() => NdaAcceptancePayload, { description: "Accept a vendor's current NDA, for yourself or your organization as its policy says." })
  async acceptNda(@Arg('input', { description: 'The vendor, the version read, and your signature.' }) input: AcceptNdaInput, @Ctx() ctx: RequestContext): Promise<NdaAcceptancePayload> {
    const r = await service(ctx).acceptNda(ctx.principal, actorOf(ctx), input);
    return { acceptance: r.acceptance ? toNdaAcceptance(r.acceptance) : null, errors: r.errors };
  }

  @Authorized('customer.request')
  @Mutation(() => AccessRequestPayload, { description: "Ask a vendor for restricted documents; its policy may approve or deny at once." })
  async requestAccess(@Arg('input', { description: 'The vendor, the documents, and why.' }) input: RequestAccessInput, @Ctx() ctx: RequestContext): Promise<AccessRequestPayload> {
    const r = await service(ctx).requestAccess(ctx.principal, actorOf(ctx), input, ctx.now());
    return { accessRequest: r.accessRequest ? toAccessRequest(r.accessRequest, ctx.now()) : null, errors: r.errors };
  }

  @Authorized('access.decide')
  @Mutation(() => AccessRequestPayload, { description: 'Approve or deny a request (ACCESS_MANAGER and above).' })
  async decideAccessRequest(@Arg('input', { description: 'The decision.' }) input: DecideAccessRequestInput, @Ctx() ctx: RequestContext): Promise<AccessRequestPayload> {
    const r = await service(ctx).decide(authorize(ctx.principal, 'access.decide'), actorOf(ctx), input, ctx.now());
    return { accessRequest: r.accessRequest ? toAccessRequest(r.accessRequest, ctx.now()) : null, errors: r.errors };
  }

  @Authorized('access.decide')
  @Mutation(() => AccessRequestPayload, { description: 'End an approved access at once (ACCESS_MANAGER and above).' })
  async revokeAccess(@Arg('input', { description: 'The request and why.' }) input: RevokeAccessInput, @Ctx() ctx: RequestContext): Promise<AccessRequestPayload> {
    const r = await service(ctx).revoke(authorize(ctx.principal, 'access.decide'), actorOf(ctx), input, ctx.now());
    return { accessRequest: r.accessRequest ? toAccessRequest(r.accessRequest, ctx.now()) : null, errors: r.errors };
  }

  // Its decision is read in the request's read transaction (authentication's), ended before storage work.
  @Extensions({ readsFirst: true })
  @Mutation(() => DownloadPayload, {
    description:
      'A short-lived download link for a document: PUBLIC ones for anyone; RESTRICTED ones for customers holding a live grant ' +
      '(and the accepted NDA where required), watermarked per recipient; members get the original. Missing, hidden and ' +
      'ungranted documents are NOT_FOUND.',
  })
  async requestDocumentDownload(@Arg('documentId', () => ID, { description: 'The document.' }) documentId: string, @Ctx() ctx: RequestContext): Promise<DownloadPayload> {
    const r = await new DownloadService(ctx.db, ctx.storage, ctx.config.storage.maxUploadBytes).request(ctx.principal, actorOf(ctx), documentId, ctx.now());
    return { download: r.download, errors: r.errors };
  }
}

@Resolver(() => AccessRequest)
export class AccessRequestResolver {
  @FieldResolver(() => [Document], { description: 'The documents asked for (empty when all restricted documents were asked for).' })
  async documents(@Root() r: AccessRequest, @Ctx() ctx: RequestContext): Promise<Document[]> {
    const docs = await Promise.all(r.documentIdList.map((id) => ctx.loaders.document.load(orgKey(r.orgId, id))));
    // A customer sees what it asked for only while the vendor still shows it (never a document made PRIVATE since).
    const member = isMember(ctx.principal, r.orgId);
    return docs.filter((d) => d !== null && (member || d.visibility !== 'PRIVATE')).map((d) => toDocument(d!));
  }

  @FieldResolver(() => [AccessRequestEvent], { description: 'Every state change, oldest first.' })
  async history(@Root() r: AccessRequest, @Ctx() ctx: RequestContext): Promise<AccessRequestEvent[]> {
    return (await ctx.loaders.accessRequestEvents.load(orgKey(r.orgId, r.id))).map(toAccessRequestEvent);
  }

  @FieldResolver(() => Boolean, { nullable: true, description: "Vendor's members only: whether the requester's NDA is on file for the current version." })
  async ndaOnFile(@Root() r: AccessRequest, @Ctx() ctx: RequestContext): Promise<boolean | null> {
    if (!isMember(ctx.principal, r.orgId)) return null;
    const [trustCenter, acceptances] = await Promise.all([
      ctx.loaders.trustCenter.load(orgKey(r.orgId, r.orgId)),
      ctx.loaders.ndaAcceptances.load(orgKey(r.orgId, r.requesterOrgId)),
    ]);
    return trustCenter ? AccessService.ndaOnFile(trustCenter, acceptances, r.requesterUserId) : null;
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The vendor the request was made to.' })
  async vendor(@Root() r: AccessRequest, @Ctx() ctx: RequestContext): Promise<Organization | null> {
    const org = await ctx.loaders.organization.load(orgKey(r.orgId, r.orgId));
    return org ? Object.assign(new Organization(), { id: org.id, slug: org.slug, name: org.name, emailDomains: [] }) : null;
  }
}

/** The key under which a prefetch stores a trust center's current NDA (null when not visible). */
export const currentNdaKey = (scope: TenantScope, templateId: string): string => Prefetched.key('nda', scope.orgId, templateId);

@Resolver(() => TrustCenter)
export class TrustCenterAccessResolver {
  @FieldResolver(() => DocumentConnection, { description: 'Documents: visitors see PUBLIC and RESTRICTED ones (titles only until granted) that have a file; members see all.' })
  async documents(@Root() tc: TrustCenter, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<DocumentConnection> {
    return documentPage(ctx, authorize(ctx.principal, 'visit', { orgId: tc.orgId }), page);
  }

  @FieldResolver(() => NdaTemplate, { nullable: true, description: 'The NDA customers accept before restricted downloads (when one is published).' })
  async nda(@Root() tc: TrustCenter, @Ctx() ctx: RequestContext): Promise<NdaTemplate | null> {
    const entity = await ctx.loaders.trustCenter.load(orgKey(tc.orgId, tc.orgId));
    if (!entity?.currentNdaTemplateId) return null;
    const scope = authorize(ctx.principal, 'visit', { orgId: tc.orgId });
    const template = await ctx.loaders.prefetched.or(currentNdaKey(scope, entity.currentNdaTemplateId), () =>
      ctx.db.transaction(scope.identity(), (m) => accessRepository.templateById(m, scope, entity.currentNdaTemplateId!)),
    );
    return template ? toNdaTemplate(template) : null;
  }

  @FieldResolver(() => AccessPolicy, { nullable: true, description: "The access policy: the vendor's members only (null for others)." })
  async accessPolicy(@Root() tc: TrustCenter, @Ctx() ctx: RequestContext): Promise<AccessPolicy | null> {
    if (!isMember(ctx.principal, tc.orgId)) return null;
    const entity = await ctx.loaders.trustCenter.load(orgKey(tc.orgId, tc.orgId));
    return entity ? toAccessPolicy(entity) : null;
  }
}

@Resolver(() => Organization)
export class OrganizationAccessResolver {
  @FieldResolver(() => DocumentConnection, { description: "Members only: all the organization's documents." })
  async documents(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<DocumentConnection> {
    return documentPage(ctx, authorize(ctx.principal, 'organization.read', { orgId: org.id }), page);
  }

  @FieldResolver(() => [NdaTemplate], { description: 'Members only: every NDA version, newest first.' })
  async ndaTemplates(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<NdaTemplate[]> {
    const scope = authorize(ctx.principal, 'organization.read', { orgId: org.id });
    return (await ctx.db.transaction(scope.identity(), (m) => accessRepository.templates(m, scope))).map(toNdaTemplate);
  }

  @FieldResolver(() => [NdaAcceptance], { description: 'Members with access.read: NDA acceptances this vendor holds, newest first (at most 500).' })
  async ndaAcceptances(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<NdaAcceptance[]> {
    const scope = authorize(ctx.principal, 'access.read', { orgId: org.id });
    const rows = await ctx.db.transaction(scope.identity(), (m) => accessRepository.recentAcceptances(m, scope, 500));
    return rows.map(toNdaAcceptance);
  }

  @FieldResolver(() => AccessRequestConnection, { description: 'Vendor side (members): access requests received, newest first.' })
  async accessRequests(
    @Root() org: Organization,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Arg('state', () => [AccessStateEnum], { nullable: true, description: 'Only these stored states (default all).' }) state?: AccessState[] | null,
  ): Promise<AccessRequestConnection> {
    const scope = authorize(ctx.principal, 'access.read', { orgId: org.id });
    return requestPage(ctx, { orgId: org.id, scope: scope.identity(), column: 'org_id', states: state ?? null }, page);
  }

  @FieldResolver(() => AccessRequestConnection, { description: 'Customer side (members): the requests this organization made to vendors, newest first.' })
  async outgoingAccessRequests(@Root() org: Organization, @Args() page: PageArgs, @Ctx() ctx: RequestContext): Promise<AccessRequestConnection> {
    authorize(ctx.principal, 'customer.request', { orgId: org.id });
    return requestPage(ctx, { orgId: org.id, scope: DbScope.customerRequests(org.id, ctx.principal.user?.id ?? null), column: 'requester_org_id', states: null }, page);
  }
}

async function requestPage(
  ctx: RequestContext,
  q: { orgId: string; scope: DbScope; column: 'org_id' | 'requester_org_id'; states: AccessState[] | null },
  args: PageArgs,
): Promise<AccessRequestConnection> {
  const limit = args.first ?? DEFAULT_PAGE_SIZE;
  const after = args.after ? decodeCursor(args.after, ['timestamp', 'uuid']) : null;
  const rows = await ctx.db.transaction(q.scope, (m) => {
    const qb = m.getRepository(AccessRequestEntity).createQueryBuilder('r').where(`r.${q.column} = :orgId`, { orgId: q.orgId });
    if (q.states?.length) qb.andWhere('r.state = ANY(:states)', { states: q.states });
    if (after) qb.andWhere('(r.created_at, r.id) < (:at::timestamptz, :id::uuid)', { at: String(after[0]), id: String(after[1]) });
    return qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').limit(limit + 1).getMany();
  });
  return toPage(rows, limit, Boolean(after), (r) => encodeCursor([r.createdAt.toISOString(), r.id]), (r) => toAccessRequest(r, ctx.now()));
}
