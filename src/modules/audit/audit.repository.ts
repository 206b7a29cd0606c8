import type { EntityManager } from 'typeorm';
import type { ChainedEventContent } from '../../domain/audit-chain';
import { addDays, type CalendarDate } from '../../domain/calendar-date';
import type { TenantScope } from '../auth/tenant-scope';
import { AuditEventEntity } from './audit-event.entity';

/** A link as it is written: what its hash covers (the time as a Date), plus the hashes. */
export type AuditLink = Omit<ChainedEventContent, 'occurredAt'> & { occurredAt: Date; prevHash: string; hash: string };

export interface AnalyticsRows {
  byDocument: { document_id: string; title: string | null; n: string }[];
  byCustomer: { customer_org_id: string | null; customer_org_name: string | null; n: string }[];
  byDay: { day: string; n: string }[];
  pageViews: { day: string; page_views: string; badge_loads: string }[];
  requests: { pending: string; decided: string; median: number | null; mean: number | null };
}

/** The only SQL on audit_events (append-only: no update, no delete) and the analytics aggregates. */
export const auditRepository = {
  /**
   * The chain's last link, after taking the org's transaction-scoped advisory lock: two concurrent appenders never
   * read the same last link (so never take one seq).
   */
  async lockAndReadLast(m: EntityManager, scope: TenantScope): Promise<{ seq: number; hash: string } | null> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('audit:' || $1, 0))`, [scope.orgId]);
    const last: { seq: string; hash: string }[] = await m.query(`SELECT seq, hash FROM audit_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1`, [scope.orgId]);
    return last[0] ? { seq: Number(last[0].seq), hash: last[0].hash } : null;
  },

  async insert(m: EntityManager, link: AuditLink): Promise<void> {
    await m.query(
      `INSERT INTO audit_events (org_id, seq, occurred_at, action, actor_user_id, actor_email, actor_org_id, target_type, target_id, ip, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)`,
      [link.orgId, link.seq, link.occurredAt, link.action, link.actorUserId, link.actorEmail, link.actorOrgId, link.targetType,
        link.targetId, link.ip, JSON.stringify(link.details), link.prevHash, link.hash],
    );
  },

  /** Links from `fromSeq` on, oldest first (verification reads the chain in batches). */
  async from(m: EntityManager, scope: TenantScope, fromSeq: number, limit: number): Promise<AuditEventEntity[]> {
    return m.getRepository(AuditEventEntity).createQueryBuilder('e')
      .where('e.org_id = :orgId AND e.seq >= :from', { orgId: scope.orgId, from: fromSeq })
      .orderBy('e.seq', 'ASC').limit(limit).getMany();
  },

  /** A page newest first: `limit + 1` links before `beforeSeq` (the extra one tells that more follow). */
  async page(m: EntityManager, scope: TenantScope, limit: number, beforeSeq: number | null): Promise<AuditEventEntity[]> {
    const qb = m.getRepository(AuditEventEntity).createQueryBuilder('e').where('e.org_id = :orgId', { orgId: scope.orgId });
    if (beforeSeq !== null) qb.andWhere('e.seq < :beforeSeq', { beforeSeq });
    return qb.orderBy('e.seq', 'DESC').limit(limit + 1).getMany();
  },

  /** Downloads and request decisions between two days (inclusive): a fixed handful of aggregate queries. */
  async analytics(m: EntityManager, scope: TenantScope, from: CalendarDate, to: CalendarDate): Promise<AnalyticsRows> {
    const args = [scope.orgId, `${from}T00:00:00Z`, `${addDays(to, 1)}T00:00:00Z`];
    const byDocument: AnalyticsRows['byDocument'] = await m.query(
      `SELECT e.document_id, d.title, count(*) AS n FROM download_events e
         LEFT JOIN documents d ON d.org_id = e.org_id AND d.id = e.document_id
       WHERE e.org_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3
       GROUP BY e.document_id, d.title ORDER BY n DESC, d.title`, args);
    const byCustomer: AnalyticsRows['byCustomer'] = await m.query(
      `SELECT customer_org_id, max(customer_org_name) AS customer_org_name, count(*) AS n FROM download_events
       WHERE org_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY customer_org_id ORDER BY n DESC`, args);
    const byDay: AnalyticsRows['byDay'] = await m.query(
      `SELECT to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*) AS n FROM download_events
       WHERE org_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1 ORDER BY 1`, args);
    const requests: AnalyticsRows['requests'][] = await m.query(
      `SELECT
         count(*) FILTER (WHERE state = 'REQUESTED') AS pending,
         count(*) FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS decided,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at) / 3600)
           FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS median,
         avg(extract(epoch FROM decided_at - created_at) / 3600)
           FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS mean
       FROM access_requests WHERE org_id = $1`, args);
    const pageViews: AnalyticsRows['pageViews'] = await m.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(count) FILTER (WHERE kind = 'PAGE_VIEW') AS page_views,
              sum(count) FILTER (WHERE kind = 'BADGE_LOAD') AS badge_loads
       FROM page_view_counts WHERE org_id = $1 AND day >= $2::date AND day <= $3::date GROUP BY day ORDER BY day`, [scope.orgId, from, to]);
    return { byDocument, byCustomer, byDay, pageViews, requests: requests[0]! };
  },
};
