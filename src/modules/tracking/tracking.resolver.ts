import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, registerEnumType } from 'type-graphql';
import { todayUtc, type CalendarDate } from '../../domain/calendar-date';
import { VENDOR_STATUSES, type RequirementPolicy as Policy, type VendorStatus } from '../../domain/compliance';
import { actorOf, type RequestContext } from '../../graphql/context';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageArgs, toPage } from '../../graphql/connection';
import { VendorStatusEnum } from '../../graphql/enums';
import { orgKey } from '../../graphql/loaders';
import { DateScalar } from '../../graphql/scalars';
import { toFreshness } from '../attestations/attestation.types';
import { authorize } from '../auth/authorize';
import { Organization } from '../tenancy/tenancy.types';
import type { VendorWatchEntity } from './tracking.entity';
import { toVendorReview } from './review.types';
import type { StatusKey } from './status-index.repository';
import { TrackingService, type VendorStatusView } from './tracking.service';
import {
  PortfolioSummary,
  RecordVendorAttestationInput,
  RecordVendorAttestationPayload,
  RequirementPolicy,
  RequirementPolicyPayload,
  SetRequirementPolicyInput,
  UnwatchVendorPayload,
  VendorStatusChange,
  VendorStatusConnection,
  VendorStatusEntry,
  WatchedVendor,
  WatchVendorInput,
  WatchVendorPayload,
} from './tracking.types';

export const VendorStatusOrderEnum = { DAYS_UNTIL_STALE: 'DAYS_UNTIL_STALE', NAME: 'NAME' } as const;
registerEnumType(VendorStatusOrderEnum, {
  name: 'VendorStatusOrder',
  description: 'How vendor statuses are sorted.',
  valuesConfig: {
    DAYS_UNTIL_STALE: { description: 'Most urgent first: no evidence, then stale longest, then soonest to go stale.' },
    NAME: { description: 'By vendor name.' },
  },
});

const toWatched = (w: VendorWatchEntity, slug: string | null): WatchedVendor =>
  Object.assign(new WatchedVendor(), {
    vendorOrgId: w.vendorOrgId, id: w.id, name: w.name, domain: w.domain, trustCenterSlug: slug, onPlatform: w.vendorOrgId !== null, notes: w.notes, createdAt: w.createdAt,
  });

const toPolicy = (p: Policy): RequirementPolicy => Object.assign(new RequirementPolicy(), { ...p, accepted: p.accepted.map((a) => ({ ...a })) });

/**
 * The vendors of a page share their policy (the default, or one override each): one RequirementPolicy per policy,
 * not one copy per vendor.
 */
function policyCache(): (p: Policy) => RequirementPolicy {
  const made = new Map<Policy, RequirementPolicy>();
  return (p) => {
    let out = made.get(p);
    if (!out) made.set(p, (out = toPolicy(p)));
    return out;
  };
}

function toEntry(v: VendorStatusView, on: CalendarDate, policyOf: (p: Policy) => RequirementPolicy = toPolicy): VendorStatusEntry {
  const b = v.basedOn;
  return Object.assign(new VendorStatusEntry(), {
    orgId: v.watch.orgId,
    vendor: toWatched(v.watch, v.vendor?.slug ?? null),
    status: v.status,
    reasons: v.reasons,
    basedOn: b
      ? { attestationId: b.id, source: v.source, framework: b.framework, socType: b.socType, periodEnd: b.periodEnd ?? null, asOf: b.asOf ?? null, issueDate: b.issueDate, opinion: b.opinion, exceptionCount: b.exceptionCount, certificateValidUntil: b.certificateValidUntil ?? null }
      : null,
    freshness: v.freshness ? toFreshness(v.freshness) : null,
    daysUntilStale: v.freshness?.daysUntilStale ?? null,
    policy: policyOf(v.policy),
    evaluatedOn: on,
    review: v.reviewRow ? toVendorReview(v.reviewRow) : null,
    needsReview: v.needsReview,
    typeIIExpectedOn: v.typeIIInProgress?.expectedReportDate ?? null,
  });
}

/** How many of a history list a field returns: `first` clamped to 1-100, default 20. */
export const listLimit = (first: number | null | undefined): number => Math.min(Math.max(first ?? 20, 1), 100);

@Resolver()
export class TrackingResolver {
  private service(ctx: RequestContext): TrackingService {
    return new TrackingService(ctx.db);
  }

  /** Status history follows the customer's own changes too, with the change as cause. */
  private async recordChanges(ctx: RequestContext, cause: string): Promise<void> {
    await this.service(ctx).recordStatusChanges(authorize(ctx.principal, 'tracking.write'), todayUtc(ctx.now()), ctx.now(), cause);
  }

  @Authorized('tracking.write')
  @Mutation(() => WatchVendorPayload, { description: 'Add a vendor to the active organization\'s watchlist (not VIEWER).' })
  async watchVendor(@Arg('input', { description: 'The vendor.' }) input: WatchVendorInput, @Ctx() ctx: RequestContext): Promise<WatchVendorPayload> {
    const r = await this.service(ctx).watch(ctx.principal, authorize(ctx.principal, 'tracking.write'), actorOf(ctx), input);
    if (r.watch) await this.recordChanges(ctx, 'vendor added to the watchlist');
    return { vendor: r.watch ? toWatched(r.watch, input.trustCenterSlug?.trim().toLowerCase() ?? null) : null, errors: r.errors };
  }

  @Authorized('tracking.write')
  @Mutation(() => UnwatchVendorPayload, { description: 'Remove a vendor from the watchlist, with what you recorded for it; its status history stays.' })
  async unwatchVendor(@Arg('watchId', () => ID, { description: 'The watched vendor.' }) watchId: string, @Ctx() ctx: RequestContext): Promise<UnwatchVendorPayload> {
    await this.service(ctx).unwatch(authorize(ctx.principal, 'tracking.write'), actorOf(ctx), watchId);
    return { watchId, errors: [] };
  }

  @Authorized('tracking.write')
  @Mutation(() => RecordVendorAttestationPayload, { description: 'Record a report of an off-platform vendor (not VIEWER).' })
  async recordVendorAttestation(@Arg('input', { description: 'The report.' }) input: RecordVendorAttestationInput, @Ctx() ctx: RequestContext): Promise<RecordVendorAttestationPayload> {
    const r = await this.service(ctx).record(authorize(ctx.principal, 'tracking.write'), actorOf(ctx), input);
    if (r.attestation) await this.recordChanges(ctx, 'report recorded');
    return { attestationId: r.attestation?.id ?? null, errors: r.errors };
  }

  @Authorized('tracking.write')
  @Mutation(() => RequirementPolicyPayload, { description: 'Set the default requirement policy, or one vendor\'s override (not VIEWER).' })
  async setRequirementPolicy(@Arg('input', { description: 'The policy.' }) input: SetRequirementPolicyInput, @Ctx() ctx: RequestContext): Promise<RequirementPolicyPayload> {
    const r = await this.service(ctx).setPolicy(authorize(ctx.principal, 'tracking.write'), actorOf(ctx), input);
    if (r.policy) await this.recordChanges(ctx, 'requirement policy changed');
    return { policy: r.policy ? toPolicy(r.policy) : null, errors: r.errors };
  }

  @Authorized('tracking.write')
  @Mutation(() => RequirementPolicyPayload, { description: "Drop a vendor's override: the default policy applies to it again." })
  async clearRequirementPolicyOverride(@Arg('watchId', () => ID, { description: 'The watched vendor.' }) watchId: string, @Ctx() ctx: RequestContext): Promise<RequirementPolicyPayload> {
    const scope = authorize(ctx.principal, 'tracking.write');
    await this.service(ctx).clearOverride(scope, actorOf(ctx), watchId);
    await this.recordChanges(ctx, 'requirement policy override removed');
    return { policy: toPolicy(await this.service(ctx).defaultPolicy(scope)), errors: [] };
  }

  @Authorized('tracking.read')
  @Query(() => VendorStatusConnection, {
    description:
      "Every watched vendor's status under your requirement policy at a date (default today), with machine-readable reasons. " +
      'One evaluation reads a fixed number of SQL statements whatever the number of vendors.',
  })
  async vendorStatuses(
    @Args() page: PageArgs,
    @Ctx() ctx: RequestContext,
    @Arg('status', () => [VendorStatusEnum], { nullable: true, description: 'Only these statuses.' }) status?: VendorStatus[] | null,
    @Arg('asOf', () => DateScalar, { nullable: true, description: 'Evaluate at this date (default today, UTC).' }) asOf?: CalendarDate | null,
    @Arg('orderBy', () => VendorStatusOrderEnum, { nullable: true, description: 'Sort order (default DAYS_UNTIL_STALE).' }) orderBy?: keyof typeof VendorStatusOrderEnum | null,
  ): Promise<VendorStatusConnection> {
    const on = asOf ?? todayUtc(ctx.now());
    const limit = page.first ?? DEFAULT_PAGE_SIZE;
    const after = page.after ? (decodeCursor(page.after, ['integer', 'text', 'uuid']) as StatusKey) : null;
    const r = await this.service(ctx).statusPage(authorize(ctx.principal, 'tracking.read'), on, ctx.now(), { statuses: status ?? null, byName: orderBy === 'NAME', after, limit: limit + 1 });
    if (r.source === 'exact-after-mismatch') ctx.logger.warn('vendorStatuses: a stored status disagreed with its exact evaluation; answered from the full evaluation', { vendors: r.exactRows });
    else if (r.source === 'index' && r.exactRows > 0) ctx.logger.debug('vendorStatuses: stored statuses not usable today, evaluated exactly', { vendors: r.exactRows });
    const policies = policyCache();
    return toPage(r.rows, limit, Boolean(after), (x) => encodeCursor(x.k), (x) => toEntry(x.v, on, policies));
  }

  @Authorized('tracking.read')
  @Query(() => PortfolioSummary, { description: 'Counts by status and vendors going stale in the next 30/60/90 days, at a date (default today).' })
  async portfolioSummary(
    @Ctx() ctx: RequestContext,
    @Arg('asOf', () => DateScalar, { nullable: true, description: 'Evaluate at this date (default today, UTC).' }) asOf?: CalendarDate | null,
  ): Promise<PortfolioSummary> {
    const on = asOf ?? todayUtc(ctx.now());
    const counts = await this.service(ctx).summary(authorize(ctx.principal, 'tracking.read'), on, ctx.now());
    return {
      evaluatedOn: on,
      totalVendors: counts.total,
      byStatus: VENDOR_STATUSES.map((s) => ({ status: s, count: counts.byStatus.get(s) ?? 0 })),
      goingStaleIn30Days: counts.within[0],
      goingStaleIn60Days: counts.within[1],
      goingStaleIn90Days: counts.within[2],
      reviewed: counts.reviewed,
      awaitingReview: counts.awaitingReview,
    };
  }
}

@Resolver(() => VendorStatusEntry)
export class VendorStatusEntryResolver {
  @FieldResolver(() => [VendorStatusChange], { description: 'Recorded changes of this vendor\'s status, newest first (at most `first`, default 20).' })
  async history(
    @Root() entry: VendorStatusEntry,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, description: 'How many (1-100, default 20).' }) first?: number | null,
  ): Promise<VendorStatusChange[]> {
    const rows = await ctx.loaders.statusHistory.load(orgKey(entry.orgId, entry.vendor.id));
    return rows.slice(0, listLimit(first)).map((h) => ({
      status: h.status, previousStatus: h.previousStatus, reasons: h.reasons, cause: h.cause, effectiveOn: h.effectiveOn as CalendarDate, recordedAt: h.recordedAt,
    }));
  }
}

@Resolver(() => Organization)
export class OrganizationTrackingResolver {
  @FieldResolver(() => RequirementPolicy, { description: "Members: the organization's default requirement policy for its vendors." })
  async requirementPolicy(@Root() org: Organization, @Ctx() ctx: RequestContext): Promise<RequirementPolicy> {
    return toPolicy(await new TrackingService(ctx.db).defaultPolicy(authorize(ctx.principal, 'tracking.read', { orgId: org.id })));
  }
}
