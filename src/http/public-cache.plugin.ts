import http from 'node:http';
import type { FastifyInstance, FastifyServerFactory } from 'fastify';
import type { AppConfig } from '../config/config';
import type { Logger } from '../logger';
import { todayUtc } from '../domain/calendar-date';
import { preflighted } from './csrf';
import { observeCache } from './metrics';
import { sharedPlugin } from './plugin';
import { etagOf, type CachedResponse, type PublicResponseCache } from './public-cache';
import { requestIdOf } from './request-id';
import { logRequest } from './request-log';

/** A GET with no credentials: what it returns is what any visitor sees, so it may be shared and cached. */
export function isAnonymousRead(request: { method?: string; headers: http.IncomingHttpHeaders }): boolean {
  return request.method === 'GET' && request.headers.authorization === undefined && request.headers['x-org'] === undefined && preflighted(request.headers);
}

export function etagMatches(ifNoneMatch: string | string[] | undefined, etag: string): boolean {
  if (typeof ifNoneMatch !== 'string') return false;
  return ifNoneMatch.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
}

function hasErrors(text: string): boolean {
  try {
    return (JSON.parse(text) as { errors?: unknown }).errors !== undefined;
  } catch {
    return true;
  }
}

/** Where the hit stage leaves the cache key of an anonymous read it could not answer, for the store stage. */
const CACHE_KEY = Symbol('publicCacheKey');
type KeyedRequest = http.IncomingMessage & { [CACHE_KEY]?: string };

interface PublicCacheOptions {
  cache: PublicResponseCache;
  config: AppConfig;
  now: () => Date;
  logger: Logger;
}

/** The headers of a shareable answer: HTTP caches may keep it `PUBLIC_CACHE_HTTP_MAX_AGE` seconds. */
function publicHeaders(config: AppConfig, etag: string): Record<string, string> {
  return { 'cache-control': `public, max-age=${config.publicCache.httpMaxAgeSeconds}`, etag, vary: 'Accept, Authorization, X-Org' };
}

/**
 * The public cache, first of two stages (public-cache.ts has the rules): hits, answered before Fastify sees the request.
 * This is Fastify's `serverFactory`: the node:http server it makes hands each request to `answerHit` first, so that a
 * hit costs no routing, no request object, no hook, no SQL and no GraphQL. An anonymous GET of /graphql whose answer
 * is in the cache is written straight to the socket, with its request id, ETag (304 when If-None-Match matches) and
 * its own log line. Served like a CDN would, it is not counted against rate limits. Anything else goes on to Fastify;
 * an anonymous read the cache missed carries its cache key to the store stage below.
 */
export function publicCacheHits(options: PublicCacheOptions): FastifyServerFactory {
  const { cache, config, now, logger } = options;
  // The UTC date for cache keys, recomputed at most once a second (a hit should not format a date).
  let todayCache = { at: 0, value: '' };
  const today = (): string => {
    const t = now().getTime();
    if (Math.floor(t / 1000) !== todayCache.at) todayCache = { at: Math.floor(t / 1000), value: todayUtc(new Date(t)) };
    return todayCache.value;
  };
  const answerHit = (req: KeyedRequest, res: http.ServerResponse): boolean => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== '/graphql' || !isAnonymousRead(req)) return false;
    const started = process.hrtime.bigint();
    const key = `${today()}|${req.headers.accept ?? ''}|${q < 0 ? '' : url.slice(q)}`;
    const hit = cache.get(key);
    observeCache(hit ? 'hit' : cache.enabled ? 'miss' : 'off');
    if (!hit) {
      req[CACHE_KEY] = key;
      return false;
    }
    const id = requestIdOf(req);
    if (etagMatches(req.headers['if-none-match'], hit.etag)) {
      res.writeHead(304, { ...publicHeaders(config, hit.etag), 'x-request-id': id });
      res.end();
    } else {
      res.writeHead(200, { ...hit.headers, 'x-request-id': id });
      res.end(hit.bytes_);
    }
    logRequest(logger, id, started, res.statusCode, { org: null, operation: hit.operation ?? null, statements: 0 });
    return true;
  };
  return (handler, fastifyOptions) => {
    const server = http.createServer((req, res) => {
      if (!answerHit(req, res)) handler(req, res);
    });
    // What Fastify sets on the server it makes itself, and leaves to a serverFactory.
    const { keepAliveTimeout, requestTimeout, connectionTimeout } = fastifyOptions as { keepAliveTimeout?: number; requestTimeout?: number; connectionTimeout?: number };
    if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
    if (requestTimeout !== undefined) server.requestTimeout = requestTimeout;
    if (connectionTimeout) server.setTimeout(connectionTimeout);
    return server;
  };
}

/**
 * The public cache, second stage, in the GraphQL context: a miss is computed as usual and, when it is a clean 200, stored
 * in `onSend` with its ETag (a matching If-None-Match then gets 304). Any other GraphQL answer is marked
 * `Cache-Control: no-store`.
 */
export const publicCacheStore = sharedPlugin(async (app: FastifyInstance, options: Omit<PublicCacheOptions, 'now' | 'logger'>) => {
  const { cache, config } = options;
  app.addHook('onRequest', (request, _reply, done) => {
    const key = (request.raw as KeyedRequest)[CACHE_KEY];
    if (key === undefined) return done();
    const state = request.graphql;
    state.cacheKey = key;
    state.generationAtStart = cache.currentGeneration();
    state.stats.readTags = new Set();
    done();
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const state = request.graphql;
    if (!state?.answered) return done(null, payload);
    if (state.cacheKey && typeof payload === 'string' && reply.statusCode === 200 && !hasErrors(payload)) {
      const contentType = reply.getHeader('content-type');
      const cached: CachedResponse = { body: payload, etag: etagOf(payload), contentType: typeof contentType === 'string' ? contentType : 'application/json; charset=utf-8', operation: state.operation };
      const headers = publicHeaders(config, cached.etag);
      cache.set(state.cacheKey, cached, [...(state.stats.readTags ?? [])], state.generationAtStart, headers);
      reply.headers(headers).header('x-cache', 'miss');
      if (etagMatches(request.headers['if-none-match'], cached.etag)) {
        reply.code(304);
        return done(null, null);
      }
    } else reply.header('cache-control', 'no-store');
    done(null, payload);
  });
});
