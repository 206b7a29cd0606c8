import { Arg, Args, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AttestationStatus } from '../../domain/attestation';
import { actorOf, type RequestContext } from '../../graphql/context';
import { PageArgs } from '../../graphql/connection';
import { AttestationStatusEnum, RoleEnum } from '../../graphql/enums';
import { orgKey } from '../../graphql/loaders';
import { attestationPage } from '../attestations/attestation.resolver';
import { AttestationConnection } from '../attestations/attestation.types';
import { authorize, isMember } from '../auth/authorize';
import { NotFoundError } from '../common/errors';
import { TrustCenter, toTrustCenter } from '../trust-center/trust-center.types';
import type { Role } from './membership.entity';
import { TenancyService } from './tenancy.service';
import {
  CreateOrganizationInput,
  CreateOrganizationPayload,
  Membership,
  Organization,
  toOrganization,
  Viewer,
} from './tenancy.types';

const ALL_STATUSES: AttestationStatus[] = ['DRAFT', 'PUBLISHED', 'SUPERSEDED', 'WITHDRAWN'];

@Resolver(() => Viewer)
export class ViewerResolver {
  @Query(() => Viewer, { nullable: true, description: 'The caller, or null when anonymous.' })
  viewer(@Ctx() ctx: RequestContext): Viewer | null {
    const { user, memberships, active } = ctx.principal;
    if (!user) return null;
    return {
      user: { id: user.id, email: user.email },
      memberships: memberships.map((m) => Object.assign(new Membership(), { orgId: m.orgId, role: m.role })),
      activeOrgId: active?.orgId ?? null,
    };
  }

  @FieldResolver(() => Organization, { nullable: true, description: 'The organization this request acts for (X-Org header, or the only membership).' })
  async activeOrganization(@Root() viewer: Viewer, @Ctx() ctx: RequestContext): Promise<Organization | null> {
    if (!viewer.activeOrgId) return null;
    const org = await ctx.loaders.organization.load(orgKey(viewer.activeOrgId, viewer.activeOrgId));
    return org ? toOrganization(org) : null;
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Organization, { description: 'The organization.' })
  async organization(@Root() membership: Membership, @Ctx() ctx: RequestContext): Promise<Organization> {
    const org = await ctx.loaders.organization.load(orgKey(membership.orgId, membership.orgId));
    if (!org) throw new NotFoundError('Organization');
    return toOrganization(org);
  }
}

@Resolver(() => Organization)
export class OrganizationResolver {
  @Authorized('organization.read')
  @Query(() => Organization, { description: 'The active organization (X-Org header, or your only membership).' })
  async organization(@Ctx() ctx: RequestContext): Promise<Organization> {
    const scope = authorize(ctx.principal, 'organization.read');
    const org = await ctx.loaders.organization.load(orgKey(scope.orgId, scope.orgId));
    if (!org) throw new NotFoundError('Organization');
    return toOrganization(org);
  }

  @Authorized()
  @Mutation(() => CreateOrganizationPayload, { description: 'Create an organization (with a DRAFT trust center); you become its OWNER.' })
  async createOrganization(@Arg('input', { description: 'The new organization.' }) input: CreateOrganizationInput, @Ctx() ctx: RequestContext): Promise<CreateOrganizationPayload> {
    const result = await new TenancyService(ctx.db).createOrganization(ctx.principal, actorOf(ctx), input);
    // The caller is OWNER from now on: later fields of this same response (viewerRole, trustCenter) must see it.
    if (result.organization) {
      const { id, slug, name } = result.organization;
      ctx.principal.memberships.push({ orgId: id, slug, name, role: 'OWNER' });
    }
    return { organization: result.organization ? toOrganization(result.organization) : null, errors: result.errors };
  }

  @FieldResolver(() => RoleEnum, { nullable: true, description: "The caller's role here (null when not a member)." })
  viewerRole(@Root() org: Organization, @Ctx() ctx: RequestContext): Role | null {
    return ctx.principal.memberships.find((m) => m.orgId === org.id)?.role ?? null;
  }

  @FieldResolver(() => TrustCenter, { nullable: true, description: "The organization's trust center (members see it in any status)." })
  async trustCenter(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<TrustCenter | null> {
    const tc = await ctx.loaders.trustCenter.load(orgKey(org.id, org.id));
    if (!tc) return null;
    if (tc.status !== 'PUBLISHED' && !isMember(ctx.principal, org.id)) return null;
    return toTrustCenter(tc, org);
  }

  @FieldResolver(() => AttestationConnection, {
    description: "Members only: the organization's attestations in any status (drafts, history), newest report first.",
  })
  async attestations(
    @Root() org: Organization,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Arg('status', () => [AttestationStatusEnum], { nullable: true, description: 'Only these statuses (default all).' }) status?: AttestationStatus[] | null,
  ): Promise<AttestationConnection> {
    return attestationPage(ctx, authorize(ctx.principal, 'organization.read', { orgId: org.id }), status && status.length > 0 ? status : ALL_STATUSES, page);
  }
}
