import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';
import { todayUtc } from '../domain/calendar-date';
import { preflighted } from './csrf';
import { observeCache } from './metrics';
import { sharedPlugin } from './plugin';
import { etagOf, type CachedResponse, type PublicResponseCache } from './public-cache';

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

/**
 * The public cache stage (public-cache.ts has the rules). Hits are answered in `onRequest`, before the rate limits,
 * the body and GraphQL: they cost no SQL and no execution, so they are served like a CDN would, the fastest path the
 * server has. A miss is computed as usual and, when it is a clean 200, stored in `onSend` with its ETag (a matching
 * If-None-Match then gets 304). Any other GraphQL answer is marked `Cache-Control: no-store`.
 */
export const publicCache = sharedPlugin(async (app: FastifyInstance, options: { cache: PublicResponseCache; config: AppConfig; now: () => Date }) => {
  const { cache, config, now } = options;
  // The UTC date for cache keys, recomputed at most once a second (a hit should not format a date).
  let todayCache = { at: 0, value: '' };
  const today = (): string => {
    const t = now().getTime();
    if (Math.floor(t / 1000) !== todayCache.at) todayCache = { at: Math.floor(t / 1000), value: todayUtc(new Date(t)) };
    return todayCache.value;
  };
  const publicHeaders = (etag: string): Record<string, string> => ({
    'cache-control': `public, max-age=${config.publicCache.httpMaxAgeSeconds}`,
    etag,
    vary: 'Accept, Authorization, X-Org',
  });

  app.addHook('onRequest', (request, reply, done) => {
    if (!isAnonymousRead(request)) return done();
    const state = request.graphql;
    const q = request.url.indexOf('?');
    const key = `${today()}|${request.headers.accept ?? ''}|${q < 0 ? '' : request.url.slice(q)}`;
    state.cacheKey = key;
    const hit = cache.get(key);
    observeCache(hit ? 'hit' : cache.enabled ? 'miss' : 'off');
    if (!hit) {
      state.generationAtStart = cache.currentGeneration();
      state.stats.readTags = new Set();
      return done();
    }
    state.operation = hit.operation ?? null;
    if (etagMatches(request.headers['if-none-match'], hit.etag)) return void reply.code(304).headers(publicHeaders(hit.etag)).send();
    reply.code(200).headers(hit.headers).send(hit.bytes_);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const state = request.graphql;
    if (!state?.answered) return done(null, payload);
    if (state.cacheKey && typeof payload === 'string' && reply.statusCode === 200 && !hasErrors(payload)) {
      const contentType = reply.getHeader('content-type');
      const cached: CachedResponse = { body: payload, etag: etagOf(payload), contentType: typeof contentType === 'string' ? contentType : 'application/json; charset=utf-8', operation: state.operation };
      const headers = publicHeaders(cached.etag);
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
