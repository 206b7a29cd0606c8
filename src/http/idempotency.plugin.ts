import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database';
import { withQueryStats } from '../db/query-stats';
import type { Logger } from '../logger';
import { claimKey, completeKey, KEY_PATTERN, releaseKey, requestHash, wroteNothing } from './idempotency';
import { sharedPlugin } from './plugin';
import type { GraphqlRequestState } from './request-state';
import { sendGraphqlError } from './reply';

/** Keeps GraphQL's answer under the request's key, or releases the key when the answer wrote nothing (idempotency.ts). */
export async function keepAnswer(db: Database, idempotent: NonNullable<GraphqlRequestState['idempotent']>, status: number, text: string | null): Promise<void> {
  const { orgId, key } = idempotent;
  await (text === null || wroteNothing(status, text) ? releaseKey(db, orgId, key) : completeKey(db, orgId, key, status, text));
}

/**
 * The Idempotency-Key stage (rules in idempotency.ts). Before execution (`preHandler`, once the body is read): a key
 * on anything but a POST, or a malformed one, is 400; a key already answered replays its response
 * (`Idempotent-Replayed: true`); one still running is 409 with Retry-After; one used for another request is 422. A
 * caller that is not authenticated into an organization holds no key (the normal path answers it). After execution
 * (`onSend`): the answer is kept under the key, or the key released when the answer wrote nothing.
 */
export const idempotencyKeys = sharedPlugin(async (app: FastifyInstance, options: { db: Database; logger: Logger }) => {
  const { db, logger } = options;
  app.addHook('preHandler', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    const state = request.graphql;
    const refuse = (status: number, code: string, message: string, extra: Record<string, string> = {}) =>
      sendGraphqlError(reply, status, code, message, { 'cache-control': 'no-store', ...extra });
    if (request.method !== 'POST') return refuse(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key applies to POST requests only');
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      return refuse(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice)');
    }
    const principal = await withQueryStats(state.stats, () => state.principal()).catch(() => null); // an invalid token is answered by the normal path
    const orgId = principal?.active?.orgId;
    if (!principal || !orgId) return;
    const who = principal.apiKey ? `key:${principal.apiKey.id}` : `user:${principal.user?.id ?? 'none'}`;
    const claim = await withQueryStats(state.stats, () => claimKey(db, orgId, key, who, requestHash(request.body)));
    if (claim.kind === 'replay') {
      return reply.code(claim.status).headers({ 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true', 'cache-control': 'no-store' }).send(claim.body);
    }
    if (claim.kind === 'in_progress') {
      return refuse(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry shortly for its result', { 'retry-after': '1' });
    }
    if (claim.kind === 'reused') {
      return refuse(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request (or by someone else) in the last 24 hours: use a new key per request');
    }
    state.idempotent = { orgId, key };
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const state = request.graphql;
    if (!state?.answered || !state.idempotent) return done(null, payload);
    // The answer goes out even if keeping it fails: the client has its result (the key then goes stale, see idempotency.ts).
    keepAnswer(db, state.idempotent, reply.statusCode, typeof payload === 'string' ? payload : null)
      .catch((error: unknown) => logger.warn('idempotency key not recorded', { requestId: request.id, error: error instanceof Error ? error.message : String(error) }))
      .finally(() => done(null, payload));
  });
});
