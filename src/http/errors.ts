import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../graphql/format-error';
import type { Logger } from '../logger';
import { sharedPlugin } from './plugin';
import { sendGraphqlError, sendJson } from './reply';

export const MAX_BODY_BYTES = 1024 * 1024;

/** A refusal of the HTTP request itself (body too large, not JSON): its status, answered with code BAD_REQUEST. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * How failures outside GraphQL are answered, for every route:
 * - a /graphql request without a Host header (HTTP/1.0 allows it) is 400; an unknown path is 404 (before its body is read); any method but GET and POST on /graphql is 405;
 * - a refused HTTP request (HttpError, or Fastify's own 4xx such as a body over 1 MiB) is its status + BAD_REQUEST;
 * - PostgreSQL unreachable before GraphQL runs (idempotency keys) is 503 SERVICE_UNAVAILABLE;
 * - anything else is logged and answered 500 INTERNAL_SERVER_ERROR, without detail.
 */
export const errorResponses = sharedPlugin(async (app: FastifyInstance, options: { logger: Logger }) => {
  const { logger } = options;
  app.addHook('onRequest', (request, reply, done) => {
    // HTTP/1.0 allows a request without Host; the Apollo integration builds the request URL from it, so without one it
    // would fail inside (500). A client's omission is a 400. Other routes (health checks often come as HTTP/1.0) need none.
    if (!request.headers.host && request.url.startsWith('/graphql')) return void sendGraphqlError(reply, 400, 'BAD_REQUEST', 'A Host header is required');
    if (request.is404) return void sendJson(reply, 404, { error: 'Not found: the API is at /graphql' });
    done();
  });
  app.setNotFoundHandler((_request, reply) => sendJson(reply, 404, { error: 'Not found: the API is at /graphql' }));
  app.route({
    method: app.supportedMethods.filter((m) => m !== 'GET' && m !== 'POST'),
    url: '/graphql',
    // Answered before the body is read: a large or malformed body changes nothing about the method being wrong.
    onRequest: (_request, reply) => void sendJson(reply, 405, { error: 'Use GET or POST' }, { allow: 'GET, POST' }),
    handler: async () => undefined,
  });
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof HttpError) return sendGraphqlError(reply, error.status, 'BAD_REQUEST', error.message);
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendGraphqlError(reply, 413, 'BAD_REQUEST', `Request body over ${MAX_BODY_BYTES} bytes`);
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return sendGraphqlError(reply, error.statusCode, 'BAD_REQUEST', error.message);
    }
    if (isDatabaseUnavailable(error)) {
      logger.warn('dependency unavailable', { error: error.message.slice(0, 200) });
      return sendGraphqlError(reply, 503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly', { 'retry-after': '1', 'cache-control': 'no-store' });
    }
    logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
    return sendGraphqlError(reply, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  });
});
