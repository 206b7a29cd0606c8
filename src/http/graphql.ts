import type { ApolloServer } from '@apollo/server';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { withQueryStats } from '../db/query-stats';
import { buildContext, type RequestContext } from '../graphql/context';
import { isDatabaseUnavailable } from '../graphql/format-error';
import type { Logger } from '../logger';
import type { Principal } from '../modules/auth/principal';
import type { Storage } from '../modules/storage/storage';
import { keepAnswer } from './idempotency.plugin';
import type { RequestLimits } from './rate-limit.plugin';
import { sendGraphqlError } from './reply';

/** Request errors the GraphQL-over-HTTP spec wants answered 200 under `application/json` (400 stays for our limits). */
const SPEC_REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * GraphQL-over-HTTP, "application/json" (the legacy media type a client gets when it does not ask for
 * application/graphql-response+json): a document that fails to parse or validate, or variables that fail coercion,
 * SHOULD still be answered 200, since a legacy client reads errors from the body. Apollo answers 400 whatever the
 * media type; this only relaxes those three cases, never the limits, rate limits or authentication.
 */
export function legacyJsonRequestError(contentType: string | undefined, text: string): boolean {
  if (!contentType?.startsWith('application/json')) return false;
  try {
    const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    return body.data === undefined && Array.isArray(body.errors) && body.errors.length > 0 &&
      body.errors.every((e) => typeof e.extensions?.code === 'string' && SPEC_REQUEST_ERRORS.has(e.extensions.code));
  } catch {
    return false;
  }
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** The operation name for the log line and metrics, from the body or the query string; null unless a plain name. */
export function operationNameOf(body: unknown, query: unknown): string | null {
  const fromBody = body && typeof body === 'object' && 'operationName' in body ? (body as { operationName?: unknown }).operationName : null;
  const fromQuery = (query as Record<string, unknown> | undefined)?.operationName;
  const name = typeof fromBody === 'string' ? fromBody : Array.isArray(fromQuery) ? fromQuery[0] : fromQuery;
  return typeof name === 'string' && OPERATION_NAME.test(name) ? name : null;
}

/** PostgreSQL unreachable while building the context: HTTP 503 with a code, not a masked 500. */
function unavailable(): GraphQLError {
  return new GraphQLError('The service is temporarily unavailable; retry shortly', { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
}

export interface GraphqlRouteOptions {
  apollo: ApolloServer<RequestContext>;
  config: AppConfig;
  db: Database;
  storage: Storage;
  logger: Logger;
  now: () => Date;
  limits: RequestLimits;
}

/**
 * The last stage: GET and POST /graphql through Apollo's Fastify integration. The context authenticates the caller
 * (once, see request-state.ts) and counts its rate limits. Past GRAPHQL_MAX_EXECUTION_MS the client is answered 503
 * TIMEOUT; the work itself runs on (each SQL statement is bounded by DB_STATEMENT_TIMEOUT_MS), and under an
 * Idempotency-Key its eventual result is still kept, so a retry with the same key gets it instead of running twice.
 * Then the status rule for legacy `application/json` clients (legacyJsonRequestError).
 */
export async function graphqlRoute(app: FastifyInstance, options: GraphqlRouteOptions): Promise<void> {
  const { apollo, config, db, storage, logger, now, limits } = options;
  const context = async (request: FastifyRequest, reply: FastifyReply): Promise<RequestContext> => {
    const state = request.graphql;
    let principal: Principal;
    try {
      principal = await state.principal();
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw unavailable();
      await limits.afterAuthentication(request, reply, null); // bad credentials still count against the address
      throw error;
    }
    await limits.afterAuthentication(request, reply, principal);
    state.org = principal.active?.slug ?? null;
    state.operation = operationNameOf(request.body, request.query);
    const userAgent = request.headers['user-agent'];
    return buildContext({
      requestId: request.id, principal, db, storage, logger, config, now,
      client: { ip: state.ip, userAgent: userAgent ? userAgent.slice(0, 512) : null },
    });
  };
  const handler = fastifyApolloHandler<RequestContext>(apollo, { context });
  // The integration answers with the body's text (having set the status and headers on the reply), or sends a stream.
  const execute = (request: FastifyRequest, reply: FastifyReply): Promise<string | FastifyReply> =>
    handler.call(app, request as never, reply as never) as Promise<string | FastifyReply>;
  const maxMs = config.limits.maxExecutionMs;

  app.route({
    method: ['GET', 'POST'],
    url: '/graphql',
    handler: async (request, reply) => {
      const state = request.graphql;
      const timer = maxMs > 0 ? setTimeout(() => {
        state.timedOut = true;
        if (reply.sent) return;
        sendGraphqlError(reply, 503, 'TIMEOUT', `No answer within ${maxMs} ms; a mutation may still complete: retry with the same Idempotency-Key to get its result`, { 'cache-control': 'no-store', 'retry-after': '1' });
      }, maxMs) : null;
      let body: string | FastifyReply;
      // One read transaction for the request: authentication reads in it, and a query operation's resolvers (a
      // mutation ends it once Apollo knows the operation: readSessionPlugin in apollo.ts).
      state.stats.readSession = db.readSession();
      try {
        body = await withQueryStats(state.stats, () => execute(request, reply));
      } catch (error) {
        if (state.idempotent) await keepAnswer(db, state.idempotent, 500, null).catch(() => undefined);
        throw error;
      } finally {
        if (timer) clearTimeout(timer);
        // Normally ended when execution ended (readSessionPlugin); this covers a request that never got that far.
        await state.stats.readSession?.close();
      }
      if (typeof body !== 'string') {
        // A streamed answer (incremental delivery) was sent by the integration itself: nothing to keep.
        if (state.idempotent) await keepAnswer(db, state.idempotent, reply.statusCode, null).catch(() => undefined);
        return body;
      }
      if (state.timedOut) {
        // The client has had its 503; the integration has set the late answer's status on the reply.
        if (state.idempotent) await keepAnswer(db, state.idempotent, reply.statusCode, body).catch(() => undefined);
        return;
      }
      const contentType = reply.getHeader('content-type');
      if (reply.statusCode === 400 && legacyJsonRequestError(typeof contentType === 'string' ? contentType : undefined, body)) reply.code(200);
      if (config.env !== 'production') reply.header('x-sql-statements', String(state.stats.statements)).header('x-sql-transactions', String(state.stats.transactions ?? 0));
      state.answered = true;
      return body;
    },
  });
}
