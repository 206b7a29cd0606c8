import { addDaysClamped, compareDates, type CalendarDate } from '../../domain/calendar-date';
import { VENDOR_STATUSES, type VendorStatus } from '../../domain/compliance';
import { NO_EVIDENCE_URGENCY, type IndexedStatus, type IndexedSummary, type StatusIndexQuery, type StatusKey, type StatusRowWrite, type StoredStatus } from './status-index.repository';
import type { VendorStatusView } from './tracking.service';

/**
 * vendorStatuses' order and paging, the same over exact evaluations in memory and over the stored index in SQL:
 * most urgent first (no evidence, then fewest days until stale; 0 for every vendor when ordering by name), then the
 * lowercased name in code point order (what PostgreSQL's "C" collation compares), then the watch id.
 */
export interface Keyed {
  v: VendorStatusView;
  k: StatusKey;
}

export const nameKeyOf = (name: string): string => name.toLowerCase();

const urgency = (v: VendorStatusView): number => v.freshness?.daysUntilStale ?? NO_EVIDENCE_URGENCY;

export const statusKey = (v: VendorStatusView, byName: boolean): StatusKey => [byName ? 0 : urgency(v), nameKeyOf(v.watch.name), v.watch.id];

/** Code point order (UTF-8 byte order, as COLLATE "C"), not UTF-16 unit order: they differ for characters past U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (D800-DFFF) starts a code point above FFFF: after every other unit, including E000-FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function compareStatusKeys(a: StatusKey, b: StatusKey): number {
  return a[0] - b[0] || compareCodePoints(a[1], b[1]) || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
}

/** The first `q.limit` evaluated vendors after `q.after` with the wanted statuses, in order. */
export function pageOf(views: readonly VendorStatusView[], q: StatusIndexQuery): Keyed[] {
  const wanted = q.statuses && q.statuses.length > 0 ? new Set(q.statuses) : null;
  // Each key made once (not twice per comparison): a 500-vendor sort compares about 4,500 times.
  const keyed: Keyed[] = [];
  for (const v of views) {
    if (wanted && !wanted.has(v.status)) continue;
    const k = statusKey(v, q.byName);
    if (q.after && compareStatusKeys(k, q.after) <= 0) continue;
    keyed.push({ v, k });
  }
  return keyed.sort((a, b) => compareStatusKeys(a.k, b.k)).slice(0, q.limit);
}

/** Whether a stored row says what the exact evaluation says (status, the expiry it sorts by, the name). */
export const agreesWithIndex = (v: VendorStatusView, row: IndexedStatus): boolean =>
  v.status === row.status && (v.freshness?.expiresOn ?? null) === row.expiresOn && nameKeyOf(v.watch.name) === row.nameKey;

/** portfolioSummary's numbers. */
export interface PortfolioCounts {
  total: number;
  byStatus: Map<VendorStatus, number>;
  /** Vendors 0-30, 0-60 and 0-90 days before going stale. */
  within: [number, number, number];
  reviewed: number;
  awaitingReview: number;
}

export function countViews(views: readonly VendorStatusView[]): PortfolioCounts {
  const byStatus = new Map<VendorStatus, number>(VENDOR_STATUSES.map((s) => [s, 0]));
  const within: [number, number, number] = [0, 0, 0];
  let reviewed = 0;
  let awaitingReview = 0;
  for (const v of views) {
    byStatus.set(v.status, byStatus.get(v.status)! + 1);
    const days = v.freshness && v.freshness.state !== 'STALE' ? v.freshness.daysUntilStale : null;
    if (days !== null) {
      if (days <= 30) within[0] += 1;
      if (days <= 60) within[1] += 1;
      if (days <= 90) within[2] += 1;
    }
    if (v.review !== null) reviewed += 1;
    else if (v.needsReview) awaitingReview += 1;
  }
  return { total: views.length, byStatus, within, reviewed, awaitingReview };
}

/** The index's counts plus those of the vendors evaluated exactly beside it. */
export function addCounts(indexed: IndexedSummary, exact: PortfolioCounts): PortfolioCounts {
  const byStatus = new Map(exact.byStatus);
  let total = exact.total;
  for (const [status, n] of indexed.byStatus) {
    byStatus.set(status, (byStatus.get(status) ?? 0) + n);
    total += n;
  }
  return {
    total,
    byStatus,
    within: [exact.within[0] + indexed.within[0], exact.within[1] + indexed.within[1], exact.within[2] + indexed.within[2]],
    reviewed: exact.reviewed + indexed.reviewed,
    awaitingReview: exact.awaitingReview + indexed.awaitingReview,
  };
}

/**
 * What a refresher writes back: each evaluation made on `on` whose stored row is missing its result or its window,
 * usable from `on` through the day before anything it weighs changes (`stableThrough`; a review made after `on`, which
 * the evaluation did not see, ends it the day before). Rows already saying the same for the same window are left alone.
 */
export function rowsToWrite(views: readonly VendorStatusView[], stored: ReadonlyMap<string, StoredStatus>, laterReviews: ReadonlyMap<string, CalendarDate>, on: CalendarDate): StatusRowWrite[] {
  const rows: StatusRowWrite[] = [];
  for (const v of views) {
    const s = stored.get(v.watch.id);
    if (!s || v.stableThrough === undefined) continue; // a watch added since the read: its row stays unusable until the next refresh
    const later = laterReviews.get(v.watch.id);
    const validThrough = later !== undefined && compareDates(later, v.stableThrough) <= 0 ? addDaysClamped(later, -1) : v.stableThrough;
    const row: StatusRowWrite = {
      watchId: v.watch.id, status: v.status, expiresOn: v.freshness?.expiresOn ?? null, nameKey: nameKeyOf(v.watch.name), reviewed: v.review !== null,
      needsReview: v.needsReview, validThrough, vendorVersion: v.watch.vendorOrgId ? s.currentVendorVersion : null, inputsVersion: s.inputsVersion,
    };
    const same = s.validFrom !== null && s.validFrom <= on && s.validThrough === row.validThrough && s.status === row.status && s.expiresOn === row.expiresOn
      && s.nameKey === row.nameKey && s.reviewed === row.reviewed && s.needsReview === row.needsReview && s.vendorVersion === row.vendorVersion;
    if (!same) rows.push(row);
  }
  return rows;
}
