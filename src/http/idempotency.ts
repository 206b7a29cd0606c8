import { createHash } from 'node:crypto';
import type { Database } from '../db/database';
import { DbScope } from '../db/db-scope';

/**
 * `Idempotency-Key` on a POST: the first complete response is kept for 24 hours; a retry with the same key, by the
 * same principal, with the same request, gets that response back (header `Idempotent-Replayed: true`) instead of
 * running again, so a client that lost the answer to `createAttestation` does not create a second one.
 *
 * - Another request under a used key is refused (422 IDEMPOTENCY_KEY_REUSED): a key names one request.
 * - While the first is still running, a retry is told to wait (409 IDEMPOTENCY_KEY_IN_PROGRESS, Retry-After).
 * - A response that wrote nothing for certain (HTTP 4xx/5xx with no data: bad token, invalid document, database
 *   down) releases the key, so the retry runs for real.
 * - A key left IN_PROGRESS by a process that died is taken over after STALE_SECONDS. Residual risk, stated: a process
 *   that died after the mutation committed but before the response was kept would run it again on takeover.
 */
export const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const RETENTION_HOURS = 24;
export const STALE_SECONDS = 60;

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'in_progress' }
  | { kind: 'reused' };

export function requestHash(body: unknown): string {
  const b = (body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };
  return createHash('sha256').update(JSON.stringify([b.query ?? null, b.variables ?? null, b.operationName ?? null, b.extensions ?? null])).digest('hex');
}

export async function claimKey(db: Database, orgId: string, key: string, principal: string, hash: string): Promise<Claim> {
  return db.transaction(DbScope.system(orgId), async (m) => {
    // Housekeeping as the org uses keys: expired ones go, a few at a time.
    await m.query(
      `DELETE FROM idempotency_keys WHERE org_id = $1 AND (key, created_at) IN (
         SELECT key, created_at FROM idempotency_keys WHERE org_id = $1 AND created_at < now() - make_interval(hours => $2) LIMIT 100)`,
      [orgId, RETENTION_HOURS],
    );
    const inserted: unknown[] = await m.query(
      `INSERT INTO idempotency_keys (org_id, key, principal, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (org_id, key) DO NOTHING RETURNING key`,
      [orgId, key, principal, hash],
    );
    if (inserted.length > 0) return { kind: 'claimed' };
    const rows: { principal: string; request_hash: string; state: string; response_status: number | null; response_body: string | null; stale: boolean }[] = await m.query(
      `SELECT principal, request_hash, state, response_status, response_body, created_at < now() - make_interval(secs => $3) AS stale
         FROM idempotency_keys WHERE org_id = $1 AND key = $2 FOR UPDATE`,
      [orgId, key, STALE_SECONDS],
    );
    const row = rows[0];
    if (!row) return { kind: 'in_progress' }; // released between our INSERT and SELECT: the client retries
    if (row.principal !== principal || row.request_hash !== hash) return { kind: 'reused' };
    if (row.state === 'DONE') return { kind: 'replay', status: row.response_status ?? 200, body: row.response_body ?? '' };
    if (row.stale) {
      await m.query(`UPDATE idempotency_keys SET created_at = now() WHERE org_id = $1 AND key = $2`, [orgId, key]);
      return { kind: 'claimed' };
    }
    return { kind: 'in_progress' };
  });
}

export async function completeKey(db: Database, orgId: string, key: string, status: number, body: string): Promise<void> {
  await db.transaction(DbScope.system(orgId), (m) =>
    m.query(`UPDATE idempotency_keys SET state = 'DONE', response_status = $3, response_body = $4, completed_at = now() WHERE org_id = $1 AND key = $2`, [orgId, key, status, body]),
  );
}

export async function releaseKey(db: Database, orgId: string, key: string): Promise<void> {
  await db.transaction(DbScope.system(orgId), (m) => m.query(`DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND state = 'IN_PROGRESS'`, [orgId, key]));
}

/** Codes that mean the request was refused or failed before or instead of writing, and may succeed when retried. */
const RETRYABLE = new Set([
  'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED', 'UNAUTHENTICATED', 'FORBIDDEN', 'ORG_REQUIRED', 'BAD_REQUEST',
  'BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_REGISTERED',
  'DEPTH_LIMIT_EXCEEDED', 'ALIAS_LIMIT_EXCEEDED', 'DIRECTIVE_LIMIT_EXCEEDED', 'TOKEN_LIMIT_EXCEEDED', 'COST_LIMIT_EXCEEDED',
]);

/**
 * The response is one to forget, so that a retry runs for real: no data, and every error is a refusal or a failure
 * (above). Anything else, including typed payload errors and NOT_FOUND, is the request's answer and is kept.
 * (A request with several mutation fields whose later field fails has data null too; send one mutation per key.)
 */
export function wroteNothing(status: number, body: string): boolean {
  let parsed: { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return true;
  }
  if (parsed.data !== undefined && parsed.data !== null) return false;
  if (status >= 500) return true;
  return (parsed.errors ?? []).every((e) => RETRYABLE.has(String(e.extensions?.code ?? 'BAD_REQUEST')));
}
