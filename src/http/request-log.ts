import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import { observeRequest } from './metrics';
import { sharedPlugin } from './plugin';

/** Writes the line and observes the latency of one finished GraphQL request (a cache hit included). */
export function logRequest(logger: Logger, requestId: string, started: bigint, status: number, what: { org: string | null; operation: string | null; statements: number }): void {
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  logger.request({ requestId, org: what.org, operation: what.operation, status, durationMs: Math.round(durationMs * 10) / 10, statements: what.statements });
  observeRequest(what.operation, status, durationMs / 1000);
}

/**
 * One line per GraphQL request once its response is finished: who (org slug, never the token), what (operation), how
 * long, how many SQL statements; and the latency histogram behind /metrics (metrics-server.ts). Cache hits, answered
 * before this stage, log themselves the same way (public-cache.plugin.ts).
 */
export const requestLog = sharedPlugin(async (app: FastifyInstance, options: { logger: Logger }) => {
  const { logger } = options;
  app.addHook('onResponse', (request, reply, done) => {
    const state = request.graphql;
    if (!state) return done(); // refused before the pipeline began (single-authorization.ts), or a cache hit
    logRequest(logger, request.id, state.started, reply.statusCode, { org: state.org, operation: state.operation, statements: state.stats.statements });
    done();
  });
});
