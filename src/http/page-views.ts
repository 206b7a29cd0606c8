import type { Database } from '../db/database';
import { DbScope } from '../db/db-scope';
import type { CalendarDate } from '../domain/calendar-date';
import type { Logger } from '../logger';

export type PageViewKind = 'PAGE_VIEW' | 'BADGE_LOAD';

/**
 * Counts hosted-page views and badge loads per vendor, day and kind in memory, and adds them to PostgreSQL every
 * `flushMs` (and on close) with one upsert per vendor: a page view, cached or not, costs no SQL on its request.
 * Counts are additive, so any number of processes may run; a process that dies loses at most one interval's counts,
 * and a failed flush keeps its counts for the next one.
 */
export class PageViewCounter {
  private pending = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: Database, private readonly logger: Logger, flushMs = 5_000) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  count(orgId: string, day: CalendarDate, kind: PageViewKind): void {
    const key = `${orgId}|${day}|${kind}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  /** Writes what has been counted so far (one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const byOrg = new Map<string, { day: string; kind: string; n: number }[]>();
    for (const [key, n] of batch) {
      const [orgId, day, kind] = key.split('|') as [string, string, string];
      byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), { day, kind, n }]);
    }
    for (const [orgId, rows] of byOrg) {
      try {
        await this.db.transaction(DbScope.system(orgId), (m) => m.query(
          `INSERT INTO page_view_counts (org_id, day, kind, count)
           SELECT $1, r.day::date, r.kind, r.n FROM jsonb_to_recordset($2::jsonb) AS r(day text, kind text, n bigint)
           ON CONFLICT (org_id, day, kind) DO UPDATE SET count = page_view_counts.count + EXCLUDED.count`,
          [orgId, JSON.stringify(rows)],
        ));
      } catch (error) {
        // Keep the counts for the next flush (an organization deleted meanwhile fails every time: drop those).
        const missing = (error as { code?: string }).code === '23503';
        if (!missing) for (const r of rows) this.pending.set(`${orgId}|${r.day}|${r.kind}`, (this.pending.get(`${orgId}|${r.day}|${r.kind}`) ?? 0) + r.n);
        this.logger.warn('page view counts not written', { orgId, error: (error as Error).message, kept: !missing });
      }
    }
  }
}
