import type pg from 'pg';

/**
 * Waits until `probe` returns something truthy and returns it; fails after `timeoutMs` naming what it waited for.
 * For waiting on a positive event only (a delivery arrived, a row reached a state, the queue drained): never use it
 * (or a fixed sleep) to wait for something *not* to happen, wait for an event that comes after it instead.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until graphile-worker's queue (in the database `pool` reaches) holds no job matching `where` (SQL over the
 * job row `j`, e.g. `j.payload->>'vendorOrgId' = $1`): no job waiting, none running. A job is deleted only after its
 * task finished, and a task's follow-up jobs are committed before that, so once this returns no work that matched
 * is left to produce anything (a webhook, a notification) later.
 */
export async function queueDrained(pool: pg.Pool, where = 'true', params: unknown[] = [], options: { timeoutMs?: number } = {}): Promise<void> {
  let left: { identifier: string; attempts: number; last_error: string | null }[] = [];
  try {
    await waitFor('the job queue to drain', async () => {
      ({ rows: left } = await pool.query(
        `SELECT t.identifier, j.attempts, j.last_error FROM graphile_worker._private_jobs j
           JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE ${where}`,
        params,
      ));
      return left.length === 0;
    }, { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: 100 });
  } catch (error) {
    throw new Error(`${(error as Error).message}; still queued: ${JSON.stringify(left.slice(0, 5))}`);
  }
}
