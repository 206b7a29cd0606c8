import { IsOptional, MaxLength } from 'class-validator';
import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { AttestationStatus, Framework } from '../../domain/attestation';
import { todayUtc, type CalendarDate } from '../../domain/calendar-date';
import { DEFAULT_FRESHNESS_POLICY, evaluateFreshness, periodGapDays, type AgeAnchor } from '../../domain/freshness';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { AgeAnchorEnum } from '../../graphql/enums';
import { orgKey, Prefetched } from '../../graphql/loaders';
import { DateScalar } from '../../graphql/scalars';
import { authorize, isMember } from '../auth/authorize';
import type { TenantScope } from '../auth/tenant-scope';
import { NotFoundError } from '../common/errors';
import { AddBridgeLetterInput, CreateAttestationInput, UpdateAttestationInput } from './attestation.inputs';
import { AddBridgeLetterPayload, AttestationPayload } from './attestation.payloads';
import { attestationRepository, type AttestationListFilter } from './attestation.repository';
import { AttestationService, type AttestationResult } from './attestation.service';
import { attestationDates, bridgeLetterFacts } from './attestation.facts';
import {
  Attestation,
  BridgeLetter,
  ComplementaryControlType,
  Freshness,
  ReportExceptionType,
  SubserviceOrganizationType,
  toAttestation,
  toBridgeLetter,
  toFreshness,
  toReportException,
} from './attestation.types';
import { FindingsService, type ResponsesByException } from './findings.service';
import { ExceptionResponsePayload, SetExceptionResponseInput } from './findings.types';

/** The statuses the visitor wall lets a non-member read (migrations/1795708000002-visitor-wall.ts). */
const VISIBLE_TO_VISITORS: readonly AttestationStatus[] = ['PUBLISHED', 'SUPERSEDED'];

@InputType({ description: 'Withdraw a published (or superseded) attestation.' })
export class WithdrawAttestationInput {
  @Field(() => ID, { description: 'The attestation.' })
  id: string;

  @Field(() => String, { nullable: true, description: 'Why (kept for the vendor\'s records).' })
  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;
}

/** A page of attestations in a tenant, newest report first. Shared by the vendor's and the public lists. */
/** What a page of attestations reads for these arguments (the public page's prefetch asks the same). */
export function attestationPageFilter(statuses: readonly AttestationStatus[], args: PageArgs, framework?: Framework | null): AttestationListFilter {
  const after = args.after ? decodeCursor(args.after, ['date', 'uuid']) : null;
  return {
    statuses,
    framework: framework ?? null,
    limit: args.first ?? DEFAULT_PAGE_SIZE,
    after: after ? { reportDate: String(after[0]), id: String(after[1]) } : null,
  };
}

/** The key under which a prefetch stores the rows of a page read with this filter. */
export const attestationPageKey = (scope: TenantScope, f: AttestationListFilter): string => Prefetched.key('attestations', scope.orgId, f);

export async function attestationPage(
  ctx: RequestContext,
  scope: TenantScope,
  statuses: readonly AttestationStatus[],
  args: PageArgs,
  framework?: Framework | null,
) {
  const f = attestationPageFilter(statuses, args, framework);
  const rows = await ctx.loaders.prefetched.or(attestationPageKey(scope, f), () => ctx.db.transaction(scope.identity(), (m) => attestationRepository.page(m, scope, f)));
  for (const row of rows) ctx.loaders.attestation.prime(orgKey(row.entity.orgId, row.entity.id), row.entity);
  return toPage(rows, f.limit, Boolean(f.after), (r) => encodeCursor([r.reportDate, r.entity.id]), (r) => toAttestation(r.entity));
}

const toPayload = (r: AttestationResult): AttestationPayload => ({
  attestation: r.attestation ? toAttestation(r.attestation) : null,
  errors: r.errors,
  warnings: r.warnings,
});

@Resolver(() => Attestation)
export class AttestationResolver {
  private service(ctx: RequestContext): AttestationService {
    return new AttestationService(ctx.db);
  }

  @Authorized('organization.read')
  @Query(() => Attestation, { description: 'An attestation of the active organization, in any status.' })
  async attestation(@Arg('id', () => ID, { description: 'The attestation id.' }) id: string, @Ctx() ctx: RequestContext): Promise<Attestation> {
    const scope = authorize(ctx.principal, 'organization.read');
    const found = await ctx.loaders.attestation.load(orgKey(scope.orgId, id));
    if (!found) throw new NotFoundError('Attestation');
    return toAttestation(found);
  }

  @Authorized('attestation.write')
  @Mutation(() => AttestationPayload, { description: 'Create a draft attestation in the active organization (EDITOR and above).' })
  async createAttestation(@Arg('input', { description: 'The draft to create.' }) input: CreateAttestationInput, @Ctx() ctx: RequestContext): Promise<AttestationPayload> {
    return toPayload(await this.service(ctx).create(authorize(ctx.principal, 'attestation.write'), actorOf(ctx), input.framework, input));
  }

  @Authorized('attestation.write')
  @Mutation(() => AttestationPayload, { description: 'Change a draft or published attestation (EDITOR and above). A published one must stay publishable.' })
  async updateAttestation(@Arg('input', { description: 'The attestation and the fields to change.' }) input: UpdateAttestationInput, @Ctx() ctx: RequestContext): Promise<AttestationPayload> {
    return toPayload(await this.service(ctx).update(authorize(ctx.principal, 'attestation.write'), actorOf(ctx), input.id, input, todayUtc(ctx.now())));
  }

  @Authorized('attestation.publish')
  @Mutation(() => AttestationPayload, {
    description: 'Publish a draft (ADMIN and above). Older published reports of the same framework and type become SUPERSEDED.',
  })
  async publishAttestation(@Arg('id', () => ID, { description: 'The draft to publish.' }) id: string, @Ctx() ctx: RequestContext): Promise<AttestationPayload> {
    return toPayload(await this.service(ctx).publish(authorize(ctx.principal, 'attestation.publish'), actorOf(ctx), id, todayUtc(ctx.now())));
  }

  @Authorized('attestation.publish')
  @Mutation(() => AttestationPayload, { description: 'Withdraw a published or superseded attestation (ADMIN and above); a report it superseded is current again.' })
  async withdrawAttestation(@Arg('input', { description: 'The attestation and why it is withdrawn.' }) input: WithdrawAttestationInput, @Ctx() ctx: RequestContext): Promise<AttestationPayload> {
    return toPayload(await this.service(ctx).withdraw(authorize(ctx.principal, 'attestation.publish'), actorOf(ctx), input.id, input.reason ?? null));
  }

  @Authorized('attestation.write')
  @Mutation(() => AddBridgeLetterPayload, { description: 'Add a bridge letter to a published SOC report (EDITOR and above).' })
  async addBridgeLetter(@Arg('input', { description: 'The letter and the report it extends.' }) input: AddBridgeLetterInput, @Ctx() ctx: RequestContext): Promise<AddBridgeLetterPayload> {
    const result = await this.service(ctx).addBridgeLetter(authorize(ctx.principal, 'attestation.write'), actorOf(ctx), input, todayUtc(ctx.now()));
    return {
      bridgeLetter: result.bridgeLetter ? toBridgeLetter(result.bridgeLetter) : null,
      attestation: result.attestation ? toAttestation(result.attestation) : null,
      errors: result.errors,
    };
  }

  @Authorized('attestation.write')
  @Mutation(() => ExceptionResponsePayload, {
    description:
      "Set or change the vendor's management response, remediation plan, target date and status for one exception of a report of the active organization (EDITOR and above; audited). Customers who may read the report's findings see it as `vendorResponse`.",
  })
  async setExceptionResponse(@Arg('input', { description: 'The exception and the response fields to set.' }) input: SetExceptionResponseInput, @Ctx() ctx: RequestContext): Promise<ExceptionResponsePayload> {
    const r = await new FindingsService(ctx.db).setResponse(authorize(ctx.principal, 'attestation.write'), actorOf(ctx), input, todayUtc(ctx.now()));
    return {
      exception: r.exception ? toReportException(r.exception, r.response) : null,
      attestation: r.attestation ? toAttestation(r.attestation) : null,
      errors: r.errors,
    };
  }

  /**
   * The vendor's responses to this report's exceptions when the caller may read its findings, else null. Members
   * always; anyone else per the access service's findings rule (live grant covering the report, NDA satisfied), and
   * only for reports a visitor can see at all.
   */
  private async findings(a: Attestation, ctx: RequestContext): Promise<ResponsesByException | null> {
    if (!isMember(ctx.principal, a.orgId) && !VISIBLE_TO_VISITORS.includes(a.status)) return null;
    return ctx.loaders.findings.load(orgKey(a.orgId, a.id));
  }

  @FieldResolver(() => Boolean, {
    description:
      "Whether this caller may read the report's findings (exceptions with the vendor's responses, complementary user-entity controls, subservice organizations): the vendor's members, and a signed-in customer whose organization holds a live grant covering this report (a whole-trust-center grant, or a grant on a RESTRICTED document linked to it, bridge letters aside) and has accepted the vendor's NDA where one is required: the rules of a restricted document's download. Anyone else sees the counts only.",
  })
  async findingsVisible(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<boolean> {
    return (await this.findings(a, ctx)) !== null;
  }

  @FieldResolver(() => [ReportExceptionType], {
    nullable: true,
    description: "The exceptions, each with the auditor's test result and the vendor's current response: for those who may read the findings (`findingsVisible`), null for anyone else (who sees `exceptionCount`).",
  })
  async exceptions(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<ReportExceptionType[] | null> {
    const responses = await this.findings(a, ctx);
    return responses ? a.exceptionsData.map((x) => toReportException(x, responses.get(x.id))) : null;
  }

  @FieldResolver(() => [ComplementaryControlType], {
    nullable: true,
    description: 'Complementary user-entity controls: for those who may read the findings (`findingsVisible`), null for anyone else (who sees `complementaryUserEntityControlCount`).',
  })
  async complementaryUserEntityControls(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<ComplementaryControlType[] | null> {
    return (await this.findings(a, ctx)) ? a.cuecsData : null;
  }

  @FieldResolver(() => [SubserviceOrganizationType], {
    description:
      'Subservice organizations and how they are treated (inclusive or carve-out): for those who may read the findings (`findingsVisible`); an empty list for anyone else, who sees `subserviceOrganizationCount`. The vendor\'s public `subprocessors` list is separate and stays public.',
  })
  async subserviceOrganizations(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<SubserviceOrganizationType[]> {
    return (await this.findings(a, ctx)) ? a.subserviceOrganizationsData : [];
  }

  @FieldResolver(() => String, { nullable: true, description: "Why it was withdrawn: the vendor's members only." })
  withdrawnReason(@Root() a: Attestation, @Ctx() ctx: RequestContext): string | null {
    return isMember(ctx.principal, a.orgId) ? a.withdrawnReasonData : null;
  }

  @FieldResolver(() => Attestation, { nullable: true, description: 'The newer report that superseded this one.' })
  async supersededBy(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<Attestation | null> {
    if (!a.supersededById) return null;
    const found = await ctx.loaders.attestation.load(orgKey(a.orgId, a.supersededById));
    return found && (found.status === 'PUBLISHED' || isMember(ctx.principal, a.orgId)) ? toAttestation(found) : null;
  }

  @FieldResolver(() => [BridgeLetter], { description: 'Bridge letters extending this report, oldest first.' })
  async bridgeLetters(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<BridgeLetter[]> {
    return (await ctx.loaders.bridgeLetters.load(orgKey(a.orgId, a.id))).map(toBridgeLetter);
  }

  @FieldResolver(() => Freshness, { description: "Freshness at a date (default today, UTC), with the trust center's policy unless `anchor` overrides the age anchor." })
  async freshness(
    @Root() a: Attestation,
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true, description: 'Evaluate at this date (default today).' }) asOf?: CalendarDate | null,
    @Arg('anchor', () => AgeAnchorEnum, { nullable: true, description: "Count age from this date instead of the trust center's setting." }) anchor?: AgeAnchor | null,
  ): Promise<Freshness> {
    const [trustCenter, letters] = await Promise.all([
      ctx.loaders.trustCenter.load(orgKey(a.orgId, a.orgId)),
      ctx.loaders.bridgeLetters.load(orgKey(a.orgId, a.id)),
    ]);
    const policy = trustCenter
      ? { anchor: trustCenter.ageAnchor, maxAgeMonths: trustCenter.maxAgeMonths, expiringSoonDays: trustCenter.expiringSoonDays }
      : DEFAULT_FRESHNESS_POLICY;
    const facts = {
      periodStart: a.periodStart,
      periodEnd: a.periodEnd,
      asOf: a.asOf,
      issueDate: a.issueDate,
      certificateValidFrom: a.certificateValidFrom,
      certificateValidUntil: a.certificateValidUntil,
      bridgeLetters: letters.map(bridgeLetterFacts),
    };
    return toFreshness(evaluateFreshness(facts, asOf ?? todayUtc(ctx.now()), { ...policy, anchor: anchor ?? policy.anchor }));
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'Type II only: days not covered between the previous Type II period of the same framework and this one (0 when continuous; null when there is none).',
  })
  async gapBeforeDays(@Root() a: Attestation, @Ctx() ctx: RequestContext): Promise<number | null> {
    if (a.socType !== 'TYPE_II' || !a.periodStart) return null;
    const periods = await ctx.loaders.typeIIPeriods.load(orgKey(a.orgId, a.framework));
    const previous = periods
      .filter((p) => p.id !== a.id && p.periodStart && p.periodEnd && p.periodStart < a.periodStart!)
      .sort((x, y) => (x.periodEnd! < y.periodEnd! ? 1 : -1))[0];
    return previous ? periodGapDays(attestationDates(previous).periodEnd!, a.periodStart) : null;
  }
}
