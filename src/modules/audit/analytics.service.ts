import type { Database } from '../../db/database';
import type { CalendarDate } from '../../domain/calendar-date';
import type { TenantScope } from '../auth/tenant-scope';
import { auditRepository } from './audit.repository';

export interface Analytics {
  totalDownloads: number;
  byDocument: { documentId: string; title: string | null; downloads: number }[];
  byCustomer: { organizationId: string | null; organizationName: string | null; downloads: number }[];
  byDay: { date: CalendarDate; downloads: number }[];
  totalPageViews: number;
  totalBadgeLoads: number;
  pageViewsByDay: { date: CalendarDate; pageViews: number; badgeLoads: number }[];
  pendingRequests: number;
  decidedRequests: number;
  medianHoursToDecision: number | null;
  meanHoursToDecision: number | null;
}

/** Vendor analytics from the download and request tables: a fixed handful of aggregate queries per call. */
export class AnalyticsService {
  constructor(private readonly db: Database) {}

  async compute(scope: TenantScope, from: CalendarDate, to: CalendarDate): Promise<Analytics> {
    const { byDocument, byCustomer, byDay, pageViews, requests: r } = await this.db.transaction(scope.identity(), (m) => auditRepository.analytics(m, scope, from, to));
    return {
      totalDownloads: byDay.reduce((sum, d) => sum + Number(d.n), 0),
      byDocument: byDocument.map((d) => ({ documentId: d.document_id, title: d.title, downloads: Number(d.n) })),
      byCustomer: byCustomer.map((c) => ({ organizationId: c.customer_org_id, organizationName: c.customer_org_name, downloads: Number(c.n) })),
      byDay: byDay.map((d) => ({ date: d.day as CalendarDate, downloads: Number(d.n) })),
      totalPageViews: pageViews.reduce((sum, d) => sum + Number(d.page_views ?? 0), 0),
      totalBadgeLoads: pageViews.reduce((sum, d) => sum + Number(d.badge_loads ?? 0), 0),
      pageViewsByDay: pageViews.map((d) => ({ date: d.day as CalendarDate, pageViews: Number(d.page_views ?? 0), badgeLoads: Number(d.badge_loads ?? 0) })),
      pendingRequests: Number(r.pending),
      decidedRequests: Number(r.decided),
      medianHoursToDecision: r.median === null ? null : Number(r.median),
      meanHoursToDecision: r.mean === null ? null : Number(r.mean),
    };
  }
}
