import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';
import type { Logger } from '../logger';
import { todayUtc } from '../domain/calendar-date';
import { preflighted } from './csrf';
import { observeCache } from './metrics';
import { sharedPlugin } from './plugin';
import { etagOf, type CachedResponse, type PublicResponseCache } from './public-cache';
import { logRequest } from './request-log';

/** A GET with no credentials: what it returns is what any visitor sees, so it may be shared and cached. */
export function isAnonymousRead(request: Pick<FastifyRequest, 'method' | 'headers'>): boolean {
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

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the hit stage for an anonymous read it could not answer: the request's key in the public cache. */
    publicCacheKey: string | null;
  }
}

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
 * The public cache, first of two stages (public-cache.ts has the rules): hits. The very first `onRequest` hook of the
 * server, so that a hit costs no other stage, no SQL and no GraphQL: an anonymous GET of /graphql whose answer is in
 * the cache is written straight to the socket (the reply is hijacked: no onSend stages), with its request id, ETag
 * (304 when If-None-Match matches) and its own log line. Served like a CDN would, it is not counted against rate
 * limits. Anything else goes on, an anonymous read with its cache key.
 */
export const publicCacheHits = sharedPlugin(async (app: FastifyInstance, options: PublicCacheOptions) => {
  const { cache, config, now, logger } = options;
  // The UTC date for cache keys, recomputed at most once a second (a hit should not format a date).
  let todayCache = { at: 0, value: '' };
  const today = (): string => {
    const t = now().getTime();
    if (Math.floor(t / 1000) !== todayCache.at) todayCache = { at: Math.floor(t / 1000), value: todayUtc(new Date(t)) };
    return todayCache.value;
  };
  app.decorateRequest('publicCacheKey', null);
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.url !== '/graphql' || !isAnonymousRead(request)) return done();
    const started = process.hrtime.bigint();
    const q = request.url.indexOf('?');
    const key = `${today()}|${request.headers.accept ?? ''}|${q < 0 ? '' : request.url.slice(q)}`;
    const hit = cache.get(key);
    observeCache(hit ? 'hit' : cache.enabled ? 'miss' : 'off');
    if (!hit) {
      request.publicCacheKey = key;
      return done();
    }
    reply.hijack();
    const res = reply.raw;
    if (etagMatches(request.headers['if-none-match'], hit.etag)) {
      res.writeHead(304, { ...publicHeaders(config, hit.etag), 'x-request-id': request.id });
      res.end();
    } else {
      res.writeHead(200, { ...hit.headers, 'x-request-id': request.id });
      res.end(hit.bytes_);
    }
    logRequest(logger, request.id, started, res.statusCode, { org: null, operation: hit.operation ?? null, statements: 0 });
  });
});

/**
 * The public cache, second stage, in the GraphQL context: a miss is computed as usual and, when it is a clean 200, stored
 * in `onSend` with its ETag (a matching If-None-Match then gets 304). Any other GraphQL answer is marked
 * `Cache-Control: no-store`.
 */
export const publicCacheStore = sharedPlugin(async (app: FastifyInstance, options: Omit<PublicCacheOptions, 'now' | 'logger'>) => {
  const { cache, config } = options;
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.publicCacheKey === null) return done();
    const state = request.graphql;
    state.cacheKey = request.publicCacheKey;
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
