import type { EntityManager } from 'typeorm';

/**
 * The job queue is graphile-worker's, in PostgreSQL: a job is added by a SQL call inside the caller's transaction, so
 * it exists exactly when the change that caused it commits (nothing lost on a crash, nothing sent for a rolled-back
 * change). Workers take jobs with SKIP LOCKED: two processes never run the same job at once.
 */
export type TaskName = 'fanout_vendor_event' | 'deliver_webhook' | 'freshness_sweep' | 'deliver_mail' | 'mail_grant_reminders'
  | 'notify_access_event' | 'notify_own_event' | 'mail_digests' | 'send_mail_digest';

export async function enqueue(
  m: EntityManager,
  task: TaskName,
  payload: Record<string, unknown>,
  options: { jobKey?: string; maxAttempts?: number; runAt?: Date } = {},
): Promise<void> {
  await enqueueWhere(m, task, payload, options, null);
}

/**
 * Queues the job only if `condition` holds, decided in the same statement (no round trip of its own). Its placeholders
 * start at $6; it is evaluated under the transaction's identity. True when the job was queued.
 */
export async function enqueueWhere(
  m: EntityManager,
  task: TaskName,
  payload: Record<string, unknown>,
  options: { jobKey?: string; maxAttempts?: number; runAt?: Date },
  condition: { sql: string; params: unknown[] } | null,
): Promise<boolean> {
  const rows: unknown[] = await m.query(
    `SELECT graphile_worker.add_job($1, $2::json, job_key := $3, max_attempts := $4, run_at := $5)${condition ? ` WHERE ${condition.sql}` : ''}`,
    [task, JSON.stringify(payload), options.jobKey ?? null, options.maxAttempts ?? 10, options.runAt ?? null, ...(condition?.params ?? [])],
  );
  return rows.length > 0;
}
