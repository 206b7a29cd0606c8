import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { todayUtc } from '../../domain/calendar-date';
import { actorOf, type RequestContext } from '../../graphql/context';
import { orgKey } from '../../graphql/loaders';
import { Attestation, toAttestation } from '../attestations/attestation.types';
import { authorize, isMember } from '../auth/authorize';
import { TrustCenter } from '../trust-center/trust-center.types';
import { inProgress, InProgressService, type InProgressResult } from './in-progress.service';
import {
  AttestationInProgress,
  AttestationInProgressFieldsInput,
  AttestationInProgressPayload,
  CreateAttestationInProgressInput,
  toAttestationInProgress,
} from './in-progress.types';

const toPayload = (r: InProgressResult): AttestationInProgressPayload => ({
  attestationInProgress: r.attestationInProgress ? toAttestationInProgress(r.attestationInProgress) : null,
  errors: r.errors,
});

const ACTION = 'attestationInProgress.write';

/** The trust center's "in progress" list, and the mutations that keep it. */
@Resolver(() => TrustCenter)
export class TrustCenterInProgressResolver {
  @FieldResolver(() => [AttestationInProgress], {
    description:
      'Attestations the vendor is working towards, soonest expected report first (at most 100). Anyone sees the IN_PROGRESS ones of a published trust center; members also see COMPLETED and CANCELLED ones. Never evidence: no freshness.',
  })
  async attestationsInProgress(@Root() tc: TrustCenter, @Ctx() ctx: RequestContext): Promise<AttestationInProgress[]> {
    return (await inProgress.list(ctx.db, authorize(ctx.principal, 'visit', { orgId: tc.orgId }))).map(toAttestationInProgress);
  }

  @Authorized(ACTION)
  @Mutation(() => AttestationInProgressPayload, { description: 'Record an attestation in progress in the active organization (EDITOR and above).' })
  async createAttestationInProgress(
    @Arg('input', { description: 'The engagement.' }) input: CreateAttestationInProgressInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AttestationInProgressPayload> {
    return toPayload(await new InProgressService(ctx.db).create(authorize(ctx.principal, ACTION), actorOf(ctx), input.framework, input, todayUtc(ctx.now())));
  }

  @Authorized(ACTION)
  @Mutation(() => AttestationInProgressPayload, { description: 'Change an IN_PROGRESS attestation in progress (EDITOR and above).' })
  async updateAttestationInProgress(
    @Arg('id', () => ID, { description: 'The attestation in progress.' }) id: string,
    @Arg('input', { description: 'The fields to change.' }) input: AttestationInProgressFieldsInput,
    @Ctx() ctx: RequestContext,
  ): Promise<AttestationInProgressPayload> {
    return toPayload(await new InProgressService(ctx.db).update(authorize(ctx.principal, ACTION), actorOf(ctx), id, input, todayUtc(ctx.now())));
  }

  @Authorized(ACTION)
  @Mutation(() => AttestationInProgressPayload, { description: 'Cancel an IN_PROGRESS attestation in progress (EDITOR and above); it leaves the public page.' })
  async cancelAttestationInProgress(
    @Arg('id', () => ID, { description: 'The attestation in progress.' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<AttestationInProgressPayload> {
    return toPayload(await new InProgressService(ctx.db).cancel(authorize(ctx.principal, ACTION), actorOf(ctx), id));
  }

  @Authorized(ACTION)
  @Mutation(() => AttestationInProgressPayload, {
    description: 'It became a report: link a DRAFT or PUBLISHED attestation of the same framework (and SOC type) of this organization (EDITOR and above).',
  })
  async completeAttestationInProgress(
    @Arg('id', () => ID, { description: 'The attestation in progress.' }) id: string,
    @Arg('attestationId', () => ID, { description: 'The report it became.' }) attestationId: string,
    @Ctx() ctx: RequestContext,
  ): Promise<AttestationInProgressPayload> {
    return toPayload(await new InProgressService(ctx.db).complete(authorize(ctx.principal, ACTION), actorOf(ctx), id, attestationId));
  }
}

@Resolver(() => AttestationInProgress)
export class AttestationInProgressResolver {
  @FieldResolver(() => Attestation, { nullable: true, description: "The report it became (COMPLETED only): a draft is shown to the vendor's members only." })
  async attestation(@Root() p: AttestationInProgress, @Ctx() ctx: RequestContext): Promise<Attestation | null> {
    if (!p.attestationId) return null;
    const found = await ctx.loaders.attestation.load(orgKey(p.orgId, p.attestationId));
    return found && (found.status === 'PUBLISHED' || isMember(ctx.principal, p.orgId)) ? toAttestation(found) : null;
  }
}
