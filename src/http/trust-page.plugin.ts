import type { ApolloServer } from '@apollo/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { withQueryStats, type QueryStats } from '../db/query-stats';
import { FRAMEWORKS, type Framework } from '../domain/attestation';
import { todayUtc, type CalendarDate } from '../domain/calendar-date';
import { buildContext, type RequestContext } from '../graphql/context';
import type { Logger } from '../logger';
import { ANONYMOUS } from '../modules/auth/principal';
import type { Storage } from '../modules/storage/storage';
import { badgeShieldsJson, badgeSvg } from '../views/badge';
import { html } from '../views/html';
import { TRUST_PAGE_CSS, TRUST_PAGE_CSS_PATH } from '../views/trust-page.css';
import { badgeFor, renderTrustPage, TRUST_PAGE_QUERY, type TrustPageData } from '../views/trust-page';
import { clientIp, compileTrust } from './client-ip';
import { etagMatches } from './public-cache.plugin';
import { etagOf, type PublicResponseCache } from './public-cache';
import { pageHeaders } from './page-headers';
import { PageViewCounter, type PageViewKind } from './page-views';
import { perAddressLimit, type RateLimiter } from './rate-limit';

/**
 * The hosted trust-center page, its badge and its stylesheet: server-rendered views over the public GraphQL query,
 * executed in-process as an anonymous visitor (the same resolvers, visibility rules and tenant scoping as the API).
 * Rendered pages and badges live in the public response cache under their own keys, tagged with the tenants their
 * SQL read, so the same invalidation (a vendor's change NOTIFYs every process) drops them; keys carry the UTC date,
 * so freshness moves on at midnight. Misses count against the per-address rate limit; hits cost nothing.
 */
export interface TrustPageOptions {
  apollo: ApolloServer<RequestContext>;
  cache: PublicResponseCache;
  config: AppConfig;
  db: Database;
  storage: Storage;
  logger: Logger;
  now: () => Date;
  limiter: RateLimiter;
}

const PAGE_HEADERS = pageHeaders({ referrer: 'same-origin' });
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Rendered {
  body: string;
  contentType: string;
  /** Seconds a browser or CDN may keep it. */
  maxAge: number;
}

export async function trustPageRoutes(app: FastifyInstance, options: TrustPageOptions): Promise<void> {
  const { apollo, cache, config, db, storage, logger, now, limiter } = options;
  const trust = compileTrust(config.trustProxy);
  const perAddress = perAddressLimit(limiter, trust, now);
  // Page views and badge loads per vendor and day, for the vendor's analytics (counts only, written every 5 s).
  const views = new PageViewCounter(db, logger);
  app.addHook('onClose', async () => views.close());
  // The vendor each cached page or badge belongs to (the one tenant its SQL read), so hits are counted too.
  const vendorOfKey = new Map<string, string>();

  /** Runs a public operation as an anonymous visitor; returns its data and the tenants its SQL read. */
  async function runPublic<T>(request: FastifyRequest, query: string, variables: Record<string, unknown>): Promise<{ data: T | null; notFound: boolean; tags: string[] }> {
    const stats: QueryStats = { statements: 0, readTags: new Set() };
    const userAgent = request.headers['user-agent'];
    const contextValue = buildContext({
      requestId: request.id, principal: ANONYMOUS, db, storage, logger, config, now,
      client: { ip: clientIp(request.raw, trust), userAgent: userAgent ? userAgent.slice(0, 512) : null },
    });
    // The query's read session ends with its execution (readSessionPlugin); the finally covers a failure around it.
    const response = await withQueryStats(stats, () => apollo.executeOperation<T>({ query, variables }, { contextValue })).finally(() => stats.readSession?.close());
    if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
    const { data, errors } = response.body.singleResult;
    const notFound = errors?.some((e) => e.extensions?.code === 'NOT_FOUND') ?? false;
    if (errors?.length && !notFound) throw new Error(`public operation failed: ${errors.map((e) => `${String(e.extensions?.code)} ${e.message}`).join('; ')}`);
    return { data: (data ?? null) as T | null, notFound, tags: [...(stats.readTags ?? [])] };
  }

  /** Past the per-address limit: 429 with Retry-After (only misses and downloads are counted). */
  async function overLimit(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const decision = await perAddress(request, 'ip', config.rateLimits.perIpPerMinute);
    if (!decision || decision.allowed) return false;
    void reply.code(429).header('retry-after', String(decision.resetSeconds)).type('text/plain; charset=utf-8').send(`Too many requests from this address: ${decision.limit} a minute.`);
    return true;
  }

  /** Serves from the cache, or renders, stores (when nothing changed meanwhile) and serves. */
  async function cached(request: FastifyRequest, reply: FastifyReply, key: string, kind: PageViewKind, extraHeaders: Record<string, string>, render: () => Promise<{ rendered: Rendered; tags: string[] } | null>): Promise<unknown> {
    const hit = cache.get(key);
    const vendor = vendorOfKey.get(key);
    if (hit && vendor) views.count(vendor, today(), kind);
    if (hit) {
      if (etagMatches(request.headers['if-none-match'], hit.etag)) return reply.code(304).headers(hit.headers).send();
      return reply.code(200).headers(hit.headers).send(hit.bytes_);
    }
    if (await overLimit(request, reply)) return reply;
    const generation = cache.currentGeneration();
    const result = await render();
    if (!result) return notFoundPage(reply);
    const { rendered, tags } = result;
    const tenants = tags.filter((t) => UUID.test(t));
    if (tenants.length === 1) {
      if (vendorOfKey.size >= 100_000) vendorOfKey.clear();
      vendorOfKey.set(key, tenants[0]!);
      views.count(tenants[0]!, today(), kind);
    }
    const etag = etagOf(rendered.body);
    const headers = { ...extraHeaders, 'content-type': rendered.contentType, etag, 'cache-control': `public, max-age=${rendered.maxAge}` };
    cache.set(key, { body: rendered.body, etag, contentType: rendered.contentType, operation: null }, tags, generation, headers);
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).headers(headers).send();
    return reply.code(200).headers(headers).send(rendered.body);
  }

  const today = (): CalendarDate => todayUtc(now());

  async function loadPage(request: FastifyRequest, slug: string): Promise<{ page: TrustPageData; tags: string[] } | null> {
    if (!SLUG.test(slug)) return null;
    const { data, notFound, tags } = await runPublic<{ trustCenter: TrustPageData }>(request, TRUST_PAGE_QUERY, { slug });
    if (notFound || !data) return null;
    return { page: data.trustCenter, tags };
  }

  function notFoundPage(reply: FastifyReply): FastifyReply {
    const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not found</title><link rel="stylesheet" href="${TRUST_PAGE_CSS_PATH}"></head><body><main><h1>Not found</h1><p>There is no published trust center here.</p></main></body></html>`;
    return reply.code(404).headers({ ...PAGE_HEADERS, 'cache-control': 'no-store' }).type('text/html; charset=utf-8').send(body.value);
  }

  app.get(TRUST_PAGE_CSS_PATH, async (_request, reply) =>
    reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff' }).send(TRUST_PAGE_CSS));

  app.get<{ Params: { slug: string } }>('/trust/:slug', async (request, reply) => {
    const { slug } = request.params;
    return cached(request, reply, `page|${today()}|${slug}`, 'PAGE_VIEW', PAGE_HEADERS, async () => {
      const loaded = await loadPage(request, slug);
      if (!loaded) return null;
      const body = renderTrustPage(loaded.page, { stylesheet: TRUST_PAGE_CSS_PATH, today: today() });
      return { rendered: { body, contentType: 'text/html; charset=utf-8', maxAge: config.publicCache.httpMaxAgeSeconds }, tags: loaded.tags };
    });
  });

  for (const format of ['svg', 'json'] as const) {
    app.get<{ Params: { slug: string }; Querystring: { framework?: string } }>(`/trust/:slug/badge.${format}`, async (request, reply) => {
      const { slug } = request.params;
      const framework = (request.query.framework ?? 'SOC2').toUpperCase();
      if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
        return reply.code(400).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send(`Unknown framework "${framework.slice(0, 40)}": one of ${FRAMEWORKS.join(', ')}.`);
      }
      return cached(request, reply, `badge|${format}|${today()}|${slug}|${framework}`, 'BADGE_LOAD', format === 'svg' ? { 'content-security-policy': "default-src 'none'", 'x-content-type-options': 'nosniff' } : { 'access-control-allow-origin': '*' }, async () => {
        const loaded = await loadPage(request, slug);
        if (!loaded) return null;
        const badge = badgeFor(loaded.page, framework as Framework);
        const body = format === 'svg' ? badgeSvg(badge) : JSON.stringify(badgeShieldsJson(badge));
        // Short-lived in browsers and CDNs: a freshness transition or a withdrawal shows within five minutes.
        return { rendered: { body, contentType: format === 'svg' ? 'image/svg+xml; charset=utf-8' : 'application/json; charset=utf-8', maxAge: 300 }, tags: loaded.tags };
      });
    });
  }

  app.get<{ Params: { slug: string; documentId: string } }>('/trust/:slug/documents/:documentId/download', async (request, reply) => {
    if (await overLimit(request, reply)) return reply;
    const { data, notFound } = await runPublic<{ requestDocumentDownload: { download: { url: string } | null } }>(
      request,
      'mutation HostedPageDownload($id: ID!) { requestDocumentDownload(documentId: $id) { download { url } errors { code message } } }',
      { id: request.params.documentId },
    );
    const url = data?.requestDocumentDownload.download?.url;
    if (notFound || !url) return notFoundPage(reply);
    return reply.code(303).headers({ location: url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).send();
  });
}
