import { checkAttestation, FRAMEWORKS, reportDate, SOC_TYPES, type Framework, type Opinion, type SocType, type TrustServiceCriterion } from '../../domain/attestation';
import type { EntityManager } from 'typeorm';
import { compareDates, todayUtc, type CalendarDate } from '../../domain/calendar-date';
import {
  DEFAULT_REQUIREMENT_POLICY,
  evaluateVendor,
  statusStableThrough,
  validateRequirementPolicy,
  type EvidenceFacts,
  type InProgressReport,
  type RequirementPolicy,
  type ReviewFacts,
  type VendorEvaluation,
} from '../../domain/compliance';
import type { AgeAnchor } from '../../domain/freshness';
import type { Database } from '../../db/database';
import { DbScope } from '../../db/db-scope';
import { auditActor, auditChanges, auditLog } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import type { TenantScope } from '../auth/tenant-scope';
import { isUniqueViolation, NotFoundError, refusal, type Actor, type PayloadError } from '../common/errors';
import { inProgress } from '../in-progress/in-progress.service';
import { TrustCenterService } from '../trust-center/trust-center.service';
import type { VendorReviewEntity } from './review.entity';
import { reviewRepository } from './review.repository';
import { statusIndexRepository, type StatusIndexQuery } from './status-index.repository';
import { addCounts, agreesWithIndex, countViews, pageOf, rowsToWrite, type Keyed, type PortfolioCounts } from './status-page';
import type { RequirementPolicyEntity, TrackedAttestationEntity, VendorStatusHistoryEntity, VendorWatchEntity } from './tracking.entity';
import { trackingRepository, type PortfolioRows } from './tracking.repository';

export type TrackingErrorCode =
  | 'ALREADY_WATCHED'
  | 'OWN_ORGANIZATION'
  | 'INVALID_VENDOR'
  | 'ON_PLATFORM_VENDOR'
  | 'INVALID_ATTESTATION'
  | 'INVALID_POLICY';

export interface VendorStatusView extends VendorEvaluation {
  watch: VendorWatchEntity;
  policy: RequirementPolicy;
  /** RECORDED (the customer's own records, off-platform) or PUBLISHED (the vendor's trust center). */
  source: 'RECORDED' | 'PUBLISHED';
  vendor: { id: string; slug: string; name: string } | null;
  /** The stored review `review` comes from. */
  reviewRow: VendorReviewEntity | null;
  /** Only when asked for (a refresh of the stored statuses): the last day this evaluation stays exact (statusStableThrough). */
  stableThrough?: CalendarDate;
}

/** A page of vendorStatuses and where it came from: the stored index (`exactRows` vendors evaluated beside the page's), or every vendor evaluated. */
export interface StatusPage {
  rows: Keyed[];
  source: 'index' | 'exact' | 'exact-after-mismatch';
  /** Vendors evaluated besides the page's own: the index's unusable rows, or all of them on the exact path. */
  exactRows: number;
}

/** The stored statuses (vendor_status_current) hold today's evaluations: only an evaluation for today (UTC) reads them. */
const indexHolds = (on: CalendarDate, now: Date): boolean => on === todayUtc(now);

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
type Errors = PayloadError<TrackingErrorCode>[];
export interface WatchResult { watch: VendorWatchEntity | null; errors: Errors }
export interface RecordResult { attestation: TrackedAttestationEntity | null; errors: Errors }
export interface PolicyResult { policy: RequirementPolicy | null; errors: Errors }

export function policyOf(entity: RequirementPolicyEntity | null | undefined, fallback: RequirementPolicy = DEFAULT_REQUIREMENT_POLICY): RequirementPolicy {
  if (!entity) return fallback;
  return {
    accepted: entity.accepted,
    maxAgeMonths: entity.maxAgeMonths,
    expiringSoonDays: entity.expiringSoonDays,
    ageAnchor: entity.ageAnchor,
    bridgeLettersCount: entity.bridgeLettersCount,
    maxUncoveredDays: entity.maxUncoveredDays,
    qualifiedOpinionNeedsReview: entity.qualifiedOpinionNeedsReview,
    exceptionsNeedReview: entity.exceptionsNeedReview,
    acceptTypeIInProgressDays: entity.acceptTypeIInProgressDays ?? null,
  };
}

/** A stored review as the evaluation weighs it: it applies from the day (UTC) it was made. */
export const toReviewFacts = (r: VendorReviewEntity): ReviewFacts => ({
  id: r.id, attestationId: r.attestationId, decision: r.decision, note: r.note, reviewer: r.reviewer, reviewedOn: todayUtc(r.reviewedAt),
});

/** Everything an evaluation weighs: the portfolio rows, and the vendors' attestations in progress when a policy asks. */
interface Portfolio {
  rows: PortfolioRows;
  /** Per vendor org id: its IN_PROGRESS attestations. */
  inProgress: Map<string, InProgressReport[]>;
}

export interface PolicyInput {
  watchId?: string | null;
  accepted?: { framework: Framework; socType?: SocType | null }[] | null;
  maxAgeMonths?: number | null;
  expiringSoonDays?: number | null;
  ageAnchor?: AgeAnchor | null;
  bridgeLettersCount?: boolean | null;
  /** undefined: unchanged; null: no limit. */
  maxUncoveredDays?: number | null;
  qualifiedOpinionNeedsReview?: boolean | null;
  exceptionsNeedReview?: boolean | null;
  /** undefined: unchanged; null: off. */
  acceptTypeIInProgressDays?: number | null;
}

export interface RecordInput {
  watchId: string;
  framework: Framework;
  socType?: SocType | null;
  periodStart?: CalendarDate | null;
  periodEnd?: CalendarDate | null;
  asOf?: CalendarDate | null;
  issueDate: CalendarDate;
  auditor?: string | null;
  opinion?: Opinion | null;
  trustServiceCriteria?: TrustServiceCriterion[] | null;
  exceptionCount?: number | null;
  certificateValidFrom?: CalendarDate | null;
  certificateValidUntil?: CalendarDate | null;
  bridgeLetters?: { coversFrom: CalendarDate; coversThrough: CalendarDate; issuedOn: CalendarDate }[] | null;
}

/** A watched vendor as its audit events name it. */
const watchDetails = (w: VendorWatchEntity): Record<string, unknown> => ({
  watchId: w.id, vendor: w.name, vendorOrgId: w.vendorOrgId, domain: w.domain, source: w.vendorOrgId ? 'PUBLISHED' : 'RECORDED',
});

/** Who watches vendors, for the notifications module's fan-out and daily sweep (cross-tenant: each names its DbScope). */
export const watchlists = {
  /** The organizations watching the vendor. Needs DbScope.fanout(vendorOrgId). */
  watchersOf: (m: EntityManager, vendorOrgId: string): Promise<string[]> => trackingRepository.watchersOf(m, vendorOrgId),
  /** Organizations that watch vendors (only those in `onlyOrgIds` when given). Needs DbScope.sweep(). */
  watchingOrgIds: (m: EntityManager, onlyOrgIds: string[] | null): Promise<string[]> => trackingRepository.watchingOrgIds(m, onlyOrgIds),
};

/** A watched vendor's recorded status changes, inside the caller's transaction (the per-request loaders). */
export const statusHistory = {
  /** Per watch, newest first. */
  of: (m: EntityManager, scope: TenantScope, watchIds: readonly string[]): Promise<VendorStatusHistoryEntity[]> => trackingRepository.historyOf(m, scope, watchIds),
};

/**
 * The customer side: a watchlist, requirement policies, and each vendor's status evaluated at any date. Every change
 * is audited in the customer organization's own chain (the acting organization), never the vendor's.
 */
export class TrackingService {
  constructor(private readonly db: Database) {}

  private async added(m: EntityManager, scope: TenantScope, actor: Actor, watch: VendorWatchEntity): Promise<WatchResult> {
    await auditLog.append(m, scope, { ...auditActor(actor), action: 'vendor_watch.added', targetType: 'vendor_watch', targetId: watch.id, details: watchDetails(watch) });
    return { watch, errors: [] };
  }

  async watch(principal: Principal, scope: TenantScope, actor: Actor, input: { trustCenterSlug?: string | null; name?: string | null; domain?: string | null; notes?: string | null }): Promise<WatchResult> {
    const none = { watch: null };
    if (input.trustCenterSlug) {
      let vendorOrgId: string;
      let vendorName: string;
      try {
        const found = await new TrustCenterService(this.db).bySlug(principal, input.trustCenterSlug);
        // A member may read its own draft trust center, but a customer watches only what the vendor published.
        if (found.trustCenter.status !== 'PUBLISHED' && found.trustCenter.orgId !== scope.orgId) throw new NotFoundError('Trust center');
        vendorOrgId = found.trustCenter.orgId;
        vendorName = found.organizationName;
      } catch (error) {
        if (error instanceof NotFoundError) return { ...none, errors: [refusal('INVALID_VENDOR', 'trustCenterSlug', `No published trust center "${input.trustCenterSlug}".`)] };
        throw error;
      }
      if (vendorOrgId === scope.orgId) return { ...none, errors: [refusal('OWN_ORGANIZATION', 'trustCenterSlug', 'You do not watch your own organization.')] };
      const already: WatchResult = { ...none, errors: [refusal('ALREADY_WATCHED', 'trustCenterSlug', 'This vendor is already on your watchlist.')] };
      try {
        return await this.db.transaction(scope.identity(), async (m) => {
          if (await trackingRepository.watchOfVendor(m, scope, vendorOrgId)) return already;
          return this.added(m, scope, actor, await trackingRepository.insertWatch(m, scope, { vendorOrgId, name: vendorName, domain: null, notes: input.notes ?? null, createdBy: scope.userId }));
        });
      } catch (error) {
        if (isUniqueViolation(error)) return already; // the same vendor added twice at once
        throw error;
      }
    }
    const name = input.name?.trim() ?? '';
    const domain = input.domain?.trim().toLowerCase() || null;
    if (name.length === 0 || name.length > 200) return { ...none, errors: [refusal('INVALID_VENDOR', 'name', 'Give trustCenterSlug for a vendor on the platform, or a name (1-200 characters) for one off it.')] };
    if (domain && !DOMAIN.test(domain)) return { ...none, errors: [refusal('INVALID_VENDOR', 'domain', `"${domain}" is not a domain name.`)] };
    return this.db.transaction(scope.identity(), async (m) =>
      this.added(m, scope, actor, await trackingRepository.insertWatch(m, scope, { vendorOrgId: null, name, domain, notes: input.notes ?? null, createdBy: scope.userId })));
  }

  async unwatch(scope: TenantScope, actor: Actor, watchId: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const watch = await trackingRepository.watchById(m, scope, watchId);
      if (!watch) throw new NotFoundError('Watched vendor');
      await trackingRepository.deleteWatch(m, scope, watchId);
      await auditLog.append(m, scope, { ...auditActor(actor), action: 'vendor_watch.removed', targetType: 'vendor_watch', targetId: watch.id, details: watchDetails(watch) });
    });
  }

  /** An off-platform vendor's report, recorded by the customer under the same rules as a vendor's own. */
  async record(scope: TenantScope, actor: Actor, input: RecordInput): Promise<RecordResult> {
    const none = { attestation: null };
    const fields = {
      framework: input.framework, socType: input.socType ?? null, periodStart: input.periodStart ?? null, periodEnd: input.periodEnd ?? null,
      asOf: input.asOf ?? null, issueDate: input.issueDate, opinion: input.opinion ?? null, trustServiceCriteria: input.trustServiceCriteria ?? (['SOC2', 'SOC3'].includes(input.framework) ? ['SECURITY' as const] : []),
      certificateValidFrom: input.certificateValidFrom ?? null, certificateValidUntil: input.certificateValidUntil ?? null,
    };
    const outcome = checkAttestation(fields);
    const problems: Errors = outcome.errors.map((e) => refusal('INVALID_ATTESTATION', e.field, `${e.code}: ${e.message}`));
    if (input.exceptionCount != null && (!Number.isInteger(input.exceptionCount) || input.exceptionCount < 0 || input.exceptionCount > 10_000)) {
      problems.push(refusal('INVALID_ATTESTATION', 'exceptionCount', 'exceptionCount is a whole number from 0.'));
    }
    for (const l of input.bridgeLetters ?? []) {
      if (compareDates(l.coversFrom, l.coversThrough) > 0) problems.push(refusal('INVALID_ATTESTATION', 'bridgeLetters', 'A bridge letter\'s coversFrom must not be after its coversThrough.'));
    }
    if ((input.bridgeLetters?.length ?? 0) > 20) problems.push(refusal('INVALID_ATTESTATION', 'bridgeLetters', 'At most 20 bridge letters.'));
    return this.db.transaction(scope.identity(), async (m) => {
      const watch = await trackingRepository.watchById(m, scope, input.watchId);
      if (!watch) throw new NotFoundError('Watched vendor');
      if (watch.vendorOrgId) return { ...none, errors: [refusal('ON_PLATFORM_VENDOR', 'watchId', 'This vendor publishes its own reports on the platform; its statuses follow them.')] };
      if (problems.length > 0) return { ...none, errors: problems };
      const attestation = await trackingRepository.insertTracked(m, scope, {
        watchId: watch.id, ...fields, auditor: input.auditor ?? null, exceptionCount: input.exceptionCount ?? 0,
        bridgeLetters: input.bridgeLetters ?? [], createdBy: scope.userId,
      });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'vendor_attestation.recorded', targetType: 'tracked_attestation', targetId: attestation.id,
        details: {
          ...watchDetails(watch), framework: fields.framework, socType: fields.socType, reportDate: reportDate(fields), issueDate: fields.issueDate,
          opinion: fields.opinion, exceptionCount: input.exceptionCount ?? 0, bridgeLetters: input.bridgeLetters?.length ?? 0,
        },
      });
      return { attestation, errors: [] };
    });
  }

  /** Sets the default policy (no watchId) or a vendor's override; omitted fields keep the current effective value. */
  async setPolicy(scope: TenantScope, actor: Actor, input: PolicyInput): Promise<PolicyResult> {
    try {
      return await this.setPolicyOnce(scope, actor, input);
    } catch (error) {
      // Two first-time writes at once: the other one inserted; ours becomes an update.
      if (isUniqueViolation(error)) return this.setPolicyOnce(scope, actor, input);
      throw error;
    }
  }

  private async setPolicyOnce(scope: TenantScope, actor: Actor, input: PolicyInput): Promise<PolicyResult> {
    const none = { policy: null };
    for (const a of input.accepted ?? []) {
      if (!FRAMEWORKS.includes(a.framework) || (a.socType !== null && a.socType !== undefined && !SOC_TYPES.includes(a.socType))) {
        return { ...none, errors: [refusal('INVALID_POLICY', 'accepted', 'Unknown framework or SOC type.')] };
      }
    }
    return this.db.transaction(scope.identity(), async (m) => {
      const watchId = input.watchId ?? null;
      const watch = watchId ? await trackingRepository.watchById(m, scope, watchId) : null;
      if (watchId && !watch) throw new NotFoundError('Watched vendor');
      const stored = await trackingRepository.policy(m, scope, null);
      const base = policyOf(stored);
      const override = watchId ? await trackingRepository.policy(m, scope, watchId) : null;
      const current = watchId ? policyOf(override, base) : base;
      const next: RequirementPolicy = {
        accepted: input.accepted ? input.accepted.map((a) => ({ framework: a.framework, socType: a.socType ?? null })) : current.accepted,
        maxAgeMonths: input.maxAgeMonths ?? current.maxAgeMonths,
        expiringSoonDays: input.expiringSoonDays ?? current.expiringSoonDays,
        ageAnchor: input.ageAnchor ?? current.ageAnchor,
        bridgeLettersCount: input.bridgeLettersCount ?? current.bridgeLettersCount,
        maxUncoveredDays: input.maxUncoveredDays === undefined ? current.maxUncoveredDays : input.maxUncoveredDays,
        qualifiedOpinionNeedsReview: input.qualifiedOpinionNeedsReview ?? current.qualifiedOpinionNeedsReview,
        exceptionsNeedReview: input.exceptionsNeedReview ?? current.exceptionsNeedReview,
        acceptTypeIInProgressDays: input.acceptTypeIInProgressDays === undefined ? current.acceptTypeIInProgressDays : input.acceptTypeIInProgressDays,
      };
      const problems = validateRequirementPolicy(next);
      if (problems.length > 0) return { ...none, errors: problems.map((p) => refusal('INVALID_POLICY', null, p)) };
      await trackingRepository.savePolicy(m, scope, watchId, { ...next, accepted: [...next.accepted] });
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'requirement_policy.set', targetType: 'requirement_policy', targetId: watchId ?? 'default',
        details: {
          policy: watchId ? 'OVERRIDE' : 'DEFAULT', ...(watch ? watchDetails(watch) : {}), first: (watchId ? override : stored) === null,
          ...auditChanges(current, next), accepted: next.accepted,
        },
      });
      return { policy: next, errors: [] };
    });
  }

  async clearOverride(scope: TenantScope, actor: Actor, watchId: string): Promise<void> {
    await this.db.transaction(scope.identity(), async (m) => {
      const watch = await trackingRepository.watchById(m, scope, watchId);
      if (!watch) throw new NotFoundError('Watched vendor');
      const override = await trackingRepository.policy(m, scope, watchId);
      await trackingRepository.deletePolicy(m, scope, watchId);
      await auditLog.append(m, scope, {
        ...auditActor(actor), action: 'requirement_policy.override_cleared', targetType: 'requirement_policy', targetId: watchId,
        details: { ...watchDetails(watch), hadOverride: override !== null },
      });
    });
  }

  async defaultPolicy(scope: TenantScope): Promise<RequirementPolicy> {
    return policyOf(await this.db.transaction(scope.identity(), (m) => trackingRepository.policy(m, scope, null)));
  }

  /**
   * Every watched vendor's status at `on`: one transaction, a fixed number of statements whatever the number of
   * vendors; filtering, sorting and paging happen on the evaluated list.
   */
  async evaluate(scope: TenantScope, on: CalendarDate, now: Date): Promise<VendorStatusView[]> {
    return this.db.transaction(DbScope.customerPortfolio(scope.orgId, scope.userId), (m) => this.evaluateIn(m, scope, on, now));
  }

  /**
   * `evaluate` inside the caller's transaction (one with DbScope.customerPortfolio); `watchIds`: those vendors only;
   * `stability`: with each evaluation's stableThrough.
   */
  async evaluateIn(m: EntityManager, scope: TenantScope, on: CalendarDate, now: Date, watchIds: string | readonly string[] | null = null, stability = false): Promise<VendorStatusView[]> {
    return this.evaluateRows(await this.portfolio(m, scope, on, now, typeof watchIds === 'string' ? [watchIds] : watchIds), on, stability);
  }

  /**
   * vendorStatuses: the first `q.limit` vendors after `q.after`. With `index` (by default when the evaluation date is
   * today; tests force it either way to compare the two paths): the
   * order, filter and page come from the stored evaluations in SQL (status-index.repository.ts) and only the page's
   * vendors are evaluated exactly, with those whose stored evaluation is not usable today (the two are merged in
   * memory: a usable row beyond the SQL page cannot come before it). The page's stored rows must agree with their exact
   * evaluation; if one does not (a change committed between the two reads), every vendor is evaluated. Another date:
   * every vendor is evaluated, as always.
   */
  async statusPage(scope: TenantScope, on: CalendarDate, now: Date, q: StatusIndexQuery, index = indexHolds(on, now)): Promise<StatusPage> {
    return this.db.transaction(DbScope.customerPortfolio(scope.orgId, scope.userId), async (m) => {
      if (index) {
        const { unusable, page } = await statusIndexRepository.page(m, scope, on, q);
        const views = await this.evaluateIn(m, scope, on, now, [...page.map((r) => r.watchId), ...unusable]);
        const byId = new Map(views.map((v) => [v.watch.id, v]));
        if (page.every((r) => byId.has(r.watchId) && agreesWithIndex(byId.get(r.watchId)!, r))) return { rows: pageOf(views, q), source: 'index', exactRows: unusable.length };
        const all = await this.evaluateIn(m, scope, on, now);
        return { rows: pageOf(all, q), source: 'exact-after-mismatch', exactRows: all.length };
      }
      const all = await this.evaluateIn(m, scope, on, now);
      return { rows: pageOf(all, q), source: 'exact', exactRows: all.length };
    });
  }

  /** portfolioSummary: with `index` (as statusPage), the stored evaluations' counts plus the unusable rows evaluated exactly. */
  async summary(scope: TenantScope, on: CalendarDate, now: Date, index = indexHolds(on, now)): Promise<PortfolioCounts> {
    return this.db.transaction(DbScope.customerPortfolio(scope.orgId, scope.userId), async (m) => {
      if (!index) return countViews(await this.evaluateIn(m, scope, on, now));
      const { unusable, summary } = await statusIndexRepository.summary(m, scope, on);
      return addCounts(summary, countViews(unusable.length > 0 ? await this.evaluateIn(m, scope, on, now, unusable) : []));
    });
  }

  private async portfolio(m: EntityManager, scope: TenantScope, on: CalendarDate, now: Date, watchIds: readonly string[] | null = null): Promise<Portfolio> {
    const rows = await trackingRepository.portfolio(m, scope, on, now, watchIds);
    // Only a policy that accepts a Type I while a Type II is in progress reads the vendors' engagements (one statement).
    const wanted = rows.visibleVendors.size > 0 && rows.policies.some((p) => p.acceptTypeIInProgressDays !== null);
    return { rows, inProgress: wanted ? await inProgress.openOfVendors(m, [...rows.visibleVendors.keys()]) : new Map() };
  }

  private evaluateRows({ rows, inProgress: engagements }: Portfolio, on: CalendarDate, stability = false): VendorStatusView[] {
    const base = policyOf(rows.policies.find((p) => p.watchId === null));
    const overrides = new Map(rows.policies.filter((p) => p.watchId !== null).map((p) => [p.watchId!, p]));
    return rows.watches.map((watch) => {
      const policy = policyOf(overrides.get(watch.id), base);
      const evidence: EvidenceFacts[] | null = watch.vendorOrgId
        ? (rows.visibleVendors.has(watch.vendorOrgId) ? rows.evidence.get(watch.id)! : null)
        : (rows.evidence.get(watch.id)!.length > 0 ? rows.evidence.get(watch.id)! : null);
      const granted = watch.vendorOrgId ? rows.grantedVendors.has(watch.vendorOrgId) : null;
      const reviewRows = rows.reviews.get(watch.id) ?? [];
      const context = { reviews: reviewRows.map(toReviewFacts), inProgress: watch.vendorOrgId ? engagements.get(watch.vendorOrgId) : undefined };
      const evaluation = evaluateVendor(evidence, policy, on, evidence && granted === false ? false : null, context);
      const vendorInfo = watch.vendorOrgId ? rows.visibleVendors.get(watch.vendorOrgId) : undefined;
      return {
        ...evaluation,
        watch,
        policy,
        source: watch.vendorOrgId ? ('PUBLISHED' as const) : ('RECORDED' as const),
        vendor: watch.vendorOrgId && vendorInfo ? { id: watch.vendorOrgId, ...vendorInfo } : null,
        reviewRow: evaluation.review ? reviewRows.find((r) => r.id === evaluation.review!.id) ?? null : null,
        ...(stability ? { stableThrough: statusStableThrough(evidence, policy, on, context) } : {}),
      };
    });
  }

  /**
   * Records each watched vendor whose status changed since its last recorded one (or that has none yet), once, with
   * the cause. Called after the customer's own changes, when a followed vendor's event fans out, and by the daily sweep.
   * An advisory lock per customer serialises concurrent recorders, and the evaluation happens under it, so two of them
   * never both record the same change, nor a stale evaluation after a newer one.
   *
   * The same evaluation brings vendorStatuses' stored statuses up to date (status-page.ts rowsToWrite). The stored rows
   * and the vendors' evidence versions are read first: a change committed after that read leaves what is written
   * below unusable (an older evidence version, or a newer inputs_version that the write then skips), never wrong.
   */
  async recordStatusChanges(scope: TenantScope, on: CalendarDate, now: Date, cause: string): Promise<number> {
    return this.db.transaction(DbScope.customerPortfolio(scope.orgId, scope.userId), async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('status:' || $1, 0))`, [scope.orgId]);
      const stored = await statusIndexRepository.stored(m, scope);
      const laterReviews = await reviewRepository.firstReviewDayAfter(m, scope, on);
      const views = await this.evaluateIn(m, scope, on, now, null, true);
      const latest = await trackingRepository.latestStatuses(m, scope);
      const changes = views
        .filter((v) => latest.get(v.watch.id)?.status !== v.status)
        .map((v) => ({
          watchId: v.watch.id,
          status: v.status,
          previousStatus: latest.get(v.watch.id)?.status ?? null,
          reasons: v.reasons,
          cause,
          basedOnAttestationId: v.basedOn?.id ?? null,
          effectiveOn: on,
        }));
      await trackingRepository.insertHistory(m, scope, changes);
      await statusIndexRepository.write(m, scope, on, rowsToWrite(views, stored, laterReviews, on));
      return changes.length;
    });
  }
}
