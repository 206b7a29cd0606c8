import type { EntityManager } from 'typeorm';
import { todayUtc } from '../../domain/calendar-date';
import type { ReviewDecision } from '../../domain/compliance';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { auditActor, auditLog } from '../audit/audit.service';
import type { TenantScope } from '../auth/tenant-scope';
import { isUuid, refusal, type Actor, type PayloadError } from '../common/errors';
import type { VendorReviewEntity } from './review.entity';
import { reviewRepository } from './review.repository';
import { TrackingService } from './tracking.service';

export type ReviewErrorCode = 'VENDOR_NOT_WATCHED' | 'REPORT_NOT_CURRENT' | 'NOTE_REQUIRED' | 'NOTE_TOO_LONG';

/** The longest note a review keeps (the table's check repeats it). */
export const MAX_REVIEW_NOTE = 2000;

export interface ReviewInput {
  watchId: string;
  attestationId: string;
  decision: ReviewDecision;
  note?: string | null;
}

export interface ReviewResult {
  review: VendorReviewEntity | null;
  errors: PayloadError<ReviewErrorCode>[];
}

/** Reviews inside the caller's transaction (the per-request loaders). */
export const reviews = {
  /** Per watch, newest first. */
  ofWatches: (m: EntityManager, scope: TenantScope, watchIds: readonly string[]): Promise<VendorReviewEntity[]> => reviewRepository.ofWatches(m, scope, watchIds),
};

/**
 * The buyer closes a review (issue 14, item 2): a reviewer's decision about the report a watched vendor's status is
 * based on today. One transaction: the vendor's status is evaluated in it (the report must be the current basis), the
 * review is inserted and the audit event appended; the caller records the status change that follows.
 */
export class ReviewService {
  constructor(private readonly db: Database) {}

  async review(scope: TenantScope, actor: Actor, input: ReviewInput, now: Date): Promise<ReviewResult> {
    const refuse = (code: ReviewErrorCode, field: string, message: string): ReviewResult => ({ review: null, errors: [refusal(code, field, message)] });
    const note = input.note?.trim() || null;
    if (note !== null && note.length > MAX_REVIEW_NOTE) return refuse('NOTE_TOO_LONG', 'note', `A note is at most ${MAX_REVIEW_NOTE} characters (this one has ${note.length}).`);
    if (note === null && input.decision !== 'ACCEPTED') {
      return refuse('NOTE_REQUIRED', 'note', input.decision === 'REJECTED' ? 'Say why the report is rejected.' : 'Write the conditions of the acceptance.');
    }
    const notWatched = refuse('VENDOR_NOT_WATCHED', 'watchId', 'No vendor on your watchlist has this id.');
    if (!isUuid(input.watchId)) return notWatched;
    const today = todayUtc(now);
    return this.db.transaction(DbScope.customerPortfolio(scope.orgId, scope.userId), async (m) => {
      const [view] = await new TrackingService(this.db).evaluateIn(m, scope, today, now, input.watchId);
      if (!view) return notWatched;
      if (!view.basedOn || view.basedOn.id !== input.attestationId.toLowerCase()) {
        return refuse('REPORT_NOT_CURRENT', 'attestationId', view.basedOn
          ? `The status of ${view.watch.name} is based on report ${view.basedOn.id} today: review that one.`
          : `${view.watch.name} has no acceptable report to review today (${view.status}).`);
      }
      const review = await reviewRepository.insert(m, scope, {
        watchId: view.watch.id, attestationId: view.basedOn.id, decision: input.decision, note,
        reviewerUserId: actor.userId, reviewer: actor.email, reviewedAt: now,
      });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'vendor_review.recorded', targetType: 'vendor_review', targetId: review.id,
        details: {
          watchId: view.watch.id, vendor: view.watch.name, vendorOrgId: view.watch.vendorOrgId, attestationId: view.basedOn.id, source: view.source,
          decision: input.decision, note, statusBefore: view.status,
        },
      });
      return { review, errors: [] };
    });
  }
}
