import type { Database } from '../db/database';

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted with one upsert per key, so any number of API processes share the limits.
 * Old windows are cleared opportunistically (about one request in a thousand).
 */
export async function consume(db: Database, keys: { key: string; limit: number }[], now = new Date()): Promise<RateLimitDecision | null> {
  const active = keys.filter((k) => k.limit > 0);
  if (active.length === 0) return null;
  const windowStart = new Date(Math.floor(now.getTime() / WINDOW_MS) * WINDOW_MS);
  const rows: { key: string; count: number }[] = await db.dataSource.query(
    `INSERT INTO rate_limit_windows (key, window_start, count) SELECT k, $2, 1 FROM unnest($1::text[]) AS k
     ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_windows.count + 1 RETURNING key, count`,
    [active.map((k) => k.key), windowStart],
  );
  if (Math.random() < 0.001) void db.dataSource.query(`DELETE FROM rate_limit_windows WHERE window_start < $1`, [new Date(windowStart.getTime() - WINDOW_MS)]).catch(() => undefined);
  const resetSeconds = Math.ceil((windowStart.getTime() + WINDOW_MS - now.getTime()) / 1000);
  // The tightest limit decides (and is the one reported).
  let decision: RateLimitDecision | null = null;
  for (const k of active) {
    const count = rows.find((r) => r.key === k.key)?.count ?? 1;
    const d = { allowed: count <= k.limit, limit: k.limit, remaining: Math.max(0, k.limit - count), resetSeconds };
    if (!decision || d.remaining < decision.remaining || !d.allowed) decision = d;
  }
  return decision;
}
