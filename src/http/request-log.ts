import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger';
import { observeRequest } from './metrics';
import { sharedPlugin } from './plugin';

/**
 * One line per GraphQL request once its response is finished: who (org slug, never the token), what (operation), how
 * long, how many SQL statements; and the latency histogram behind /metrics (metrics-server.ts).
 */
export const requestLog = sharedPlugin(async (app: FastifyInstance, options: { logger: Logger }) => {
  const { logger } = options;
  app.addHook('onResponse', (request, reply, done) => {
    const state = request.graphql;
    if (!state) return done(); // refused before the pipeline began (single-authorization.ts)
    const durationMs = Number(process.hrtime.bigint() - state.started) / 1e6;
    logger.request({ requestId: request.id, org: state.org, operation: state.operation, status: reply.statusCode, durationMs: Math.round(durationMs * 10) / 10, statements: state.stats.statements });
    observeRequest(state.operation, reply.statusCode, durationMs / 1000);
    done();
  });
});
