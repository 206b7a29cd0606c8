import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { todayUtc } from '../../domain/calendar-date';
import { actorOf, type RequestContext } from '../../graphql/context';
import { orgKey } from '../../graphql/loaders';
import { authorize } from '../auth/authorize';
import { ReviewService } from './review.service';
import { ReviewVendorReportInput, ReviewVendorReportPayload, toVendorReview, VendorReview } from './review.types';
import { listLimit } from './tracking.resolver';
import { TrackingService } from './tracking.service';
import { VendorStatusEntry } from './tracking.types';

/** Reviews of watched vendors' reports: the mutation that records one, and each status entry's review history. */
@Resolver(() => VendorStatusEntry)
export class VendorReviewResolver {
  @Authorized('tracking.write')
  @Mutation(() => ReviewVendorReportPayload, {
    description:
      "Record your review of the report a watched vendor's status is based on today (not VIEWER): ACCEPTED or ACCEPTED_WITH_CONDITIONS settle what needed review (NEEDS_REVIEW becomes COMPLIANT unless something else holds), REJECTED makes the vendor NON_COMPLIANT. It applies to that report only (a newer report from the vendor reopens it); the latest review of a report applies, older ones stay as history. Audited; the status change is recorded in the vendor's history.",
  })
  async reviewVendorReport(@Arg('input', { description: 'The review.' }) input: ReviewVendorReportInput, @Ctx() ctx: RequestContext): Promise<ReviewVendorReportPayload> {
    const scope = authorize(ctx.principal, 'tracking.write');
    const r = await new ReviewService(ctx.db).review(scope, actorOf(ctx), input, ctx.now());
    if (r.review) await new TrackingService(ctx.db).recordStatusChanges(scope, todayUtc(ctx.now()), ctx.now(), `report reviewed: ${r.review.decision}`);
    return { review: r.review ? toVendorReview(r.review) : null, errors: r.errors };
  }

  @FieldResolver(() => [VendorReview], { description: "Every review of this vendor's reports, newest first (at most `first`, default 20): the one that applies is `review`, the others are history." })
  async reviews(
    @Root() entry: VendorStatusEntry,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, description: 'How many (1-100, default 20).' }) first?: number | null,
  ): Promise<VendorReview[]> {
    const rows = await ctx.loaders.vendorReviews.load(orgKey(entry.orgId, entry.vendor.id));
    return rows.slice(0, listLimit(first)).map(toVendorReview);
  }
}
