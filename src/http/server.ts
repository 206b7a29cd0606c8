import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import type { RequestContext } from '../graphql/context';
import type { Logger } from '../logger';
import { unsubscribeRoutes } from '../modules/mail/unsubscribe.route';
import type { Storage } from '../modules/storage/storage';
import { startApollo } from './apollo';
import { trustPageRoutes } from './trust-page.plugin';
import { guestAccessRoutes } from './guest-access.plugin';
import { graphqlBody } from './body';
import { errorResponses, MAX_BODY_BYTES } from './errors';
import { graphqlRoute } from './graphql';
import { healthRoutes } from './health';
import { idempotencyKeys } from './idempotency.plugin';
import { ide } from './ide';
import { loadManifest } from './operations';
import { registeredOperations } from './operations.plugin';
import { PublicChangeListener, PublicResponseCache } from './public-cache';
import { publicCacheHits, publicCacheStore } from './public-cache.plugin';
import { RateLimiter } from './rate-limit';
import { RequestLimits } from './rate-limit.plugin';
import { requestId, requestIdOf } from './request-id';
import { requestLog } from './request-log';
import { requestState } from './request-state';
import { singleAuthorization } from './single-authorization';

export { clientIp, compileTrust } from './client-ip';

export interface AppServer {
  httpServer: http.Server;
  /** The Fastify instance behind httpServer (its routes and hooks: see createAppServer). */
  app: FastifyInstance;
  apollo: ApolloServer<RequestContext>;
  /** Anonymous GET responses, dropped on PostgreSQL NOTIFY (see public-cache.ts). */
  publicCache: PublicResponseCache;
  /** Where rate limits are counted: Redis (REDIS_URL) or this process's memory. */
  rateLimiter: RateLimiter;
  /**
   * Stops accepting connections, lets in-flight requests finish for up to `drainMs` (SHUTDOWN_DRAIN_MS), closes
   * whatever is still open then (a client that stopped reading a large response would otherwise hold it forever),
   * and stops Apollo.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

export interface ServerDeps {
  config: AppConfig;
  db: Database;
  storage: Storage;
  logger: Logger;
  /** The server's clock (default: the system clock): business dates, the public cache's day and rate-limit windows. */
  now?: () => Date;
}

/**
 * The HTTP server: Fastify, with every concern a small plugin or hook in its own file, registered in this order.
 *
 * Every route:
 *   0. public-cache.plugin    cache hits of anonymous GETs of /graphql, answered before Fastify: the fastest path (serverFactory)
 *   1. request-id.ts          X-Request-Id on every response (the client's when it is a plain token, else a UUID)
 *   2. errors.ts              404 for unknown paths (before the body is read), 405 on /graphql, the error handler
 *   3. health.ts              /healthz, /readyz
 *   4. ide.ts                 GraphiQL page and assets (not in production)
 *   5. (other routes)         one `app.register(plugin, options)` line each, here: see ROUTES below
 * /graphql, GET and POST, in its own context (these hooks apply to it only), in order:
 *   6. single-authorization   400 when Authorization repeats                                     (onRequest)
 *   7. request-state          the request's state: client address (TRUST_PROXY), lazy principal  (onRequest)
 *   8. request-log            one log line and the latency metric per request                    (onResponse)
 *   9. public-cache.plugin    anonymous GETs the cache missed: clean answers stored                 (onRequest, onSend)
 *  10. rate-limit.plugin      per-address limit of anonymous requests (credentials: in the context) (onRequest)
 *  11. body                   1 MiB, JSON (400 if malformed) or text                             (content-type parser)
 *  12. operations.plugin      GRAPHQL_OPERATIONS=registered: manifest operations only            (preHandler)
 *  13. idempotency.plugin     Idempotency-Key: claim, replay, 409/422; keep the answer           (preHandler, onSend)
 *  14. graphql                Apollo (@as-integrations/fastify): context + principal limits, deadline, status rules
 */
export async function createAppServer(deps: ServerDeps): Promise<AppServer> {
  const { config, db, logger, storage } = deps;
  const now = deps.now ?? (() => new Date());
  const manifest = config.operations.mode === 'registered' && config.operations.manifestPath ? loadManifest(config.operations.manifestPath) : null;
  const apollo = await startApollo(config, db, logger, manifest);
  const cache = new PublicResponseCache({ maxEntries: config.publicCache.maxEntries, maxBytes: config.publicCache.maxBytes, ttlSeconds: config.publicCache.ttlSeconds });
  const listenerUrl = (db.dataSource.options as { url?: string }).url;
  const listener = config.publicCache.maxEntries > 0 && listenerUrl ? new PublicChangeListener(listenerUrl, cache, logger) : null;
  await listener?.start();
  const rateLimiter = await RateLimiter.create({ redisUrl: config.redisUrl, keyPrefix: config.rateLimits.keyPrefix, logger });
  const limits = new RequestLimits(rateLimiter, config.rateLimits, now);

  const app = Fastify({
    logger: false,
    genReqId: requestIdOf,
    bodyLimit: MAX_BODY_BYTES,
    keepAliveTimeout: 65_000,
    // Node's own default (Fastify's is none): a request whose headers or body never finish is cut after 5 minutes.
    requestTimeout: 300_000,
    exposeHeadRoutes: false,
    // close() below drains connections itself (in-flight requests finish, then Connection: close).
    forceCloseConnections: false,
    return503OnClosing: false,
    serverFactory: publicCacheHits({ cache, config, now, logger }),
  });
  await app.register(requestId);
  await app.register(errorResponses, { logger });
  await app.register(healthRoutes, { db, storage });
  if (config.env !== 'production') await app.register(ide);
  // ROUTES: another route (e.g. /mail/unsubscribe) is one line here, `await app.register(routes, options)`: it gets
  // the request id, the 404/error handling and Fastify's body parsers, and none of the GraphQL stages below.
  await app.register(unsubscribeRoutes, { db, tokenSecret: config.mail.alerts.tokenSecret, logger });
  await app.register(trustPageRoutes, { apollo, cache, config, db, storage, logger, now, limiter: rateLimiter });
  await app.register(guestAccessRoutes, { apollo, config, db, storage, logger, now, limiter: rateLimiter });
  await app.register(async (api) => {
    await api.register(singleAuthorization);
    await api.register(requestState, { db, config });
    await api.register(requestLog, { logger });
    await api.register(publicCacheStore, { cache, config });
    await api.register(limits.plugin);
    await api.register(graphqlBody);
    if (manifest) await api.register(registeredOperations, { manifest });
    await api.register(idempotencyKeys, { db, logger });
    await api.register(graphqlRoute, { apollo, config, db, storage, logger, now, limits });
  });
  await app.ready();
  const httpServer = app.server;

  let closing = false;
  // Responses not yet finished, so that close() can tell them to say Connection: close.
  const inFlight = new Set<http.ServerResponse>();
  httpServer.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (closing) res.shouldKeepAlive = false;
    else {
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
    }
  });

  return {
    httpServer,
    app,
    apollo,
    publicCache: cache,
    rateLimiter,
    async close({ drainMs = config.shutdownDrainMs } = {}) {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.shouldKeepAlive = false;
      await listener?.stop();
      await new Promise<void>((resolve) => {
        // Idle keep-alive sockets would hold close() open (a load balancer keeps them for minutes): close them now and
        // as each in-flight request finishes; responses sent while closing say Connection: close.
        const sweep = setInterval(() => httpServer.closeIdleConnections(), 100);
        // A request still running, or a response its client stopped reading, after the drain window is cut off.
        const deadline = setTimeout(() => {
          httpServer.getConnections((_error, open) => logger.warn('shutdown: drain window over, closing connections still open', { drainMs, open }));
          httpServer.closeAllConnections();
        }, drainMs);
        httpServer.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        httpServer.closeIdleConnections();
      });
      // The server is closed (Fastify did not listen itself, so it only runs its onClose hooks), then Apollo and Redis.
      await app.close();
      await apollo.stop();
      await rateLimiter.close();
    },
  };
}
