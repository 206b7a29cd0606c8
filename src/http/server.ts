import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import proxyaddr from 'proxy-addr';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { AppConfig } from '../config/config';
import type { Database } from '../db/database';
import { withQueryStats, type QueryStats } from '../db/query-stats';
import { buildContext, type RequestContext } from '../graphql/context';
import { formatError, isDatabaseUnavailable } from '../graphql/format-error';
import { StorageUnavailableError } from '../modules/storage/storage';
import { costLimitPlugin, documentLimits, textValidityPlugin } from '../graphql/limits';
import { buildAppSchema } from '../graphql/schema';
import type { Logger } from '../logger';
import type { Storage } from '../modules/storage/storage';
import { GraphQLError } from 'graphql';
import { resolvePrincipal, type Principal } from '../modules/auth/principal';
import { claimKey, completeKey, KEY_PATTERN, releaseKey, requestHash, wroteNothing } from './idempotency';
import { serveIdeAsset, serveIdePage } from './ide';
import { observeRequest } from './metrics';
import { consume, type RateLimitDecision } from './rate-limit';
import { etagOf, PublicChangeListener, PublicResponseCache, type CachedResponse } from './public-cache';
import { isRegistered, loadManifest, PersistedQueryStore, requestedOperation } from './operations';
import { todayUtc } from '../domain/calendar-date';
import { observeCache } from './metrics';

const MAX_BODY_BYTES = 1024 * 1024;

export interface AppServer {
  httpServer: http.Server;
  apollo: ApolloServer<RequestContext>;
  /** Anonymous GET responses, dropped on PostgreSQL NOTIFY (see public-cache.ts). */
  publicCache: PublicResponseCache;
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

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) return reject(new HttpError(413, `Request body over ${MAX_BODY_BYTES} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `Request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Which X-Forwarded-For hops to believe (TRUST_PROXY), as proxy-addr walks them from the socket outwards: a number of
 * hops (as Express counts them) or the proxies' addresses. The client address is the first hop not trusted, so a
 * client can prepend whatever it likes to X-Forwarded-For and still be seen at the address our proxy saw.
 */
export function compileTrust(trust: AppConfig['trustProxy']): (address: string, hop: number) => boolean {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust.length === 0 ? () => false : proxyaddr.compile(trust);
}

/** The client address; null when the socket is already gone. */
export function clientIp(req: IncomingMessage, trust: (address: string, hop: number) => boolean): string | null {
  if (!req.socket.remoteAddress) return null;
  return proxyaddr(req, trust).slice(0, 64);
}

function operationNameOf(body: unknown, url: URL): string | null {
  const fromBody = body && typeof body === 'object' && 'operationName' in body ? (body as { operationName?: unknown }).operationName : null;
  const name = typeof fromBody === 'string' ? fromBody : url.searchParams.get('operationName');
  return name && /^[_A-Za-z][_0-9A-Za-z]{0,99}$/.test(name) ? name : null;
}

/** RateLimit header fields (IETF httpapi draft): the tightest limit that applied to this request. */
function setRateLimitHeaders(res: ServerResponse, d: RateLimitDecision): void {
  res.setHeader('ratelimit-limit', String(d.limit));
  res.setHeader('ratelimit-remaining', String(d.remaining));
  res.setHeader('ratelimit-reset', String(d.resetSeconds));
  res.setHeader('ratelimit-policy', `${d.limit};w=60`);
}

/** Apollo's CSRF rule: a request a browser would send without a preflight is refused (we apply it to cache hits too). */
function preflighted(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const simple = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
  return (type !== '' && !simple.includes(type)) || Boolean(req.headers['x-apollo-operation-name']) || Boolean(req.headers['apollo-require-preflight']);
}

/** A GET with no credentials: what it returns is what any visitor sees, so it may be shared and cached. */
function isAnonymousRead(req: IncomingMessage): boolean {
  return req.method === 'GET' && req.headers.authorization === undefined && req.headers['x-org'] === undefined && preflighted(req);
}

function etagMatches(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function loggingPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors, operationName }) {
          for (const error of errors) {
            const code = error.extensions?.code;
            if (code && code !== 'INTERNAL_SERVER_ERROR') continue;
            const original = error.originalError ?? error;
            if (isDatabaseUnavailable(original) || original instanceof StorageUnavailableError) {
              // An outage, not a bug: one short line, no stack (thousands of requests may fail alike).
              logger.warn('dependency unavailable', { requestId: contextValue.requestId, operationName, error: original.message.slice(0, 200) });
              continue;
            }
            logger.error('unexpected error', {
              requestId: contextValue.requestId,
              operationName,
              error: original.message,
              stack: original.stack?.split('\n').slice(0, 8).join('\n'),
            });
          }
        },
      };
    },
  };
}

/** Ready when PostgreSQL and object storage both answer within 2 s. */
async function readiness(db: Database, storage: Storage): Promise<{ ready: boolean; postgres: string; storage: string }> {
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
  const [pgCheck, s3Check] = await Promise.allSettled([within(db.dataSource.query('SELECT 1')), within(storage.ping())]);
  const state = (r: PromiseSettledResult<unknown>): string => (r.status === 'fulfilled' ? 'ok' : `unavailable: ${r.reason instanceof Error ? r.reason.message.slice(0, 200) : 'error'}`);
  return { ready: pgCheck.status === 'fulfilled' && s3Check.status === 'fulfilled', postgres: state(pgCheck), storage: state(s3Check) };
}

/** PostgreSQL unreachable while building the context: HTTP 503 with a code, not a masked 500. */
function unavailable(): GraphQLError {
  return new GraphQLError('The service is temporarily unavailable; retry shortly', { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
}

/** Request errors the GraphQL-over-HTTP spec wants answered 200 under `application/json` (400 stays for our limits). */
const SPEC_REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

/**
 * GraphQL-over-HTTP, "application/json" (the legacy media type a client gets when it does not ask for
 * application/graphql-response+json): a document that fails to parse or validate, or variables that fail coercion,
 * SHOULD still be answered 200, since a legacy client reads errors from the body. Apollo answers 400 whatever the
 * media type; this only relaxes those three cases, never the limits, rate limits or authentication.
 */
function legacyJsonRequestError(contentType: string | undefined, text: string): boolean {
  if (!contentType?.startsWith('application/json')) return false;
  try {
    const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    return body.data === undefined && Array.isArray(body.errors) && body.errors.length > 0 &&
      body.errors.every((e) => typeof e.extensions?.code === 'string' && SPEC_REQUEST_ERRORS.has(e.extensions.code));
  } catch {
    return false;
  }
}

function hasErrors(text: string): boolean {
  try {
    return (JSON.parse(text) as { errors?: unknown }).errors !== undefined;
  } catch {
    return true;
  }
}

export async function createAppServer(deps: ServerDeps): Promise<AppServer> {
  const { config, db, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const schema = await buildAppSchema();
  const limits = documentLimits(config);
  const trustProxy = compileTrust(config.trustProxy);
  const manifest = config.operations.mode === 'registered' && config.operations.manifestPath ? loadManifest(config.operations.manifestPath) : null;
  const publicCache = new PublicResponseCache({ maxEntries: config.publicCache.maxEntries, maxBytes: config.publicCache.maxBytes, ttlSeconds: config.publicCache.ttlSeconds });
  const listenerUrl = (db.dataSource.options as { url?: string }).url;
  const listener = config.publicCache.maxEntries > 0 && listenerUrl ? new PublicChangeListener(listenerUrl, publicCache, logger) : null;
  await listener?.start();
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
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    // Introspection stays on for single types (`__type(name:)`, which the GraphQL-over-HTTP audit and client tools
    // use); production refuses the whole-schema dump (`__schema`, see limits.ts) and hides field suggestions.
    introspection: true,
    hideSchemaDetailsFromClientErrors: config.env === 'production',
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    persistedQueries: { cache: new PersistedQueryStore(db, manifest), ttl: null },
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    // Cache-Control is ours (public-cache.ts); Apollo's cache-control plugin would only wrap every field resolver.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), loggingPlugin(logger), textValidityPlugin(), costLimitPlugin(schema, config.limits.maxCost)],
  });
  await apollo.start();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = (typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,128}$/.test(req.headers['x-request-id']) ? req.headers['x-request-id'] : randomUUID());
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (url.pathname === '/readyz') {
      const checks = await readiness(db, deps.storage);
      return sendJson(res, checks.ready ? 200 : 503, checks);
    }
    const ide = config.env !== 'production';
    if (ide && url.pathname.startsWith('/ide/') && req.method === 'GET' && serveIdeAsset(url.pathname.slice(5), res)) return;
    if (ide && url.pathname === '/graphql' && req.method === 'GET' && !url.search && (req.headers.accept ?? '').includes('text/html')) return serveIdePage(res);
    if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found: the API is at /graphql' });
    if (req.method !== 'GET' && req.method !== 'POST') return sendJson(res, 405, { error: 'Use GET or POST' }, { allow: 'GET, POST' });

    // RFC 9110: Authorization does not repeat. Node keeps the first line and drops the rest; a proxy in front might
    // read the last, and then the two would disagree about who is calling. Refuse instead of choosing.
    if (req.rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization').length > 1) {
      return sendJson(res, 400, { errors: [{ message: 'Send exactly one Authorization header', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const stats: QueryStats = { statements: 0 };
    const ip = clientIp(req, trustProxy);
    const started = process.hrtime.bigint();
    // One line per GraphQL request: who (org, never the token), what (operation), how long, how many statements.
    const requestLog: { org: string | null; operation: string | null } = { org: null, operation: null };
    res.once('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.request({ requestId, org: requestLog.org, operation: requestLog.operation, status: res.statusCode, durationMs: Math.round(durationMs * 10) / 10, statements: stats.statements });
      observeRequest(requestLog.operation, res.statusCode, durationMs / 1000);
    });
    // Cache hits come first: they cost no SQL and no GraphQL execution, so they are served like a CDN would, without
    // touching the rate-limit counters in PostgreSQL (misses are counted as usual).
    const cacheKey = isAnonymousRead(req) ? `${today()}|${req.headers.accept ?? ''}|${url.search}` : null;
    if (cacheKey) {
      const hit = publicCache.get(cacheKey);
      observeCache(hit ? 'hit' : publicCache.enabled ? 'miss' : 'off');
      if (hit) {
        requestLog.operation = hit.operation ?? null;
        if (etagMatches(req, hit.etag)) {
          res.writeHead(304, publicHeaders(hit.etag));
          return void res.end();
        }
        res.writeHead(200, hit.headers);
        return void res.end(hit.bytes_);
      }
    }
    await withQueryStats(stats, async () => {
      // Anonymous requests are counted per address before anything else. A request with credentials has both its
      // counters (address and principal) bumped in one statement once it is authenticated (one write, not two);
      // if authentication fails, the address is still counted.
      const ipKey = { key: `ip:${ip}`, limit: config.rateLimits.perIpPerMinute };
      const deferIp = req.headers.authorization !== undefined;
      if (!deferIp) {
        const byIp = await consume(db, [ipKey], now());
        if (byIp) setRateLimitHeaders(res, byIp);
        if (byIp && !byIp.allowed) {
          res.setHeader('retry-after', String(byIp.resetSeconds));
          return sendJson(res, 429, { errors: [{ message: `Too many requests from this address: ${byIp.limit} a minute`, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: byIp.resetSeconds } }] });
        }
      }
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      let body: unknown = undefined;
      if (req.method === 'POST') {
        const raw = await readBody(req);
        const type = headers.get('content-type') ?? '';
        if (type.includes('application/json')) {
          try {
            body = raw.length > 0 ? JSON.parse(raw) : undefined;
          } catch {
            throw new HttpError(400, 'Request body is not valid JSON');
          }
        } else body = raw;
      }
      if (manifest && !isRegistered(manifest, requestedOperation(req.method!, url, body))) {
        return sendJson(res, 400, { errors: [{ message: 'This server runs registered operations only: send the sha256 of an operation from its manifest (extensions.persistedQuery) or its exact text.', extensions: { code: 'PERSISTED_QUERY_NOT_REGISTERED' } }] });
      }
      // Resolved once per request: by the idempotency step when the request carries a key, else by the context.
      let principalPromise: Promise<Principal> | null = null;
      const principalOnce = (): Promise<Principal> =>
        (principalPromise ??= resolvePrincipal(db, config.jwt, { authorization: headers.get('authorization'), xOrg: headers.get('x-org') }));
      let idempotent: { orgId: string; key: string } | null = null;
      const idempotencyKey = req.headers['idempotency-key'];
      if (idempotencyKey !== undefined) {
        const refuse = (status: number, code: string, message: string, extra: Record<string, string> = {}): void =>
          sendJson(res, status, { errors: [{ message, extensions: { code } }] }, { 'cache-control': 'no-store', ...extra });
        if (req.method !== 'POST') return refuse(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key applies to POST requests only');
        if (typeof idempotencyKey !== 'string' || !KEY_PATTERN.test(idempotencyKey)) {
          return refuse(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice)');
        }
        const principal = await principalOnce().catch(() => null); // an invalid token is answered by the normal path
        const orgId = principal?.active?.orgId;
        if (principal && orgId) {
          const who = principal.apiKey ? `key:${principal.apiKey.id}` : `user:${principal.user?.id ?? 'none'}`;
          const claim = await claimKey(db, orgId, idempotencyKey, who, requestHash(body));
          if (claim.kind === 'replay') {
            res.writeHead(claim.status, { 'content-type': 'application/json; charset=utf-8', 'idempotent-replayed': 'true', 'cache-control': 'no-store' });
            return void res.end(claim.body);
          }
          if (claim.kind === 'in_progress') {
            return refuse(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', 'A request with this Idempotency-Key is still running; retry shortly for its result', { 'retry-after': '1' });
          }
          if (claim.kind === 'reused') {
            return refuse(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request (or by someone else) in the last 24 hours: use a new key per request');
          }
          idempotent = { orgId, key: idempotencyKey };
        }
      }
      if (cacheKey) stats.readTags = new Set();
      const generationAtStart = publicCache.currentGeneration();
      const execution = apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method!, headers, search: url.search, body },
        context: async () => {
          const count = async (keys: { key: string; limit: number }[]): Promise<void> => {
            const decision = await consume(db, keys, now()).catch((error: unknown) => {
              throw isDatabaseUnavailable(error) ? unavailable() : error;
            });
            if (decision) setRateLimitHeaders(res, decision);
            if (decision && !decision.allowed) {
              res.setHeader('retry-after', String(decision.resetSeconds));
              throw new GraphQLError(`Rate limit of ${decision.limit} requests a minute reached; retry in ${decision.resetSeconds} s`, {
                extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.resetSeconds, http: { status: 429 } },
              });
            }
          };
          let principal: Principal;
          try {
            principal = await principalOnce();
          } catch (error) {
            if (deferIp && !isDatabaseUnavailable(error)) await count([ipKey]); // bad credentials still count
            throw isDatabaseUnavailable(error) ? unavailable() : error;
          }
          const principalKey = principal.apiKey ? `key:${principal.apiKey.id}` : principal.user ? `user:${principal.user.id}` : null;
          const keys = [...(principalKey ? [{ key: principalKey, limit: config.rateLimits.perPrincipalPerMinute }] : []), ...(deferIp ? [ipKey] : [])];
          if (keys.length > 0) await count(keys);
          requestLog.org = principal.active?.slug ?? null;
          requestLog.operation = operationNameOf(body, url);
          const userAgent = headers.get('user-agent');
          return buildContext({
            requestId, principal, db, storage: deps.storage, logger, config, now,
            client: { ip, userAgent: userAgent ? userAgent.slice(0, 512) : null },
          });
        },
      });
      // Past GRAPHQL_MAX_EXECUTION_MS the client is answered 503 TIMEOUT; the work itself runs on (each SQL statement
      // is bounded by DB_STATEMENT_TIMEOUT_MS), and under an Idempotency-Key its eventual result is still kept, so a
      // retry with the same key gets it instead of running a second time.
      let timedOut = false;
      const maxMs = config.limits.maxExecutionMs;
      const timer = maxMs > 0 ? setTimeout(() => {
        timedOut = true;
        if (res.headersSent) return;
        sendJson(res, 503, { errors: [{ message: `No answer within ${maxMs} ms; a mutation may still complete: retry with the same Idempotency-Key to get its result`, extensions: { code: 'TIMEOUT' } }] }, { 'cache-control': 'no-store', 'retry-after': '1' });
      }, maxMs) : null;
      const response = await execution.catch(async (error: unknown) => {
        if (idempotent) await releaseKey(db, idempotent.orgId, idempotent.key).catch(() => undefined);
        throw error;
      }).finally(() => {
        if (timer) clearTimeout(timer);
      });
      if (timedOut) {
        if (idempotent && response.body.kind === 'complete') {
          const text = response.body.string;
          const status = response.status ?? 200;
          await (wroteNothing(status, text) ? releaseKey(db, idempotent.orgId, idempotent.key) : completeKey(db, idempotent.orgId, idempotent.key, status, text)).catch(() => undefined);
        } else if (idempotent) await releaseKey(db, idempotent.orgId, idempotent.key).catch(() => undefined);
        return;
      }
      for (const [key, value] of response.headers) res.setHeader(key, value);
      if (config.env !== 'production') res.setHeader('x-sql-statements', String(stats.statements));
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        const text = response.body.string;
        if (res.statusCode === 400 && legacyJsonRequestError(response.headers.get('content-type'), text)) res.statusCode = 200;
        if (cacheKey && res.statusCode === 200 && !hasErrors(text)) {
          const cached: CachedResponse = { body: text, etag: etagOf(text), contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8', operation: requestLog.operation };
          publicCache.set(cacheKey, cached, [...(stats.readTags ?? [])], generationAtStart, publicHeaders(cached.etag));
          for (const [key, value] of Object.entries(publicHeaders(cached.etag))) res.setHeader(key, value);
          res.setHeader('x-cache', 'miss');
          if (etagMatches(req, cached.etag)) {
            res.statusCode = 304;
            return void res.end();
          }
        } else res.setHeader('cache-control', 'no-store');
        if (idempotent) {
          const { orgId, key } = idempotent;
          // The answer goes out even if keeping it fails: the client has its result (the key then goes stale, see idempotency.ts).
          await (wroteNothing(res.statusCode, text) ? releaseKey(db, orgId, key) : completeKey(db, orgId, key, res.statusCode, text)).catch((error: unknown) =>
            logger.warn('idempotency key not recorded', { requestId, error: error instanceof Error ? error.message : String(error) }));
        }
        res.end(text);
      } else {
        res.setHeader('cache-control', 'no-store');
        if (idempotent) await releaseKey(db, idempotent.orgId, idempotent.key);
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      }
    });
  };

  let closing = false;
  // Responses not yet finished, so that close() can tell them to say Connection: close.
  const inFlight = new Set<http.ServerResponse>();
  const httpServer = http.createServer((req, res) => {
    if (closing) res.shouldKeepAlive = false;
    else {
      inFlight.add(res);
      res.once('close', () => inFlight.delete(res));
    }
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: 'BAD_REQUEST' } }] });
      if (isDatabaseUnavailable(error)) {
        // Rate limits and idempotency keys read PostgreSQL before GraphQL runs: an outage there is a 503 too.
        logger.warn('dependency unavailable', { error: error instanceof Error ? error.message.slice(0, 200) : String(error) });
        if (!res.headersSent) {
          return sendJson(res, 503, { errors: [{ message: 'The service is temporarily unavailable; retry shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }, { 'retry-after': '1', 'cache-control': 'no-store' });
        }
        return void res.end();
      }
      logger.error('request failed', { error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });
  httpServer.keepAliveTimeout = 65_000;

  return {
    httpServer,
    apollo,
    publicCache,
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
      await apollo.stop();
    },
  };
}
