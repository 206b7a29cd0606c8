import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Framework } from '../../domain/attestation';
import { actorOf, type RequestContext } from '../../graphql/context';
import { PageArgs } from '../../graphql/connection';
import { FrameworkEnum } from '../../graphql/enums';
import { orgKey } from '../../graphql/loaders';
import { attestationPage } from '../attestations/attestation.resolver';
import { AttestationConnection } from '../attestations/attestation.types';
import { authorize } from '../auth/authorize';
import { NotFoundError } from '../common/errors';
import type { TrustCenterEntity } from './trust-center.entity';
import { pagePrefetch } from './page-prefetch';
import { TrustCenterService, type TrustCenterResult } from './trust-center.service';
import { TrustCenter, TrustCenterPayload, toTrustCenter, UpdateTrustCenterInput } from './trust-center.types';

const MAX_SLUG_LENGTH = 100;

@Resolver(() => TrustCenter)
export class TrustCenterResolver {
  @Query(() => TrustCenter, {
    description: 'A trust center by its slug. Anyone can read a PUBLISHED one; a DRAFT one is NOT_FOUND except for its members.',
  })
  async trustCenter(
    @Arg('slug', () => String, { description: 'The organization slug, e.g. "acme".' }) slug: string,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<TrustCenter> {
    if (slug.length > MAX_SLUG_LENGTH) throw new NotFoundError('Trust center');
    // The page's other reads are made in the same statement as the trust center's (page-prefetch.ts).
    const prefetch = pagePrefetch(info);
    const { trustCenter, organization, scope, parts } = await new TrustCenterService(ctx.db).bySlug(ctx.principal, slug, (s) => prefetch.parts(s));
    prefetch.prime(ctx, scope, trustCenter, parts);
    // Both rows are read already: the page's fields (and view() below) take them from the loaders.
    ctx.loaders.trustCenter.prime(orgKey(trustCenter.orgId, trustCenter.orgId), trustCenter);
    ctx.loaders.organization.prime(orgKey(organization.id, organization.id), organization);
    return this.view(ctx, trustCenter);
  }

  @Authorized('trustCenter.update')
  @Mutation(() => TrustCenterPayload, { description: "Change the active organization's trust center profile and settings (EDITOR and above)." })
  async updateTrustCenter(@Arg('input', { description: 'The fields to change.' }) input: UpdateTrustCenterInput, @Ctx() ctx: RequestContext): Promise<TrustCenterPayload> {
    return this.payload(ctx, await new TrustCenterService(ctx.db).update(authorize(ctx.principal, 'trustCenter.update'), actorOf(ctx), input));
  }

  @Authorized('trustCenter.publish')
  @Mutation(() => TrustCenterPayload, { description: 'Make the trust center public (ADMIN and above).' })
  async publishTrustCenter(@Ctx() ctx: RequestContext): Promise<TrustCenterPayload> {
    return this.payload(ctx, await new TrustCenterService(ctx.db).setPublished(authorize(ctx.principal, 'trustCenter.publish'), actorOf(ctx), true));
  }

  @Authorized('trustCenter.publish')
  @Mutation(() => TrustCenterPayload, { description: 'Take the trust center back to DRAFT: only members can read it (ADMIN and above).' })
  async unpublishTrustCenter(@Ctx() ctx: RequestContext): Promise<TrustCenterPayload> {
    return this.payload(ctx, await new TrustCenterService(ctx.db).setPublished(authorize(ctx.principal, 'trustCenter.publish'), actorOf(ctx), false));
  }

  @FieldResolver(() => AttestationConnection, { description: 'Published attestations, newest report first (superseded and withdrawn ones are history, for members).' })
  async attestations(
    @Root() tc: TrustCenter,
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Arg('framework', () => FrameworkEnum, { nullable: true, description: 'Only this framework.' }) framework?: Framework | null,
  ): Promise<AttestationConnection> {
    return attestationPage(ctx, authorize(ctx.principal, 'visit', { orgId: tc.orgId }), ['PUBLISHED'], page, framework);
  }

  private async view(ctx: RequestContext, tc: TrustCenterEntity): Promise<TrustCenter> {
    const org = await ctx.loaders.organization.load(orgKey(tc.orgId, tc.orgId));
    if (!org) throw new NotFoundError('Trust center');
    return toTrustCenter(tc, org);
  }

  private async payload(ctx: RequestContext, r: TrustCenterResult): Promise<TrustCenterPayload> {
    return { trustCenter: r.trustCenter ? await this.view(ctx, r.trustCenter) : null, errors: r.errors };
  }
}
