import type { EntityManager } from 'typeorm';
import { entityFromJson, rowsPart, type JsonPart } from '../../db/json-parts';
import { addDaysClamped, type CalendarDate } from '../../domain/calendar-date';
import type { TenantScope } from '../auth/tenant-scope';
import { VendorReviewEntity } from './review.entity';

const COLUMNS = `org_id AS "orgId", id, watch_id AS "watchId", attestation_id AS "attestationId", decision, note,
  reviewer_user_id AS "reviewerUserId", reviewer, reviewed_at AS "reviewedAt", created_at AS "createdAt"`;

/** The only TypeORM user for vendor_reviews; every query is scoped by the customer's tenant (RLS repeats it). */
export const reviewRepository = {
  async insert(m: EntityManager, scope: TenantScope, values: Omit<Partial<VendorReviewEntity>, 'orgId'>): Promise<VendorReviewEntity> {
    const repo = m.getRepository(VendorReviewEntity);
    return repo.save(repo.create({ ...values, orgId: scope.orgId }));
  },

  /**
   * The latest review of each (watched vendor, report) made by the end of `on` (UTC), as a JSON part (json-parts.ts):
   * a portfolio evaluation at `on` weighs them, read beside its other inputs. `watchIds` narrows it to those vendors.
   */
  latestByPart(scope: TenantScope, on: CalendarDate, watchIds: readonly string[] | null = null): JsonPart<VendorReviewEntity[]> {
    return rowsPart(
      (p) => {
        const ids = p.add(watchIds);
        return `SELECT DISTINCT ON (watch_id, attestation_id) *
                FROM vendor_reviews
                WHERE org_id = ${p.add(scope.orgId)} AND reviewed_at < ${p.add(addDaysClamped(on, 1))}::date::timestamp AT TIME ZONE 'UTC'
                  AND (${ids}::uuid[] IS NULL OR watch_id = ANY(${ids}::uuid[]))
                ORDER BY watch_id, attestation_id, reviewed_at DESC, created_at DESC, id DESC`;
      },
      'r.watch_id, r.attestation_id',
      (row, m) => entityFromJson(m, VendorReviewEntity, row),
    );
  },

  /**
   * Per watched vendor, the first day (UTC) after `on` on which a review was made, if any: a stored evaluation at `on`
   * stays exact only until then (reviews are normally made today, so this is almost always empty).
   */
  async firstReviewDayAfter(m: EntityManager, scope: TenantScope, on: CalendarDate): Promise<Map<string, CalendarDate>> {
    const rows: { watch_id: string; day: string }[] = await m.query(
      `SELECT watch_id, to_char(min(reviewed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
       FROM vendor_reviews WHERE org_id = $1 AND reviewed_at >= $2::date::timestamp AT TIME ZONE 'UTC' GROUP BY watch_id`,
      [scope.orgId, addDaysClamped(on, 1)],
    );
    return new Map(rows.map((r) => [r.watch_id, r.day as CalendarDate]));
  },

  /** Every review of these watched vendors, newest first (the history a status entry lists). */
  async ofWatches(m: EntityManager, scope: TenantScope, watchIds: readonly string[]): Promise<VendorReviewEntity[]> {
    if (watchIds.length === 0) return [];
    return m.query(
      `SELECT ${COLUMNS} FROM vendor_reviews WHERE org_id = $1 AND watch_id = ANY($2)
       ORDER BY reviewed_at DESC, created_at DESC, id DESC`,
      [scope.orgId, watchIds],
    );
  },
};
