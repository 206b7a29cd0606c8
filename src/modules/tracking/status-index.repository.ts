import type { EntityManager } from 'typeorm';
import type { CalendarDate } from '../../domain/calendar-date';
import type { VendorStatus } from '../../domain/compliance';
import type { TenantScope } from '../auth/tenant-scope';

/**
 * vendor_status_current (migrations/1795713200000-vendor-status-index.ts): each watched vendor's stored evaluation,
 * usable on a date in [valid_from, valid_through] while its vendor's evidence version is the one it was evaluated
 * against. The only SQL over it; every query is scoped by the customer's tenant (RLS repeats it). Reads run with
 * `app.public_reads` on (DbScope.customerPortfolio): the vendors' evidence versions live in their tenants.
 */

/** The urgency order's key: days until stale (MIN for no evidence; 0 when ordering by name), lowercased name, id. */
export type StatusKey = [number, string, string];

/** "No evidence" sorts first: the key vendorStatuses has always used for it. */
export const NO_EVIDENCE_URGENCY = Number.MIN_SAFE_INTEGER;

export interface StatusIndexQuery {
  statuses: readonly VendorStatus[] | null;
  byName: boolean;
  after: StatusKey | null;
  /** Rows wanted after `after` (the page size plus one, to know whether there is a next page). */
  limit: number;
}

export interface IndexedStatus {
  watchId: string;
  status: VendorStatus;
  expiresOn: CalendarDate | null;
  nameKey: string;
}

/** A stored row as a refresher reads it before evaluating: what to compare, and the versions to write back. */
export interface StoredStatus extends IndexedStatus {
  reviewed: boolean;
  needsReview: boolean;
  validFrom: CalendarDate | null;
  validThrough: CalendarDate | null;
  /** The evidence version the row was evaluated against, and the vendor's current one (null off the platform or unknown). */
  vendorVersion: string | null;
  currentVendorVersion: string | null;
  inputsVersion: string;
}

export interface StatusRowWrite {
  watchId: string;
  status: VendorStatus;
  expiresOn: CalendarDate | null;
  nameKey: string;
  reviewed: boolean;
  needsReview: boolean;
  validThrough: CalendarDate;
  vendorVersion: string | null;
  /** The inputs_version read before evaluating: the write is skipped if a change bumped it since. */
  inputsVersion: string;
}

export interface IndexedSummary {
  byStatus: Map<VendorStatus, number>;
  /** Fresh rows 0-30, 0-60 and 0-90 days before going stale. */
  within: [number, number, number];
  reviewed: number;
  awaitingReview: number;
}

/**
 * A row is usable on $2 when it was evaluated for a window holding $2 and, on the platform, against the vendor's current
 * evidence version. A row whose vendor has no version row (or is hidden from public reads) is not usable.
 */
const USABLE = `(c.status IS NOT NULL AND c.valid_from <= $2::date AND c.valid_through >= $2::date
  AND (c.vendor_org_id IS NULL OR c.vendor_version = v.version))`;
const CURRENT = `vendor_status_current c LEFT JOIN vendor_evidence_versions v ON v.org_id = c.vendor_org_id`;

/** bigint and date columns as pg returns them: strings. */
interface Row { watch_id: string; status: VendorStatus | null; expires_on: string | null; name_key: string | null; usable: boolean }

export const statusIndexRepository = {
  /**
   * One statement: the watches whose stored evaluation is not usable on `on` (evaluate them exactly), then the first
   * `limit` usable rows after `after` in the requested order and statuses. The key is computed as vendorStatuses
   * computes it in memory (name_key is COLLATE "C": code point order, as compareStatusKeys).
   */
  async page(m: EntityManager, scope: TenantScope, on: CalendarDate, q: StatusIndexQuery): Promise<{ unusable: string[]; page: IndexedStatus[] }> {
    const key = q.byName ? '0::bigint' : `COALESCE((c.expires_on - $2::date)::bigint, ${NO_EVIDENCE_URGENCY}::bigint)`;
    const rows: Row[] = await m.query(
      `WITH c AS MATERIALIZED (
         SELECT c.watch_id, c.status, c.expires_on, c.name_key, ${key} AS k, ${USABLE} AS usable FROM ${CURRENT} WHERE c.org_id = $1)
       (SELECT watch_id, NULL AS status, NULL::date AS expires_on, NULL AS name_key, false AS usable FROM c WHERE usable IS NOT TRUE)
       UNION ALL
       (SELECT watch_id, status, expires_on, name_key, true FROM c
        WHERE usable AND ($3::text[] IS NULL OR status = ANY($3))
          AND ($4::bigint IS NULL OR (k, name_key, watch_id) > ($4::bigint, $5::text COLLATE "C", $6::uuid))
        ORDER BY k, name_key, watch_id LIMIT $7)`,
      [scope.orgId, on, q.statuses && q.statuses.length > 0 ? q.statuses : null, q.after?.[0] ?? null, q.after?.[1] ?? null, q.after?.[2] ?? null, q.limit],
    );
    const unusable: string[] = [];
    const page: IndexedStatus[] = [];
    for (const r of rows) {
      if (!r.usable) unusable.push(r.watch_id);
      else page.push({ watchId: r.watch_id, status: r.status!, expiresOn: r.expires_on as CalendarDate | null, nameKey: r.name_key! });
    }
    return { unusable, page };
  },

  /** One statement: the watches whose stored evaluation is not usable on `on`, and the usable rows' counts. */
  async summary(m: EntityManager, scope: TenantScope, on: CalendarDate): Promise<{ unusable: string[]; summary: IndexedSummary }> {
    const rows: { watch_id: string | null; status: VendorStatus | null; n: string; w30: string; w60: string; w90: string; reviewed: string; awaiting: string }[] = await m.query(
      `WITH c AS MATERIALIZED (
         SELECT c.watch_id, c.status, c.expires_on - $2::date AS days, c.reviewed, c.needs_review, ${USABLE} AS usable FROM ${CURRENT} WHERE c.org_id = $1)
       SELECT watch_id, NULL AS status, 0 AS n, 0 AS w30, 0 AS w60, 0 AS w90, 0 AS reviewed, 0 AS awaiting FROM c WHERE usable IS NOT TRUE
       UNION ALL
       SELECT NULL, status, count(*), count(*) FILTER (WHERE days BETWEEN 0 AND 30), count(*) FILTER (WHERE days BETWEEN 0 AND 60),
              count(*) FILTER (WHERE days BETWEEN 0 AND 90), count(*) FILTER (WHERE reviewed), count(*) FILTER (WHERE needs_review AND NOT reviewed)
       FROM c WHERE usable GROUP BY status`,
      [scope.orgId, on],
    );
    const summary: IndexedSummary = { byStatus: new Map(), within: [0, 0, 0], reviewed: 0, awaitingReview: 0 };
    const unusable: string[] = [];
    for (const r of rows) {
      if (r.watch_id !== null) {
        unusable.push(r.watch_id);
        continue;
      }
      summary.byStatus.set(r.status!, Number(r.n));
      summary.within = [summary.within[0] + Number(r.w30), summary.within[1] + Number(r.w60), summary.within[2] + Number(r.w90)];
      summary.reviewed += Number(r.reviewed);
      summary.awaitingReview += Number(r.awaiting);
    }
    return { unusable, summary };
  },

  /**
   * Every stored row of the organization with its vendor's current evidence version: read by a refresher BEFORE it
   * reads what it evaluates, so a change committed in between leaves the row it writes unusable, never wrong.
   */
  async stored(m: EntityManager, scope: TenantScope): Promise<Map<string, StoredStatus>> {
    const rows: {
      watch_id: string; status: VendorStatus | null; expires_on: string | null; name_key: string; reviewed: boolean; needs_review: boolean;
      valid_from: string | null; valid_through: string | null; vendor_version: string | null; current_vendor_version: string | null; inputs_version: string;
    }[] = await m.query(
      `SELECT c.watch_id, c.status, c.expires_on, c.name_key, c.reviewed, c.needs_review, c.valid_from, c.valid_through,
              c.vendor_version, v.version AS current_vendor_version, c.inputs_version
       FROM ${CURRENT} WHERE c.org_id = $1`,
      [scope.orgId],
    );
    return new Map(rows.map((r) => [r.watch_id, {
      watchId: r.watch_id, status: r.status!, expiresOn: r.expires_on as CalendarDate | null, nameKey: r.name_key, reviewed: r.reviewed, needsReview: r.needs_review,
      validFrom: r.valid_from as CalendarDate | null, validThrough: r.valid_through as CalendarDate | null,
      vendorVersion: r.vendor_version, currentVendorVersion: r.current_vendor_version, inputsVersion: r.inputs_version,
    }]));
  },

  /** Writes evaluations made on `on`, each only if its row's inputs_version is still the one read before: the count written. */
  async write(m: EntityManager, scope: TenantScope, on: CalendarDate, rows: readonly StatusRowWrite[]): Promise<number> {
    if (rows.length === 0) return 0;
    const [, written] = (await m.query(
      `UPDATE vendor_status_current c SET status = u.status, expires_on = u.expires_on, name_key = u.name_key, reviewed = u.reviewed,
         needs_review = u.needs_review, valid_from = $2::date, valid_through = u.valid_through, vendor_version = u.vendor_version, evaluated_at = now()
       FROM unnest($3::uuid[], $4::text[], $5::date[], $6::text[], $7::boolean[], $8::boolean[], $9::date[], $10::bigint[], $11::bigint[])
         AS u(watch_id, status, expires_on, name_key, reviewed, needs_review, valid_through, vendor_version, inputs_version)
       WHERE c.org_id = $1 AND c.watch_id = u.watch_id AND c.inputs_version = u.inputs_version`,
      [scope.orgId, on, rows.map((r) => r.watchId), rows.map((r) => r.status), rows.map((r) => r.expiresOn), rows.map((r) => r.nameKey),
        rows.map((r) => r.reviewed), rows.map((r) => r.needsReview), rows.map((r) => r.validThrough), rows.map((r) => r.vendorVersion), rows.map((r) => r.inputsVersion)],
    )) as [unknown, number];
    return written;
  },
};
