import type { Database } from '../../db/database';
import { addDays, type CalendarDate } from '../../domain/calendar-date';
import type { TenantScope } from '../auth/tenant-scope';

export interface Analytics {
  totalDownloads: number;
  byDocument: { documentId: string; title: string | null; downloads: number }[];
  byCustomer: { organizationId: string | null; organizationName: string | null; downloads: number }[];
  byDay: { date: CalendarDate; downloads: number }[];
  pendingRequests: number;
  decidedRequests: number;
  medianHoursToDecision: number | null;
  meanHoursToDecision: number | null;
}

/** Vendor analytics from the download and request tables: a fixed handful of aggregate queries per call. */
export class AnalyticsService {
  constructor(private readonly db: Database) {}

  async compute(scope: TenantScope, from: CalendarDate, to: CalendarDate): Promise<Analytics> {
    const start = `${from}T00:00:00Z`;
    const end = `${addDays(to, 1)}T00:00:00Z`;
    return this.db.transaction(scope.identity(), async (m) => {
      const args = [scope.orgId, start, end];
      const byDocument: { document_id: string; title: string | null; n: string }[] = await m.query(
        `SELECT e.document_id, d.title, count(*) AS n FROM download_events e
           LEFT JOIN documents d ON d.org_id = e.org_id AND d.id = e.document_id
         WHERE e.org_id = $1 AND e.occurred_at >= $2 AND e.occurred_at < $3
         GROUP BY e.document_id, d.title ORDER BY n DESC, d.title`, args);
      const byCustomer: { customer_org_id: string | null; customer_org_name: string | null; n: string }[] = await m.query(
        `SELECT customer_org_id, max(customer_org_name) AS customer_org_name, count(*) AS n FROM download_events
         WHERE org_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY customer_org_id ORDER BY n DESC`, args);
      const byDay: { day: string; n: string }[] = await m.query(
        `SELECT to_char((occurred_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(*) AS n FROM download_events
         WHERE org_id = $1 AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1 ORDER BY 1`, args);
      const requests: { pending: string; decided: string; median: number | null; mean: number | null }[] = await m.query(
        `SELECT
           count(*) FILTER (WHERE state = 'REQUESTED') AS pending,
           count(*) FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS decided,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM decided_at - created_at) / 3600)
             FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS median,
           avg(extract(epoch FROM decided_at - created_at) / 3600)
             FILTER (WHERE decided_by IS NOT NULL AND decided_at >= $2 AND decided_at < $3) AS mean
         FROM access_requests WHERE org_id = $1`, args);
      const r = requests[0]!;
      return {
        totalDownloads: byDay.reduce((sum, d) => sum + Number(d.n), 0),
        byDocument: byDocument.map((d) => ({ documentId: d.document_id, title: d.title, downloads: Number(d.n) })),
        byCustomer: byCustomer.map((c) => ({ organizationId: c.customer_org_id, organizationName: c.customer_org_name, downloads: Number(c.n) })),
        byDay: byDay.map((d) => ({ date: d.day as CalendarDate, downloads: Number(d.n) })),
        pendingRequests: Number(r.pending),
        decidedRequests: Number(r.decided),
        medianHoursToDecision: r.median === null ? null : Number(r.median),
        meanHoursToDecision: r.mean === null ? null : Number(r.mean),
      };
    });
  }
}
